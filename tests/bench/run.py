"""The one benchmark command: run every benchmark side by side and print one table.

Each ``tests/bench/bench_*.py`` measures its own comparison in one process (the two things it
compares run back to back on the same machine) and prints lines of the form
``RESULT | <what> | <measured figure> | <goal>``. This script runs them one after another,
keeps their full output in ``.lab/bench/<name>.log`` and prints the collected results as one
table with the machine they ran on.

Run: ``./court bench`` (sets up and starts the lab first) or
``python tests/bench/run.py [--only NAME ...] [--skip NAME ...]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def machine() -> str:
    """Return one line describing the machine: CPU model, cores, memory, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{cpu}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, Python {platform.python_version()}"


def parse_results(output: str) -> list[tuple[str, str, str]]:
    """Given a benchmark's output, return its (what, figure, goal) RESULT lines."""
    rows = []
    for line in output.splitlines():
        if line.startswith("RESULT |"):
            parts = [p.strip() for p in line.split("|")[1:]]
            parts += [""] * (3 - len(parts))
            # a "|" inside the description (a shell pipe) stays in it: figure and goal are last
            rows.append(("|".join(parts[:-2]), parts[-2], parts[-1]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run all benchmarks and print one table.")
    parser.add_argument("--only", nargs="*", default=[], help="benchmark names, e.g. bench_scale")
    parser.add_argument("--skip", nargs="*", default=[], help="benchmark names to leave out")
    args = parser.parse_args(argv)
    benches = sorted(p for p in HERE.glob("bench_*.py"))
    if args.only:
        benches = [p for p in benches if p.stem in args.only]
    benches = [p for p in benches if p.stem not in args.skip]
    if not benches:
        print("bench: no benchmark selected", file=sys.stderr)
        return 2
    logs = ROOT / ".lab" / "bench"
    logs.mkdir(parents=True, exist_ok=True)
    table: list[tuple[str, str, str, str]] = []
    failed: list[str] = []
    for bench in benches:
        print(f"== {bench.stem}", flush=True)
        t = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, str(bench)], cwd=ROOT, capture_output=True, text=True, check=False
        )
        took = time.perf_counter() - t
        out = proc.stdout + proc.stderr
        (logs / f"{bench.stem}.log").write_text(out, encoding="utf-8")
        rows = parse_results(proc.stdout)
        if proc.returncode != 0 or not rows:
            failed.append(f"{bench.stem} (exit {proc.returncode}, see .lab/bench/{bench.stem}.log)")
        for what, figure, goal in rows:
            table.append((bench.stem.removeprefix("bench_"), what, figure, goal))
        print(f"   {len(rows)} result(s) in {took:.0f} s", flush=True)
    print()
    print(f"machine: {machine()}")
    widths = [max(len(r[i]) for r in [("area", "what", "measured", "goal"), *table]) for i in range(4)]
    header = ("area", "what", "measured", "goal")
    print(" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("-|-".join("-" * w for w in widths))
    for row in table:
        print(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
    if failed:
        print("\nbenchmarks that failed or printed no RESULT line: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
