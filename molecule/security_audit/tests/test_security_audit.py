"""Verify the D.4 audit on mol-security_audit: changes nothing, and a deliberately weakened host
(password auth on, an extra open port, stale signatures, an exposed .git) produces exactly the
expected findings on top of the compliant host's."""

import json
import os
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest
import testinfra

CONTAINER = "mol-security_audit"
SCENARIO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def ct():
    return testinfra.get_host(f"podman://{CONTAINER}")


def run_audit(tmp_path: Path, lynis: bool = False) -> tuple[dict, str]:
    result = tmp_path / "audit.json"
    env = dict(
        os.environ,
        ANSIBLE_FORCE_COLOR="0",
        ANSIBLE_NOCOLOR="1",
        COURT_TEST_RESULT=str(result),
        COURT_TEST_LYNIS="true" if lynis else "false",
    )
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], str(SCENARIO / "audit.yml")]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    return json.loads(result.read_text()), res.stdout


def codes(result: dict) -> Counter:
    return Counter(f["code"] for f in result["findings"])


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    result, _ = run_audit(tmp_path_factory.mktemp("baseline"))
    return result


def test_audit_changes_nothing_even_on_first_run(ct, tmp_path):
    ct.run("rm -f /var/log/lynis-report.dat /var/log/lynis.log")
    result, out = run_audit(tmp_path, lynis=True)
    recap = re.search(r"mol-security_audit\s*:\s*ok=\d+\s+changed=(\d+)", out)
    assert recap and recap.group(1) == "0", out[-1500:]
    assert isinstance(result["lynis_hardening_index"], int) and 0 < result["lynis_hardening_index"] <= 100
    assert ct.file("/var/log/lynis-report.dat").exists


def test_compliant_host_has_none_of_the_weakness_codes(baseline):
    found = codes(baseline)
    for code in (
        "ssh_password_auth_enabled",
        "unexpected_open_port",
        "clamav_signatures_stale",
        "web_git_exposed",
        "web_directory_listing",
        "web_server_version_banner",
        "web_php_version_banner",
    ):
        assert code not in found, baseline["findings"]
    assert baseline["listening_ports"] == [22, 80]


def test_weakened_host_gives_exactly_the_expected_findings(ct, baseline, tmp_path):
    weaken = [
        "printf 'PasswordAuthentication yes\\n' > /etc/ssh/sshd_config.d/0-weak.conf && systemctl reload ssh",
        "systemd-run --unit=weak-8099 python3 -m http.server --bind 0.0.0.0 8099 && sleep 2",
        "touch -d '10 days ago' /var/lib/clamav/court-mirror.hdb /var/lib/court-clamav/last-update-ok",
        "mkdir -p /var/www/html/.git && echo 'ref: refs/heads/main' > /var/www/html/.git/HEAD"
        " && printf '[core]\\n\\trepositoryformatversion = 0\\n' > /var/www/html/.git/config",
    ]
    try:
        for cmd in weaken:
            ct.run_expect([0], cmd)
        weak, _ = run_audit(tmp_path)
    finally:
        ct.run("rm -f /etc/ssh/sshd_config.d/0-weak.conf && systemctl reload ssh")
        ct.run("systemctl stop weak-8099")
        ct.run("touch /var/lib/clamav/court-mirror.hdb /var/lib/court-clamav/last-update-ok")
        ct.run("rm -rf /var/www/html/.git")
    new = codes(weak) - codes(baseline)
    assert new == Counter(
        {
            "ssh_password_auth_enabled": 1,
            "unexpected_open_port": 1,
            "clamav_signatures_stale": 1,
            "web_git_exposed": 2,  # .git/HEAD and .git/config both served
        }
    ), weak["findings"]
    assert not (codes(baseline) - codes(weak)), "weakening must not hide other findings"
    port = next(f for f in weak["findings"] if f["code"] == "unexpected_open_port")
    assert port["port"] == 8099 and "python" in port["message"]
    assert all(
        f["severity"] == "high"
        for f in weak["findings"]
        if f["code"] in ("web_git_exposed", "ssh_password_auth_enabled")
    )
    # restored host is back to the baseline
    again, _ = run_audit(tmp_path)
    assert codes(again) == codes(baseline)


def test_listing_and_banners_are_found(ct, baseline, tmp_path):
    ct.run_expect(
        [0],
        "a2disconf -q zz-court-tidy && rm -f /etc/php/8.2/apache2/conf.d/99-court.ini"
        " && mkdir -p /var/www/html/backup && touch /var/www/html/backup/sipp-2026-11.sql.gz"
        " && systemctl reload apache2 && sleep 1",
    )
    try:
        weak, _ = run_audit(tmp_path)
    finally:
        ct.run(
            "a2enconf -q zz-court-tidy; echo 'expose_php = Off' > /etc/php/8.2/apache2/conf.d/99-court.ini;"
            " rm -rf /var/www/html/backup; systemctl reload apache2"
        )
    new = codes(weak) - codes(baseline)
    assert new["web_directory_listing"] == 1, weak["findings"]  # /backup/ (uploads has an index page)
    assert new["web_server_version_banner"] >= 1
    assert any(
        "Apache/2.4" in f["message"] for f in weak["findings"] if f["code"] == "web_server_version_banner"
    )
