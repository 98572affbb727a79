"""Helpers for the SIPP lab tests: run a SIPP playbook with its own record store, read records."""

from __future__ import annotations

import gzip
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit import ROOT, env, vault

sys.path.insert(0, str(ROOT))
from sop_runner.records import RecordStore  # noqa: E402
from sop_runner.store.chain import Record  # noqa: E402


def run_playbook(
    records: Path, playbook: str, *extra: str, timeout: int = 1500
) -> subprocess.CompletedProcess:
    """Run ansible-playbook with the record store at ``records`` (sop_records callback)."""
    e = env()
    e["SOP_RECORDS"] = str(records)
    e["SOP_ATTACHMENTS_DIR"] = str(records.parent / "attachments")
    return subprocess.run(
        ["ansible-playbook", playbook, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=e,
        timeout=timeout,
    )


def ok(proc: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert proc.returncode == 0, f"rc={proc.returncode}\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    return proc


def latest(records: Path, activity: str) -> dict[str, Any]:
    """Return the newest record of ``activity`` as a dict."""
    with RecordStore(records, readonly=True) as store:
        recs = store.list_records(activity_id=activity, limit=1, newest_first=True)
    assert recs, f"no {activity} record in {records}"
    return recs[0].to_dict()


def incidents(records: Path, activity: str) -> list[Any]:
    with RecordStore(records, readonly=True) as store:
        return store.list_incidents(activity_id=activity)


def secrets() -> list[str]:
    """Every lab vault value (database passwords, restic password)."""
    out = [str(v) for v in vault().values() if isinstance(v, str) and len(str(v)) >= 8]
    import yaml
    from ansible.parsing.vault import VaultLib, VaultSecret

    secret = VaultSecret((ROOT / "lab" / "vault-password").read_bytes().strip())
    data = (ROOT / "inventory" / "lab" / "group_vars" / "sipp_servers" / "vault_backup.yml").read_bytes()
    out += [str(v) for v in yaml.safe_load(VaultLib([("default", secret)]).decrypt(data)).values()]
    return out


def assert_no_secret(*texts: str, folder: Path | None = None) -> None:
    """Fail when a lab secret appears in the texts or in any file below ``folder`` (gz opened)."""
    blobs = list(texts)
    if folder is not None:
        for p in folder.rglob("*"):
            if p.is_file():
                raw = p.read_bytes()
                if raw[:2] == b"\x1f\x8b":
                    raw = gzip.decompress(raw)
                blobs.append(raw.decode("utf-8", "replace"))
    for s in secrets():
        for b in blobs:
            assert s not in b, "a vault secret leaked into a record, log or artifact"


@dataclass(frozen=True)
class Day30Run:
    records: Path  # the store day-30 wrote into (later tests may add their own records to it)
    day30: list[Record]  # what day-30 itself left there, read right after the run
