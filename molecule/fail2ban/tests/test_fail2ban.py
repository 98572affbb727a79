"""Verify fail2ban on mol-fail2ban with real attacks from the controller (podman network only)."""

import subprocess
import time
import urllib.error
import urllib.request

import pytest
import testinfra

from sop_runner.comply import checks

CONTAINER = "mol-fail2ban"
JAILS = {"sshd", "apache-auth", "court-web-probe", "court-web-login"}
# Real Apache combined-log lines (probe paths as seen on .go.id sites) and lines that must not match.
PROBE_LINES = [
    '10.9.8.7 - - [21/Nov/2026:03:01:02 +0700] "GET /.git/HEAD HTTP/1.1" 404 437 "-" "zgrab/0.x"',
    '10.9.8.7 - - [21/Nov/2026:03:01:03 +0700] "GET /phpmyadmin/index.php HTTP/1.1" 404 437 "-" "curl/8.1"',
    '10.9.8.7 - - [21/Nov/2026:03:01:04 +0700] "POST /uploads/alfa-rex.php HTTP/1.1" 404 437 "-" "-"',
    '10.9.8.7 - - [21/Nov/2026:03:01:05 +0700] "GET /.env HTTP/1.0" 403 199 "-" "python-requests/2.31"',
]
CLEAN_LINES = [
    '10.1.2.3 - - [21/Nov/2026:03:02:00 +0700] "GET /SIPP/ HTTP/1.1" 200 5120 "-" "Mozilla/5.0"',
    '10.1.2.3 - - [21/Nov/2026:03:02:01 +0700] "GET /.git/HEAD HTTP/1.1" 200 23 "-" "Mozilla/5.0"',
    '10.1.2.3 - - [21/Nov/2026:03:02:02 +0700] "GET /berita/judi-online.html HTTP/1.1" 404 437 "-" "-"',
]


@pytest.fixture(scope="module")
def ct():
    return testinfra.get_host(f"podman://{CONTAINER}")


@pytest.fixture(scope="module")
def addr():
    fmt = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
    out = subprocess.run(["podman", "inspect", "-f", fmt, CONTAINER], capture_output=True, text=True)
    assert out.stdout.strip(), out.stderr
    return out.stdout.strip()


def jail_status(ct, jail: str) -> str:
    return ct.check_output(f"fail2ban-client status {jail}")


def check_protected(ct) -> None:
    """The compliance control D5_fail2ban_court_jails (sop_runner.comply.checks)."""
    checks.fail2ban_jails(ct, JAILS)


def wait_banned(ct, jail: str, ip: str, timeout: float = 40) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if ip in jail_status(ct, jail).split("Banned IP list:")[-1]:
            return True
        time.sleep(1)
    return False


def assert_in_nft_set(ct, ip: str) -> None:
    """The jail reports the ban first; the nftables action follows a moment later."""
    end = time.monotonic() + 30
    while time.monotonic() < end and ip not in ct.run("nft list table inet f2b-table").stdout:
        time.sleep(1)
    assert ip in ct.check_output("nft list table inet f2b-table")


def controller_ip(ct) -> str:
    return ct.check_output("ip route show default | awk '{print $3}'")


def test_jails_active(ct):
    check_protected(ct)


def test_probe_filter_on_real_log_lines(ct):
    ct.run_expect([0], "mkdir -p /tmp/f2b && rm -f /tmp/f2b/*")
    ct.run_expect([0], "cat > /tmp/f2b/probe.log <<'X'\n" + "\n".join(PROBE_LINES) + "\nX")
    ct.run_expect([0], "cat > /tmp/f2b/clean.log <<'X'\n" + "\n".join(CLEAN_LINES) + "\nX")
    hit = ct.check_output("fail2ban-regex /tmp/f2b/probe.log court-web-probe | grep '^Lines:'")
    assert f"{len(PROBE_LINES)} matched" in hit, hit
    miss = ct.check_output("fail2ban-regex /tmp/f2b/clean.log court-web-probe | grep '^Lines:'")
    assert "0 matched" in miss, miss


def test_web_scanner_is_banned_for_real(ct, addr):
    me = controller_ip(ct)
    try:
        for path in ["/.git/HEAD", "/phpmyadmin/", "/.env", "/wso.php", "/shell.php", "/adminer.php"]:
            try:
                urllib.request.urlopen(f"http://{addr}{path}", timeout=5)
            except urllib.error.HTTPError as exc:
                assert exc.code == 404
            except OSError:
                break  # already banned
        assert wait_banned(ct, "court-web-probe", me), jail_status(ct, "court-web-probe")
        assert_in_nft_set(ct, me)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://{addr}/", timeout=3)
    finally:
        ct.run(f"fail2ban-client set court-web-probe unbanip {me}")
    urllib.request.urlopen(f"http://{addr}/", timeout=5)


def test_ssh_key_probing_is_banned_for_real(ct, addr, tmp_path):
    me = controller_ip(ct)
    key = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    opts = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes"]
    opts += ["-o", "ConnectTimeout=10", "-o", "IdentitiesOnly=yes", "-i", str(key)]
    try:
        # maxretry is 5; on a loaded machine an attempt can time out before sshd logs a failure,
        # so probe until the jail bans (or 25 attempts), not a fixed seven times
        for _ in range(25):
            try:
                subprocess.run(["ssh", *opts, f"root@{addr}", "true"], capture_output=True, timeout=20)
            except subprocess.TimeoutExpired:
                pass  # the ban took effect mid-handshake: packets are being dropped
            if me in jail_status(ct, "sshd"):
                break
        assert wait_banned(ct, "sshd", me), jail_status(ct, "sshd")
        assert_in_nft_set(ct, me)
        try:
            cmd = ["ssh", *opts, f"root@{addr}", "true"]
            again = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            blocked = again.returncode == 255 and any(
                w in again.stderr for w in ("timed out", "refused", "No route", "unreachable")
            )
        except subprocess.TimeoutExpired:
            blocked = True  # the SYN is swallowed: as blocked as it gets
        assert blocked, "a banned address still reaches sshd"
    finally:
        ct.run(f"fail2ban-client set sshd unbanip {me}")


def test_weakened_host_fails_the_check(ct):
    ct.run_expect([0], "systemctl stop fail2ban")
    try:
        with pytest.raises(AssertionError):
            check_protected(ct)
    finally:
        ct.run_expect([0], "systemctl start fail2ban")
    end = time.monotonic() + 30
    while time.monotonic() < end and ct.run("fail2ban-client ping").rc != 0:
        time.sleep(1)
    check_protected(ct)
