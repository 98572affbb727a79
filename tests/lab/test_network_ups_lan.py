"""C.2 UPS on the lab's SIPP server (NUT dummy-ups) and D.1 from the control node and the SIPP
server; the warnings reach a local HTTP endpoint through Apprise."""

from __future__ import annotations

import json
import socket
import subprocess
import time

import pytest
from netlabkit import Receiver, env, playbook

pytestmark = pytest.mark.lab


def ups_state(state: str) -> None:
    """Switch the lab UPS with the lab command inside the SIPP container and wait for upsc."""
    expected = {"OL": "OL", "OB": "OB DISCHRG", "OB LB": "OB DISCHRG LB", "RB": "OL RB"}[state]
    podman = ["podman", "exec", "courtlab-sipp"]
    subprocess.run([*podman, "court-lab-ups", state], check=True, capture_output=True, env=env(), timeout=60)
    # dummy-ups re-reads its file on its own poll interval; on a busy 2-core run that took > 60 s
    deadline = time.time() + 180
    status = ""
    while time.time() < deadline:
        status = subprocess.run(
            [*podman, "upsc", "ups@localhost", "ups.status"],
            capture_output=True,
            text=True,
            env=env(),
            timeout=60,
        ).stdout.strip()
        if status == expected:
            return
        time.sleep(0.5)
    raise AssertionError(f"lab UPS did not switch to {state} (upsc says {status!r})")


def test_ups_on_battery_gives_finding_and_warning():
    ups_state("OL")
    with Receiver() as receiver:
        url = json.dumps({"court_notify_urls": [receiver.url("ups")]})
        online = playbook("playbooks/network_health.yml", "--limit", "ups_hosts", "-e", url)
        assert online.rc == 0 and online.codes("sipp", "C.2") == []
        assert online.output("sipp", "C.2")["status"] == "OL"
        try:
            ups_state("OB")
            on_battery = playbook("playbooks/network_health.yml", "--limit", "ups_hosts", "-e", url)
        finally:
            ups_state("OL")
    out = on_battery.output("sipp", "C.2")
    assert on_battery.rc == 0
    assert [f["code"] for f in out["findings"]] == ["ups_on_battery"]
    assert out["findings"][0]["severity"] == "high" and out["findings"][0]["incident"] is True
    assert out["on_battery"] is True and out["peringatan_terkirim"] is True
    assert len(receiver.received) == 1
    assert "memakai baterai" in receiver.received[0]["body"]["message"]


def test_ups_low_battery_and_replace_battery():
    try:
        ups_state("OB LB")
        low = playbook("playbooks/network_health.yml", "--limit", "ups_hosts")
        ups_state("RB")
        rb = playbook("playbooks/network_health.yml", "--limit", "ups_hosts")
    finally:
        ups_state("OL")
    assert low.codes("sipp", "C.2") == ["ups_low_battery", "ups_on_battery", "ups_runtime_short"]
    assert rb.codes("sipp", "C.2") == ["ups_battery_due", "ups_replace_battery", "ups_runtime_short"]


def test_lan_watch_from_control_node_and_sipp_server():
    result = playbook("playbooks/lan_watch.yml")
    assert result.rc == 0
    for host in ("localhost", "sipp"):
        out = result.output(host, "D.1")
        critical_down = [f for f in out["findings"] if f["severity"] == "high"]
        assert critical_down == [], critical_down
    assert result.output("sipp", "D.1")["hasil"]["website"]["reachable"] is True
    assert result.output("localhost", "D.1")["hasil"]["gateway"]["rtt_avg_ms"] is not None


def test_lan_watch_warns_when_a_critical_host_is_down():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()  # nothing listens there any more
    targets = [
        {"name": "gateway", "host": "127.0.0.1", "port": 6001},
        {"name": "server-sipp", "host": "127.0.0.1", "port": dead_port},
    ]
    with Receiver() as receiver:
        result = playbook(
            "playbooks/lan_watch.yml",
            "--limit",
            "localhost",
            "-e",
            json.dumps(
                {
                    "lan_watch_targets": targets,
                    "court_notify_urls": [receiver.url("lan")],
                    "lan_watch_count": 3,
                }
            ),
        )
    out = result.output("localhost", "D.1")
    assert [f["code"] for f in out["findings"]] == ["lan_unreachable"]
    assert out["findings"][0]["target"] == "server-sipp" and out["findings"][0]["severity"] == "high"
    assert (
        out["hasil"]["server-sipp"]["loss_percent"] == 100.0 and out["hasil"]["gateway"]["reachable"] is True
    )
    assert out["peringatan_terkirim"] is True
    assert len(receiver.received) == 1 and "server-sipp" in receiver.received[0]["body"]["message"]
