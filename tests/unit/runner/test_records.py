"""The record store: hash chain tamper detection, incidents, manual entries, crash safety."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sop_runner.records import (
    MEMENUHI,
    TIDAK_MEMENUHI,
    RecordStore,
    RecordStoreError,
    iso,
)

N = 12
T0 = datetime(2026, 4, 1, 1, 0, tzinfo=UTC)


def _rec(i: int, **extra: object) -> dict[str, object]:
    base: dict[str, object] = {
        "activity_id": ["SIPP-1", "SIPP-2", "F.1"][i % 3],
        "started_at": iso(T0 + timedelta(hours=i)),
        "ended_at": iso(T0 + timedelta(hours=i, seconds=30)),
        "duration_s": 30.0,
        "standard_s": 3600.0,
        "status": "successful",
        "hosts": {"sipp": {"ok": 3, "status": "ok"}},
        "output": {"sipp": {"summary": f"Akses SIPP tersedia: ya ({i})", "online_users": i}},
    }
    base.update(extra)
    return base


@pytest.fixture
def filled(tmp_path: Path) -> RecordStore:
    store = RecordStore(tmp_path / "records.sqlite")
    for i in range(N):
        store.append_record(_rec(i))
    return store


def _raw(store: RecordStore) -> sqlite3.Connection:
    return sqlite3.connect(store.path, isolation_level=None)


def test_clean_chain_verifies(filled: RecordStore) -> None:
    res = filled.verify()
    assert res.ok and res.count == N and len(res.head_hash) == 64
    recs = filled.list_records()
    assert [r.seq for r in recs] == list(range(1, N + 1))
    assert all(recs[i].prev_hash == recs[i - 1].hash for i in range(1, N))
    assert recs[0].verdict == MEMENUHI


@pytest.mark.parametrize("seq", range(1, N + 1))
def test_altered_body_is_named(filled: RecordStore, seq: int) -> None:
    db = _raw(filled)
    body = db.execute("SELECT body FROM records WHERE seq = ?", (seq,)).fetchone()[0]
    db.execute(
        "UPDATE records SET body = ? WHERE seq = ?",
        (body.replace('"online_users":', '"online_users":1'), seq),
    )
    res = filled.verify()
    assert not res.ok and res.first_bad_seq == seq
    assert f"record #{seq} " in res.problem and "altered" in res.problem


@pytest.mark.parametrize("column", ["status", "activity_id", "started_at", "check_mode"])
def test_altered_indexed_column_is_named(filled: RecordStore, column: str) -> None:
    value = {
        "status": "failed",
        "activity_id": "D.7",
        "started_at": "2020-01-01T00:00:00.000000Z",
        "check_mode": 1,
    }
    _raw(filled).execute(f"UPDATE records SET {column} = ? WHERE seq = 5", (value[column],))
    res = filled.verify()
    assert not res.ok and res.first_bad_seq == 5 and "altered" in res.problem


@pytest.mark.parametrize("seq", range(1, N))
def test_deleted_record_is_named(filled: RecordStore, seq: int) -> None:
    _raw(filled).execute("DELETE FROM records WHERE seq = ?", (seq,))
    res = filled.verify()
    assert not res.ok and res.first_bad_seq == seq
    assert f"record #{seq} is missing" in res.problem


def test_deleted_last_records_are_detected(filled: RecordStore) -> None:
    _raw(filled).execute("DELETE FROM records WHERE seq >= ?", (N - 1,))
    res = filled.verify()
    assert not res.ok and res.first_bad_seq == N - 1 and "missing" in res.problem


@pytest.mark.parametrize("seq", range(1, N))
def test_reordered_records_are_named(filled: RecordStore, seq: int) -> None:
    db = _raw(filled)
    db.execute("UPDATE records SET seq = -1 WHERE seq = ?", (seq,))
    db.execute("UPDATE records SET seq = ? WHERE seq = ?", (seq, seq + 1))
    db.execute("UPDATE records SET seq = ? WHERE seq = -1", (seq + 1,))
    res = filled.verify()
    assert not res.ok and res.first_bad_seq == seq
    assert "out of place" in res.problem or "altered" in res.problem


def test_rehashed_forgery_is_caught_at_the_next_record(filled: RecordStore) -> None:
    """Re-computing one record's hash after editing it still breaks the link to its successor."""
    from sop_runner.records import _chain_hash

    db = _raw(filled)
    row = db.execute(
        "SELECT record_id, run_id, activity_id, started_at, status, via, check_mode, body, prev_hash "
        "FROM records WHERE seq = 4"
    ).fetchone()
    body = row[7].replace('"status":"successful"', '"status":"successful" ')
    digest = _chain_hash(row[8], 4, tuple(row[:7]), body)
    db.execute("UPDATE records SET body = ?, hash = ? WHERE seq = 4", (body, digest))
    res = filled.verify()
    assert not res.ok and res.first_bad_seq == 5


def test_append_validates_and_writes_nothing_on_error(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "r.sqlite")
    with pytest.raises(RecordStoreError, match="status 'done'"):
        store.append_record(_rec(0, status="done"))
    with pytest.raises(RecordStoreError, match="severity 'urgent'"):
        store.append_record(_rec(0, findings=[{"severity": "urgent", "code": "x", "message": "m"}]))
    with pytest.raises(RecordStoreError, match="unknown record field"):
        store.append_record(_rec(0, colour="red"))
    assert store.count() == 0
    assert store.verify().ok


