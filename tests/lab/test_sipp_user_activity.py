"""SIPP-3 against the lab: the seeded anomalies are flagged on their accounts; a clean period is not."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest
from labkit import podman_exec, sql
from sippkit import assert_no_secret, latest, ok, run_playbook

pytestmark = pytest.mark.lab

CLEAN_DB = "sipp_sipp3_clean"
WORK = "/tmp/sipp3-clean"


def scenario(path: str = "/var/lib/sipp-lab/scenario.json") -> dict:
    return json.loads(podman_exec("courtlab-sipp", "cat", path).stdout)


def test_seeded_anomalies_flagged_per_account_and_role(tmp_path):
    records = tmp_path / "records.sqlite"
    sc = scenario()
    proc = ok(
        run_playbook(
            records,
            "playbooks/sipp_user_activity.yml",
            "-e",
            f"sipp_user_activity_period_start={sc['anomaly_day']}",
        )
    )
    rec = latest(records, "SIPP-3")
    out = rec["output"]["sipp"]
    flagged = {(f["code"], f["username"]) for f in out["flagged"]}
    for a in sc["anomalies"]:
        assert (a["code"], a["username"]) in flagged
    codes = {f["code"] for f in rec["findings"]}
    assert {
        "off_hours_activity",
        "failed_login_burst",
        "many_ip_addresses",
        "shared_account",
        "dormant_account",
    } <= codes
    assert out["summary"].startswith("Log aktifitas user")
    # the CSV attachment is the per-user table of the record
    attachment = next(a for a in out["attachments"] if a["path"].endswith(".csv"))
    with open(attachment["path"], encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["username"] for r in rows} >= {"pp.rina", "jsp.budi", "hakim.ahmad"}
    assert next(r for r in rows if r["username"] == "jsp.budi")["role"] == "JSP"
    assert_no_secret(proc.stdout, proc.stderr, folder=tmp_path)


def test_clean_period_has_no_flags(tmp_path):
    records = tmp_path / "records.sqlite"
    podman_exec(
        "courtlab-sipp",
        "sh",
        "-c",
        f"mariadb -e 'DROP DATABASE IF EXISTS {CLEAN_DB}; CREATE DATABASE {CLEAN_DB}' && "
        f"mariadb {CLEAN_DB} < /var/lib/sipp-lab/schema.sql",
    )
    podman_exec(
        "courtlab-sipp",
        "/usr/local/sbin/sipp-lab-generate",
        f"--database={CLEAN_DB}",
        "--profile=clean",
        "--cases=30",
        "--doc-kb=4",
        "--days=21",
        f"--uploads={WORK}/uploads",
        f"--manifest={WORK}/scenario.json",
        "--password-file=/var/lib/sipp-lab/user-password",
    )
    sql(f"GRANT SELECT ON `{CLEAN_DB}`.* TO 'sipp_monitor'@'localhost'")
    try:
        week_ago = dt.date.today() - dt.timedelta(days=7)
        ok(
            run_playbook(
                records,
                "playbooks/sipp_user_activity.yml",
                "-e",
                f"sipp_user_activity_db_name={CLEAN_DB}",
                "-e",
                f"sipp_user_activity_period_start={week_ago}",
            )
        )
    finally:
        sql(f"REVOKE SELECT ON `{CLEAN_DB}`.* FROM 'sipp_monitor'@'localhost'")
        sql(f"DROP DATABASE IF EXISTS `{CLEAN_DB}`")
        podman_exec("courtlab-sipp", "rm", "-rf", WORK)
    rec = latest(records, "SIPP-3")
    out = rec["output"]["sipp"]
    assert rec["findings"] == []
    assert out["flagged"] == []
    assert out["totals"]["logins"] > 0
