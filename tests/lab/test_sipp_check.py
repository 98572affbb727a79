"""SIPP-1 against the lab: availability, online users, incidents on a MariaDB outage, sync health."""

from __future__ import annotations

import time

import pytest
from labkit import playbook, podman_exec, scalar, sql
from sippkit import assert_no_secret, incidents, latest, ok, run_playbook

pytestmark = pytest.mark.lab


def output(rec):
    return rec["output"]["sipp"]


def test_available_with_online_users_per_role(tmp_path):
    records = tmp_path / "records.sqlite"
    sql(
        "INSERT INTO sys_user_online (session_id, userid, host_address, login_time, user_agent, uri, "
        "current_page, last_visit) SELECT 'labtest-sipp1', u.userid, '127.0.0.1', NOW(), 'pytest', "
        "'/SIPP/', 'Beranda', NOW() FROM sys_users u JOIN sys_user_group ug ON ug.userid = u.userid "
        "JOIN sys_groups g ON g.groupid = ug.groupid WHERE g.name = 'JSP' LIMIT 1"
    )
    try:
        proc = ok(run_playbook(records, "playbooks/sipp_check.yml"))
        expected = int(
            scalar(
                "SELECT COUNT(DISTINCT userid) FROM sys_user_online "
                "WHERE last_visit >= NOW() - INTERVAL 15 MINUTE"
            )
        )
    finally:
        sql("DELETE FROM sys_user_online WHERE session_id = 'labtest-sipp1'")
    rec = latest(records, "SIPP-1")
    out = output(rec)
    assert rec["status"] == "successful"
    assert out["akses_sipp_tersedia"] is True
    assert out["summary"].startswith("Akses SIPP tersedia: ya")
    assert out["online_per_role"]["JSP"] >= 1
    assert out["online_users"] == expected
    assert out["http_control_node"]["status"] == 200 and out["http_control_node"]["rendered"]
    assert out["http_server"]["status"] == 200
    assert "changed=0" in proc.stdout
    assert_no_secret(proc.stdout, proc.stderr, folder=tmp_path)


def test_mariadb_stopped_opens_incident_and_restart_closes_it(tmp_path):
    records = tmp_path / "records.sqlite"
    ok(run_playbook(records, "playbooks/sipp_check.yml"))
    assert incidents(records, "SIPP-1") == []
    podman_exec("courtlab-sipp", "systemctl", "stop", "mariadb")
    try:
        proc = run_playbook(records, "playbooks/sipp_check.yml")
        rec = latest(records, "SIPP-1")
        out = output(rec)
        assert out["akses_sipp_tersedia"] is False
        assert out["summary"].startswith("Akses SIPP tersedia: tidak")
        assert out["services"]["mariadb"] != "running"
        codes = {(f["code"], f["severity"], f["incident"]) for f in rec["findings"]}
        assert ("sipp_unavailable", "high", True) in codes
        opened = incidents(records, "SIPP-1")
        assert len(opened) == 1 and opened[0].closed_at is None and opened[0].code == "sipp_unavailable"
    finally:
        podman_exec("courtlab-sipp", "systemctl", "start", "mariadb")
    time.sleep(1)
    ok(run_playbook(records, "playbooks/sipp_check.yml"))
    rec = latest(records, "SIPP-1")
    assert output(rec)["akses_sipp_tersedia"] is True
    closed = incidents(records, "SIPP-1")
    assert len(closed) == 1 and closed[0].closed_at is not None
    assert closed[0].downtime_s > 0
    assert_no_secret(proc.stdout, proc.stderr, folder=tmp_path)


def run_sync() -> None:
    podman_exec("courtlab-sipp", "systemctl", "start", "--wait", "sipp-sinkronisasi.service")


def test_sync_stalled_is_caught_while_the_job_log_says_success(tmp_path):
    records = tmp_path / "records.sqlite"
    case = scalar("SELECT MIN(perkara_id) FROM perkara")
    playbook("playbooks/lab/fault_sync.yml", "-e", "lab_sipp_sync_fault=revoked")
    try:
        sql(f"UPDATE perkara SET diperbaharui_tanggal = NOW() WHERE perkara_id = {case}")
        run_sync()
        log = sql("SELECT status FROM sinkronisasi_log ORDER BY id DESC LIMIT 1")[0][0]
        assert log == "SUKSES"
        ok(run_playbook(records, "playbooks/sipp_check.yml", "-e", "sipp_check_sync_tolerance_minutes=0"))
        rec = latest(records, "SIPP-1")
        sync = output(rec)["sinkronisasi"]
        assert sync["sehat"] is False
        assert sync["log_last"]["status"] == "SUKSES"
        stalled = [f for f in rec["findings"] if f["code"] == "sipp_sync_stalled"]
        assert stalled and stalled[0]["severity"] == "high" and "SUKSES" in stalled[0]["message"]
    finally:
        playbook("playbooks/lab/fault_sync.yml")
        time.sleep(1)
        sql(f"UPDATE perkara SET diperbaharui_tanggal = NOW() WHERE perkara_id = {case}")
        run_sync()
    ok(run_playbook(records, "playbooks/sipp_check.yml", "-e", "sipp_check_sync_tolerance_minutes=0"))
    assert output(latest(records, "SIPP-1"))["sinkronisasi"]["sehat"] is True
