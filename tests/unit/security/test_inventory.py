"""C.4 inventory parsers on real output and the monthly diff."""

import json

from ansible.module_utils.court_security.inventory import (
    diff_inventory,
    parse_cpuinfo,
    parse_dpkg,
    parse_lsblk,
    parse_meminfo,
    parse_os_release,
    parse_smartctl_health,
)


def test_os_release_quoted_and_bare():
    text = (
        'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n'
    )
    osr = parse_os_release(text)
    assert (
        osr["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)"
        and osr["ID"] == "debian"
        and osr["VERSION_ID"] == "12"
    )


def test_meminfo_and_cpuinfo():
    assert parse_meminfo("MemTotal:       16283480 kB\nMemFree:  1 kB\n") == 15901
    cpu = "model name\t: Intel(R) Xeon(R) CPU E3-1220 v6 @ 3.00GHz\n"
    x86 = "processor\t: 0\n" + cpu + "\nprocessor\t: 1\n" + cpu
    assert parse_cpuinfo(x86) == {"model": "Intel(R) Xeon(R) CPU E3-1220 v6 @ 3.00GHz", "threads": 2}
    arm = "processor\t: 0\nBogoMIPS\t: 108.00\nCPU part\t: 0xd08\n\nHardware\t: BCM2835\n"
    assert parse_cpuinfo(arm) == {"model": "BCM2835", "threads": 1}


def test_dpkg(fixture_text):
    assert parse_dpkg(fixture_text("dpkg.txt")) == {
        "openssh-server": "1:9.2p1-2+deb12u7",
        "libc6": "2.36-9+deb12u13",
        "hold-me": "1.0",
    }


def test_lsblk_old_and_new_flag_styles(fixture_text):
    disks = parse_lsblk(fixture_text("lsblk.json"))
    assert [d["name"] for d in disks] == ["sda", "sdb"]
    assert disks[0]["rotational"] is False and disks[1]["rotational"] is True
    assert disks[1]["model"] == "WDC WD20EZRZ-00Z5HB0" and disks[1]["serial"] is None
    assert disks[1]["size_gb"] == 2000.4


def test_smartctl_health():
    assert parse_smartctl_health(json.dumps({"smart_status": {"passed": True}}), 0) == "passed"
    assert parse_smartctl_health(json.dumps({"smart_status": {"passed": False}}), 8) == "failed"
    assert (
        parse_smartctl_health('{"smartctl": {"messages": [{"string": "Permission denied"}]}}', 2)
        == "unavailable"
    )
    assert parse_smartctl_health("", 0) == "unavailable"


def test_monthly_diff():
    old = {
        "os": "Debian GNU/Linux 12 (bookworm)",
        "kernel": "6.1.0-39-amd64",
        "cpu_model": "Xeon",
        "cpu_threads": 4,
        "memory_mb": 8000,
        "packages": {"openssl": "3.0.15", "telnetd": "0.17", "php8.2-cli": "8.2.28"},
        "disks": [
            {"name": "sda", "model": "SSD A", "serial": "1", "size_gb": 500.1, "smart_health": "passed"}
        ],
    }
    new = json.loads(json.dumps(old))
    new["kernel"] = "6.1.0-41-amd64"
    new["memory_mb"] = 16000
    new["packages"]["openssl"] = "3.0.17"
    del new["packages"]["telnetd"]
    new["packages"]["restic"] = "0.14.0"
    new["disks"][0]["smart_health"] = "failed"
    new["disks"].append(
        {"name": "sdb", "model": "HDD B", "serial": "2", "size_gb": 2000.4, "smart_health": "passed"}
    )
    d = diff_inventory(old, new)
    assert d["baseline"] is False
    assert d["packages_added"] == ["restic 0.14.0"]
    assert d["packages_removed"] == ["telnetd 0.17"]
    assert d["packages_changed"] == ["openssl 3.0.15 -> 3.0.17"]
    assert d["hardware_changed"] == [
        "memory_mb: 8000 -> 16000",
        "disk sda smart_health: passed -> failed",
        "disk sdb added (HDD B, 2000.4 GB)",
    ]
    assert d["os_changed"] == ["kernel: 6.1.0-39-amd64 -> 6.1.0-41-amd64"]
    assert diff_inventory(None, new)["baseline"] is True
    assert diff_inventory(new, new) == {
        "baseline": False,
        "packages_added": [],
        "packages_removed": [],
        "packages_changed": [],
        "hardware_changed": [],
        "os_changed": [],
    }
