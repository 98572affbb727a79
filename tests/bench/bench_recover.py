"""Recovery benchmark on the running court lab: how long `sop recover sipp` takes to bring the lab's
SIPP back on a new server from the base image, against moving the same bytes alone.

1. A SIPP-2 backup of the lab's SIPP (forced new snapshots: manifest, database, files).
2. A new replacement container from the base image (playbooks/lab/spare.yml); `sop recover sipp
   --to spare` onto it: the recovery time is the record's ``recovery_seconds`` (start to SIPP
   answering with verified data), and each step's time.
3. On the same container afterwards (restic and its key are there now): the raw ``restic restore``
   of the same snapshots (database and files) to a scratch folder, the same bytes over the same
   SFTP path, nothing else.

The ratio recovery / raw restore says how much time goes to everything besides moving bytes
(packages, MariaDB start, configuration, verification). Goal: <= 2. The container is removed at the
end. The data is the lab's SIPP as it was built (docs/LAB.md: the size knobs of playbooks/lab/up.yml),
plus BENCH_RECOVER_EXTRA_MB of incompressible "scanned documents" (default 0) put into its uploads
for the run and removed afterwards (then one more SIPP-2 backup, so the newest backup is the lab's
own again); the result line names the size.

Run: ``python tests/bench/bench_recover.py`` (or ``./court bench --only bench_recover``).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SPARE = "courtlab-spare"
KEY = "/root/.ssh/restic_backup_ed25519"
KNOWN = "/root/.ssh/restic_backup_known_hosts"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
EXTRA_MB = int(os.environ.get("BENCH_RECOVER_EXTRA_MB", "0"))
EXTRA_DIR = "/var/www/html/SIPP/uploads/bench-extra"
SFTP = (
    f"sftp.command=ssh -i {KEY} -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes "
    f"-o UserKnownHostsFile={KNOWN} restic@courtlab-nas -s sftp"
)
RAW = "/var/tmp/raw-restore"


def env(**extra: str) -> dict[str, str]:
    e = dict(os.environ)
    e["CONTAINERS_CONF"] = str(ROOT / "lab" / "containers.conf")
    e["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    e["PATH"] = f"{ROOT / '.venv' / 'bin'}:{e.get('PATH', '')}"
    e.update(extra)
    return e


def run(argv: list[str], records: Path, what: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        argv, cwd=ROOT, capture_output=True, text=True, timeout=7200, env=env(SOP_RECORDS=str(records))
    )
    if proc.returncode != 0:
        sys.exit(
            f"bench_recover: {what} failed (exit {proc.returncode}):\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}"
        )
    return proc


def spare(state: str, records: Path) -> None:
    run(
        ["ansible-playbook", "playbooks/lab/spare.yml", "-e", f"lab_spare_state={state}"],
        records,
        f"spare {state}",
    )


def vault_value(name: str) -> str:
    """A value of the lab's sipp_servers vault (the restic password), decrypted with the lab's key."""
    proc = run(
        ["ansible", "sipp", "-i", "inventory/lab", "-m", "ansible.builtin.debug", "-a", f"var={name}", "-o"],
        Path(tempfile.gettempdir()) / "bench-recover-none.sqlite",
        "reading the lab vault",
    )
    line = proc.stdout.strip().splitlines()[-1]
    return str(json.loads(line.split("=>", 1)[1])[name])


def main() -> int:
    if subprocess.run(["podman", "container", "exists", "courtlab-sipp"], env=env()).returncode != 0:
        sys.exit("bench_recover: the court lab is not running (./court lab-up)")
    with tempfile.TemporaryDirectory(prefix="bench-recover-") as tmp:
        records = Path(tmp) / "records.sqlite"
        # without the portable export: the lab's removable medium is small, and the recovery reads
        # the restic repository, not the export
        backup = [
            "ansible-playbook", "playbooks/sipp_backup.yml",
            "-e", "sipp_backup_max_age_hours=0", "-e", "sipp_backup_export_enabled=false",
        ]  # fmt: skip
        if EXTRA_MB:
            print(
                f"adding {EXTRA_MB} MiB of incompressible documents to the lab's SIPP uploads …", flush=True
            )
            script = (
                f"mkdir -p {EXTRA_DIR} && for i in $(seq 1 {max(1, EXTRA_MB // 32)}); do "
                f"head -c 32M /dev/urandom > {EXTRA_DIR}/scan-$i.pdf; done "
                f"&& chown -R www-data:www-data {EXTRA_DIR}"
            )
            subprocess.run(["podman", "exec", "courtlab-sipp", "sh", "-c", script], env=env(), check=True)
        print("SIPP-2 backup of the lab's SIPP …", flush=True)
        try:
            run(backup, records, "SIPP-2")
        finally:
            if EXTRA_MB:
                subprocess.run(
                    ["podman", "exec", "courtlab-sipp", "rm", "-rf", EXTRA_DIR], env=env(), check=True
                )
        password = vault_value("sipp_restic_password")
        recoveries, raws, steps = [], [], []
        try:
            for i in range(ROUNDS):
                spare("absent", records)
                spare("started", records)
                start = time.monotonic()
                proc = run(
                    [str(ROOT / ".venv" / "bin" / "sop"), "recover", "sipp", "--to", "spare", "--json"],
                    records,
                    "sop recover sipp",
                )
                wall = time.monotonic() - start
                result = json.loads(proc.stdout)
                out = next(r for r in result["records"] if r["activity_id"] == "SIPP-7")["output"]["spare"]
                recoveries.append(out["recovery_seconds"])
                steps.append({**out["step_seconds"], "files_background": out["files_restore_seconds"]})
                used = out["backup"]
                ids = [used["database"]["id"], used["files"]["id"]]
                script = (
                    # the password arrives on stdin, never on a command line
                    f"set -euo pipefail; read -r RESTIC_PASSWORD; export RESTIC_PASSWORD; rm -rf {RAW}; "
                    "s=$(date +%s.%N); "
                    + " && ".join(
                        f"restic -o {shlex.quote(SFTP)} restore {i} --target {RAW} >/dev/null" for i in ids
                    )
                    + f'; e=$(date +%s.%N); du -sb {RAW} | cut -f1; echo "$s $e"; rm -rf {RAW}'
                )
                raw = subprocess.run(
                    [
                        "podman", "exec", "-i",
                        "-e", "RESTIC_REPOSITORY=sftp:restic@courtlab-nas:/srv/restic/sipp",
                        "-e", "RESTIC_CACHE_DIR=/var/tmp/raw-cache", SPARE, "bash", "-c", script,
                    ],
                    input=password + "\n", capture_output=True, text=True, env=env(), timeout=7200,
                )  # fmt: skip
                if raw.returncode != 0:
                    sys.exit(f"bench_recover: raw restic restore failed: {raw.stderr[-2000:]}")
                size_line, times = raw.stdout.split("\n")[0], raw.stdout.split()[-2:]
                raws.append(float(times[1]) - float(times[0]))
                size = int(size_line)
                print(
                    f"  round {i + 1}: recovery {recoveries[-1]:.1f} s (sop wall {wall:.1f} s), "
                    f"raw restic restore {raws[-1]:.1f} s of {size / 2**20:.0f} MiB; steps {steps[-1]}",
                    flush=True,
                )
        finally:
            spare("absent", records)
            if EXTRA_MB:  # the newest backup is the lab's own again
                run(backup, records, "SIPP-2 without the extra documents")
    rec, raw_s = sorted(recoveries)[len(recoveries) // 2], sorted(raws)[len(raws) // 2]
    step = steps[recoveries.index(rec)]
    print(
        f"RESULT | SIPP recovery onto a new server from the base image (sop recover sipp, start to verified "
        f"data, median of {ROUNDS}) / raw restic restore of the same snapshots ({size / 2**20:.0f} MiB): "
        f"{rec:.1f} s vs {raw_s:.1f} s | {rec / raw_s:.2f} | <= 2"
    )
    print(
        f"RESULT | context: the recovery's own files restore (restic in the background beside the "
        f"installation and the database; steps {step}) / raw restore "
        f"| {step['files_background'] / raw_s:.2f} | (the packages come from the Debian mirror)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
