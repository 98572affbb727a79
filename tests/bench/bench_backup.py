"""SIPP-2 backup benchmarks on the running court lab, measured side by side in the sipp container.

1. Database backup throughput: what SIPP-2 does by default (the role's helper
   ``restic-stream-backup`` streaming ``mariadb-backup --backup --stream=xbstream`` of the
   server's MariaDB instance into a restic repository on the nas over SFTP, compressed and
   encrypted) against the raw ``mariadb-dump | zstd > /dev/null`` of the same large database,
   for the first backup into an empty repository and for the nightly backups after it (a day's
   new rows; restic stores only the changed chunks). Goal: raw / ours >= 0.9.
2. Context: the logical method (``sipp_backup_db_method: logical``, ``mariadb-dump`` streamed
   into restic) against the same raw dump.
3. Second backup of unchanged files against the first (restic reads only metadata of unchanged
   files): goal <= 0.1 of the first one's time.

The large database and its uploads are generated into a scratch database (``sipp_bench``) and a
scratch folder by the lab's own generator and removed afterwards, with the scratch repository.
Sizes: BENCH_SIPP_CASES (default 20000), BENCH_SIPP_DOCS (2 per case), BENCH_SIPP_DOC_KB (128),
BENCH_SIPP_DB_MIB (1024: the audit trail is doubled until the dump is at least this large).
Needs the lab up and one SIPP-2 run before (key and SFTP account); the script runs it if needed.

Run: ``python tests/bench/bench_backup.py`` (or ``./court bench --only bench_backup``).
"""

from __future__ import annotations

