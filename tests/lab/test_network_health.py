"""C.2 against the lab's fake devices (fakenos over real SSH on 127.0.0.1:6001-6003):
RouterOS v7 router (gw), IOS switch (sw1), RouterOS v6 cAP (ap1); injected faults give the
expected findings. The runs are shared through module fixtures to keep the suite fast."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import pytest
from netlabkit import DEVICE_PORTS, Receiver, fault, playbook, reset_devices

pytestmark = pytest.mark.lab

CRC_PORT = {"gw": "ether2", "sw1": "GigabitEthernet1/0/2", "ap1": "ether1"}
DOWN_PORT = {"gw": "ether3", "sw1": "GigabitEthernet1/0/3"}
SLOW_PORT = {"gw": "ether1", "sw1": "GigabitEthernet1/0/1"}


def run(data_dir: Path, *extra: str):
    return playbook(
        "playbooks/network_health.yml",
        "--limit",
        "network_devices",
        "-e",
        f"network_health_data_dir={data_dir}",
        *extra,
    )


@pytest.fixture(scope="module", autouse=True)
def devices_up():
    for name, port in DEVICE_PORTS.items():
        try:
            socket.create_connection(("127.0.0.1", port), timeout=3).close()
        except OSError as exc:
            pytest.fail(
                f"fake device {name} is not listening on 127.0.0.1:{port} ({exc}); run ./court lab-up"
            )
    reset_devices()
    yield
    reset_devices()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("c2") / "network"


@pytest.fixture(scope="module")
def runs(data_dir):
    """Baseline, an unchanged second run, then one run with every fault injected at once."""
    reset_devices()
    first = run(data_dir)
    second = run(data_dir)
    for host, port in CRC_PORT.items():
        fault(host, "crc", port, "40")
    for host, port in DOWN_PORT.items():
        fault(host, "down", port)
    for host, port in SLOW_PORT.items():
        fault(host, "speed", port, "100")
    fault("gw", "cpu", "96")
    fault("sw1", "temperature", "72")
    fault("gw", "config-change")
    fault("sw1", "config-change")
    faulted = run(data_dir, "-e", json.dumps({"network_health_thresholds": {"min_os_version": "7.0"}}))
    reset_devices()
    return {"first": first, "second": second, "faulted": faulted}


def test_baseline_reads_every_platform(runs, data_dir):
    first = runs["first"]
    assert first.rc == 0, first.failures()
    for host in DEVICE_PORTS:
        assert first.codes(host, "C.2") == [], first.output(host, "C.2")["findings"]
        assert (data_dir / "config" / host / "config.txt").is_file()
        assert (data_dir / "state" / f"{host}.json").is_file()
    gw = first.output("gw", "C.2")
    assert (gw["platform"], gw["os_version"], gw["model"]) == (
        "mikrotik_routeros",
        "7.12.1",
        "RB4011iGS+5HacQ2HnD",
    )
    assert gw["interfaces"]["ether1"]["speed_mbps"] == 1000 and gw["temperature_c"] == 50.0
    assert gw["interfaces"]["sfp-sfpplus1"]["admin_up"] is False
    sw1 = first.output("sw1", "C.2")
    assert (sw1["os_version"], sw1["model"], sw1["serial"]) == (
        "15.2(7)E3",
        "WS-C2960X-24TS-L",
        "FOC2231X0AB",
    )
    assert sw1["interfaces"]["GigabitEthernet1/0/1"]["oper_up"] is True and sw1["temperature_c"] == 38.0
    ap1 = first.output("ap1", "C.2")
    assert (ap1["os_version"], ap1["model"]) == ("6.49.10", "RBcAPGi-5acD2nD")
    assert ap1["interfaces"]["ether2"]["oper_up"] is False and ap1["voltage_v"] == 24.2


def test_backups_mask_secrets(runs, data_dir):
    for host in DEVICE_PORTS:
        config = (data_dir / "config" / host / "config.txt").read_text()
        assert "<masked>" in config
        for secret in ("Rahasia-PN-2026", "WifiSidang2026", "PNpublik2026", "$9$", "0822455D0A16"):
            assert secret not in config, f"{host} backup leaks {secret}"
        assert "Last configuration change" not in config and " by RouterOS " not in config


def test_second_run_without_change_changes_nothing(runs):
    second = runs["second"]
    assert second.rc == 0, second.failures()
    for host in DEVICE_PORTS:
        assert second.stats[host]["changed"] == 0, f"{host}: config backup changed without a config change"
        assert second.output(host, "C.2")["dibandingkan_dengan_pemeriksaan_sebelumnya"] is True
        assert second.codes(host, "C.2") == []


def test_crc_errors_growing_on_each_platform(runs):
    faulted = runs["faulted"]
    for host, port in CRC_PORT.items():
        grown = [f for f in faulted.output(host, "C.2")["findings"] if f["code"] == "port_errors_growing"]
        assert [f["port"] for f in grown] == [port], faulted.failures()
        assert grown[0]["growth"]["crc_errors"] >= 40


def test_link_down_flap_and_slow_link(runs):
    faulted = runs["faulted"]
    for host, port in DOWN_PORT.items():
        down = [f for f in faulted.output(host, "C.2")["findings"] if f["code"] == "port_down"]
        assert [f["port"] for f in down] == [port] and down[0]["severity"] == "high"
    # RouterOS counts the transition in link-downs: a flap since the previous run
    assert [f["port"] for f in faulted.output("gw", "C.2")["findings"] if f["code"] == "port_flapping"] == [
        "ether3"
    ]
    for host, port in SLOW_PORT.items():
        slow = [f for f in faulted.output(host, "C.2")["findings"] if f["code"] == "port_speed_low"]
        assert [(f["port"], f["value"]) for f in slow] == [(port, 100)]


def test_cpu_temperature_and_minimum_version(runs):
    faulted = runs["faulted"]
    assert "cpu_high" in faulted.codes("gw", "C.2") and faulted.output("gw", "C.2")["cpu_percent"] == 96
    assert "temperature_high" in faulted.codes("sw1", "C.2")
    assert "os_outdated" in faulted.codes("ap1", "C.2") and "os_outdated" not in faulted.codes("gw", "C.2")


def test_config_change_is_stored_with_diff_and_changed(runs):
    faulted = runs["faulted"]
    assert faulted.stats["gw"]["changed"] == 1 and faulted.stats["sw1"]["changed"] == 1
    assert faulted.stats["ap1"]["changed"] == 0
    for host, needle in (("gw", "name=perubahan"), ("sw1", "ip host perubahan")):
        backup = faulted.output(host, "C.2")["backup_konfigurasi"]
        assert backup["berubah"] is True and backup["baris_ditambah"] >= 1
        diff = Path(backup["history_path"]).with_suffix(".diff").read_text()
        assert any(line.startswith("+") and needle in line for line in diff.splitlines()), diff
        assert "config_changed" in faulted.codes(host, "C.2")
    assert faulted.output("ap1", "C.2")["backup_konfigurasi"]["berubah"] is False


def test_wrong_password_fails_one_device_cleanly(tmp_path):
    fault("sw1", "password", "not-the-vault-password")
    try:
        time.sleep(1.2)  # the daemon applies the password knob twice a second
        result = run(tmp_path, "-e", "network_health_timeout=20")
    finally:
        fault("sw1", "reset")
    assert result.rc != 0
    assert result.stats["sw1"]["failures"] == 1
    findings = result.output("sw1", "C.2")["findings"]
    assert [f["code"] for f in findings] == ["device_auth_failed"]
    assert "authentication failed" in findings[0]["message"] and "127.0.0.1:6002" in findings[0]["message"]
    for host in ("gw", "ap1"):
        assert result.stats[host]["failures"] == 0, result.failures()
        assert result.output(host, "C.2")["terbaca"] is True


def test_unreachable_device_times_out_alone(tmp_path):
    result = run(
        tmp_path, "-e", "network_health_port=6999", "-e", "network_health_timeout=3", "--limit", "ap1"
    )
    assert result.stats["ap1"]["failures"] == 1
    assert result.codes("ap1", "C.2") == ["device_timeout"]
    assert "127.0.0.1:6999" in result.output("ap1", "C.2")["findings"][0]["message"]


def test_high_finding_warns_through_apprise(tmp_path):
    with Receiver() as receiver:
        fault("ap1", "down", "ether1")
        try:
            result = run(tmp_path, "-e", json.dumps({"court_notify_urls": [receiver.url("net")]}), "--check")
        finally:
            fault("ap1", "reset")
    # check mode: nothing sent, nothing written
    assert result.rc == 0, result.failures()
    assert receiver.received == []
    assert not (tmp_path / "state").exists() and not (tmp_path / "config").exists()
    with Receiver() as receiver:
        fault("ap1", "down", "ether1")
        try:
            result = run(tmp_path, "-e", json.dumps({"court_notify_urls": [receiver.url("net")]}))
        finally:
            fault("ap1", "reset")
    assert result.output("ap1", "C.2")["peringatan_terkirim"] is True
    assert result.output("gw", "C.2")["peringatan_terkirim"] is False
    assert len(receiver.received) == 1
    body = receiver.received[0]["body"]
    assert receiver.received[0]["path"] == "/net" and "ap1" in body["title"] and "ether1" in body["message"]
