"""Benchmark: the day-30 maintenance on the lab, tuned vs Ansible defaults, and idempotence.

Runs ``playbooks/day30.yml`` against the lab four times, back to back:

0. (unless ``--reuse``) the lab's server containers are recreated and provisioned, and SIPP-2
   backs up once, so run 1 is a court's first day-30: its servers as the court runs them, never
   touched by the day-30 roles (the lab image carries the packages; a real first run would also
   install them);
1. tuned, first run (the project's ansible.cfg: pipelining, SSH ControlPersist, forks, smart
   gathering with a fact cache) — changes things;
2. tuned, second run — must report ``changed=0`` and take at most half the time of run 1;
3. Ansible defaults (same inventory, roles and plugins; no pipelining, no ControlPersist, 5 forks,
   implicit fact gathering) on the converged lab — compared with run 2 (goal: tuned ≥ 2× faster);
4. tuned + mitogen (only when the optional ``mitogen`` package is installed).

Records of these runs go to a throw-away store. Prints RESULT lines for tests/bench/run.py.
Run: ``./court lab-up && python tests/bench/bench_day30.py [--reuse]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "day30.yml"

DEFAULTS_CFG = """\
[defaults]
inventory = {root}/inventory/lab
roles_path = {root}/roles
library = {root}/library
module_utils = {root}/module_utils
callback_plugins = {root}/plugins/callback
action_plugins = {root}/plugins/action
callbacks_enabled = sop_records
vault_password_file = {root}/lab/vault-password
interpreter_python = auto_silent
retry_files_enabled = False

