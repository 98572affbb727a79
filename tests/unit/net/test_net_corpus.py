"""C.2 parsers over a corpus of real-format device outputs (RouterOS v6 and v7, IOS, IOS-XE;
tests/unit/net/fixtures/corpus). Every parsed field of every output is compared with
``expected.json`` (whole dicts, so no field goes unchecked), and so is every complaint about
what could not be read. The cases issue 19 names get their own readable assertions too."""

from __future__ import annotations

import json
import pathlib

import pytest
from ansible.module_utils.court_net import collect, findings, ios, routeros

from .corpus_parsers import parser_for

CORPUS = pathlib.Path(__file__).parent / "fixtures" / "corpus"
EXPECTED = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
NAMES = sorted(p.name for p in CORPUS.glob("*.txt"))


def text(name: str) -> str:
    return (CORPUS / name).read_text(encoding="utf-8")


def test_corpus_size_and_coverage():
    assert len(NAMES) >= 60
    assert sorted(EXPECTED) == NAMES  # no fixture without expectations, none expected without fixture
    prefixes = {n.split("_", 1)[0] for n in NAMES}
    assert {"ros6", "ros7", "ios"} <= prefixes
    assert sum("_xe_" in n for n in NAMES) >= 3  # IOS-XE show version outputs


@pytest.mark.parametrize("name", NAMES)
def test_every_field_of_every_output(name):
    assert parser_for(name)(text(name)) == EXPECTED[name]


# --- the cases of issue 19, spelled out ---------------------------------------------------------


def test_multiline_comment_at_column_zero_shaped_like_an_item():
    i = routeros.parse_interfaces_detail(text("ros6_interfaces__multiline_comment_col0.txt"))
    assert list(i) == ["ether1", "ether2", "ether3", "bridge-lan"]  # "2 AP lantai 2" is no item
    assert i["ether2"]["comment"] == "switch ruang sidang\n2 AP lantai 2"
    assert i["ether2"]["running"] and i["ether2"]["slave"] and not i["ether2"]["disabled"]
    assert i["ether1"]["comment"] == "uplink ISP Telkom\nAstinet 20 Mbps, CID 1234567"


def test_values_cut_by_a_narrow_terminal_are_joined():
    i = routeros.parse_interfaces_detail(text("ros6_interfaces__narrow_terminal_wrap.txt"))
    assert i["wlan1"]["link_downs"] == 12 and i["ether1"]["link_downs"] == 3


def test_stats_second_block_holds_the_sfp_ports():
    s = routeros.parse_ethernet_stats(text("ros7_stats__crs326_two_blocks_sfp.txt"))
    assert len(s) == 26 and s["sfp-sfpplus1"]["crc_errors"] == 4211 and s["ether7"]["crc_errors"] == 55


def test_health_v7_psu_failure_is_kept_as_state():
    h = routeros.parse_health(text("ros7_health__ccr2004_psu_fail.txt"))
    assert h["health_states"]["psu2-state"] == "fail" and h["temperature_c"] == 48.0


def test_ios_version_bracket_suffix():
    assert ios.parse_version(text("ios_version__xe_1711_bracket.txt"))["os_version"] == "17.1.1"
    assert ios.clean_version("17.1.1[FC2]") == "17.1.1" and ios.clean_version("15.2(7)E3") == "15.2(7)E3"


def test_up_interfaces_without_numeric_speed_are_never_silent():
    pc = ios.parse_interfaces(text("ios_interfaces__portchannel_without_speed.txt"))["Port-channel1"]
    assert (pc["speed_mbps"], pc["speed_source"]) == (2000, "bandwidth")
    svi = ios.parse_interfaces(text("ios_interfaces__svi_loopback_tunnel.txt"))["Vlan10"]
    assert svi["speed_mbps"] is None and svi["speed_note"].startswith("tidak berlaku")
    facts = {"interfaces": {"Vlan10": svi}}
    out = findings.device_findings("sw-core", facts, None, {}, {"Vlan10": {"min_speed_mbps": 1000}})
    assert [f["code"] for f in out] == ["port_speed_not_checked"]
    assert "Vlan10" in out[0]["message"] and "tidak berlaku" in out[0]["message"]


class _Conn:
    """A session that answers each command with a corpus output."""

    def __init__(self, answers: dict[str, str]):
        self.answers = answers

    def send_command(self, command, read_timeout=None):
        return self.answers[command]


def test_unreadable_output_becomes_a_finding_naming_device_command_and_what():
    answers = {
        "/system resource print": text("ros6_resource__truncated.txt"),
        "/system routerboard print": "routerboard: no",
        "/system health print": text("ros7_health__unknown_row.txt"),
        "/interface print detail without-paging": text("ros7_interfaces__crs326_index_ten_and_sfp.txt"),
        "/interface ethernet print stats without-paging": text("ros7_stats__rb5009_combo_sfp.txt"),
        "/export": text("ros6_export__error_exporting.txt"),
    }
    for name in ("ether1", "ether10", "ether11", "sfp-sfpplus1"):
        answers[f"/interface ethernet monitor {name} once"] = text("ros7_monitor__link_without_rate.txt")
    params = {"host": "127.0.0.1", "port": 1, "platform": "mikrotik_routeros", "timeout": 5, "backup": True,
              "mask_secrets": True}  # fmt: skip
    facts, _config, _raw = collect._routeros(_Conn(answers), params)
    out = findings.device_findings("gw-pn", facts, None, {}, {})
    unreadable = [(f["command"], f["what"]) for f in out if f["code"] == "output_unreadable"]
    assert ("/system resource print", "cpu-load tidak ditemukan") in unreadable
    assert ("/system health print", "baris tidak dikenal: 1  temperature; !! sensor bus reset") in unreadable
    assert ("/interface ethernet print stats without-paging", "tidak ada kolom untuk ether10") in unreadable
    assert (
        "/interface ethernet monitor ether1 once",
        "rate tidak ditemukan pada link yang aktif",
    ) in unreadable
    assert ("/export", "RouterOS gagal mengekspor /ip/ipsec/policy") in unreadable
    assert all(f["message"].startswith("gw-pn: keluaran '") for f in out if f["code"] == "output_unreadable")


def test_ios_unrecognised_version_and_interfaces_are_findings():
    answers = {
        "show version": text("ios_version__nxos_not_ios.txt"),
        "show processes cpu": text("ios_cpu__busy.txt"),
        "show processes memory sorted": text("ios_memory__c2960.txt"),
        "show environment temperature": text("ios_temperature__3850.txt"),
        "show interfaces": text("ios_interfaces__not_ios.txt"),
    }
    params = {"host": "127.0.0.1", "port": 1, "platform": "cisco_ios", "timeout": 5, "backup": False,
              "mask_secrets": True}  # fmt: skip
    facts, _config, _raw = collect._ios(_Conn(answers), params)
    assert facts["unreadable"] == [
        {"command": "show version", "what": "bukan keluaran show version IOS/IOS-XE"},
        {"command": "show interfaces", "what": "tidak ada interface yang terbaca"},
    ]
    assert facts["cpu_percent"] == 97 and facts["temperature_c"] == 39.0


def test_export_secret_wrapped_over_lines_is_masked_whole():
    out = routeros.sanitize_export(text("ros7_export__show_sensitive_wrapped_secret.txt"))
    for secret in ("Sangat Rahasia", "panjang sekali", "rahasia juga"):
        assert secret not in out
    assert "add name=vpn-panitera password=\\\n    <masked> service=l2tp" in out
    assert routeros.export_problems(text("ros7_export__show_sensitive_wrapped_secret.txt")) == []
