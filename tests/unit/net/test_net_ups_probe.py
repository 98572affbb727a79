"""upsc parsing and UPS findings; LAN probe parsing, TCP probe against a local listener."""

from __future__ import annotations

import socket
from datetime import date

from ansible.module_utils.court_net import probe, ups

UPSC_OL = """Init SSL without certificate database
battery.charge: 100
battery.charge.low: 10
battery.date: 2019/04/10
battery.mfr.date: 2019/04/10
battery.runtime: 1680
battery.runtime.low: 120
battery.type: PbAc
battery.voltage: 13.7
device.mfr: American Power Conversion
device.model: Back-UPS ES 700G
device.serial: 5B1234T12345
device.type: ups
driver.name: usbhid-ups
driver.parameter.pollfreq: 60
driver.version: 2.8.0
input.voltage: 228.0
ups.load: 12
ups.status: OL CHRG
ups.test.result: No test initiated
"""


def test_upsc_online_with_old_battery():
    s = ups.summarize(ups.parse_upsc(UPSC_OL), today=date(2024, 1, 15))
    assert s["status_flags"] == ["OL", "CHRG"] and not s["on_battery"]
    assert (
        s["battery_charge_percent"] == 100
        and s["battery_runtime_seconds"] == 1680
        and s["load_percent"] == 12
    )
    assert s["battery_date"] == "2019-04-10" and s["battery_age_years"] == 4.8
    assert s["model"] == "Back-UPS ES 700G"
    assert [f["code"] for f in ups.ups_findings("ups@localhost", s)] == ["ups_battery_due"]


def test_on_battery_low_and_replace():
    text = (
        UPSC_OL.replace("ups.status: OL CHRG", "ups.status: OB DISCHRG LB")
        .replace("battery.runtime: 1680", "battery.runtime: 95")
        .replace("battery.date: 2019/04/10", "battery.date: 01/20/24")
    )
    s = ups.summarize(ups.parse_upsc(text), today=date(2024, 6, 1))
    assert s["battery_date"] == "2024-01-20"
    found = {f["code"]: f for f in ups.ups_findings("ups@localhost", s)}
    assert set(found) == {"ups_on_battery", "ups_low_battery", "ups_runtime_short"}
    assert found["ups_on_battery"]["severity"] == "high" and found["ups_on_battery"]["incident"] is True
    rb = ups.summarize(ups.parse_upsc(UPSC_OL.replace("OL CHRG", "OL RB")), today=date(2019, 6, 1))
    assert [f["code"] for f in ups.ups_findings("u", rb)] == ["ups_replace_battery"]


def test_empty_status_is_a_finding():
    s = ups.summarize({})
    assert [f["code"] for f in ups.ups_findings("u", s)] == ["ups_status_unknown"]


PING_OK = """PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.
64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.035 ms
64 bytes from 127.0.0.1: icmp_seq=2 ttl=64 time=0.061 ms
64 bytes from 127.0.0.1: icmp_seq=3 ttl=64 time=0.048 ms

--- 127.0.0.1 ping statistics ---
3 packets transmitted, 3 received, 0% packet loss, time 2041ms
rtt min/avg/max/mdev = 0.035/0.048/0.061/0.010 ms
"""
PING_LOSS = """PING gw.court.test (127.0.0.9) 56(84) bytes of data.

--- gw.court.test ping statistics ---
5 packets transmitted, 0 received, +5 errors, 100% packet loss, time 4086ms
"""
PING_BUSYBOX = """PING 127.0.0.1 (127.0.0.1): 56 data bytes
64 bytes from 127.0.0.1: seq=0 ttl=64 time=0.052 ms

--- 127.0.0.1 ping statistics ---
2 packets transmitted, 1 packets received, 50% packet loss
round-trip min/avg/max = 0.052/0.052/0.052 ms
"""


def test_parse_ping_formats():
    assert probe.parse_ping(PING_OK) | {} == {
        "sent": 3,
        "received": 3,
        "loss_percent": 0.0,
        "rtt_avg_ms": 0.048,
        "rtt_max_ms": 0.061,
        "reachable": True,
        "error": None,
    }
    lost = probe.parse_ping(PING_LOSS)
    assert not lost["reachable"] and lost["loss_percent"] == 100.0
    bb = probe.parse_ping(PING_BUSYBOX)
    assert bb["loss_percent"] == 50.0 and bb["rtt_avg_ms"] == 0.052
    assert (
        probe.parse_ping("ping: unknown host nas.court.invalid")["error"]
        == "ping: unknown host nas.court.invalid"
    )


def test_tcp_probe_against_local_listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    port = server.getsockname()[1]
    try:
        r = probe.tcp_probe("127.0.0.1", port, count=3, timeout=1, interval=0)
    finally:
        server.close()
    assert r["sent"] == 3 and r["received"] == 3 and r["reachable"] and r["rtt_avg_ms"] is not None
    closed = probe.tcp_probe("127.0.0.1", port, count=2, timeout=1, interval=0)
    assert not closed["reachable"] and closed["loss_percent"] == 100.0 and closed["error"]


def test_target_findings():
    target = {"name": "sipp", "host": "127.0.0.1", "port": 8081}
    down = probe.target_findings("localhost", target, {"reachable": False, "error": "Connection refused"})
    assert down[0]["code"] == "lan_unreachable" and down[0]["severity"] == "high" and down[0]["incident"]
    slow = {"reachable": True, "loss_percent": 40.0, "rtt_avg_ms": 350.0}
    assert [f["code"] for f in probe.target_findings("sipp", target, slow)] == [
        "lan_packet_loss",
        "lan_latency_high",
    ]
    optional = dict(target, critical=False)
    assert (
        probe.target_findings("x", optional, {"reachable": False, "error": None})[0]["severity"] == "warning"
    )
