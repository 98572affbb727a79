"""A store that never fails silently: missing, damaged, unreadable and read-only stores give one
line naming the file and the problem and exit 2 on every command; read commands create
nothing; an auditor's read-only copy works for every read command; derived tables edited
outside the chain make `verify` fail and never change `sop due`."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sop_runner import cli
from sop_runner.records import RecordStore, copy_store, iso

WIB = ZoneInfo("Asia/Jakarta")
READ_COMMANDS = (
    ["due"],
    ["due", "--json"],
    ["summary"],
    ["summary", "--json"],
    ["records", "list"],
    ["records", "list", "--json"],
    ["records", "show", "1"],
    ["records", "verify"],
    ["request", "list"],
    ["complaint", "list"],
)
WRITE_COMMANDS = (["log", "C.5", "--note", "rapat koordinasi"],)
AS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "sop.yml"
    config.write_text("{}\n", encoding="utf-8")
    monkeypatch.setenv("SOP_CONFIG", str(config))
    for var in ("SOP_PROJECT_DIR", "SOP_INVENTORY", "SOP_CATALOG", "SOP_OPERATOR", "SOP_RECORDS"):
        monkeypatch.delenv(var, raising=False)


def sop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["sop", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out, err = capsys.readouterr()
    assert isinstance(exc.value.code, int)
    return exc.value.code, out, err


def sop_without_root_powers(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run `sop` subject to file permissions. As root (CI, the court server) the command runs in
    a child process without the capabilities that bypass them (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH, dropped from the bounding set by util-linux's setpriv), so a read-only or
    unreadable store is one for it too."""
    if not AS_ROOT:
        return sop(monkeypatch, capsys, *args)
    drop = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]
    proc = subprocess.run(
        [*drop, sys.executable, "-m", "sop_runner.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr.replace("sop_runner.cli: error:", "sop: error:")


def _fill(path: Path) -> RecordStore:
    store = RecordStore(path)
    t0 = datetime(2026, 11, 30, 6, 30, tzinfo=WIB)
    store.append_record(
        {
            "activity_id": "SIPP-1",
            "started_at": iso(t0),
            "ended_at": iso(t0 + timedelta(seconds=5)),
            "status": "successful",
            "hosts": {"sipp": {"status": "ok"}},
        }
    )
    store.append_record(
        {
            "activity_id": "D.7",
            "started_at": iso(t0),
            "ended_at": iso(t0 + timedelta(minutes=30)),
            "status": "successful",
            "hosts": {"sipp": {"status": "ok"}},
            "findings": [
                {
                    "host": "sipp",
                    "severity": "high",
                    "code": "restore_failed",
                    "incident": True,
                    "message": "x",
                }
            ],
        }
    )
    return store


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")}


@pytest.mark.parametrize("args", [*READ_COMMANDS, *WRITE_COMMANDS], ids=" ".join)
def test_damaged_store_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    bad = tmp_path / "records.sqlite"
    bad.write_bytes(b"this is not a database, it was overwritten by a text editor\n" * 50)
    code, out, err = sop(monkeypatch, capsys, "--records", str(bad), *args)
    assert code == 2 and out == "", out
    assert len(err.splitlines()) == 1 and err.startswith("sop: error: record store "), err
    assert str(bad) in err and "damaged or not a record store" in err


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_missing_store_is_one_line_exit_2_and_nothing_is_created(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    before = _tree(tmp_path)
    missing = tmp_path / "typo" / "recrods.sqlite"
    code, out, err = sop(monkeypatch, capsys, "--records", str(missing), *args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and f"record store {missing} does not exist" in err, err
    assert _tree(tmp_path) == before  # no folder, no file, no cache


@pytest.mark.parametrize("args", READ_COMMANDS, ids=" ".join)
def test_read_only_copy_works_for_every_read_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str]
) -> None:
    _fill(tmp_path / "live" / "records.sqlite").close()
    copy = tmp_path / "audit" / "records.sqlite"
    copy_store(tmp_path / "live" / "records.sqlite", copy)
    with sqlite3.connect(copy) as db:  # an auditor's copy of a WAL store
        db.execute("PRAGMA journal_mode=WAL")
    # read-only files in a read-only folder (root ignores the modes: there the test shows that
    # no read command writes a file, which is what lets the copy live on read-only media)
    for p in copy.parent.iterdir():
        p.chmod(stat.S_IRUSR | stat.S_IRGRP)
    copy.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        before = _tree(copy.parent)
        code, out, err = sop(monkeypatch, capsys, "--records", str(copy), *args)
        assert code in (0, 1) and err == "", err  # due/verify may report; never a store error
        assert _tree(copy.parent) == before
        if args[-1] == "--json":
            json.loads(out)
    finally:
        copy.parent.chmod(stat.S_IRWXU)


def test_writing_to_a_read_only_store_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "ro" / "records.sqlite"
    _fill(path).close()
    for p in path.parent.iterdir():
        p.chmod(stat.S_IRUSR)
    path.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        code, out, err = sop_without_root_powers(
            monkeypatch, capsys, "--records", str(path), "log", "C.5", "--note", "rapat"
        )
        assert code == 2 and out == ""
        # one line naming the store (or its folder, where the write was refused)
        assert len(err.splitlines()) == 1, err
        assert f"record store {path}" in err or f"record store directory {path.parent}" in err, err
    finally:
        path.parent.chmod(stat.S_IRWXU)


def test_unreadable_store_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "records.sqlite"
    _fill(path).close()
    path.chmod(0)
    try:
        code, _, err = sop_without_root_powers(monkeypatch, capsys, "--records", str(path), "records", "list")
        assert code == 2 and err == f"sop: error: record store {path}: not readable (permission denied)\n"
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)


def test_a_folder_or_a_foreign_database_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = sop(monkeypatch, capsys, "--records", str(tmp_path), "records", "verify")
    assert code == 2 and "is a directory" in err
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    code, _, err = sop(monkeypatch, capsys, "--records", str(other), "due")
    assert code == 2 and err.strip().endswith("not a record store (no table chain_head, records)"), err


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "records.sqlite"
    _fill(path).close()
    yield path


def test_an_edited_last_run_row_fails_verify_and_never_changes_due(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], filled: Path
) -> None:
    at = "2026-12-29T09:00+07:00"
    code, out, _ = sop(monkeypatch, capsys, "--records", str(filled), "due", "--all", "--json", "--at", at)
    before = [(i["activity_id"], i["scope"], i["state"]) for i in json.loads(out)["items"]]
    with sqlite3.connect(filled) as db:  # hide an overdue activity by editing the derived table
        db.execute(
            "UPDATE host_last SET started_at = '2026-12-29T00:00:00.000000Z' WHERE activity_id = 'SIPP-1'"
        )
    code, out, _ = sop(monkeypatch, capsys, "--records", str(filled), "due", "--all", "--json", "--at", at)
    assert [(i["activity_id"], i["scope"], i["state"]) for i in json.loads(out)["items"]] == before
    assert ("SIPP-1", "sipp_servers", "overdue") in before
    code, out, _ = sop(monkeypatch, capsys, "--records", str(filled), "records", "verify")
    assert code == 1 and "last-run table (host_last) was edited outside the chain" in out, out


