"""The compliance checks (sop_runner.comply.checks) on recorded command output: each passes on the
state the role builds and fails, naming the problem, on a drifted one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from sop_runner.comply import checks

NOW = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)

# `nft list table inet court_filter` of a SIPP server as the firewall role loads it (nft 1.0.6)
NFT_SIPP = """table inet court_filter {
	chain input {
		type filter hook input priority filter; policy drop;
		ct state established,related accept comment "keep running connections"
		ct state invalid drop
		iif "lo" accept
		meta l4proto { icmp, ipv6-icmp } accept comment "icmp, ipv6-icmp"
		ip saddr { 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 } tcp dport 22 accept comment "ssh-admin"
		ip saddr { 10.0.0.0/8, 172.16.0.0/12 } tcp dport { 80, 443 } accept comment "sipp-http"
		limit rate 5/minute burst 5 packets log prefix "court-fw drop: "
	}
}
"""
ADMIN = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


@dataclass
class Result:
    rc: int = 0
    stdout: str = ""
    stderr: str = ""


class FakeHost:
    """Answers commands from a table (command prefix -> Result); records what was run."""

    def __init__(self, answers: dict[str, Result]) -> None:
        self.answers = answers
        self.ran: list[str] = []

    def run(self, command: str, *args: str, **kwargs: object) -> Result:
        cmd = command % args if args else command
        self.ran.append(cmd)
        for prefix, res in self.answers.items():
            if cmd.startswith(prefix):
                return res
        return Result(127, "", f"{cmd.split()[0]}: not found")

    def check_output(self, command: str, *args: str, **kwargs: object) -> str:
        return self.run(command, *args).stdout


def test_D5_firewall_as_the_role_loads_it_passes() -> None:
    host = FakeHost({"nft list table": Result(stdout=NFT_SIPP)})
    checks.firewall_default_deny(host)
    checks.firewall_allow_list(host, ADMIN, 22, [])


def test_D5_flushed_or_accepting_firewall_fails_with_the_reason() -> None:
    flushed = FakeHost({"nft list table": Result(1, "", "Error: No such file or directory")})
    with pytest.raises(AssertionError, match="court_filter is not loaded"):
        checks.firewall_default_deny(flushed)
    accept = FakeHost({"nft list table": Result(stdout=NFT_SIPP.replace("policy drop", "policy accept"))})
    with pytest.raises(AssertionError, match="input policy .* is not drop"):
        checks.firewall_default_deny(accept)
    stray = NFT_SIPP.replace('iif "lo" accept', 'iif "lo" accept\n\t\ttcp dport 8099 accept')
    with pytest.raises(AssertionError, match="accepts from anywhere.*8099"):
        checks.firewall_allow_list(FakeHost({"nft list table": Result(stdout=stray)}), ADMIN, 22, [])
    wider = NFT_SIPP.replace(
        "{ 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 } tcp dport 22", "0.0.0.0/0 tcp dport 22"
    )
    with pytest.raises(AssertionError, match="allow-list is 0.0.0.0/0"):
        checks.firewall_allow_list(FakeHost({"nft list table": Result(stdout=wider)}), ADMIN, 22, [])


def test_D5_a_website_port_open_to_everyone_is_allowed_only_where_the_role_opens_it() -> None:
    web = NFT_SIPP.replace(
        'ip saddr { 10.0.0.0/8, 172.16.0.0/12 } tcp dport { 80, 443 } accept comment "sipp-http"',
        'tcp dport { 80, 443 } accept comment "website"',
    )
    host = FakeHost({"nft list table": Result(stdout=web)})
    checks.firewall_allow_list(host, ADMIN, 22, [80, 443])
    with pytest.raises(AssertionError, match="website"):
        checks.firewall_allow_list(host, ADMIN, 22, [])


SSHD_T = """port 22
permitrootlogin without-password
passwordauthentication no
kbdinteractiveauthentication no
permitemptypasswords no
pubkeyauthentication yes
x11forwarding no
maxauthtries 4
logingracetime 30
ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com
macs hmac-sha2-512-etm@openssh.com
kexalgorithms curve25519-sha256
"""
ROLE = {
    "ssh_hardening_permit_root_login": "prohibit-password",
    "ssh_hardening_password_authentication": False,
    "ssh_hardening_ciphers": ["chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com"],
    "ssh_hardening_macs": ["hmac-sha2-512-etm@openssh.com"],
    "ssh_hardening_kex_algorithms": ["curve25519-sha256"],
    "ssh_hardening_max_auth_tries": 4,
    "ssh_hardening_login_grace_time": 30,
    "ssh_hardening_x11_forwarding": False,
}


def test_D5_sshd_effective_settings_equal_the_role_or_name_what_differs() -> None:
    checks.sshd_hardened(FakeHost({"sshd -T": Result(stdout=SSHD_T)}), checks.sshd_expected(ROLE))
    weak = SSHD_T.replace("maxauthtries 4", "maxauthtries 6")
    with pytest.raises(AssertionError, match=r"maxauthtries 6 \(expected 4\)"):
        checks.sshd_hardened(FakeHost({"sshd -T": Result(stdout=weak)}), checks.sshd_expected(ROLE))
    pw = SSHD_T.replace("passwordauthentication no", "passwordauthentication yes")
    with pytest.raises(AssertionError, match="PasswordAuthentication"):
        checks.sshd_hardened(FakeHost({"sshd -T": Result(stdout=pw)}))
    with pytest.raises(AssertionError, match="'sshd -T' failed"):
        checks.sshd_hardened(FakeHost({}))


def test_D5_fail2ban_needs_the_service_and_every_expected_jail() -> None:
    status = Result(stdout="Status\n|- Number of jail:\t2\n`- Jail list:\tcourt-web-probe, sshd\n")
    ok = FakeHost({"systemctl is-active": Result(), "fail2ban-client status": status})
    checks.fail2ban_jails(ok, ["sshd", "court-web-probe"])
    with pytest.raises(AssertionError, match="not active: court-web-login"):
        checks.fail2ban_jails(ok, ["sshd", "court-web-login"])
    stopped = FakeHost({"systemctl is-active": Result(3), "fail2ban-client status": status})
    with pytest.raises(AssertionError, match="fail2ban is not running"):
        checks.fail2ban_jails(stopped, ["sshd"])
    role = {
        "fail2ban_sshd_enabled": True,
        "fail2ban_apache_auth_enabled": True,
        "fail2ban_web_probe_enabled": True,
        "fail2ban_web_login_enabled": False,
    }
    assert checks.fail2ban_expected_jails(role, access_log=True, error_log=False) == [
        "sshd",
        "court-web-probe",
    ]
    assert checks.fail2ban_expected_jails(role, access_log=False, error_log=False) == ["sshd"]


def test_D5_clamav_signature_age_is_the_newest_update() -> None:
    stamps = f"{(NOW - timedelta(days=9)).timestamp()}\n{(NOW - timedelta(hours=5)).timestamp()}\n"
    age = checks.clamav_signature_age(FakeHost({"find": Result(stdout=stamps)}), "/var/lib/clamav", "/r", NOW)
    assert timedelta(hours=4.9) < age < timedelta(hours=5.1)
    checks.clamav_signatures_fresh(age, 3)
    with pytest.raises(AssertionError, match=r"9\.0 days old \(at most 3 days"):
        checks.clamav_signatures_fresh(timedelta(days=9), 3)
    with pytest.raises(AssertionError, match="no ClamAV signature database"):
        checks.clamav_signature_age(FakeHost({"find": Result(stdout="")}), "/var/lib/clamav", "/r", NOW)


def test_restic_snapshots_per_source_and_their_age() -> None:
    snaps = (
        '[{"time": "2026-12-03T10:01:02.123456789+07:00", "tags": ["sipp", "source:database"]},'
        ' {"time": "2026-12-01T10:01:02+07:00", "tags": ["sipp", "source:files"]}]'
    )
    repo = checks.ResticRepo("sftp:restic@nas:/srv/restic/sipp", "p4ss-w0rd")
    host = FakeHost({"env RESTIC_PASSWORD": Result(stdout=snaps)})
    newest = checks.restic_newest(host, repo, "sipp")
    assert newest["database"] == datetime(2026, 12, 3, 3, 1, 2, 123456, tzinfo=UTC)
    assert "--no-lock" in host.ran[0] and "--no-cache" in host.ran[0]
    with pytest.raises(AssertionError, match=r"files: newest snapshot 2\.1 days old"):
        checks.snapshots_fresh(newest, ["database", "files"], timedelta(hours=30), NOW)
    checks.snapshots_fresh(newest, ["database"], timedelta(hours=30), NOW)
    with pytest.raises(AssertionError, match="files: no snapshot"):
        checks.snapshots_fresh({}, ["files"], timedelta(hours=30), NOW)


def test_restic_errors_never_show_the_password() -> None:
    repo = checks.ResticRepo("sftp:restic@nas:/srv/restic/sipp", "p4ss-w0rd")
    bad = FakeHost({"env RESTIC_PASSWORD": Result(1, "", "Fatal: wrong password p4ss-w0rd or no key found")})
    with pytest.raises(AssertionError) as exc:
        checks.restic_readable(bad, repo)
    assert "p4ss-w0rd" not in str(exc.value) and "cannot be read" in str(exc.value)


def test_portable_export_by_its_dated_name() -> None:
    found = (
        "/media/backup-disk/SIPP-PNKln-2026-12-02/SHA256SUMS\n"
        "/media/backup-disk/SIPP-PNKln-2026-11-20/SHA256SUMS\n"
    )
    host = FakeHost({"find": Result(stdout=found)})
    checks.portable_export_fresh(host, "/media/backup-disk", "SIPP-PNKln", timedelta(hours=30), NOW)
    with pytest.raises(AssertionError, match="2026-12-02 is 3 day"):
        checks.portable_export_fresh(
            host, "/media/backup-disk", "SIPP-PNKln", timedelta(hours=30), NOW + timedelta(days=2)
        )
    with pytest.raises(AssertionError, match="no complete portable export"):
        checks.portable_export_fresh(FakeHost({"find": Result()}), "/m", "SIPP-PNKln", timedelta(days=1), NOW)


def test_D4_security_updates_from_apt_simulation_and_their_age() -> None:
    sim = (
        "Inst libssl3 [3.0.11-1~deb12u1] (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])\n"
        "Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.10/stable [all])\n"
        "Conf libssl3 (3.0.13-1~deb12u1 Debian-Security:12/stable-security [amd64])\n"
    )
    assert checks.pending_security_updates(FakeHost({"apt-get -s": Result(stdout=sim)})) == ["libssl3"]
    checks.security_updates_timely({"libssl3": NOW - timedelta(days=2)}, 7, NOW)
    with pytest.raises(AssertionError, match=r"libssl3 \(since 2026-11-13\)"):
        checks.security_updates_timely({"libssl3": NOW - timedelta(days=20)}, 7, NOW)


def test_D4_lynis_floor_and_report_age() -> None:
    host = FakeHost(
        {
            "stat": Result(stdout=f"{int((NOW - timedelta(days=2)).timestamp())}\n"),
            "grep": Result(stdout="hardening_index=61\n"),
        }
    )
    index, age = checks.lynis_index(host, "/var/log/lynis-report.dat", NOW)
    assert index == 61 and timedelta(days=1.9) < age < timedelta(days=2.1)
    checks.lynis_floor(index, age, 60, 32)
    with pytest.raises(AssertionError, match="61 below the floor 65"):
        checks.lynis_floor(index, age, 65, 32)
    with pytest.raises(AssertionError, match="no Lynis report"):
        checks.lynis_index(FakeHost({"stat": Result(1)}), "/var/log/lynis-report.dat", NOW)


def test_C4_drift_is_named() -> None:
    before = {"openssl": "3.0.11", "nftables": "1.0.6", "telnet": "0.17"}
    now = {"openssl": "3.0.13", "nftables": "1.0.6", "netcat": "1.10"}
    drift = checks.inventory_drift(before, now)
    assert drift == ["+netcat 1.10", "-telnet", "openssl 3.0.11→3.0.13"]
    with pytest.raises(AssertionError, match="since the C.4 inventory of 2026-12: \\+netcat"):
        checks.no_inventory_drift("2026-12", drift)
    checks.no_inventory_drift("2026-12", checks.inventory_drift(before, before))
    many = checks.inventory_drift({}, {f"p{i}": "1" for i in range(12)}, limit=3)
    assert many[-1] == "… 9 more"
