"""Benchmark: the read-only compliance audit vs a check-mode day-30 run, on the lab.

Both answer "is the court still as the SOP wants it?": ``sop run day30 --check`` by asking every
day-30 role what it would change, ``sop comply`` by checking the state each control establishes
(plus the daily backups, access and certificate). Runs, back to back on the converged lab, with a
throw-away record store:

1. ``sop run day30 --check`` (check-mode records do not count as done);
2. ``sop comply`` (every control, every host).

Prints the two wall times and their ratio (comply / check-mode day-30; goal ≤ 0.5: the audit is
cheap enough to run daily). Run: ``./court lab-up && python tests/bench/bench_comply.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOP = Path(sys.executable).parent / "sop"


def timed(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``sop ARGS``; return (wall seconds, the process)."""
    t = time.perf_counter()
    proc = subprocess.run([str(SOP), *args], env=env, capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - t, proc


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="bench-comply-") as tmp:
        (Path(tmp) / "sop.yml").write_text("{}\n")
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SOP_")},
            "SOP_RECORDS": str(Path(tmp) / "records.sqlite"),
            "SOP_CONFIG": str(Path(tmp) / "sop.yml"),
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "PATH": f"{SOP.parent}:{os.environ.get('PATH', '')}",
        }
        check_s, check = timed(["run", "day30", "--check", "--json"], env)
        if check.returncode not in (0, 1):
            print(check.stdout[-2000:], check.stderr[-2000:], file=sys.stderr)
            return 1
        comply_s, comply = timed(["comply", "--json"], env)
        if comply.returncode not in (0, 1):
            print(comply.stdout[-2000:], comply.stderr[-2000:], file=sys.stderr)
            return 1
        shown = json.loads(comply.stdout)
        n = len(shown["results"])
        print(
            f"check-mode day-30: {check_s:.1f} s; sop comply: {comply_s:.1f} s, {n} checks, {shown['counts']}"
        )
        print(f"RESULT | sop run day30 --check on the lab | {check_s:.1f} s | -")
        print(f"RESULT | sop comply on the lab ({n} control checks, 9 SOP activities) | {comply_s:.1f} s | -")
        print(f"RESULT | sop comply / check-mode day-30 (wall) | {comply_s / check_s:.2f} | ≤ 0.5")
    return 0


if __name__ == "__main__":
    sys.exit(main())
