"""Service requests B.1→B.7 and the SIPP problem book, written into a real record store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sop_runner.ledger import Ledger, LedgerError
from sop_runner.records import RecordStore, iso

WIB = dt.timezone(dt.timedelta(hours=7))
T0 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=WIB)


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    return RecordStore(tmp_path / "records.sqlite")


def walk(ledger: Ledger, late_step: str | None, start: dt.datetime = T0) -> str:
    req = ledger.receive_request(
        "Printer ruang sidang rusak",
        requester="Panitera Muda",
        operator="operator",
        received_at=start,
        at=start + dt.timedelta(minutes=20),
    )
    at = start + dt.timedelta(minutes=20)
    for step in ("B.2", "B.3", "B.4", "B.5", "B.6", "B.7"):
        at += dt.timedelta(hours=26 if step == late_step else 2)
        ledger.request_step(
            req.request_id,
            step,
            operator="kasubbag",
            note=f"langkah {step}",
            at=at,
            priority="tinggi" if step == "B.3" else None,
        )
    return req.request_id


def test_seven_steps_with_one_late_step_is_flagged(store: RecordStore) -> None:
    ledger = Ledger(store)
    rid = walk(ledger, late_step="B.5")
    req = ledger.get_request(rid)
    assert req.complete and req.priority == "tinggi"
    assert [s.step for s in req.steps] == ["B.1", "B.2", "B.3", "B.4", "B.5", "B.6", "B.7"]
    assert [s.step for s in req.late_steps] == ["B.5"]
    assert req.steps[4].verdict == "tidak memenuhi" and req.steps[4].duration_s == 26 * 3600
    assert all(s.verdict == "memenuhi" for s in req.steps if s.step != "B.5")
    assert req.overdue and not req.pending_overdue
    # every step is a chained record
    recs = store.list_records()
    assert [r.activity_id for r in recs] == ["B.1", "B.2", "B.3", "B.4", "B.5", "B.6", "B.7"]
    assert all(r.scope == f"request:{rid}" and r.via == "sop-log" for r in recs)
    assert store.verify().ok


def test_on_time_request_is_not_overdue(store: RecordStore) -> None:
    ledger = Ledger(store)
    req = ledger.get_request(walk(ledger, late_step=None))
    assert not req.overdue and req.duration_s == pytest.approx(20 * 60 + 6 * 2 * 3600)


def test_open_request_becomes_overdue_when_next_step_waits_over_a_day(store: RecordStore) -> None:
    ledger = Ledger(store)
    req = ledger.receive_request("Akun SIPP baru", requester="Hakim", operator="op", at=T0)
    assert ledger.get_request(req.request_id, now=T0 + dt.timedelta(hours=23)).overdue is False
    later = ledger.get_request(req.request_id, now=T0 + dt.timedelta(hours=25))
    assert later.pending_overdue and later.overdue and later.next_step is not None
    assert later.next_step.step == "B.2"
    assert later.next_step.due_at == T0 + dt.timedelta(days=1)


def test_steps_must_come_in_order_and_once(store: RecordStore) -> None:
    ledger = Ledger(store)
    rid = ledger.receive_request("Jaringan lambat", requester="PP", operator="op", at=T0).request_id
    with pytest.raises(LedgerError, match="next step is B.2, not B.4"):
        ledger.request_step(rid, "B.4", operator="op", note="x", at=T0)
    ledger.request_step(rid, "B.2", operator="op", note="dianalisis", at=T0 + dt.timedelta(hours=1))
    with pytest.raises(LedgerError, match="priority"):
        ledger.request_step(rid, "B.3", operator="op", note="x", at=T0 + dt.timedelta(hours=2))
    with pytest.raises(LedgerError, match="not one of rendah"):
        ledger.request_step(
            rid, "B.3", operator="op", note="x", priority="segera", at=T0 + dt.timedelta(hours=2)
        )
    with pytest.raises(LedgerError, match="before the previous step"):
        ledger.request_step(rid, "B.3", operator="op", note="x", priority="sedang", at=T0)
    with pytest.raises(LedgerError, match="no service request 'PL-000000-999'"):
        ledger.request_step("PL-000000-999", "B.2", operator="op", note="x")
    with pytest.raises(LedgerError, match="naive|no time zone"):
        ledger.request_step(
            rid, "B.3", operator="op", note="x", priority="sedang", at=dt.datetime(2026, 11, 3)
        )
    # nothing half-written by the refused calls
    assert [r.activity_id for r in store.list_records()] == ["B.1", "B.2"]


def test_request_ids_are_unique_per_month(store: RecordStore) -> None:
    ledger = Ledger(store)
    a = ledger.receive_request("A", requester="x", operator="op", at=T0).request_id
    b = ledger.receive_request("B", requester="x", operator="op", at=T0).request_id
    c = ledger.receive_request("C", requester="x", operator="op", at=T0 + dt.timedelta(days=40)).request_id
    assert (a, b, c) == ("PL-202611-001", "PL-202611-002", "PL-202612-001")
    assert [r.request_id for r in ledger.requests()] == [a, b, c]


def test_attachments_are_stored_by_hash_and_missing_ones_refused(store: RecordStore, tmp_path: Path) -> None:
    form = tmp_path / "formulir-permintaan.pdf"
    form.write_bytes(b"%PDF-1.4 formulir")
    ledger = Ledger(store)
    req = ledger.receive_request("Scanner", requester="x", operator="op", at=T0, attachments=[form])
    att = req.steps[0].attachments[0]
    assert (
        att["name"] == "formulir-permintaan.pdf"
        and store.blob_path(att["sha256"]).read_bytes() == form.read_bytes()
    )
    with pytest.raises(LedgerError, match="not a readable file"):
        ledger.request_step(
            req.request_id, "B.2", operator="op", note="x", attachments=[tmp_path / "nope.pdf"]
        )
    assert store.count() == 1


def _incident(store: RecordStore, start: dt.datetime, end: dt.datetime) -> None:
    finding = {
        "host": "sipp",
        "severity": "high",
        "code": "sipp_http_down",
        "incident": True,
        "message": "SIPP tidak menjawab (HTTP 502)",
    }
    for when, findings, status in ((start, [finding], "failed"), (end, [], "ok")):
        store.append_record(
            {
                "activity_id": "SIPP-1",
                "started_at": iso(when),
                "ended_at": iso(when + dt.timedelta(seconds=2)),
                "status": "failed" if findings else "successful",
                "findings": findings,
                "hosts": {"sipp": {"status": status}},
            }
        )


def test_complaint_links_the_incident_open_when_it_came_in(store: RecordStore) -> None:
    _incident(store, T0, T0 + dt.timedelta(hours=3))
    ledger = Ledger(store)
    c = ledger.receive_complaint(
        "SIPP tidak bisa dibuka",
        reporter="PP Budi",
        operator="op",
        received_at=T0 + dt.timedelta(minutes=30),
        at=T0 + dt.timedelta(minutes=35),
    )
    assert [i.code for i in c.incidents] == ["sipp_http_down"]
    assert c.incidents[0].closed_at is not None and c.incidents[0].downtime_s == pytest.approx(3 * 3600 + 2)
    ledger.complaint_step(
        c.complaint_id,
        "SIPP-5",
        operator="op",
        note="dilaporkan ke Kasubbag",
        at=T0 + dt.timedelta(minutes=40),
    )
    ledger.complaint_step(
        c.complaint_id, "SIPP-6", operator="op", note="log apache diperiksa", at=T0 + dt.timedelta(hours=1)
    )
    done = ledger.complaint_step(
        c.complaint_id, "SIPP-7", operator="op", note="apache direstart", at=T0 + dt.timedelta(hours=3)
    )
    assert not done.open and not done.overdue
    assert done.duration_s == pytest.approx(2.5 * 3600)
    with pytest.raises(LedgerError, match="already solved"):
        ledger.complaint_step(c.complaint_id, "SIPP-6", operator="op", note="x")


def test_complaint_reported_late_is_overdue(store: RecordStore) -> None:
    ledger = Ledger(store)
    c = ledger.receive_complaint("Login gagal", reporter="JSP", operator="op", at=T0, incident_ids=[])
    assert c.incidents == []
    assert ledger.get_complaint(c.complaint_id, now=T0 + dt.timedelta(minutes=10)).overdue is False
    assert ledger.get_complaint(c.complaint_id, now=T0 + dt.timedelta(minutes=16)).overdue is True
    late = ledger.complaint_step(
        c.complaint_id, "SIPP-5", operator="op", note="lapor", at=T0 + dt.timedelta(hours=1)
    )
    assert [s.step for s in late.late_steps] == ["SIPP-5"]
    with pytest.raises(LedgerError, match="no incident 42"):
        ledger.receive_complaint("x", reporter="y", operator="op", incident_ids=[42])
    with pytest.raises(LedgerError, match="who complains"):
        ledger.receive_complaint("x", reporter=" ", operator="op")


def test_texts_and_standards_come_from_the_catalog_with_the_court_override(
    store: RecordStore, tmp_path: Path
) -> None:
    from sop_runner.catalog import load_catalog

    override = tmp_path / "sop_catalog.yml"
    override.write_text(
        "activities:\n"
        "  - id: B.5\n"
        '    aktifitas: "Memberikan solusi (disposisi Sekretaris)"\n'
        '    waktu: "2 hari"\n'
        "  - id: SIPP-5\n"
        '    waktu: "30 menit"\n'
    )
    ledger = Ledger(store, catalog=load_catalog([override]))
    req = ledger.get_request(walk(ledger, late_step="B.5"))  # 26 h: within this court's 2 hari
    b5 = req.steps[4]
    assert b5.title == "Memberikan solusi (disposisi Sekretaris)" and b5.standard_s == 2 * 86400
    assert b5.verdict == "memenuhi" and not req.late_steps
    c = ledger.receive_complaint("Login gagal", reporter="JSP", operator="op", at=T0, incident_ids=[])
    assert ledger.get_complaint(c.complaint_id, now=T0 + dt.timedelta(minutes=20)).overdue is False
    assert ledger.get_complaint(c.complaint_id, now=T0 + dt.timedelta(minutes=31)).overdue is True
