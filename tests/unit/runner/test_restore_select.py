"""restic-restore-select (roles/restic_restore): which snapshots make one backup, and which backup a
recovery uses -- latest, by id, or the newest at or before --at; one line when none matches."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HELPER = Path(__file__).resolve().parents[3] / "roles" / "restic_restore" / "files" / "restic-restore-select"


def snap(sid: str, time: str, source: str, host: str = "sipp") -> dict:
    return {
        "id": sid * 8,
        "short_id": sid * 2,
        "time": time,
        "hostname": host,
        "tags": ["sipp", f"source:{source}"],
    }


# Two SIPP-2 runs (manifest, database, files each), a day apart, plus another host's backup.
SNAPS = [
    snap("a1", "2026-11-29T06:30:01.123456789+07:00", "manifest"),
    snap("b1", "2026-11-29T06:30:05+07:00", "database"),
    snap("c1", "2026-11-29T06:31:40+07:00", "files"),
    snap("a2", "2026-11-30T06:30:01+07:00", "manifest"),
    snap("b2", "2026-11-30T06:30:04+07:00", "database"),
    snap("c2", "2026-11-30T06:31:10+07:00", "files"),
    snap("b9", "2026-12-01T06:30:04+07:00", "database", host="other"),
]


def select(*args: str, snaps: list[dict] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HELPER), "--host", "sipp", "--name", "SIPP", *args],
        input=json.dumps(SNAPS if snaps is None else snaps),
        capture_output=True,
        text=True,
        timeout=30,
    )


def parts(out: str) -> tuple[str, str, str]:
    b = json.loads(out)
    return b["manifest"]["id"][:2], b["database"]["id"][:2], b["files"]["id"][:2]


def test_latest_is_the_newest_run_of_this_host_with_its_own_parts() -> None:
    proc = select("--snapshot", "latest")
    assert proc.returncode == 0, proc.stderr
    assert parts(proc.stdout) == ("a2", "b2", "c2")


def test_by_id_prefix_and_at_a_moment() -> None:
    assert parts(select("--snapshot", "b1b1b1b1").stdout) == ("a1", "b1", "c1")
    # 2026-11-30 06:30:00 WIB, four seconds before the second run's database copy: the first run
    at = "1795995000"  # 2026-11-29T23:30:00Z
    assert parts(select("--at", at).stdout) == ("a1", "b1", "c1")


@pytest.mark.parametrize(
    ("args", "snaps", "message"),
    [
        (
            ["--snapshot", "deadbeef"],
            None,
            "snapshot 'deadbeef' is not a SIPP backup of host sipp in the repository",
        ),
        (["--at", "946684800"], None, "no SIPP backup of host sipp taken at or before 2000-01-01T00:00:00Z"),
        ([], [], "no SIPP backup of host sipp in the repository"),
        (["--snapshot", "b9b9b9b9"], None, "is not a SIPP backup of host sipp"),  # another host's
    ],
)
def test_no_match_is_one_line_and_exit_1(args: list[str], snaps: list[dict] | None, message: str) -> None:
    proc = select(*args, snaps=snaps)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and message in proc.stderr


def test_list_is_newest_first_with_the_parts_of_each_run() -> None:
    proc = select("--list")
    listing = json.loads(proc.stdout)
    assert [b["database"]["id"][:2] for b in listing] == ["b2", "b1"]
    assert [(b["manifest"]["id"][:2], b["files"]["id"][:2]) for b in listing] == [("a2", "c2"), ("a1", "c1")]


def test_a_run_without_manifest_or_files_says_so() -> None:
    """A backup made before SIPP-2 wrote manifests has none; a database without files after it
    takes the files backed up before it."""
    old = [
        snap("b1", "2026-11-29T06:30:05+07:00", "database"),
        snap("c0", "2026-11-28T06:31:40+07:00", "files"),
    ]
    b = json.loads(select(snaps=old).stdout)
    assert b["manifest"] is None and b["files"]["id"][:2] == "c0"
