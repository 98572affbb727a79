"""Verify the firewall role on mol-firewall, including the lockout proof over real SSH.

The compliance checks are plain functions so that the same code is shown to FAIL on a weakened ct.
"""

import json
import os
import re
import socket
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import testinfra

from sop_runner.comply import checks

SCENARIO = Path(__file__).resolve().parents[1]
REPO = SCENARIO.parents[1]
SSH_PORT = 22606
CONTAINER = "mol-firewall"
EPHEMERAL = Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent"))
KEY = EPHEMERAL / "mgmt_key"
CP_DIR = tempfile.mkdtemp(prefix="fwcp-")
SSH_OPTS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes"]


@pytest.fixture(scope="module")
def ct():
    """The scenario container through podman exec (much faster than the ansible backend)."""
    return testinfra.get_host(f"podman://{CONTAINER}")


def container_ip() -> str:
    out = subprocess.run(
        ["podman", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", CONTAINER],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert out, "no IP for the scenario container"
    return out


def tcp_open(addr: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((addr, port), timeout=timeout):
            return True
    except OSError:
        return False


def new_ssh_ok(timeout: int = 4) -> bool:
    """Open a brand-new SSH connection (no multiplexing) through the published port."""
    cmd = ["ssh", "-i", str(KEY), "-p", str(SSH_PORT), *SSH_OPTS, "-o", f"ConnectTimeout={timeout}"]
    cmd += ["-o", "ControlMaster=no", "-o", "ControlPath=none", "root@127.0.0.1", "true"]
    return subprocess.run(cmd, capture_output=True, timeout=timeout + 10).returncode == 0


def run_over_ssh(tmp_path: Path, extra_vars: dict, check: bool = False) -> subprocess.CompletedProcess[str]:
    inv = tmp_path / "inventory.yml"
    inv.write_text(
        json.dumps(
            {
                "all": {
                    "children": {"sipp_servers": {"hosts": {CONTAINER: {}}}},
                    "hosts": {
                        CONTAINER: {
                            "ansible_host": "127.0.0.1",
                            "ansible_port": SSH_PORT,
                            "ansible_user": "root",
                            "ansible_ssh_private_key_file": str(KEY),
                            "ansible_ssh_common_args": " ".join(SSH_OPTS),
                            "ansible_python_interpreter": "/usr/bin/python3",
                        }
                    },
                }
            }
        )
    )
    (tmp_path / "vars.json").write_text(json.dumps(extra_vars))
    env = dict(os.environ)
    env.update(
        ANSIBLE_ROLES_PATH=str(REPO / "roles"),
        ANSIBLE_TIMEOUT="5",
        # One try: the lockout test needs the confirmation to fail while the bad rule set runs
        # (molecule's base config retries; a retry would land after the rollback).
        ANSIBLE_SSH_RETRIES="0",
        ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=60s",
        ANSIBLE_SSH_CONTROL_PATH_DIR=CP_DIR,
        ANSIBLE_RETRY_FILES_ENABLED="false",
        ANSIBLE_NOCOLOR="1",
    )
    env.pop("ANSIBLE_CONFIG", None)
    cmd = [
        "ansible-playbook",
        "-i",
        str(inv),
        "-e",
        f"@{tmp_path / 'vars.json'}",
        str(SCENARIO / "lockout.yml"),
    ]
    if check:
        cmd += ["--check", "--diff"]
    return subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def findings_of(res: subprocess.CompletedProcess[str]) -> list[str]:
    codes = re.findall(r'"msg": "FINDINGS=([^"]*)"', res.stdout)
    assert codes, "no FINDINGS line in the playbook output:\n" + res.stdout
    return [c for c in codes[-1].split(",") if c]


def events(ct) -> list[dict]:
    return [
        json.loads(line)
        for line in ct.file("/var/log/court-firewall.log").content_string.splitlines()
        if line
    ]


# --- compliance checks (reused by the negative tests) ----------------------------------------


def check_default_deny(ct) -> None:
    """The compliance controls D5_firewall_default_deny and D5_firewall_management_allow_list
    (sop_runner.comply.checks): the same definition `sop comply` audits a court with."""
    checks.firewall_default_deny(ct)
    checks.firewall_allow_list(ct, CONVERGE_VARS["firewall_admin_networks"], 22, open_to_any=())


def check_stray_port_hidden(addr: str) -> None:
    assert not tcp_open(addr, 8099), "port 8099 (stray service) is reachable through the firewall"


def check_confirmed_rules_running(ct) -> None:
    live = ct.check_output("nft list table inet court_filter")
    assert live.strip() == ct.file("/var/lib/court-firewall/applied.list").content_string.strip()


# --- tests ---------------------------------------------------------------------------------


def test_running_ruleset_is_default_deny(ct):
    check_default_deny(ct)
    check_confirmed_rules_running(ct)
    assert ct.check_output("/usr/local/sbin/court-fw status") == "idle"


def test_allow_list_by_network(ct):
    addr = container_ip()
    assert tcp_open(addr, 22), "SSH from the admin network (podman gateway in 10.0.0.0/8) must be open"
    check_stray_port_hidden(addr)
    # the service itself runs: only the firewall hides it
    assert ct.socket("tcp://0.0.0.0:8099").is_listening


def test_boot_config_loads_only_the_confirmed_ruleset(ct):
    conf = ct.file("/etc/nftables.conf").content_string
    assert 'include "/etc/court-firewall/active.nft"' in conf
    assert "flush ruleset" not in conf
    assert ct.service("nftables").is_enabled
    assert ct.run("nft -c -f /etc/nftables.conf").rc == 0


def test_weakened_host_fails_the_checks_and_the_role_repairs_it(ct, tmp_path):
    addr = container_ip()
    ct.run_expect([0], "nft insert rule inet court_filter input tcp dport 8099 accept")
    try:
        assert tcp_open(addr, 8099)
        with pytest.raises(AssertionError):
            check_default_deny(ct)
        with pytest.raises(AssertionError):
            check_stray_port_hidden(addr)
        with pytest.raises(AssertionError):
            check_confirmed_rules_running(ct)
        # check mode reports the drift and changes nothing
        res = run_over_ssh(tmp_path, CONVERGE_VARS, check=True)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "firewall_drift" in findings_of(res), res.stdout
        assert "tcp dport 8099 accept" in ct.check_output("nft list table inet court_filter")
        # a normal run puts the confirmed rule set back
        res = run_over_ssh(tmp_path, CONVERGE_VARS)
        assert res.returncode == 0, res.stdout + res.stderr
    finally:
        ct.run(
            "nft list table inet court_filter | grep -q 'dport 8099' && nft -f /etc/court-firewall/active.nft"
        )
    check_default_deny(ct)
    check_stray_port_hidden(addr)
    check_confirmed_rules_running(ct)


CONVERGE_VARS = {
    "firewall_admin_networks": ["10.0.0.0/8"],
    "firewall_lan_networks": ["10.0.0.0/8"],
    "firewall_extra_rules": [
        {"name": "nut", "proto": "tcp", "ports": [3493], "sources": ["10.1.2.0/24", "fd00:c0de::/64"]},
    ],
    "firewall_rollback_seconds": 30,
}


def test_check_mode_shows_the_diff_and_changes_nothing(ct, tmp_path):
    before = ct.check_output("nft list table inet court_filter")
    changed = dict(CONVERGE_VARS, firewall_extra_rules=[*CONVERGE_VARS["firewall_extra_rules"]])
    changed["firewall_extra_rules"].append(
        {"name": "extra", "proto": "tcp", "ports": [8443], "sources": "any"}
    )
    res = run_over_ssh(tmp_path, changed, check=True)
    assert res.returncode == 0, res.stdout + res.stderr
    assert '+    tcp dport 8443 accept comment "extra"' in res.stdout
    assert ct.check_output("nft list table inet court_filter") == before


def test_confirmation_comes_over_a_new_ssh_connection(ct, tmp_path):
    extra = dict(CONVERGE_VARS)
    extra["firewall_extra_rules"] = [
        *CONVERGE_VARS["firewall_extra_rules"],
        {"name": "extra", "proto": "tcp", "ports": [8443], "sources": ["10.0.0.0/8"]},
    ]
    res = run_over_ssh(tmp_path, extra)
    assert res.returncode == 0, res.stdout + res.stderr
    ev = events(ct)
    applied = [e for e in ev if e["event"] == "applied"][-1]
    confirmed = ev[-1]
    assert confirmed["event"] == "confirmed"
    # SSH_CONNECTION = "client_ip client_port server_ip server_port": another TCP connection confirmed
    assert applied["ssh_connection"] and confirmed["ssh_connection"]
    assert applied["ssh_connection"].split()[1] != confirmed["ssh_connection"].split()[1]
    assert "dport 8443" in ct.check_output("nft list table inet court_filter")


def test_lockout_is_rolled_back_and_host_stays_reachable(ct, tmp_path):
    """The headline: a rule set that would cut the management connection is undone by itself."""
    assert new_ssh_ok(), "precondition: management SSH works before the test"
    before = ct.check_output("nft list table inet court_filter")
    n_events = len(events(ct))
    # SSH only from a network the controller is not in: a classic lockout
    bad = dict(CONVERGE_VARS, firewall_admin_networks=["192.168.77.0/24"], firewall_rollback_seconds=20)
    t0 = time.monotonic()
    res = run_over_ssh(tmp_path, bad)
    assert res.returncode != 0, "the run must not report success when the confirmation cannot arrive"
    assert "UNREACHABLE" in res.stdout, res.stdout
    assert "Confirm the rule set over the new management connection" in res.stdout
    # the bad rule set is really in force: a new management connection is refused now
    assert "192.168.77.0/24" in ct.check_output("nft list table inet court_filter")
    assert not new_ssh_ok(timeout=3), "the test rule set should have cut new SSH connections"
    # ... and rolled back automatically, without any help from the controller
    deadline = t0 + 20 + 60
    while time.monotonic() < deadline and not new_ssh_ok(timeout=3):
        time.sleep(1)
    recovered_at = time.time()
    assert new_ssh_ok(), "host not reachable again after the rollback window"
    assert ct.check_output("nft list table inet court_filter") == before
    new = events(ct)[n_events:]
    assert [e["event"] for e in new] == ["armed", "applied", "rolled_back"], new
    assert new[1]["ssh_connection"].startswith("10."), "the bad rule set was applied over SSH"
    applied_at = datetime.strptime(new[1]["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    report = EPHEMERAL / "lockout-figures.txt"
    report.write_text(
        f"bad rule set applied -> SSH reachable again: {recovered_at - applied_at:.1f} s "
        f"(rollback window 20 s, ssh poll every ~4 s); whole test {time.monotonic() - t0:.1f} s\n"
    )
    print(report.read_text())
    assert ct.check_output("/usr/local/sbin/court-fw status") == "idle"
    # The next run reports the rollback in the D.5 record.
    res = run_over_ssh(tmp_path, CONVERGE_VARS)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "firewall_rolled_back" in findings_of(res)
