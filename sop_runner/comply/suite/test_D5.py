"""D.5 "Membuat sistem keamanan" (SOP/AS/29): the security baseline the D.5 roles build is still
in force -- nftables default-deny with the management allow-list, sshd as hardened, fail2ban with
the court jails, ClamAV signatures fresh and its scan scheduled."""

from __future__ import annotations

import pytest

from sop_runner.comply import checks

pytestmark = [pytest.mark.sop("D.5"), pytest.mark.sop_D, pytest.mark.targets("linux_servers")]


def _open_to_any(target) -> list[int]:
    """Ports the firewall role opens to everyone on this host (rules with sources: any)."""
    rules = target.var("firewall_group_rules", "firewall", {}) or {}
    groups = set(target.var("group_names", default=[]) or [])
    ports: list[int] = []
    for group, group_rules in rules.items():
        if group in groups:
            for rule in group_rules or []:
                if rule.get("sources") == "any":
                    ports += [int(p) for p in rule.get("ports", [])]
    for rule in target.var("firewall_extra_rules", "firewall", []) or []:
        if rule.get("sources") == "any":
            ports += [int(p) for p in rule.get("ports", [])]
    return ports


@pytest.mark.severity("high")
def test_D5_firewall_default_deny(target):
    """nftables table inet court_filter loaded, input policy drop."""
    checks.firewall_default_deny(target.host)


@pytest.mark.severity("high")
def test_D5_firewall_management_allow_list(target):
    """SSH accepted only from the management networks; nothing else open to everyone beyond the
    role's rules for this host."""
    checks.firewall_allow_list(
        target.host,
        target.var("firewall_admin_networks", "firewall", []),
        int(target.var("firewall_ssh_port", "firewall", 22)),
        _open_to_any(target),
    )


@pytest.mark.severity("high")
def test_D5_sshd_effective_settings(target):
    """``sshd -T`` shows every setting the ssh_hardening role writes."""
    names = (
        "ssh_hardening_permit_root_login",
        "ssh_hardening_password_authentication",
        "ssh_hardening_ciphers",
        "ssh_hardening_macs",
        "ssh_hardening_kex_algorithms",
        "ssh_hardening_max_auth_tries",
        "ssh_hardening_login_grace_time",
        "ssh_hardening_x11_forwarding",
    )
    role = {n: target.var(n, "ssh_hardening") for n in names}
    checks.sshd_hardened(target.host, checks.sshd_expected(role))


@pytest.mark.severity("high")
def test_D5_fail2ban_court_jails(target):
    """fail2ban running with the court jails the role enables on this host."""
    host = target.host
    names = (
        "fail2ban_sshd_enabled",
        "fail2ban_apache_auth_enabled",
        "fail2ban_web_probe_enabled",
        "fail2ban_web_login_enabled",
    )
    role = {n: target.var(n, "fail2ban") for n in names}
    access = host.file(target.var("fail2ban_apache_access_log", "fail2ban")).exists
    error = host.file(target.var("fail2ban_apache_error_log", "fail2ban")).exists
    checks.fail2ban_jails(host, checks.fail2ban_expected_jails(role, access, error))


@pytest.mark.severity("high")
def test_D5_clamav_signatures_fresh(target):
    """The newest successful signature update is within the configured age."""
    age = checks.clamav_signature_age(
        target.host,
        target.var("clamav_database_dir", "clamav"),
        target.var("clamav_report_dir", "clamav"),
        target.now,
    )
    checks.clamav_signatures_fresh(age, target.threshold("clamav_signature_max_age_days"))


@pytest.mark.severity("warning")
def test_D5_clamav_scan_scheduled(target):
    """The signature update and the scan timers are active."""
    checks.clamav_scheduled(target.host)
