"""Records of a compliance run (built from structured results), JUnit XML of `sop run`/`sop tick`
records, and the monthly report's "Kepatuhan konfigurasi" section."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sop_runner.catalog import load_catalog
from sop_runner.comply import results
from sop_runner.comply.engine import ComplyRun, ControlResult
from sop_runner.junit import cases_from_records, to_xml, write_junit
from sop_runner.records import RecordStore
from sop_runner.reports.monthly import collect_monthly, render_monthly_html

T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)


def comply_run() -> ComplyRun:
    return ComplyRun(
        T0,
        T0 + timedelta(seconds=20),
        [
            ControlResult("D.5", "test_D5_firewall_default_deny", "sipp", "passed"),
            ControlResult(
                "D.5", "test_D5_firewall_default_deny", "web", "failed", "input policy is not drop"
            ),
            ControlResult("D.5", "test_D5_fail2ban_court_jails", "web", "passed"),
            ControlResult("D.5", "test_D5_fail2ban_court_jails", "nas", "unreachable", "Connection refused"),
            ControlResult(
                "SIPP-2", "test_SIPP2_portable_export_present", "sipp", "not applicable", "not mounted"
            ),
        ],
    )


@pytest.fixture
def store(tmp_path: Path):
    st = RecordStore(tmp_path / "records.sqlite")
    yield st
    st.close()


def test_one_record_per_sop_activity_with_hosts_findings_and_statuses(store: RecordStore) -> None:
    cat = load_catalog()
    recs = results.build_records(
        comply_run(),
        cat,
        run_id="r1",
        operator="op",
        trigger="manual",
        inventory="inv",
        limit=None,
        artifacts={},
    )
    assert [(r["activity_id"], r["output"][next(iter(r["output"]))]["sop_activity"]) for r in recs] == [
        ("KK-1", "D.5"),
        ("KK-1", "SIPP-2"),
    ]
    d5, sipp2 = (store.append_record(r) for r in recs)
    assert d5.status == "failed" and d5.via == "sop-comply" and d5.standard_s == 3600
    assert {h: v["status"] for h, v in d5.hosts.items()} == {
        "sipp": "ok",
        "web": "failed",
        "nas": "unreachable",
    }
    assert d5.findings == [
        {
            "host": "web",
            "severity": "high",
            "code": "D.5/D5_firewall_default_deny",
            "message": "D.5 | D5_firewall_default_deny: input policy is not drop",
            "incident": False,
        }
    ]
    assert "unreachable: nas" in d5.note
    assert sipp2.status == "successful" and sipp2.output["sipp"]["not_applicable"] == {
        "SIPP2_portable_export_present": "not mounted"
    }
    assert store.list_incidents() == []  # a compliance finding never opens an incident
    assert results.record_status(["ok", "unreachable"]) == "partial"
    assert results.record_status(["unreachable"]) == "unreachable"


def test_junit_of_run_records_one_case_per_activity_and_host(store: RecordStore, tmp_path: Path) -> None:
    store.append_record(
        {
            "activity_id": "SIPP-2",
            "started_at": T0,
            "ended_at": T0 + timedelta(seconds=40),
            "duration_s": 40.0,
            "status": "failed",
            "hosts": {
                "sipp": {"status": "failed", "error": "backup of 'database' failed: Access denied"},
                "sipp2": {"status": "ok"},
            },
            "output": {"sipp2": {"summary": "Backup SIPP selesai"}},
        }
    )
    store.append_record(
        {
            "activity_id": "C.2",
            "started_at": T0,
            "ended_at": T0,
            "status": "unreachable",
            "hosts": {"gw": {"status": "unreachable"}},
            "note": "unreachable: gw",
        }
    )
    path = write_junit(tmp_path / "ci" / "run.xml", cases_from_records(store.list_records()), "sop run all")
    root = ET.parse(path).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    failed = root.find("./testsuite[@name='SIPP-2']/testcase[@name='sipp']/failure")
    assert failed is not None and failed.get("message") == "backup of 'database' failed: Access denied"
    assert root.find("./testsuite[@name='C.2']/testcase[@name='gw']/error") is not None
    ok = root.find("./testsuite[@name='SIPP-2']/testcase[@name='sipp2']")
    assert ok is not None and ok.find("failure") is None


def test_junit_of_a_compliance_run() -> None:
    root = ET.fromstring(to_xml(results.junit_cases(comply_run()), "sop comply"))
    assert (root.get("tests"), root.get("failures"), root.get("errors"), root.get("skipped")) == (
        "5",
        "1",
        "1",
        "1",
    )


def test_monthly_report_has_the_compliance_section(store: RecordStore) -> None:
    cat = load_catalog()
    for r in results.build_records(
        comply_run(),
        cat,
        run_id="r1",
        operator="op",
        trigger="manual",
        inventory="inv",
        limit=None,
        artifacts={},
    ):
        store.append_record(r)
    report = collect_monthly(store, cat, 2026, 12, now=T0 + timedelta(hours=2))
    (d5, sipp2) = report.compliance
    assert (d5.sop_activity, d5.audits, d5.passed, d5.failed, d5.unreachable) == ("D.5", 1, 2, 1, 1)
    assert [f.code for f in d5.failures] == ["D.5/D5_firewall_default_deny"]
    html = render_monthly_html(report)
    assert "Kepatuhan konfigurasi" in html and "D.5/D5_firewall_default_deny" in html
    row = next(a for a in report.activities if a.id == "KK-1")
    assert row.runs == 2


def test_a_run_that_dies_inside_its_lifecycle_leaves_an_interrupted_record(store: RecordStore) -> None:
    with (
        pytest.raises(RuntimeError, match="suite broke"),
        store.recorded_run(
            "run-x",
            via="sop-comply",
            trigger="manual",
            operator="op",
            activities=["KK-1"],
            playbook="sop comply",
            inventory="inv",
        ),
    ):
        raise RuntimeError("suite broke")
    (rec,) = store.list_records(run_id="run-x")
    assert (rec.activity_id, rec.status, rec.via) == ("KK-1", "interrupted", "recovery")
    assert "suite broke" in rec.note and store.get_run("run-x").state == "interrupted"
    with store.recorded_run(
        "run-y",
        via="sop-comply",
        trigger="manual",
        operator="op",
        activities=["KK-1"],
        playbook="sop comply",
        inventory="inv",
    ):
        pass
    assert store.get_run("run-y").state == "finished" and store.list_records(run_id="run-y") == []