def test_verdict_tidak_memenuhi_when_over_standard(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "r.sqlite")
    rec = store.append_record(_rec(0, duration_s=7300.0, standard_s=7200.0))
    assert rec.verdict == TIDAK_MEMENUHI
    assert store.append_record(_rec(1, standard_s=None)).verdict is None


def test_incident_opens_once_and_closes_with_downtime(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "r.sqlite")
    down = {
        "severity": "high",
        "code": "sipp_http_down",
        "message": "SIPP 502",
        "incident": True,
        "host": "sipp",
    }
    store.append_record(_rec(0, activity_id="SIPP-1", findings=[down]))
    store.append_record(_rec(1, activity_id="SIPP-1", findings=[down]))
    store.append_record(_rec(2, activity_id="SIPP-1", findings=[down], check_mode=True))
    assert len(store.list_incidents(open_only=True)) == 1
    # a check-mode run without the finding does not close it
    store.append_record(_rec(3, activity_id="SIPP-1", check_mode=True))
    assert len(store.list_incidents(open_only=True)) == 1
    closing = store.append_record(_rec(4, activity_id="SIPP-1"))
    (inc,) = store.list_incidents()
    assert inc.closed_record_id == closing.record_id
    assert inc.downtime_s == pytest.approx(4 * 3600 + 30)
    assert store.list_incidents(open_only=True) == []


def test_manual_entry_with_attachment(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "r.sqlite")
    doc = tmp_path / "berita_acara.pdf"
    doc.write_bytes(b"%PDF-1.4 fake but real bytes")
    rec = store.add_manual("SIPP-4", "Keluhan login hakim diterima", operator="operator1", attachments=[doc])
    (att,) = rec.attachments
    assert att["name"] == "berita_acara.pdf" and att["size"] == doc.stat().st_size
    assert store.blob_path(att["sha256"]).read_bytes() == doc.read_bytes()
    assert rec.via == "sop-log" and rec.operator == "operator1"
    with pytest.raises(RecordStoreError, match="not a readable file"):
        store.add_manual("SIPP-4", "x", operator="o", attachments=[tmp_path / "missing.pdf"])
    with pytest.raises(RecordStoreError, match="needs a note"):
        store.add_manual("SIPP-4", "  ", operator="o")
    assert store.count() == 1


def test_get_and_list_and_export(filled: RecordStore, tmp_path: Path) -> None:
    r = filled.get_record(3)
    assert filled.get_record(r.record_id[:10]).seq == 3
    with pytest.raises(RecordStoreError, match="no record"):
        filled.get_record("nope")
    assert len(filled.list_records(activity_id="SIPP-1")) == 4
    assert filled.list_records(limit=2, newest_first=True)[0].seq == N
    assert filled.export_jsonl(tmp_path / "out.jsonl") == N
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == N


def _appender(path: str, n: int, tag: int) -> None:
    store = RecordStore(path)
    for i in range(n):
        store.append_record(_rec(i, note=f"proc {tag}"))


def test_concurrent_appends_keep_one_valid_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "r.sqlite")
    RecordStore(path).close()
    ctx = mp.get_context("fork")
    procs = [ctx.Process(target=_appender, args=(path, 40, k)) for k in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    store = RecordStore(path)
    assert store.count() == 160
    assert store.verify().ok


def _append_forever(path: str) -> None:
    store = RecordStore(path)
    i = 0
    while True:
        store.append_record(_rec(i))
        i += 1


def test_kill_9_while_appending_leaves_a_valid_chain(tmp_path: Path) -> None:
    path = str(tmp_path / "r.sqlite")
    RecordStore(path).close()
    ctx = mp.get_context("fork")
    for delay in (0.05, 0.13, 0.31):
        p = ctx.Process(target=_append_forever, args=(path,))
        p.start()
        time.sleep(delay)
        assert p.pid is not None
        os.kill(p.pid, signal.SIGKILL)
        p.join()
    store = RecordStore(path)
    assert store.count() > 0
    assert store.verify().ok


def _begin_and_die(path: str, run_id: str, linger: float) -> None:
    store = RecordStore(path)
    store.begin_run(
        run_id,
        via="ansible-playbook",
        trigger="manual",
        operator="op",
        activities=["SIPP-2"],
        playbook="playbooks/sipp_backup.yml",
        inventory="inv",
        check_mode=False,
    )
    time.sleep(linger)
    os.kill(os.getpid(), signal.SIGKILL)


def test_killed_run_is_marked_interrupted_by_the_next_start(tmp_path: Path) -> None:
    path = str(tmp_path / "r.sqlite")
    RecordStore(path).close()
    ctx = mp.get_context("fork")
    p = ctx.Process(target=_begin_and_die, args=(path, "run-a", 2.0))
    p.start()
    time.sleep(0.8)
    store = RecordStore(path)
    assert store.recover_interrupted() == []  # still alive: not touched
    p.join()
    (rec,) = store.recover_interrupted()
    assert rec.status == "interrupted" and rec.activity_id == "SIPP-2" and rec.run_id == "run-a"
    assert rec.via == "recovery"
    assert store.recover_interrupted() == []  # only once
    run = store.get_run("run-a")
    assert run is not None and run.state == "interrupted"
    assert store.verify().ok
