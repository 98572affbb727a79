"""Make module_utils importable as plain modules for the SIPP unit tests."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
for sub in ("module_utils", "library"):
    path = str(ROOT / sub)
    if path not in sys.path:
        sys.path.insert(0, path)
