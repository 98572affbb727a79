"""Benchmark: the CPU an Ansible task costs on a lab host, with and without the lab image's
bytecode cache for module payloads (lab/image/court_lab_pyc.py; goal: at most 0.8 of it).

Every task runs its module as a new Python process that imports ``ansible.module_utils`` from
the zip payload the controller sent; without the cache each of them compiles those files again.
This takes one real payload (``ansible.builtin.command: true``, kept on the lab's SIPP server
with ANSIBLE_KEEP_REMOTE_FILES) and runs it on that server ROUNDS x RUNS times, the two settings
alternating round by round, summing the children's user + system CPU (``getrusage``) per setting.

Run: ``python tests/bench/bench_modules.py`` (needs the lab: ./court bench starts it).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))

from labkit import ROOT, env, podman_exec  # noqa: E402

HOST = "courtlab-sipp"
GOAL = 0.8
ROUNDS, RUNS = 6, 10

# Runs on the lab host: the payload RUNS times per round with COURT_LAB_PYC on and off, in turn.
TIMER = """
import json, os, resource, subprocess, sys
payload, rounds, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cpu = {"1": 0.0, "0": 0.0}
for _ in range(rounds):
    for mode in ("1", "0"):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        for _ in range(runs):
            subprocess.run([sys.executable, payload], check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "COURT_LAB_PYC": mode})
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu[mode] += after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
print(json.dumps({m: s / (rounds * runs) for m, s in cpu.items()}))
"""


def keep_payload() -> str:
    """Run one command task against the lab host (podman connection) and keep its payload."""
    e = env() | {"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_PIPELINING": "0"}
    proc = subprocess.run(
        ["ansible", "all", "-i", f"{HOST},", "-c", "containers.podman.podman", "-m", "command",
         "-a", "true", "-e", "ansible_python_interpreter=/usr/bin/python3", "-vvv"],
        capture_output=True, text=True, env=e, cwd=ROOT, check=True, timeout=300,
    )  # fmt: skip
    paths = re.findall(r"(/root/\.ansible/tmp/[^\s'\"]*/AnsiballZ_command\.py)", proc.stdout)
    if not paths:
        raise SystemExit("bench_modules: no AnsiballZ payload kept on the lab host")
    return paths[-1]


def main() -> int:
    payload = keep_payload()
    try:
        out = podman_exec(HOST, "python3", "-c", TIMER, payload, str(ROUNDS), str(RUNS)).stdout
    finally:
        podman_exec(HOST, "rm", "-rf", str(Path(payload).parent), check=False)
    cpu = json.loads(out)
    cached, compiled = cpu["1"], cpu["0"]
    ratio = cached / compiled
    print(f"{ROUNDS * RUNS} runs each: cached {cached * 1000:.0f} ms, compiled {compiled * 1000:.0f} ms CPU")
    print(
        f"RESULT | Ansible task on a lab host (command: true), CPU with the payload bytecode cache "
        f"vs compiling | {cached * 1000:.0f} ms vs {compiled * 1000:.0f} ms = {ratio:.2f} | <= {GOAL}"
    )
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
