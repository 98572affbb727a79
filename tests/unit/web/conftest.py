"""Make the repository's module_utils/ and library/ importable as Ansible sees them."""

import sys
from pathlib import Path

import ansible.module_utils

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "module_utils") not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(str(ROOT / "module_utils"))
if str(ROOT / "library") not in sys.path:
    sys.path.insert(0, str(ROOT / "library"))
