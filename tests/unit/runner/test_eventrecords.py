"""Records built from Ansible events: attribution, statuses, outputs, findings, secrets."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

from sop_runner.eventrecords import EventCollector, activity_of, read_archive
from sop_runner.scrub import Scrubber

T = datetime(2026, 8, 30, 0, 0, tzinfo=UTC)
KNOWN = ["SIPP-1", "SIPP-2", "C.2", "D.7"]
BASE = {"run_id": "r1", "via": "ansible-playbook", "trigger": "manual"}


def _build(c: EventCollector, stats: dict, custom: dict) -> dict[str, dict]:
    recs = c.build_records(
        host_stats=stats,
        custom=custom,
        base=BASE,
        standards={"SIPP-1": 3600.0, "C.2": None},
        scopes={"SIPP-1": "sipp_servers"},
        fallback_time=T,
    )
    return {r["activity_id"]: r for r in recs}


def test_activity_of_task_names() -> None:
    assert activity_of("SIPP-1 | AUDIT | Read online users", KNOWN) == "SIPP-1"
    assert activity_of("sipp_check : SIPP-1 | AUDIT | Read", KNOWN) == "SIPP-1"
    assert activity_of("C.2 | AUDIT | Interface errors", KNOWN) == "C.2"
    assert activity_of("X.9 | AUDIT | unknown", KNOWN) is None
    assert activity_of("Gathering Facts", KNOWN) is None
    assert activity_of(None, KNOWN) is None


def test_one_record_per_activity_with_status_rules() -> None:
    c = EventCollector(KNOWN)
    c.play_start("day30", ["C.2", "D.7"], T)
    c.result(
        task_name="Gathering Facts", host="nas", outcome="unreachable", when=T, msg="ssh: connect refused"
    )
    c.task_start("C.2 | AUDIT | Read devices", T + timedelta(seconds=1))
    c.result(task_name="C.2 | AUDIT | Read devices", host="gw", outcome="ok", when=T + timedelta(seconds=5))
    c.result(task_name="C.2 | AUDIT | Read devices", host="sw1", outcome="ok", when=T + timedelta(seconds=6))
    c.task_start("D.7 | PATCH | Restore drill", T + timedelta(seconds=7))
    c.result(
        task_name="D.7 | PATCH | Restore drill", host="gw", outcome="failed", when=T + timedelta(seconds=9)
    )
    c.result(
        task_name="D.7 | PATCH | Restore drill", host="sw1", outcome="failed", ignore_errors=True, when=T
    )
    stats = {"gw": {"failures": 1}, "sw1": {}, "nas": {"unreachable": 1}}
    recs = _build(c, stats, {"gw": {"sop_output": {"C.2": {"summary": "ok", "links": 3, "findings": []}}}})
    assert set(recs) == {"C.2", "D.7"}
    assert recs["C.2"]["status"] == "partial" and "unreachable: nas" in recs["C.2"]["note"]
    assert recs["C.2"]["duration_s"] == 5.0 and recs["C.2"]["verdict"] is None
    assert recs["C.2"]["output"] == {"gw": {"summary": "ok", "links": 3}}
    assert recs["D.7"]["status"] == "failed" and recs["D.7"]["hosts"]["sw1"]["ignored"] == 1
    assert recs["D.7"]["hosts"]["sw1"]["status"] == "ok"


def test_all_unreachable_and_skipped_activity() -> None:
    c = EventCollector(KNOWN)
    c.play_start("p", ["SIPP-1", "SIPP-2"], T)
    c.result(task_name="Gathering Facts", host="sipp", outcome="unreachable", when=T)
    recs = _build(c, {"sipp": {"unreachable": 1}}, {})
    assert recs["SIPP-1"]["status"] == "unreachable"
    c2 = EventCollector(KNOWN)
    c2.play_start("p", [], T)
    c2.task_start("SIPP-2 | PATCH | Dump", T)
    c2.result(task_name="SIPP-2 | PATCH | Dump", host="sipp", outcome="skipped", when=T)
    assert _build(c2, {"sipp": {"skipped": 1}}, {}) == {}  # toggled off: no record


def test_shared_role_failure_fails_the_activity_that_included_it() -> None:
    """restic_backup's "BACKUP | …" tasks run for SIPP-2: their failure is SIPP-2's, with its message."""
    c = EventCollector(KNOWN, Scrubber(["s3cret-pw"]))
    c.play_start("SIPP-2 Backup", ["SIPP-2"], T)
    check = "sipp_backup : SIPP-2 | PRELIM | Check the settings"
    c.task_start(check, T)
    c.result(task_name=check, host="sipp", outcome="ok", when=T)
    c.task_start("sipp_backup : SIPP-2 | PATCH | Stream the database", T)  # include_role: no host result
    c.task_start("restic_backup : BACKUP | PATCH | Stream each due source", T)
    c.result(
        task_name="restic_backup : BACKUP | PATCH | Stream each due source",
        host="sipp",
        outcome="ok",
        changed=True,
        when=T + timedelta(seconds=3),
    )
    c.task_start("restic_backup : BACKUP | PRELIM | Stop when a streamed source failed", T)
    c.result(
        task_name="restic_backup : BACKUP | PRELIM | Stop when a streamed source failed",
        host="sipp",
        outcome="failed",
        when=T + timedelta(seconds=4),
        msg="backup of 'database' failed: Access denied (password s3cret-pw)",
    )
    recs = _build(c, {"sipp": {"failures": 1}}, {})
    rec = recs["SIPP-2"]
    assert rec["status"] == "failed"
    assert rec["hosts"]["sipp"]["failures"] == 1 and rec["hosts"]["sipp"]["changed"] == 1
    assert rec["hosts"]["sipp"]["error"] == "backup of 'database' failed: Access denied (password ********)"
    assert rec["note"] == "failed: sipp (backup of 'database' failed: Access denied (password ********))"
    assert rec["duration_s"] == 4.0


def test_failure_before_any_activity_task_fails_the_plays_activities() -> None:
    c = EventCollector(KNOWN)
    c.play_start("hourly", ["SIPP-1"], T)
    c.task_start("Gathering Facts", T)
    c.result(task_name="Gathering Facts", host="sipp", outcome="failed", when=T, msg="no python")
    c.result(task_name="Gathering Facts", host="web", outcome="failed", ignore_errors=True, when=T)
    recs = _build(c, {"sipp": {"failures": 1}, "web": {}}, {})
    assert recs["SIPP-1"]["status"] == "failed"
    assert set(recs["SIPP-1"]["hosts"]) == {"sipp"}
    # a new play starts without an owner: its shared tasks are not the previous play's activity
    c.play_start("other", [], T)
    c.task_start("Some shared task", T)
    c.result(task_name="Some shared task", host="sipp", outcome="failed", when=T)
    assert _build(c, {"sipp": {"failures": 2}}, {})["SIPP-1"]["hosts"]["sipp"]["failures"] == 1


def test_findings_normalised_and_secrets_scrubbed() -> None:
    c = EventCollector(KNOWN, Scrubber(["S3cr3t-db-pass", "abc"]))
    c.play_start("p", ["SIPP-1"], T)
    c.task_start("SIPP-1 | AUDIT | x", T)
    c.result(
        task_name="SIPP-1 | AUDIT | x", host="sipp", outcome="failed", when=T, msg="auth S3cr3t-db-pass bad"
    )
    c.result(
        task_name="SIPP-1 | AUDIT | y", host="sipp", outcome="ok", when=T, no_log=True, msg="S3cr3t-db-pass"
    )
    custom = {
        "sipp": {
            "sop_output": {
                "SIPP-1": {
                    "summary": "x",
                    "dsn": "mysql://u:S3cr3t-db-pass@db",
                    "findings": [
                        {"severity": "high", "code": "down", "message": "m", "incident": True},
                        {"severity": "urgent", "code": "odd", "message": "m2"},
                    ],
                }
            }
        }
    }
    rec = _build(c, {"sipp": {"failures": 1}}, custom)["SIPP-1"]
    assert rec["output"]["sipp"]["dsn"] == "mysql://u:********@db"
    assert [f["severity"] for f in rec["findings"]] == ["high", "warning", "warning"]
    assert rec["findings"][0]["incident"] is True and rec["findings"][0]["host"] == "sipp"
    # "abc" is too short to mask: kept as it is, and the record says so (length, not value)
    short = rec["findings"][2]
    assert short["code"] == "vault_value_too_short" and "length 3" in short["message"]
    assert "abc" not in short["message"] and short["incident"] is False
    archive = c.archive({"sipp": {"failures": 1}})
    assert b"S3cr3t" not in gzip.decompress(archive)
    events = read_archive(archive)
    assert any(e.get("censored") for e in events)
    assert "S3cr3t" not in str(events) and "********" in str(events)
