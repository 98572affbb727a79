"""Cisco IOS parsers (ntc-templates + own) on real-format output: pager, notconnect, admin down,
half duplex, running-config clean-up."""

from __future__ import annotations

from ansible.module_utils.court_net import ios


def test_show_version(fixture_text):
    v = ios.parse_version(fixture_text("ios_show_version.txt"))
    assert v["hostname"] == "pn-sw-lantai1"
    assert v["os_version"] == "15.2(7)E3"
    assert v["model"] == "WS-C2960X-24TS-L"
    assert v["serial"] == "FOC2231X0AB"
    assert v["uptime_seconds"] == 365 * 86400 + 12 * 7 * 86400 + 3 * 86400 + 4 * 3600 + 55 * 60
    assert v["firmware"] == "15.2(3r)E1"


def test_show_interfaces_with_pager(fixture_text):
    i = ios.parse_interfaces(fixture_text("ios_show_interfaces.txt"))
    assert list(i) == [
        "GigabitEthernet1/0/1",
        "GigabitEthernet1/0/2",
        "GigabitEthernet1/0/3",
        "GigabitEthernet1/0/24",
        "Vlan1",
    ]
    up = i["GigabitEthernet1/0/1"]
    assert up["oper_up"] and up["speed_mbps"] == 1000 and up["duplex"] == "full"
    assert up["description"] == "uplink gw ether2"
    bad = i["GigabitEthernet1/0/2"]
    assert bad["speed_mbps"] == 100 and bad["duplex"] == "half"
    assert bad["crc_errors"] == 1873 and bad["rx_errors"] == 1901 and bad["tx_errors"] == 12
    down = i["GigabitEthernet1/0/3"]
    assert down["admin_up"] and not down["oper_up"] and down["speed_mbps"] is None
    assert not i["GigabitEthernet1/0/24"]["admin_up"]
    assert i["Vlan1"]["oper_up"] and i["Vlan1"]["speed_mbps"] is None


def test_show_processes_cpu_full_and_filtered(fixture_text):
    assert ios.parse_cpu(fixture_text("ios_show_processes_cpu.txt")) == {
        "cpu_percent": 4,
        "cpu_1min_percent": 6,
        "cpu_5min_percent": 5,
    }
    assert ios.parse_cpu(fixture_text("ios_show_processes_cpu_include.txt"))["cpu_percent"] == 91
    assert ios.parse_cpu("% Invalid input detected at '^' marker.")["cpu_percent"] is None


def test_memory_and_temperature(fixture_text):
    m = ios.parse_memory(fixture_text("ios_show_processes_memory_sorted.txt"))
    assert m["memory_total_bytes"] == 919638648 and m["memory_used_percent"] == 25.7
    assert ios.parse_temperature(fixture_text("ios_show_env_temperature.txt")) == {"temperature_c": 41.0}
    rejected = "show environment temperature\n                 ^\n% Invalid input detected at '^' marker.\n"
    assert ios.parse_temperature(rejected) == {"temperature_c": None}


def test_running_config_volatile_lines_and_secrets(fixture_text):
    out = ios.sanitize_running_config(fixture_text("ios_show_running_config.txt"))
    for gone in (
        "Building configuration",
        "Current configuration",
        "Last configuration change",
        "NVRAM config last updated",
        "ntp clock-period",
        "PNpublik2026",
        "$9$",
        "0822455D0A16",
        "045802150C2E",
    ):
        assert gone not in out, gone
    assert "enable secret 9 <masked>" in out
    assert "username admin privilege 15 secret 9 <masked>" in out
    assert "username operator password 7 <masked>" in out
    assert " password 7 <masked>" in out
    assert "snmp-server community <masked> RO" in out
    assert "tacacs-server host 127.0.0.10 key 7 <masked>" in out
    assert "ntp server 127.0.0.123" in out
    assert out.endswith("end\n")


def test_running_config_stable_when_only_timestamps_change(fixture_text):
    text = fixture_text("ios_show_running_config.txt")
    later = (
        text.replace("10:11:12 WIB Mon Jan 15 2024", "08:00:00 WIB Tue Feb 20 2024")
        .replace("36028797", "36028799")
        .replace("4211 bytes", "4213 bytes")
    )
    assert ios.sanitize_running_config(text) == ios.sanitize_running_config(later)


def test_rejected_command():
    assert ios.command_failed("                 ^\n% Invalid input detected at '^' marker.")
    assert ios.command_failed('% Ambiguous command:  "show int"')
    assert ios.command_failed("GigabitEthernet1/0/1 is up") is None
