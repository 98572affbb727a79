"""Findings from thresholds and from the previous run."""

from __future__ import annotations

from ansible.module_utils.court_net.common import version_older
from ansible.module_utils.court_net.findings import device_findings, snapshot


def facts(**over):
    base = {
        "uptime_seconds": 100_000,
        "cpu_percent": 5,
        "temperature_c": 40.0,
        "memory_used_percent": 30.0,
        "os_version": "7.12.1",
        "firmware": "7.12.1",
        "interfaces": {
            "ether1": {
                "admin_up": True,
                "oper_up": True,
                "speed_mbps": 1000,
                "duplex": "full",
                "crc_errors": 10,
                "rx_errors": 10,
                "tx_errors": 0,
                "link_downs": 2,
            },
            "ether2": {
                "admin_up": True,
                "oper_up": True,
                "speed_mbps": 1000,
                "duplex": "full",
                "crc_errors": 0,
                "rx_errors": 0,
                "tx_errors": 0,
                "link_downs": 0,
            },
        },
    }
    base.update(over)
    return base


def codes(items):
    return sorted(f["code"] for f in items)


def test_healthy_device_has_no_findings():
    f = facts()
    assert (
        device_findings("gw", f, snapshot(f), {}, {"ether1": {"expect_up": True, "min_speed_mbps": 1000}})
        == []
    )


def test_first_run_compares_nothing_but_thresholds():
    assert codes(device_findings("gw", facts(cpu_percent=97, temperature_c=71), None, {}, {})) == [
        "cpu_high",
        "temperature_high",
    ]


def test_errors_growing_and_flapping():
    before = snapshot(facts())
    now = facts(uptime_seconds=200_000)
    now["interfaces"]["ether1"] = dict(now["interfaces"]["ether1"], crc_errors=60, rx_errors=60, link_downs=5)
    out = device_findings("gw", now, before, {}, {})
    assert codes(out) == ["port_errors_growing", "port_flapping"]
    grow = next(f for f in out if f["code"] == "port_errors_growing")
    assert grow["severity"] == "warning" and grow["port"] == "ether1" and grow["growth"]["crc_errors"] == 50
    now["interfaces"]["ether1"]["crc_errors"] = 5000
    assert (
        next(f for f in device_findings("gw", now, before, {}, {}) if f["code"] == "port_errors_growing")[
            "severity"
        ]
        == "high"
    )


def test_growth_below_threshold_is_ignored():
    before = snapshot(facts())
    now = facts(uptime_seconds=200_000)
    now["interfaces"]["ether1"] = dict(now["interfaces"]["ether1"], crc_errors=12, rx_errors=12)
    assert device_findings("gw", now, before, {"error_growth_min": 5}, {}) == []


def test_reboot_resets_counters_without_false_growth():
    before = snapshot(facts())
    now = facts(uptime_seconds=50)
    now["interfaces"]["ether1"] = dict(now["interfaces"]["ether1"], crc_errors=0, link_downs=0)
    assert codes(device_findings("gw", now, before, {}, {})) == ["device_rebooted"]


def test_expected_ports():
    now = facts()
    now["interfaces"]["ether2"] = dict(now["interfaces"]["ether2"], oper_up=False, speed_mbps=None)
    now["interfaces"]["ether1"] = dict(now["interfaces"]["ether1"], speed_mbps=100, duplex="half")
    ports = {"ether1": {"min_speed_mbps": 1000}, "ether2": {"expect_up": True}, "ether9": {}}
    out = device_findings("gw", now, None, {}, ports)
    assert codes(out) == ["port_down", "port_half_duplex", "port_missing", "port_speed_low"]
    assert next(f for f in out if f["code"] == "port_down")["severity"] == "high"


def test_firmware_and_os_minimum():
    out = device_findings(
        "sw1",
        facts(os_version="15.2(2)E9", firmware="15.2(3r)E1"),
        None,
        {"min_os_version": "15.2(7)E3", "min_firmware": "15.2(3r)E1"},
        {},
    )
    assert codes(out) == ["os_outdated"]


def test_version_compare():
    assert version_older("6.49.10", "7.0")
    assert not version_older("7.12.1 (stable)", "7.12")
    assert version_older("15.2(2)E9", "15.2(7)E3")
    assert not version_older(None, "7.0") and not version_older("7.1", "")