def test_an_edited_incident_fails_verify(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], filled: Path
) -> None:
    code, _, _ = sop(monkeypatch, capsys, "--records", str(filled), "records", "verify")
    assert code == 0
    with sqlite3.connect(filled) as db:
        db.execute("UPDATE incidents SET closed_at = '2026-11-30T01:00:00.000000Z', downtime_s = 60")
    code, out, _ = sop(monkeypatch, capsys, "--records", str(filled), "records", "verify", "--json")
    res = json.loads(out)
    assert code == 1 and not res["ok"] and "incident list (incidents) was edited" in res["problem"]


def test_read_commands_on_a_store_in_use_see_its_log_and_create_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "records.sqlite"
    writer = _fill(path)  # still open: the newest records are in records.sqlite-wal
    try:
        assert Path(f"{path}-wal").exists()
        before = _tree(tmp_path)
        code, out, _ = sop(monkeypatch, capsys, "--records", str(path), "records", "list", "--json")
        assert code == 0 and [r["activity_id"] for r in json.loads(out)] == ["SIPP-1", "D.7"]
        assert _tree(tmp_path) == before
    finally:
        writer.close()


def test_a_store_opened_read_only_refuses_to_write(tmp_path: Path) -> None:
    from sop_runner.records import RecordStoreError

    path = tmp_path / "records.sqlite"
    _fill(path).close()
    with RecordStore(path, readonly=True) as store, pytest.raises(RecordStoreError, match="read-only"):
        store.add_manual("C.5", "rapat", operator="ani")
    assert RecordStore(path, readonly=True).count() == 2
