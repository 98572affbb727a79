"""Verify SIPP-1's figures against what the stand-in really holds."""

import json

import pytest


@pytest.fixture(scope="module")
def result(host):
    return json.loads(host.file("/root/sipp_check_result.json").content_string)


def sql(host, query):
    cmd = host.run(f"mariadb -N -B sipp -e {json.dumps(query)}")
    assert cmd.rc == 0, cmd.stderr
    return cmd.stdout.strip()


def test_sipp_is_available_and_rendered_from_both_sides(result):
    r = result["result"]
    assert r["akses_sipp_tersedia"] is True, r["reasons"]
    for side in ("http_control_node", "http_server"):
        assert r[side]["status"] == 200
        assert r[side]["rendered"] is True
        assert r[side]["elapsed_ms"] >= 0


def test_services_reported_as_running(host, result):
    assert result["result"]["services"] == {"apache2": "running", "mariadb": "running"}
    assert host.service("apache2").is_running and host.service("mariadb").is_running


def test_online_users_count_only_recent_sessions_per_role(host, result):
    r = result["result"]
    recent = int(
        sql(host, "SELECT COUNT(*) FROM sys_user_online WHERE last_visit >= NOW() - INTERVAL 15 MINUTE")
    )
    assert r["online_users"] == recent == 1
    assert r["online_per_role"] == {"Hakim": 1, "PP": 0, "JSP": 0, "other": 0}


def test_database_size_and_disks(host, result):
    r = result["result"]
    size = int(
        sql(
            host,
            "SELECT SUM(data_length + index_length) FROM information_schema.tables "
            "WHERE table_schema = 'sipp'",
        )
    )
    assert r["database_bytes"] == size
    mounts = {d["mount"] for d in r["disks"]}
    assert "/" in mounts
    assert all(0 <= d["free_pct"] <= 100 for d in r["disks"])


def test_sync_is_healthy_after_a_fresh_run(host, result):
    s = result["sync"]
    assert s["checked"] is True and s["sehat"] is True
    by_table = {t["tbl"]: t for t in s["tables"]}
    assert set(by_table) == {"perkara", "perkara_putusan", "perkara_jadwal_sidang"}
    assert by_table["perkara"]["local_rows"] == int(sql(host, "SELECT COUNT(*) FROM perkara"))
    assert s["log_last"]["status"] == "SUKSES"


def test_monitor_password_not_in_the_kept_result(result):
    assert "molecule-monitor-pw-2" not in json.dumps(result)
