"""RouterOS v6 and v7 parsers on real-format output (flags legends, comments, paging, tabs,
columns that touch, empty counters)."""

from __future__ import annotations

from ansible.module_utils.court_net import routeros
from ansible.module_utils.court_net.common import clean_output, parse_routeros_uptime


def test_resource_v7_with_tab_indented_first_line(fixture_text):
    r = routeros.parse_resource(fixture_text("ros7_system_resource_print.txt"))
    assert r["uptime_seconds"] == ((5 * 7 + 3) * 24 * 60 + 20) * 60 + 51
    assert r["os_version"] == "7.12.2"
    assert r["os_channel"] == "stable"
    assert r["cpu_percent"] == 53
    assert r["memory_total_bytes"] == 192 * 1024**2
    assert r["memory_used_percent"] == 80.9
    assert r["board_name"] == "CHR"


def test_resource_v6(fixture_text):
    r = routeros.parse_resource(fixture_text("ros6_system_resource_print.txt"))
    assert r["uptime_seconds"] == (((6 * 7 + 5) * 24 + 11) * 60 + 55) * 60 + 45
    assert r["os_version"] == "6.48.6"
    assert r["os_channel"] == "long-term"
    assert r["cpu_percent"] == 1
    assert r["memory_free_bytes"] == int(40.2 * 1024**2)
    assert r["board_name"] == "hEX PoE lite"


def test_uptime_formats():
    assert parse_routeros_uptime("1d6h22m") == (30 * 60 + 22) * 60
    assert parse_routeros_uptime("3d13:54:41") == ((3 * 24 + 13) * 60 + 54) * 60 + 41
    assert parse_routeros_uptime("00:04:10") == 250
    assert parse_routeros_uptime("soon") is None


def test_routerboard_with_comment_line(fixture_text):
    r = routeros.parse_routerboard(fixture_text("ros7_system_routerboard_print.txt"))
    assert r == {
        "model": "RBD53iG-5HacD2HnD",
        "serial": "HCQ08FX50J7",
        "firmware": "7.2.3",
        "firmware_upgrade": "7.5",
    }


def test_health_v6_key_value(fixture_text):
    h = routeros.parse_health(fixture_text("ros6_system_health_print.txt"))
    assert h["temperature_c"] == 39.0
    assert h["voltage_v"] == 24.1


def test_health_v7_table_takes_hottest_sensor(fixture_text):
    h = routeros.parse_health(fixture_text("ros7_system_health_print.txt"))
    assert h["temperature_c"] == 57.0
    assert h["voltage_v"] == 23.9
    assert h["sensors"]["fan1-speed"] == 4380.0
    assert "psu1-state" not in h["sensors"]


def test_health_on_a_device_without_sensors():
    assert routeros.parse_health("") == {
        "temperature_c": None,
        "voltage_v": None,
        "sensors": {},
        "health_states": {},
    }


def test_interfaces_v6_flags_comments_and_pager(fixture_text):
    i = routeros.parse_interfaces_detail(fixture_text("ros6_interface_print_detail.txt"))
    assert list(i) == ["ether1", "ether2", "ether3", "wlan1", "pppoe-out1", "bridge"]
    assert i["ether1"]["running"] and not i["ether1"]["disabled"] and i["ether1"]["link_downs"] == 20
    assert i["ether2"]["comment"] == "kabel ke ruang sidang"
    assert i["ether2"]["slave"] and not i["ether2"]["running"]
    assert i["ether3"]["disabled"]
    assert i["pppoe-out1"]["dynamic"] and i["pppoe-out1"]["link_downs"] == 114
    assert i["bridge"]["type"] == "bridge" and i["bridge"]["running"]


def test_interfaces_v7_semicolon_legend_and_wrapped_attributes(fixture_text):
    i = routeros.parse_interfaces_detail(fixture_text("ros7_interface_print_detail.txt"))
    assert i["ether1"]["comment"] == "uplink ISP" and i["ether1"]["running"]
    assert i["ether2"]["link_downs"] == 4 and i["ether2"]["slave"]
    assert i["ether3"]["link_downs"] == 1730 and not i["ether3"]["running"]
    assert i["sfp-sfpplus1"]["disabled"]
    assert i["vlan10@ether1"]["dynamic"] and i["vlan10@ether1"]["type"] == "vlan"
    assert routeros.ethernet_names(i) == ["ether1", "ether2", "ether3"]


