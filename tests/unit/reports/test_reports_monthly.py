"""The monthly Laporan Situasi Kondisi read from a fixture record set (real RecordStore)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from reports_recordset import WIB, build_store

from sop_runner.catalog import Catalog, load_catalog
from sop_runner.ledger import Ledger
from sop_runner.records import RecordStore
from sop_runner.reports.court import CourtInfo
from sop_runner.reports.errors import ReportError
from sop_runner.reports.monthly import MonthlyReport, collect_monthly, parse_month, render_monthly_html

NOW = dt.datetime(2026, 11, 21, 10, 0, tzinfo=WIB)
OUTAGE = (dt.datetime(2026, 10, 12, 9, 0, tzinfo=WIB), dt.datetime(2026, 10, 12, 14, 0, tzinfo=WIB))
COURT = CourtInfo.from_mapping(
    {
        "satker": "Pengadilan Negeri Contoh",
        "singkatan": "PN-CTH",
        "kota": "Contoh",
        "signatures": {"ketua": {"name": "Dr. Ketua Contoh, S.H.", "nip": "197001011990031001"}},
    }
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> RecordStore:
    path = tmp_path_factory.mktemp("store") / "records.sqlite"
    st = build_store(
        path,
        dt.date(2026, 9, 28),
        dt.date(2026, 11, 3),
        outage=OUTAGE,
        skip_backup_on=dt.date(2026, 10, 20),
        slow_backup_on=dt.date(2026, 10, 21),
    )
    ledger = Ledger(st)
    t0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=WIB)
    rid = ledger.receive_request(
        "Printer ruang sidang rusak",
        requester="Panitera",
        operator="operator",
        received_at=t0,
        at=t0 + dt.timedelta(minutes=10),
    ).request_id
    at = t0 + dt.timedelta(minutes=10)
    for step in ("B.2", "B.3", "B.4", "B.5", "B.6", "B.7"):
        at += dt.timedelta(hours=30 if step == "B.4" else 3)
        ledger.request_step(
            rid,
            step,
            operator="kasubbag",
            note=f"langkah {step}",
            at=at,
            priority="tinggi" if step == "B.3" else None,
        )
    c = ledger.receive_complaint(
        "SIPP tidak bisa dibuka",
        reporter="PP Budi",
        operator="operator",
        received_at=OUTAGE[0] + dt.timedelta(minutes=20),
        at=OUTAGE[0] + dt.timedelta(minutes=25),
    )
    ledger.complaint_step(
        c.complaint_id,
        "SIPP-5",
        operator="operator",
        note="dilaporkan ke Kasubbag",
        at=OUTAGE[0] + dt.timedelta(minutes=30),
    )
    ledger.complaint_step(
        c.complaint_id,
        "SIPP-7",
        operator="operator",
        note="apache direstart",
        at=OUTAGE[1] + dt.timedelta(minutes=5),
    )
    st.add_manual(
        "C.3",
        "Pengawasan pemeliharaan fisik jaringan bersama Subbag Umum",
        operator="kasubbag",
        started_at=dt.datetime(2026, 10, 30, 9, tzinfo=WIB),
        ended_at=dt.datetime(2026, 10, 30, 10, tzinfo=WIB),
    )
    return st


@pytest.fixture(scope="module")
def report(store: RecordStore, catalog: Catalog) -> MonthlyReport:
    return collect_monthly(store, catalog, 2026, 10, court=COURT, now=NOW)


def row(report: MonthlyReport, activity: str):  # type: ignore[no-untyped-def]
    return next(a for a in report.activities if a.id == activity)


def test_sipp_availability_per_day_from_hourly_checks(report: MonthlyReport) -> None:
    days = {d.day: d for d in report.availability}
    assert len(days) == 31
    assert days[12].checks == 24 and days[12].available == 19
    assert days[12].percent == pytest.approx(100 * 19 / 24)
    assert all(d.percent == 100.0 for n, d in days.items() if n != 12)
    assert report.availability_percent == pytest.approx(100 * (744 - 5) / 744)
    assert "<svg" in report.availability_svg and "Akses SIPP tersedia" in report.availability_svg


def test_scheduled_versus_done_and_mutu_baku(report: MonthlyReport) -> None:
    sipp1 = row(report, "SIPP-1")
    assert sipp1.scheduled == 744 and sipp1.done_slots == 739 and len(sipp1.failed_slots) == 5
    assert sipp1.verdict == "tidak memenuhi" and not sipp1.overdue
    sipp2 = row(report, "SIPP-2")
    assert sipp2.scheduled == 31 and sipp2.done_slots == 30
    assert [m.day for m in sipp2.missed] == [20]
    assert sipp2.over_standard == 1  # 2.5 h backup against the 2-hour standard
    assert sipp2.verdict == "tidak memenuhi"
    f1 = row(report, "F.1")
    assert f1.scheduled == f1.done_slots == 31 and f1.verdict == "memenuhi"
    c2 = row(report, "C.2")
    assert c2.scheduled == 1 and c2.done_slots == 1 and c2.verdict == "memenuhi"
    sipp3 = row(report, "SIPP-3")  # scheduled daily, never recorded in the fixture
    assert sipp3.done_slots == 0 and len(sipp3.missed) == 31 and sipp3.overdue
    assert any(item.startswith("SIPP-3 ") and "overdue" in item for item in report.open_items)


def test_backups_restore_drill_findings_incidents(report: MonthlyReport) -> None:
    sipp_backups = [b for b in report.backups if b.activity_id == "SIPP-2"]
    assert len(sipp_backups) == 30
    assert all(b.size_bytes and b.size_bytes >= 2e9 for b in sipp_backups)
    assert sipp_backups[0].repository_bytes == pytest.approx(3 * sipp_backups[0].size_bytes)
    assert [d.at.day for d in report.restore_drills] == [30]
    net = {f.code: f for f in report.findings["network"]}
    assert net["ups_on_battery"].severity == "high" and net["iface_crc_errors"].severity == "warning"
    assert [f.code for f in report.findings["security"]] == ["clamav_signatures_old"]
    assert [f.code for f in report.findings["sipp"]] == ["sipp_http_down"]
    assert report.findings["sipp"][0].count == 5
    (inc,) = report.incidents
    assert inc.incident.code == "sipp_http_down" and inc.closed_at is not None
    assert inc.duration_s == pytest.approx(5 * 3600, abs=120)


def test_requests_and_complaints(report: MonthlyReport) -> None:
    (req,) = report.requests
    assert req.overdue and [s.step for s in req.late_steps] == ["B.4"]
    assert row(report, "B.4").verdict == "tidak memenuhi"
    assert row(report, "B.5").verdict == "memenuhi"
    (comp,) = report.complaints
    assert [i.code for i in comp.incidents] == ["sipp_http_down"] and not comp.open
    assert [m.record.activity_id for m in report.manual] == ["C.3"]


def test_last_record_hash_covers_the_month(report: MonthlyReport, store: RecordStore) -> None:
    last = report.last_record
    assert last is not None
    in_month = store.list_records(until="2026-10-31T17:00:00.000000Z", newest_first=True, limit=1)[0]
    assert last.hash == in_month.hash and len(last.hash) == 64
    assert report.chain_ok and report.chain_count == store.count()


def test_html_has_the_sop_words_and_sections(report: MonthlyReport) -> None:
    html = render_monthly_html(report)
    for text in (
        "Laporan Situasi Kondisi",
        "Pengadilan Negeri Contoh",
        "SOP MAINTENANCE SIPP",
        "SOP/AS/29",
        "Daftar hasil monitoring dan pemeliharaan",
        "Akses SIPP tersedia",
        "memenuhi",
        "tidak memenuhi",
        "Back up data",
        "Uji restorasi",
        "Buku riwayat permasalahan SIPP",
        "Permintaan layanan TI",
        "TERLAMBAT",
        "Kasubbag Perencanaan TI dan Pelaporan",
        "Sekretaris",
        "Dr. Ketua Contoh, S.H.",
        report.last_record.hash if report.last_record else "?",
        "99,3 %",
    ):
        assert text in html, text
    # self-contained: no scripts, no stylesheets or images fetched from anywhere
    assert "<script" not in html and "<link" not in html and "<img" not in html
    assert 'src="http' not in html and "url(http" not in html


def test_tampered_chain_is_printed_as_broken(tmp_path: Path, catalog: Catalog) -> None:
    path = tmp_path / "records.sqlite"
    store = build_store(path, dt.date(2026, 10, 1), dt.date(2026, 10, 3))
    store.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE records SET body = replace(body, 'ya', 'YA') WHERE seq = 5")
    report = collect_monthly(RecordStore(path), catalog, 2026, 10, now=NOW)
    assert not report.chain_ok and "#5" in report.chain_problem
    assert "RUSAK" in render_monthly_html(report)


def test_user_errors(tmp_path: Path, catalog: Catalog) -> None:
    for bad in ("2026-13", "26-10", "oktober", "2026-1x"):
        with pytest.raises(ReportError, match="is not YYYY-MM"):
            parse_month(bad)
    assert parse_month("2026-02") == (2026, 2)
    empty = RecordStore(tmp_path / "empty.sqlite")
    with pytest.raises(ReportError, match="has no record up to 2026-10"):
        collect_monthly(empty, catalog, 2026, 10, now=NOW)
    with pytest.raises(ReportError, match="has not started yet"):
        collect_monthly(empty, catalog, 2027, 1, now=NOW)


def test_running_month_counts_only_slots_already_due(store: RecordStore, catalog: Catalog) -> None:
    report = collect_monthly(store, catalog, 2026, 11, now=dt.datetime(2026, 11, 2, 12, 0, tzinfo=WIB))
    sipp1 = row(report, "SIPP-1")
    assert sipp1.scheduled == 36  # 1 Nov 00:05 … 2 Nov 11:05
    assert sipp1.done_slots == 36
    assert len(report.availability) == 2
    assert row(report, "C.2").scheduled == 0  # 30 Nov is not due yet


def test_backup_size_reads_the_role_shapes() -> None:
    from sop_runner.reports.monthly import _backup_size

    restic = {
        "sipp": {
            "snapshots": [
                {"name": "database", "bytes_processed": 100},
                {"name": "files", "bytes_processed": 900},
            ]
        }
    }
    assert _backup_size(restic) == 1000
    # no new snapshot (bytes_processed null) → fall back to the exported files
    exported = {
        "sipp": {
            "snapshots": [{"name": "database", "bytes_processed": None}],
            "export": {"files": [{"file": "a.zst", "bytes": 40}, {"file": "b.zst", "bytes": 2}]},
        }
    }
    assert _backup_size(exported) == 42
    assert _backup_size({"web": {"size_bytes": 7}, "web2": {"size_bytes": 3}}) == 10
    assert _backup_size({"sipp": {"summary": "tidak ada ukuran"}}) is None


def test_due_times_before_the_first_record_are_not_missed(tmp_path: Path, catalog: Catalog) -> None:
    store = build_store(tmp_path / "records.sqlite", dt.date(2026, 10, 15), dt.date(2026, 11, 1))
    report = collect_monthly(store, catalog, 2026, 10, now=NOW)
    sipp1 = row(report, "SIPP-1")
    assert sipp1.scheduled == 17 * 24 and sipp1.done_slots == 17 * 24 and not sipp1.missed
    assert row(report, "SIPP-2").missed == [] and row(report, "SIPP-2").verdict == "memenuhi"
    assert len(row(report, "SIPP-3").missed) == 17  # never recorded at all, but only since recording began
    assert report.recording_since == dt.datetime(2026, 10, 15, 0, 5, tzinfo=WIB)
    assert "pencatatan otomatis dimulai 15 Oktober 2026 00:05" in render_monthly_html(report)


def test_latest_state_per_host_in_each_section(report: MonthlyReport) -> None:
    network = {(s.activity_id, s.host): s for s in report.latest["network"]}
    assert network[("C.2", "gw")].summary == "Sistem Security: 3 perangkat diperiksa"
    assert network[("C.2", "gw")].at.day == 30
    website = {(s.activity_id, s.host) for s in report.latest["website"]}
    assert {("F.1", "web"), ("F.2", "web")} <= website
    assert [s.summary for s in report.latest["sipp"] if s.activity_id == "SIPP-1"] == [
        "Akses SIPP tersedia: ya"
    ]
    assert "Kondisi terakhir" in render_monthly_html(report)


def test_slots_judged_per_host_like_sop_due(store: RecordStore, catalog: Catalog) -> None:
    """With the inventory's groups, each slot is judged per host of the scope (as `sop due`
    does); a scope with no host in the inventory has no slot to meet."""
    groups = {"sipp_servers": ["sipp"], "web_servers": ["web"]}
    report = collect_monthly(store, catalog, 2026, 10, court=COURT, now=NOW, groups=groups)
    sipp2 = row(report, "SIPP-2")
    assert sipp2.scheduled == 31 and sipp2.done_slots == 30 and [m.day for m in sipp2.missed] == [20]
    assert row(report, "C.2").scheduled == 0 and not row(report, "C.2").overdue  # no network hosts
    # a second SIPP server that never ran: every slot of SIPP-2 missed on it
    report = collect_monthly(
        store, catalog, 2026, 10, court=COURT, now=NOW, groups={**groups, "sipp_servers": ["sipp", "sipp2"]}
    )
    assert row(report, "SIPP-2").done_slots == 0 and len(row(report, "SIPP-2").missed) == 31