[ssh_connection]
ssh_args = -o ControlMaster=no
"""


def host_work_env(dest: Path) -> dict[str, str]:
    """Return the environment that adds tests/bench/callbacks/host_work.py (per-host own work)."""
    return {
        "ANSIBLE_CALLBACK_PLUGINS": os.pathsep.join(
            [str(ROOT / "plugins" / "callback"), str(ROOT / "tests" / "bench" / "callbacks")]
        ),
        "ANSIBLE_CALLBACKS_ENABLED": "sop_records,host_work",
        "BENCH_HOST_WORK": str(dest),
    }


def critical_path(work_file: Path) -> tuple[str, float, dict[str, Any]]:
    """Return (host, seconds, all hosts) of the host with the most own work in the run."""
    work: dict[str, Any] = json.loads(work_file.read_text(encoding="utf-8"))
    host = max(work, key=lambda h: work[h]["work_s"])
    return host, float(work[host]["work_s"]), work


def run(cfg: Path, extra_env: dict[str, str], store: Path) -> tuple[float, dict[str, Any]]:
    """Run the day-30 playbook with the given ansible.cfg; return (seconds, stats per host)."""
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(cfg),
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "SOP_RECORDS": str(store),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        **extra_env,
    }
    t = time.perf_counter()
    proc = subprocess.run(
        ["ansible-playbook", str(PLAYBOOK)], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - t
    try:
        # the json stdout callback prints one document; the sop_records callback adds lines after it
        doc, _ = json.JSONDecoder().raw_decode(proc.stdout[proc.stdout.index("{") :])
        stats: dict[str, Any] = doc["stats"]
    except (ValueError, KeyError):
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"bench_day30: the run with {cfg} did not finish (exit {proc.returncode})") from None
    return took, stats


def changed(stats: dict[str, Any]) -> int:
    """Return the number of changed tasks over all hosts."""
    return sum(int(h.get("changed", 0)) for h in stats.values())


def failures(stats: dict[str, Any]) -> int:
    """Return failed + unreachable over all hosts."""
    return sum(int(h.get("failures", 0)) + int(h.get("unreachable", 0)) for h in stats.values())


def mitogen_env() -> dict[str, str] | None:
    """Return the environment that switches the strategy to mitogen_linear, or None."""
    try:
        import ansible_mitogen  # type: ignore[import-not-found]
    except ImportError:
        return None
    plugins = Path(ansible_mitogen.__file__).parent / "plugins" / "strategy"
    return {"ANSIBLE_STRATEGY_PLUGINS": str(plugins), "ANSIBLE_STRATEGY": "mitogen_linear"}


def fresh_lab(store: Path) -> None:
    """Recreate and provision the lab's server containers, then one SIPP-2 backup."""
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
        "CONTAINERS_CONF": str(ROOT / "lab" / "containers.conf"),
        "SOP_RECORDS": str(store),
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
    }
    steps = [
        ["podman", "rm", "--force", "--time", "10", "courtlab-sipp", "courtlab-web", "courtlab-nas"],
        ["ansible-playbook", "playbooks/lab/up.yml"],
        ["ansible-playbook", "playbooks/sipp_backup.yml"],
    ]
    for step in steps:
        proc = subprocess.run(step, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-2000:])
            raise SystemExit(f"bench_day30: {' '.join(step[:2])} failed (exit {proc.returncode})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reuse", action="store_true", help="run on the lab as it is (no fresh servers)")
    args = ap.parse_args()
    tuned_cfg = ROOT / "ansible.cfg"
    with tempfile.TemporaryDirectory(prefix="bench-day30-") as tmp:
        store = Path(tmp) / "records.sqlite"
        defaults_cfg = Path(tmp) / "ansible.cfg"
        defaults_cfg.write_text(DEFAULTS_CFG.format(root=ROOT), encoding="utf-8")
        if not args.reuse:
            t = time.perf_counter()
            fresh_lab(store)
            print(f"fresh lab servers provisioned and backed up once in {time.perf_counter() - t:.0f} s")
        first_s, first = run(tuned_cfg, {}, store)
        work_file = Path(tmp) / "host-work.json"
        second_s, second = run(tuned_cfg, host_work_env(work_file), store)
        slow_host, slow_s, work = critical_path(work_file)
        default_s, default = run(defaults_cfg, {}, store)
        mito = mitogen_env()
        mito_s = run(tuned_cfg, mito, store)[0] if mito else None
    hosts = len(first)
    print(f"day-30 on the lab ({hosts} hosts), seconds:")
    state = "on the lab as it was" if args.reuse else "first day-30 on fresh servers"
    print(
        f"  tuned, first run       {first_s:7.1f}  changed={changed(first)} failed={failures(first)}  {state}"
    )
    print(f"  tuned, second run      {second_s:7.1f}  changed={changed(second)} failed={failures(second)}")
    print(f"  Ansible defaults       {default_s:7.1f}  changed={changed(default)} failed={failures(default)}")
    if mito_s is not None:
        print(f"  tuned + mitogen        {mito_s:7.1f}")
    print("  own work per host (time it had a task in progress), second run:")
    for h in sorted(work, key=lambda h: -work[h]["work_s"]):
        top = ", ".join(f"{name} {sec:.0f} s" for name, sec in work[h]["top"][:3])
        print(f"    {h:10} {work[h]['work_s']:7.1f}  ({top})")
    print(f"RESULT | day-30 speed-up, tuned vs Ansible defaults | {default_s / second_s:.2f}x | >= 2x")
    print(
        f"RESULT | day-30 wall vs the slowest host's own work ({slow_host}: {slow_s:.1f} s; wall "
        f"{second_s:.1f} s) | {second_s / slow_s:.2f} | <= 1.3"
    )
    print(
        f"RESULT | day-30 second run vs first{' (reused lab)' if args.reuse else ''}, "
        f"changed={changed(second)} | "
        f"{second_s / first_s:.2f} | <= 0.5, changed=0"
    )
    if mito_s is not None:
        print(f"RESULT | day-30 speed-up, tuned+mitogen vs defaults | {default_s / mito_s:.2f}x | optional")
    return 0 if failures(second) == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