def test_ethernet_stats_columns_touching_and_empty_counters(fixture_text):
    s = routeros.parse_ethernet_stats(fixture_text("ros_interface_ethernet_print_stats.txt"))
    assert s["ether3"]["crc_errors"] == 4211
    assert s["ether3"]["rx_errors"] == 4211 + 12 + 3
    assert s["ether4"] == {"crc_errors": 7, "rx_errors": 7, "tx_errors": 6}
    assert s["ether1"]["crc_errors"] == 0
    assert s["sfp-sfpplus1"] == {"crc_errors": None, "rx_errors": None, "tx_errors": None}
    raw = routeros.parse_columns(fixture_text("ros_interface_ethernet_print_stats.txt"))
    assert raw["ether3"]["tx-bytes"] == "72 066 425 886"
    assert raw["ether2"]["tx-bytes"] == "0"


def test_monitor_textfsm_and_fallback(fixture_text):
    m = routeros.parse_monitor(
        fixture_text("ros7_monitor_ether1_once.txt"), "/interface ethernet monitor ether1 once"
    )
    assert m == {"status": "link-ok", "speed_mbps": 1000, "duplex": "full"}
    m = routeros.parse_monitor(
        fixture_text("ros6_monitor_ether2_once.txt"), "/interface ethernet monitor ether2 once"
    )
    assert m == {"status": "link-ok", "speed_mbps": 100, "duplex": "half"}
    # power-saving-mode is unknown to the TextFSM template: the key/value fallback reads it
    m = routeros.parse_monitor(
        fixture_text("ros7_monitor_nolink_once.txt"), "/interface ethernet monitor ether5 once"
    )
    assert m == {"status": "no-link", "speed_mbps": None, "duplex": None}


def test_build_interfaces_prefers_monitor_status(fixture_text):
    detail = routeros.parse_interfaces_detail(fixture_text("ros7_interface_print_detail.txt"))
    stats = {"ether1": {"crc_errors": 3, "rx_errors": 3, "tx_errors": 0}}
    mon = {
        "ether1": {"status": "link-ok", "speed_mbps": 100, "duplex": "full"},
        "ether2": {"status": "no-link", "speed_mbps": None, "duplex": None},
    }
    built = routeros.build_interfaces(detail, stats, mon)
    assert built["ether1"]["speed_mbps"] == 100 and built["ether1"]["crc_errors"] == 3
    assert built["ether2"]["oper_up"] is False and built["ether2"]["admin_up"] is True
    assert built["sfp-sfpplus1"]["admin_up"] is False and built["sfp-sfpplus1"]["oper_up"] is False


def test_export_v7_header_and_secrets(fixture_text):
    out = routeros.sanitize_export(fixture_text("ros7_export.txt"))
    assert out.splitlines()[0] == "# RouterOS 7.12.1"
    assert "2024-01-15" not in out
    assert "Rahasia" not in out and "password=<masked>" in out
    assert "private-key=<masked>" in out and "yBx3" not in out
    assert "authentication-password=<masked> encryption-password=<masked>" in out
    assert "# serial number = HD3082ABCDE" in out
    assert "    connection-state=established,related,untracked" in out


def test_export_v6_header_and_wifi_key(fixture_text):
    out = routeros.sanitize_export(fixture_text("ros6_export.txt"))
    assert out.splitlines()[0] == "# RouterOS 6.49.10"
    assert "WifiSidang2026" not in out and "wpa2-pre-shared-key=<masked>" in out
    assert "OperatorPN2026" not in out


def test_export_unmasked_keeps_secrets_but_not_date(fixture_text):
    out = routeros.sanitize_export(fixture_text("ros6_export.txt"), mask_secrets=False)
    assert "WifiSidang2026" in out and "jan/15/2024" not in out


def test_export_is_stable_across_runs(fixture_text):
    text = fixture_text("ros7_export.txt")
    later = text.replace("2024-01-15 10:12:33", "2024-02-15 23:59:01").replace("\n/ppp", "\r\n\r\n/ppp")
    assert routeros.sanitize_export(text) == routeros.sanitize_export(later)


def test_rejected_command_is_detected():
    assert routeros.command_failed("bad command name resource (line 1 column 9)")
    assert routeros.command_failed("expected end of command (line 1 column 17)")
    assert routeros.command_failed("   name: ether1") is None


def test_clean_output_removes_ansi_and_pager():
    text = "\x1b[m\x1b[36mname\x1b[m: x\r\n-- [Q quit|D dump|down]\r\n  rate: 1Gbps"
    assert clean_output(text) == "name: x\n\n  rate: 1Gbps"


def test_trailing_prompts_are_stripped():
    from ansible.module_utils.court_net.common import strip_trailing_prompt

    text = "/system identity\nset name=gw\n[admin@gw] >\n[admin@gw] > \n"
    assert strip_trailing_prompt(text, "mikrotik_routeros") == "/system identity\nset name=gw"
    assert strip_trailing_prompt("line con 0\nend\nsw1#\n", "cisco_ios") == "line con 0\nend"
    assert strip_trailing_prompt("set name=gw", "mikrotik_routeros") == "set name=gw"
