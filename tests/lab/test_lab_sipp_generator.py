"""The synthetic data generator, run for real in the sipp container against a scratch database.

Reference queries below state what "the SIPP-3 check must find" means for the seeded scenario:
each finds exactly its seeded account in profile `anomalies` and nothing in profile `clean`.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from labkit import podman_exec, sql

pytestmark = pytest.mark.lab

SCRATCH = "sipp_gentest"
WORK = "/tmp/sipp-gentest"

QUERIES = {
    # any audit-trail entry outside Mon-Fri 07:30-16:00
    "off_hours_activity": "SELECT DISTINCT username FROM sys_audittrail "
    "WHERE WEEKDAY(datetime) >= 5 OR TIME(datetime) < '07:30' OR TIME(datetime) >= '16:00'",
    # 5 or more failed logins of one account within 10 minutes
    "failed_login_burst": "SELECT DISTINCT a.username FROM sys_login_history a JOIN sys_login_history b "
    "ON b.username = a.username AND b.status = 'failed' "
    "AND b.login_time BETWEEN a.login_time AND a.login_time + INTERVAL 10 MINUTE "
    "WHERE a.status = 'failed' GROUP BY a.id, a.username HAVING COUNT(*) >= 5",
    # successful logins from 4 or more addresses on one day
    "many_ip_addresses": "SELECT DISTINCT username FROM sys_login_history WHERE status = 'success' "
    "GROUP BY username, DATE(login_time) HAVING COUNT(DISTINCT ip_address) >= 4",
    # two sessions of one account overlapping in time from different addresses
    "shared_account": "SELECT DISTINCT a.username FROM sys_login_history a JOIN sys_login_history b "
    "ON a.username = b.username AND a.id < b.id AND a.ip_address <> b.ip_address "
    "AND a.login_time < COALESCE(b.logout_time, b.login_time + INTERVAL 8 HOUR) "
    "AND b.login_time < COALESCE(a.logout_time, a.login_time + INTERVAL 8 HOUR) "
    "WHERE a.status = 'success' AND b.status = 'success'",
    # active account not used for more than 90 days
    "dormant_account": "SELECT username FROM sys_users WHERE block = 0 "
    "AND (last_login IS NULL OR last_login < NOW() - INTERVAL 90 DAY)",
}


def generate(profile: str, *extra: str, check: bool = True):
    return podman_exec(
        "courtlab-sipp",
        "/usr/local/sbin/sipp-lab-generate",
        f"--database={SCRATCH}",
        f"--profile={profile}",
        "--cases=40",
        "--doc-kb=4",
        "--days=21",
        f"--uploads={WORK}/uploads",
        f"--manifest={WORK}/scenario.json",
        "--password-file=/var/lib/sipp-lab/user-password",
        f"--end={dt.date.today()}",
        *extra,
        check=check,
    )


@pytest.fixture(scope="module")
def scratch():
    podman_exec(
        "courtlab-sipp",
        "sh",
        "-c",
        f"mariadb -e 'DROP DATABASE IF EXISTS {SCRATCH}; CREATE DATABASE {SCRATCH}' && "
        f"mariadb {SCRATCH} < /var/lib/sipp-lab/schema.sql && mkdir -p {WORK}",
    )
    yield
    podman_exec("courtlab-sipp", "sh", "-c", f"mariadb -e 'DROP DATABASE IF EXISTS {SCRATCH}'; rm -rf {WORK}")


def found(code: str) -> set[str]:
    return {r[0] for r in sql(QUERIES[code], database=SCRATCH)}


def test_anomalies_profile_seeds_each_finding_once(scratch):
    generate("anomalies")
    manifest = json.loads(podman_exec("courtlab-sipp", "cat", f"{WORK}/scenario.json").stdout)
    expected = {a["code"]: a["username"] for a in manifest["anomalies"]}
    assert set(expected) == set(QUERIES)
    for code, username in expected.items():
        assert found(code) == {username}, code
    day = dt.date.fromisoformat(manifest["anomaly_day"])
    assert day.weekday() < 5 and day < dt.date.today()
    burst = sql(
        "SELECT COUNT(*), MIN(login_time), MAX(login_time) FROM sys_login_history "
        f"WHERE username = 'jsp.budi' AND status = 'failed' AND DATE(login_time) = '{day}'",
        SCRATCH,
    )[0]
    assert int(burst[0]) == 12


def test_clean_profile_has_none_of_them(scratch):
    generate("clean")
    manifest = json.loads(podman_exec("courtlab-sipp", "cat", f"{WORK}/scenario.json").stdout)
    assert manifest["profile"] == "clean" and manifest["anomalies"] == []
    for code in QUERIES:
        assert found(code) == set(), code
    # still a living court: logins, audit trail, hearings, documents
    assert int(sql("SELECT COUNT(*) FROM sys_login_history WHERE status = 'success'", SCRATCH)[0][0]) > 100
    assert int(sql("SELECT COUNT(*) FROM perkara_dokumen", SCRATCH)[0][0]) >= 40
    files = podman_exec("courtlab-sipp", "sh", "-c", f"find {WORK}/uploads -name '*.pdf' | wc -l").stdout
    assert int(files) == int(sql("SELECT COUNT(*) FROM perkara_dokumen", SCRATCH)[0][0])


def test_same_seed_same_data(scratch):
    generate("clean")
    first = sql("SELECT nomor_perkara, pihak1_text FROM perkara ORDER BY perkara_id", SCRATCH)
    generate("clean")
    assert sql("SELECT nomor_perkara, pihak1_text FROM perkara ORDER BY perkara_id", SCRATCH) == first


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cases=3"], "--cases 3: need at least 10 cases"),
        (["--end=2026-13-45"], "--end '2026-13-45': not a date"),
        (["--password-file=/nonexistent"], "--password-file /nonexistent: missing or empty"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(scratch, args, message):
    before = sql("SELECT COUNT(*) FROM perkara", SCRATCH)
    proc = generate("clean", *args, check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and message in proc.stderr
    assert sql("SELECT COUNT(*) FROM perkara", SCRATCH) == before
