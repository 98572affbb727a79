"""Verify SIPP-3 flags exactly the anomalies the generator seeded, per user and role."""

import csv
import io
import json
import os
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def result(host):
    return json.loads(host.file("/root/sipp_user_activity_result.json").content_string)


@pytest.fixture(scope="module")
def scenario(host):
    return json.loads(host.file("/var/lib/sipp-lab/scenario.json").content_string)


def test_every_seeded_anomaly_is_flagged_on_its_account(result, scenario):
    seeded = {(a["code"], a["username"]) for a in scenario["anomalies"]}
    flagged = {(f["code"], f["username"]) for f in result["flags"]}
    assert seeded <= flagged
    # nothing else: normal users at their own workstation in office hours are not flagged
    assert flagged == seeded


def test_flags_carry_role_and_severity(result):
    by_code = {f["code"]: f for f in result["flags"]}
    assert by_code["failed_login_burst"]["role"] == "JSP"
    assert by_code["failed_login_burst"]["severity"] == "high"
    assert by_code["failed_login_burst"]["failed"] >= 12
    assert by_code["off_hours_activity"]["role"] == "PP"
    assert by_code["many_ip_addresses"]["role"] == "Hakim"
    assert len(by_code["many_ip_addresses"]["ip_addresses"]) == 6


def test_login_totals_match_the_database(host, result, scenario):
    day = scenario["anomaly_day"]
    logins = int(
        host.check_output(
            'mariadb -N -B sipp -e "SELECT COUNT(*) FROM sys_login_history '
            f"WHERE status = 'success' AND login_time >= '{day}'\""
        )
    )
    assert result["totals"]["logins"] == logins > 0
    rows = list(csv.DictReader(io.StringIO(result["csv"])))
    assert {r["role"] for r in rows} <= {"Hakim", "PP", "JSP", "other"}
    assert sum(int(r["logins"]) for r in rows) == logins


def test_attachments_written_on_the_control_node(result):
    folder = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "attachments"
    # one CSV and one JSON per run (converge and idempotence), named by host and period
    files = sorted(folder.glob("SIPP-3_*"), key=lambda p: (p.stat().st_mtime, p.suffix))
    suffixes = [p.suffix for p in files]
    assert files and suffixes.count(".csv") == suffixes.count(".json") == len(files) // 2
    newest_json = [p for p in files if p.suffix == ".json"][-1]
    data = json.loads(newest_json.read_text())
    assert data["totals"] == result["totals"]
    for p in files:
        assert "molecule-monitor-pw-2" not in p.read_text()
