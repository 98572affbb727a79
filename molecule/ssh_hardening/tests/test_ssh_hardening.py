"""Verify ssh_hardening on mol-ssh_hardening: effective sshd settings and real SSH logins.

The compliance checks are functions so the same code is shown to FAIL on a weakened host.
"""

import os
import subprocess
from pathlib import Path

import pytest
import testinfra
import yaml

from sop_runner.comply import checks

CONTAINER = "mol-ssh_hardening"
SCENARIO = Path(__file__).resolve().parents[1]
EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
ROLE_DEFAULTS = yaml.safe_load((SCENARIO.parents[1] / "roles" / "ssh_hardening" / "defaults" / "main.yml").read_text())
# The logins test what sshd accepts, not how fast: a generous timeout, so a busy CI machine does not
# turn "Permission denied" into "Connection timed out during banner exchange".
SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=30"]


@pytest.fixture(scope="module")
def ct():
    return testinfra.get_host(f"podman://{CONTAINER}")


@pytest.fixture(scope="module")
def addr():
    fmt = "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
    out = subprocess.run(["podman", "inspect", "-f", fmt, CONTAINER], capture_output=True, text=True)
    assert out.stdout.strip(), out.stderr
    return out.stdout.strip()


def check_hardened(ct) -> None:
    """The compliance control D5_sshd_effective_settings (sop_runner.comply.checks): `sshd -T`
    as the role sets it (its defaults), the definition `sop comply` audits a court with."""
    checks.sshd_hardened(ct, checks.sshd_expected(ROLE_DEFAULTS))


def ssh(addr: str, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = ["ssh", *SSH_OPTS, *args, f"root@{addr}", "true"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, stdin=subprocess.DEVNULL)


def test_effective_configuration_is_hardened(ct):
    check_hardened(ct)
    assert ct.service("ssh").is_running
    assert ct.run("sshd -t").rc == 0


def test_key_login_works_password_and_weak_cipher_refused(addr):
    key = ssh(addr, "-i", str(EPHEMERAL / "mgmt_key"), "-o", "BatchMode=yes")
    assert key.returncode == 0, key.stderr
    pw = ssh(
        addr,
        "-o",
        "PubkeyAuthentication=no",
        "-o",
        "PreferredAuthentications=password,keyboard-interactive",
        "-o",
        "BatchMode=yes",
    )
    assert pw.returncode != 0
    assert "Permission denied (publickey)" in pw.stderr, pw.stderr
    cbc = ssh(addr, "-i", str(EPHEMERAL / "mgmt_key"), "-o", "BatchMode=yes", "-c", "aes128-cbc")
    assert cbc.returncode != 0
    assert "no matching cipher" in cbc.stderr, cbc.stderr


def test_weakened_host_fails_the_check(ct, addr):
    ct.run_expect([0], "printf 'PasswordAuthentication yes\\n' > /etc/ssh/sshd_config.d/0-weak.conf")
    ct.run_expect([0], "systemctl reload ssh")
    try:
        with pytest.raises(AssertionError):
            check_hardened(ct)
        pw = ssh(
            addr,
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "PreferredAuthentications=password",
            "-o",
            "BatchMode=yes",
        )
        assert "password" in pw.stderr, "the weakened daemon offers password login"
    finally:
        ct.run("rm -f /etc/ssh/sshd_config.d/0-weak.conf && systemctl reload ssh")
    check_hardened(ct)


def test_invalid_setting_is_refused_before_reload(ct):
    before = ct.file("/etc/ssh/sshd_config.d/00-court-hardening.conf").content_string
    pid = ct.check_output("systemctl show -p MainPID --value ssh")
    env = dict(os.environ)
    res = subprocess.run(
        [
            "ansible-playbook",
            "-i",
            os.environ["MOLECULE_INVENTORY_FILE"],
            str(SCENARIO / "verify_bad_input.yml"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    out = res.stdout + res.stderr
    assert res.returncode != 0
    assert "failed to validate" in out, out[-2000:]
    assert "no-such-cipher" in out
    assert ct.file("/etc/ssh/sshd_config.d/00-court-hardening.conf").content_string == before
    assert ct.check_output("systemctl show -p MainPID --value ssh") == pid
    check_hardened(ct)
