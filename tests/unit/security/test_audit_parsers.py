"""Lynis report, apt simulation and ss parsing on real-format output."""

import pytest
from ansible.module_utils.court_security.lynis import parse_lynis_report
from ansible.module_utils.court_security.packages import parse_apt_simulation
from ansible.module_utils.court_security.ports import parse_ss_listening, unexpected_ports


def test_lynis_report(fixture_text):
    r = parse_lynis_report(fixture_text("lynis-report.dat"))
    assert r["hardening_index"] == 62
    assert r["lynis_version"] == "3.0.8"
    assert [w["id"] for w in r["warnings"]] == ["PKGS-7392", "FIRE-4512", "SSH-7408"]
    assert r["warnings"][2]["details"] == "PermitRootLogin=yes"
    assert r["warnings"][0]["details"] == "" and r["warnings"][0]["solution"] == ""
    assert len(r["suggestions"]) == 3
    assert r["suggestions"][1]["details"] == "expose_php = Off"  # value containing '='
    assert r["tests_executed"] == 5


def test_lynis_report_still_running_has_no_index():
    r = parse_lynis_report("report_datetime_start=2026-11-21 04:50:01\nlynis_version=3.0.8\n")
    assert r["hardening_index"] is None and r["warnings"] == []


def test_lynis_garbage_is_refused():
    with pytest.raises(ValueError):
        parse_lynis_report("<html>not a report</html>\n")


def test_apt_simulation(fixture_text):
    ups = parse_apt_simulation(fixture_text("apt-simulate.txt"))
    assert [u["name"] for u in ups] == ["libssl3", "openssl", "tzdata", "linux-image-6.1.0-41-amd64"]
    assert [u["security"] for u in ups] == [True, True, False, True]
    assert ups[0]["installed"] == "3.0.15-1~deb12u1" and ups[0]["candidate"] == "3.0.17-1~deb12u2"
    assert ups[1]["origins"] == ["Debian:12.12/stable", "Debian-Security:12/stable-security"]
    assert ups[3]["installed"] is None  # new package (kernel)


def test_ss_listening(fixture_text):
    socks = parse_ss_listening(fixture_text("ss-listening.txt"))
    by = {(s["address"], s["port"]): s for s in socks}
    assert by[("0.0.0.0", 22)]["process"] == "sshd"
    assert by[("127.0.0.1", 3306)]["loopback"] is True
    assert by[("*", 80)]["process"] == "apache2"
    assert by[("127.0.0.53", 53)]["loopback"] is True
    assert by[("::1", 631)]["loopback"] is True and by[("::1", 631)]["process"] == ""
    extra = unexpected_ports(socks, [22, 80, 443])
    assert [(s["port"], s["process"]) for s in extra] == [(8099, "python3")]
