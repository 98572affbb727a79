"""SIPP-1 and SIPP-3 on the lab's second SIPP schema variant ("legacy": no sys_user_online, no
sys_login_history, sessions in CodeIgniter's ci_sessions, audit-trail columns named waktu /
ip_address / aksi, SIPP's version in sys_config). Both activities succeed and say which source
they used; the standard variant is restored afterwards.

Run: pytest -m lab tests/lab/test_sipp_schema_variant.py (the lab must be up; switching the
variant reloads the SIPP database and regenerates its data, twice)."""

from __future__ import annotations

import json

import pytest
from labkit import playbook, podman_exec, scalar, sql
from sippkit import assert_no_secret, latest, ok, run_playbook

pytestmark = pytest.mark.lab


def _variant(name: str) -> None:
    playbook("playbooks/lab/sipp.yml", "-e", f"lab_sipp_schema_variant={name}", timeout=2400)


@pytest.fixture(scope="module", autouse=True)
def legacy_variant():
    _variant("legacy")
    yield
    _variant("standard")


def test_legacy_schema_is_in_place():
    tables = {row[0] for row in sql("SHOW TABLES")}
    assert "ci_sessions" in tables and "sys_config" in tables
    assert "sys_user_online" not in tables and "sys_login_history" not in tables
    columns = {row[0] for row in sql("SHOW COLUMNS FROM sys_audittrail")}
    assert {"waktu", "ip_address", "aksi"} <= columns and "datetime" not in columns


def test_sipp1_counts_online_users_from_the_session_table_and_reads_the_version(tmp_path):
    records = tmp_path / "records.sqlite"
    sql(
        "INSERT INTO ci_sessions (id, ip_address, timestamp, data) SELECT 'labtest-legacy', '127.0.0.1', "
        "UNIX_TIMESTAMP(), "
        "CONCAT('__ci_last_regenerate|i:1;userid|s:', LENGTH(u.userid), ':\"', u.userid, '\";') "
        "FROM sys_users u JOIN sys_user_group ug ON ug.userid = u.userid "
        "JOIN sys_groups g ON g.groupid = ug.groupid WHERE g.name = 'JSP' LIMIT 1"
    )
    try:
        proc = ok(run_playbook(records, "playbooks/sipp_check.yml"))
        expected = int(
            scalar(
                "SELECT COUNT(DISTINCT REGEXP_SUBSTR(data, 'userid[|]s:[0-9]+:\"[0-9]+\"')) FROM ci_sessions "
                "WHERE timestamp >= UNIX_TIMESTAMP(NOW() - INTERVAL 15 MINUTE) AND data LIKE '%userid|%'"
            )
        )
    finally:
        sql("DELETE FROM ci_sessions WHERE id = 'labtest-legacy'")
    rec = latest(records, "SIPP-1")
    out = rec["output"]["sipp"]
    assert rec["status"] == "successful"
    assert out["akses_sipp_tersedia"] is True
    assert out["online_source"] == "ci_sessions"
    assert out["online_users"] == expected and out["online_per_role"]["JSP"] >= 1
    assert "sumber: ci_sessions" in out["summary"]
    assert out["sipp_version"] == "3.2.0-8"
    assert out["sipp_version_source"] == "db:sys_config.value (versi_sipp)"
    codes = {f["code"] for f in rec["findings"]}
    assert "sipp_online_fallback" in codes
    assert not codes & {"sipp_unavailable", "sipp_online_unknown", "sipp_version_unknown"}
    assert_no_secret(proc.stdout, proc.stderr, folder=tmp_path)


def test_sipp3_reads_the_renamed_audit_trail_and_logins_from_it(tmp_path):
    records = tmp_path / "records.sqlite"
    sc = json.loads(podman_exec("courtlab-sipp", "cat", "/var/lib/sipp-lab/scenario.json").stdout)
    ok(
        run_playbook(
            records,
            "playbooks/sipp_user_activity.yml",
            "-e",
            f"sipp_user_activity_period_start={sc['anomaly_day']}",
        )
    )
    rec = latest(records, "SIPP-3")
    out = rec["output"]["sipp"]
    assert rec["status"] == "successful"
    assert out["sources"]["audit"] == "sys_audittrail"
    assert out["sources"]["logins"] == "sys_audittrail (aksi LOGIN)"
    assert out["sources"]["audit_columns"] == {
        "datetime": "waktu",
        "ipaddress": "ip_address",
        "username": "username",
        "action": "aksi",
        "tablename": None,
    }
    assert "sumber login: sys_audittrail (aksi LOGIN), audit trail: sys_audittrail" in out["summary"]
    assert out["totals"]["logins"] > 0 and out["totals"]["actions"] > 0
    codes = {f["code"] for f in rec["findings"]}
    # failed attempts now live in the audit trail ("LOGIN GAGAL"): the burst is still found
    assert {"failed_login_burst", "off_hours_activity", "many_ip_addresses", "dormant_account"} <= codes
    assert "sipp_schema_differs" in codes  # the missing table column is said, not hidden