import os
import secrets
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SIPP = "courtlab-sipp"
NAS = "courtlab-nas"
DB = "sipp_bench"
WORK = "/var/tmp/sipp-bench"
REPO_PATH = f"/srv/restic/bench-{os.getpid()}"
KEY = "/root/.ssh/restic_backup_ed25519"
KNOWN = "/root/.ssh/restic_backup_known_hosts"
SFTP = (
    f"sftp.command=ssh -i {KEY} -p 22 -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes "
    f"-o UserKnownHostsFile={KNOWN} restic@{NAS} -s sftp"
)
CASES = int(os.environ.get("BENCH_SIPP_CASES", "20000"))
DOCS = int(os.environ.get("BENCH_SIPP_DOCS", "2"))
DOC_KB = int(os.environ.get("BENCH_SIPP_DOC_KB", "128"))
# The generated database is small per case; the audit trail (in real SIPP the largest table) is
# doubled until the dump reaches this size, so the comparison is not dominated by start-up costs.
DB_MIB = int(os.environ.get("BENCH_SIPP_DB_MIB", "1024"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
# A day's work in a busy court's SIPP: this many new audit-trail rows between nightly backups.
DAY_ROWS = int(os.environ.get("BENCH_SIPP_DAY_ROWS", "3000"))


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["CONTAINERS_CONF"] = str(ROOT / "lab" / "containers.conf")
    e["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    e["PATH"] = f"{ROOT / '.venv' / 'bin'}:{e.get('PATH', '')}"
    return e


def sh(container: str, script: str, extra_env: dict[str, str] | None = None) -> str:
    """Run a bash script in a lab container; return stdout; exit with its stderr on failure."""
    args = ["podman", "exec", "-i"]
    for k, v in (extra_env or {}).items():
        args += ["-e", f"{k}={v}"]
    proc = subprocess.run(
        [*args, container, "bash", "-c", "set -euo pipefail\n" + script],
        capture_output=True,
        text=True,
        env=env(),
        timeout=7200,
    )
    if proc.returncode != 0:
        sys.exit(
            f"bench_backup: command failed in {container}: {script.splitlines()[0]}\n{proc.stderr[-2000:]}"
        )
    return proc.stdout


def timed(container: str, script: str, extra_env: dict[str, str] | None = None) -> float:
    out = sh(container, f's=$(date +%s.%N)\n{script}\ne=$(date +%s.%N)\necho "$s $e"', extra_env)
    start, end = (float(x) for x in out.split()[-2:])
    return end - start


def main() -> int:
    if subprocess.run(["podman", "container", "exists", SIPP], env=env()).returncode != 0:
        sys.exit("bench_backup: the court lab is not running (./court lab-up)")
    if subprocess.run(["podman", "exec", SIPP, "test", "-f", KEY], env=env()).returncode != 0:
        print("running SIPP-2 once to set up the backup key and the SFTP account …", flush=True)
        subprocess.run(["ansible-playbook", "playbooks/sipp_backup.yml"], cwd=ROOT, env=env(), check=False)
    restic_env = {
        "RESTIC_PASSWORD": secrets.token_urlsafe(16),
        "RESTIC_REPOSITORY": f"sftp:restic@{NAS}:{REPO_PATH}",
        "RESTIC_CACHE_DIR": f"{WORK}/cache",
    }
    opt = shlex.quote(SFTP)
    try:
        print(f"generating {CASES} cases x {DOCS} documents x {DOC_KB} KiB into {DB} …", flush=True)
        t = timed(
            SIPP,
            f"rm -rf {WORK} && mkdir -p {WORK} "
            f"&& mariadb -e 'DROP DATABASE IF EXISTS {DB}; CREATE DATABASE {DB}' "
            f"&& mariadb {DB} < /var/lib/sipp-lab/schema.sql "
            f"&& /usr/local/sbin/sipp-lab-generate --database={DB} "
            f"--cases={CASES} --docs-per-case={DOCS} --doc-kb={DOC_KB} --days=30 --uploads={WORK}/uploads "
            f"--manifest={WORK}/scenario.json --password-file=/var/lib/sipp-lab/user-password >/dev/null",
        )
        print(f"  generated in {t:.0f} s", flush=True)
        size = f"mariadb-dump --single-transaction --quick {DB} | wc -c"
        dump_bytes = int(sh(SIPP, size).strip())
        audit_bytes = int(sh(SIPP, f"mariadb-dump --single-transaction --quick {DB} sys_audittrail | wc -c"))
        while dump_bytes < DB_MIB * 2**20:  # each doubling adds the audit trail's size again
            sh(
                SIPP,
                f"mariadb {DB} -e 'INSERT INTO sys_audittrail (datetime, ipaddress, username, tablename, "
                "action, title, description) SELECT datetime, ipaddress, username, tablename, action, title, "
                "description FROM sys_audittrail'",
            )
            dump_bytes, audit_bytes = dump_bytes + audit_bytes, 2 * audit_bytes
        dump_bytes = int(sh(SIPP, size).strip())
        files_bytes = int(sh(SIPP, f"du -sb {WORK}/uploads | cut -f1").strip())
        print(f"  dump {dump_bytes / 2**20:.0f} MiB, uploads {files_bytes / 2**20:.0f} MiB", flush=True)
        sh(SIPP, f"restic -o {opt} init --repository-version 2 >/dev/null", restic_env)

        dump = (
            "mariadb-dump --single-transaction --quick --routines --events --triggers --hex-blob "
            f"--default-character-set=utf8mb4 {DB}"
        )
        physical_cmd = (
            f"/usr/local/sbin/restic-stream-backup --filename mariadb.xbstream --tag bench "
            f"--tag source:database --host bench --option {opt} -- mariadb-backup --backup --stream=xbstream "
            ">/dev/null 2>/dev/null"
        )
        logical_cmd = (
            f"/usr/local/sbin/restic-stream-backup --filename {DB}.sql --tag bench "
            f"--tag source:database --host bench --option {opt} -- {dump} >/dev/null"
        )
        raw_cmd = f"{dump} | zstd -q > /dev/null"
        # First backup: the repository is empty, so every byte is chunked, compressed, encrypted
        # and uploaded (the dump's text and the instance's pages share no chunks). Nightly backups:
        # a day's work added (new audit rows), then raw, physical and logical alternate, so all
        # see the same cache and load conditions.
        raw_first = timed(SIPP, raw_cmd)
        phys_first = timed(SIPP, physical_cmd, restic_env)
        log_first = timed(SIPP, logical_cmd, restic_env)
        print(
            f"  first backup: raw {raw_first:.1f} s, physical {phys_first:.1f} s, logical {log_first:.1f} s",
            flush=True,
        )
        raw, phys, logi = [], [], []
        for i in range(ROUNDS):
            sh(
                SIPP,
                f"mariadb {DB} -e 'INSERT INTO sys_audittrail (datetime, ipaddress, username, tablename, "
                "action, title, description) SELECT NOW(), ipaddress, username, tablename, action, title, "
                f"description FROM sys_audittrail ORDER BY id DESC LIMIT {DAY_ROWS}'",
            )
            raw.append(timed(SIPP, raw_cmd))
            phys.append(timed(SIPP, physical_cmd, restic_env))
            logi.append(timed(SIPP, logical_cmd, restic_env))
            print(
                f"  nightly {i + 1}: raw {raw[-1]:.1f} s, physical {phys[-1]:.1f} s, "
                f"logical {logi[-1]:.1f} s",
                flush=True,
            )
        t_raw, t_phys, t_log = (statistics.median(x) for x in (raw, phys, logi))
        instance = int(sh(SIPP, "du -sb /var/lib/mysql | cut -f1").strip())
        first = timed(
            SIPP,
            f"restic -o {opt} backup --tag bench --tag source:files --host bench {WORK}/uploads >/dev/null",
            restic_env,
        )
        second = timed(
            SIPP,
            f"restic -o {opt} backup --tag bench --tag source:files --host bench {WORK}/uploads >/dev/null",
            restic_env,
        )
        print(f"  files: first {first:.1f} s, second (unchanged) {second:.1f} s", flush=True)
        mib = dump_bytes / 2**20
        print(
            "RESULT | DB backup throughput, first backup (empty repository): SIPP-2's physical stream "
            f"(mariadb-backup, whole instance {instance / 2**20:.0f} MiB on disk) into restic on the nas "
            "/ raw "
            f"mariadb-dump piped to zstd ({mib:.0f} MiB dump; {phys_first:.1f} s vs {raw_first:.1f} s) "
            f"| {raw_first / phys_first:.2f} | >= 0.9"
        )
        print(
            f"RESULT | DB backup throughput, nightly backup (+{DAY_ROWS} rows), physical stream / raw "
            f"({t_phys:.1f} s vs {t_raw:.1f} s) | {t_raw / t_phys:.2f} | >= 0.9"
        )
        print(
            "RESULT | context: the logical method (mariadb-dump streamed into restic) / raw, first and "
            f"nightly ({log_first:.1f} s, {t_log:.1f} s) | {raw_first / log_first:.2f} / {t_raw / t_log:.2f} "
            "| (not the default)"
        )
        print(
            f"RESULT | second files backup (unchanged, {files_bytes / 2**20:.0f} MiB) / first "
            f"({second:.1f} s / {first:.1f} s) | {second / first:.3f} | <= 0.1"
        )
    finally:
        subprocess.run(
            [
                "podman",
                "exec",
                SIPP,
                "bash",
                "-c",
                f"rm -rf {WORK}; mariadb -e 'DROP DATABASE IF EXISTS {DB}'",
            ],
            env=env(),
            check=False,
        )
        subprocess.run(["podman", "exec", NAS, "rm", "-rf", REPO_PATH], env=env(), check=False)
    return 0


if __name__ == "__main__":
    started = time.monotonic()
    rc = main()
    print(f"bench_backup: {time.monotonic() - started:.0f} s")
    sys.exit(rc)
