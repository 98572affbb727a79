#!/usr/bin/env python3
"""The court lab's fake network devices: fakenos SSH servers on loopback with outputs in the
real RouterOS v7 (router), RouterOS v6 (cAP access point) and Cisco IOS (switch) formats, and
fault knobs a lab command can switch while the devices run.

  court_fakedevices.py serve --config devices.json --state-dir DIR --pidfile F --log F [--daemon]
  court_fakedevices.py stop --pidfile F
  court_fakedevices.py status --pidfile F
  court_fakedevices.py fault --state-dir DIR DEVICE KNOB [ARG...]

Knobs: crc IFACE STEP (CRC errors grow by STEP on every read; STEP 0 stops the growth),
down IFACE / up IFACE, speed IFACE MBPS, cpu PERCENT, temperature C, config-change,
password NEW (the device now expects NEW), reset (all knobs off). The state of each device is a
JSON file in the state directory, written atomically and read by the devices on every command.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import threading
import time
from datetime import UTC, datetime

# ---------------------------------------------------------------------------------------------
# device state (knobs)

DEFAULT_STATE: dict = {
    "password": None,
    "crc_grow": {},
    "down": [],
    "speed": {},
    "cpu": None,
    "temperature": None,
    "config_rev": 0,
}


def state_path(state_dir: str, device: str) -> str:
    return os.path.join(state_dir, f"{device}.json")


def load_state(state_dir: str, device: str) -> dict:
    state = json.loads(json.dumps(DEFAULT_STATE))
    try:
        with open(state_path(state_dir, device), encoding="utf-8") as handle:
            state.update(json.load(handle))
    except (FileNotFoundError, ValueError):
        pass
    return state


def save_state(state_dir: str, device: str, state: dict) -> None:
    os.makedirs(state_dir, exist_ok=True)
    tmp = state_path(state_dir, device) + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
    os.replace(tmp, state_path(state_dir, device))


# ---------------------------------------------------------------------------------------------
# the simulated hardware


class Device:
    """One fake device: static inventory plus live counters driven by the knobs."""

    PROFILES = {
        "routeros7": {
            "ports": ["ether1", "ether2", "ether3", "ether4", "ether5", "sfp-sfpplus1"],
            "disabled": ["sfp-sfpplus1"],
            "nolink": [],
            "comments": {"ether1": "uplink ISP", "ether2": "ke sw1 (LAN)", "ether3": "server SIPP"},
        },
        "routeros6": {
            "ports": ["ether1", "ether2"],
            "disabled": [],
            "nolink": ["ether2"],
            "comments": {"ether1": "PoE dari sw1"},
        },
        "ios": {
            "ports": [
                "GigabitEthernet1/0/1",
                "GigabitEthernet1/0/2",
                "GigabitEthernet1/0/3",
                "GigabitEthernet1/0/4",
                "GigabitEthernet1/0/24",
            ],
            "disabled": ["GigabitEthernet1/0/24"],
            "nolink": [],
            "comments": {
                "GigabitEthernet1/0/1": "uplink gw ether2",
                "GigabitEthernet1/0/2": "server SIPP",
                "GigabitEthernet1/0/3": "ap1 ruang sidang",
                "GigabitEthernet1/0/4": "PTSP",
            },
        },
    }

    def __init__(self, name: str, kind: str, state_dir: str):
        if kind not in self.PROFILES:
            raise ValueError(f"unknown device kind '{kind}' (use one of {', '.join(self.PROFILES)})")
        self.name, self.kind, self.state_dir = name, kind, state_dir
        self.profile = self.PROFILES[kind]
        self.started = time.time() - 3 * 86400 - 4 * 3600 - 5 * 60
        self.lock = threading.Lock()
        self.crc = {p: 0 for p in self.profile["ports"]}
        self.rx_bytes = {p: 1_358_140_795 + i * 7_777_777 for i, p in enumerate(self.profile["ports"])}
        self.link_downs = {p: 1 for p in self.profile["ports"]}
        self.was_down: set[str] = set()

    def state(self) -> dict:
        return load_state(self.state_dir, self.name)

    def tick(self) -> dict:
        """Apply the knobs once per interface read: grow CRC counters, count link transitions."""
        st = self.state()
        with self.lock:
            for port, step in st["crc_grow"].items():
                if port in self.crc and step:
                    self.crc[port] += int(step)
            down = set(st["down"])
            for port in down - self.was_down:
                self.link_downs[port] = self.link_downs.get(port, 0) + 1
            self.was_down = down
            for port in self.rx_bytes:
                self.rx_bytes[port] += random.randint(10_000, 90_000)
        return st

    def uptime(self) -> int:
        return int(time.time() - self.started)

    def oper_up(self, port: str, st: dict) -> bool:
        return (
            port not in self.profile["disabled"]
            and port not in self.profile["nolink"]
            and port not in st["down"]
        )

    def speed(self, port: str, st: dict) -> int:
        return int(st["speed"].get(port, 1000))


def _routeros_uptime(seconds: int) -> str:
    weeks, rest = divmod(seconds, 7 * 86400)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    out = ""
    for value, unit in ((weeks, "w"), (days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")):
        if value:
            out += f"{value}{unit}"
    return out or "0s"


def _thousands(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _kv(pairs: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in pairs)
    return "\n".join(f"{k.rjust(width + 2)}: {v}" for k, v in pairs)


# ---------------------------------------------------------------------------------------------
# RouterOS outputs (v7 router, v6 cAP)


def ros_resource(dev: Device) -> str:
    st = dev.state()
    v7 = dev.kind == "routeros7"
    cpu = st["cpu"] if st["cpu"] is not None else 3
    pairs = [
        ("uptime", _routeros_uptime(dev.uptime())),
        ("version", "7.12.1 (stable)" if v7 else "6.49.10 (long-term)"),
        ("build-time", "2023-11-17 11:38:45" if v7 else "Sep/06/2023 09:26:42"),
        ("factory-software", "7.1.5" if v7 else "6.44.6"),
        ("free-memory", "868.9MiB" if v7 else "91.3MiB"),
        ("total-memory", "1024.0MiB" if v7 else "128.0MiB"),
        ("cpu", "ARMv7" if v7 else "ARMv7"),
        ("cpu-count", "4"),
        ("cpu-frequency", "1400MHz" if v7 else "716MHz"),
        ("cpu-load", f"{cpu}%"),
        ("free-hdd-space", "401.7MiB" if v7 else "3.9MiB"),
        ("total-hdd-space", "512.0MiB" if v7 else "16.0MiB"),
        ("write-sect-since-reboot", "14650"),
        ("write-sect-total", "1018352"),
        ("bad-blocks", "0%"),
        ("architecture-name", "arm"),
        ("board-name", "RB4011iGS+" if v7 else "cAP ac"),
        ("platform", "MikroTik"),
    ]
    return _kv(pairs)


def ros_routerboard(dev: Device) -> str:
    v7 = dev.kind == "routeros7"
    pairs = [
        ("routerboard", "yes"),
        ("board-name", "RB4011iGS+" if v7 else "cAP ac"),
        ("model", "RB4011iGS+5HacQ2HnD" if v7 else "RBcAPGi-5acD2nD"),
        ("revision", "r2"),
        ("serial-number", "HD3082ABCDE" if v7 else "D7160C4E5A8B"),
        ("firmware-type", "al2" if v7 else "ipq4000L"),
        ("factory-firmware", "6.45.9" if v7 else "6.44.6"),
        ("current-firmware", "7.12.1" if v7 else "6.49.10"),
        ("upgrade-firmware", "7.12.1" if v7 else "6.49.10"),
    ]
    return _kv(pairs)


def ros_health(dev: Device) -> str:
    st = dev.state()
    temp = st["temperature"] if st["temperature"] is not None else 41
    if dev.kind == "routeros7":
        return (
            "Columns: NAME, VALUE, TYPE\n"
            "#  NAME              VALUE  TYPE\n"
            f"0  voltage           24.1   V   \n"
            f"1  temperature       {temp:<6} C   \n"
            f"2  cpu-temperature   {temp + 9:<6} C   "
        )
    return _kv([("voltage", "24.2V"), ("temperature", f"{temp}C")])


def ros_interfaces(dev: Device) -> str:
    st = dev.tick()
    v7 = dev.kind == "routeros7"
    lines = [
        "Flags: D - dynamic; X - disabled, R - running; S - slave; P - passthrough"
        if v7
        else "Flags: D - dynamic, X - disabled, R - running, S - slave"
    ]
    names = list(dev.profile["ports"]) + ["bridge"]
    if dev.kind == "routeros6":
        names += ["wlan1", "wlan2"]
    for index, port in enumerate(names):
        is_port = port in dev.profile["ports"]
        disabled = is_port and port in dev.profile["disabled"]
        running = (not is_port and port != "wlan2") or (is_port and dev.oper_up(port, st))
        slave = is_port and port != "ether1" and not disabled or port.startswith("wlan")
        flags = ("X" if disabled else " ") + ("R" if running else " ") + ("S" if slave else " ")
        ptype = "ether" if is_port else ("bridge" if port == "bridge" else "wlan")
        mac = f"48:8F:5A:{index:02X}:2C:{0x10 + index:02X}"
        attrs = f'name="{port}" '
        if is_port or port.startswith("wlan"):
            attrs += f'default-name="{port}" '
        attrs += f'type="{ptype}" mtu=1500 actual-mtu=1500 l2mtu=1598 max-l2mtu=9578 mac-address={mac}'
        downs = dev.link_downs.get(port, 0)
        stamp = "2026-11-18 08:24:05" if v7 else "nov/18/2026 08:24:05"
        tail = (
            f"last-link-up-time={stamp} link-downs={downs}"
            if running
            else f"last-link-down-time={stamp} link-downs={downs}"
        )
        comment = dev.profile["comments"].get(port)
        head = f"{index:>2}  {flags} "
        if comment:
            lines.append(f"{head};;; {comment}")
            lines.append(f"        {attrs} ")
            lines.append(f"        {tail} ")
        else:
            lines.append(f"{head}{attrs} ")
            lines.append(f"        {tail} ")
        lines.append("")
    return "\n".join(lines)


def ros_ethernet_stats(dev: Device) -> str:
    st = dev.tick()
    ports = dev.profile["ports"]
    rows: list[tuple[str, list[str]]] = [("name", list(ports))]

    def row(key: str, values: list[int]) -> None:
        rows.append((key, [_thousands(v) for v in values]))

    row("driver-rx-byte", [dev.rx_bytes[p] if dev.oper_up(p, st) else 0 for p in ports])
    row("rx-bytes", [dev.rx_bytes[p] + 1000 if dev.oper_up(p, st) else 0 for p in ports])
    row("rx-too-short", [0 for _ in ports])
    row("rx-broadcast", [12_025_189 if dev.oper_up(p, st) else 0 for p in ports])
    row("rx-pause", [0 for _ in ports])
    row("rx-fcs-error", [dev.crc[p] for p in ports])
    row("rx-align-error", [0 for _ in ports])
    row("rx-fragment", [0 for _ in ports])
    row("rx-overflow", [0 for _ in ports])
    row("tx-bytes", [16_098_535_973 if dev.oper_up(p, st) else 0 for p in ports])
    row("tx-collision", [0 for _ in ports])
    row("tx-late-collision", [0 for _ in ports])
    key_width = max(len(k) for k, _ in rows) + 4
    widths = [max(len(vals[i]) for _, vals in rows) for i in range(len(ports))]
    out = []
    for key, vals in rows:
        cells = " ".join(v.rjust(widths[i]) for i, v in enumerate(vals))
        out.append(f"{key.rjust(key_width)}: {cells}")
    return "\n".join(out)


def ros_monitor(dev: Device, port: str) -> str:
    st = dev.state()
    if port not in dev.profile["ports"]:
        return "no such item"
    if not dev.oper_up(port, st):
        return _kv(
            [
                ("name", port),
                ("status", "no-link"),
                ("auto-negotiation", "done"),
                (
                    "advertising",
                    "10M-baseT-half,10M-baseT-full,100M-baseT-half,100M-baseT-full,1G-baseT-half,1G-baseT-full",
                ),
            ]
        )
    speed = dev.speed(port, st)
    rate = "1Gbps" if speed == 1000 else f"{speed}Mbps"
    partner = (
        "10M-baseT-full,100M-baseT-full" if speed < 1000 else "10M-baseT-full,100M-baseT-full,1G-baseT-full"
    )
    return _kv(
        [
            ("name", port),
            ("status", "link-ok"),
            ("auto-negotiation", "done"),
            ("rate", rate),
            ("full-duplex", "yes"),
            ("tx-flow-control", "no"),
            ("rx-flow-control", "no"),
            (
                "supported",
                "10M-baseT-half,10M-baseT-full,100M-baseT-half,100M-baseT-full,1G-baseT-half,1G-baseT-full",
            ),
            (
                "advertising",
                "10M-baseT-half,10M-baseT-full,100M-baseT-half,100M-baseT-full,1G-baseT-half,1G-baseT-full",
            ),
            ("link-partner-advertising", partner),
        ]
    )


def ros_export(dev: Device) -> str:
    st = dev.state()
    v7 = dev.kind == "routeros7"
    now = datetime.now(UTC)
    stamp = now.strftime("%Y-%m-%d %H:%M:%S") if v7 else now.strftime("%b/%d/%Y %H:%M:%S").lower()
    lines = [
        f"# {stamp} by RouterOS {'7.12.1' if v7 else '6.49.10'}",
        f"# software id = {'ABCD-1234' if v7 else 'WXYZ-9876'}",
        "#",
        f"# model = {'RB4011iGS+5HacQ2HnD' if v7 else 'RBcAPGi-5acD2nD'}",
        f"# serial number = {'HD3082ABCDE' if v7 else 'D7160C4E5A8B'}",
        "/interface bridge",
        "add admin-mac=48:8F:5A:00:2C:10 auto-mac=no comment=defconf name=bridge",
    ]
    if v7:
        lines += [
            "/interface ethernet",
            'set [ find default-name=ether1 ] comment="uplink ISP"',
            'set [ find default-name=ether2 ] comment="ke sw1 (LAN)"',
            'set [ find default-name=ether3 ] comment="server SIPP"',
            "set [ find default-name=sfp-sfpplus1 ] disabled=yes",
            "/ip pool",
            "add name=dhcp_lan ranges=192.168.88.10-192.168.88.254",
            "/ppp secret",
            'add name=vpn-kasubbag password="Rahasia-PN-2026" service=l2tp',
            "/ip address",
            "add address=192.168.88.1/24 comment=defconf interface=bridge network=192.168.88.0",
            "/ip firewall filter",
            'add action=accept chain=input comment="defconf: accept established,related" \\',
            "    connection-state=established,related",
            "/system identity",
            f"set name={dev.name}",
        ]
    else:
        lines += [
            "/interface wireless security-profiles",
            "set [ find default=yes ] supplicant-identity=MikroTik",
            "add authentication-types=wpa2-psk mode=dynamic-keys name=pengadilan \\",
            "    supplicant-identity=MikroTik wpa2-pre-shared-key=WifiSidang2026",
            "/interface wireless",
            "set [ find default-name=wlan1 ] band=2ghz-b/g/n disabled=no mode=ap-bridge \\",
            "    security-profile=pengadilan ssid=PN-Publik",
            "/system identity",
            f"set name={dev.name}",
        ]
    for rev in range(1, int(st["config_rev"]) + 1):
        lines += ["/ip dns static", f"add address=127.0.0.{rev % 250 + 1} name=perubahan{rev}.court.test"]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Cisco IOS outputs (Catalyst 2960-X)


def ios_version(dev: Device) -> str:
    up = dev.uptime()
    weeks, rest = divmod(up, 7 * 86400)
    days, rest = divmod(rest, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    for value, unit in ((weeks, "week"), (days, "day"), (hours, "hour"), (minutes, "minute")):
        if value:
            parts.append(f"{value} {unit}{'s' if value != 1 else ''}")
    uptime = ", ".join(parts) or "0 minutes"
    banner = (
        "Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), "
        "Version 15.2(7)E3, RELEASE SOFTWARE (fc3)"
    )
    return f"""{banner}
Technical Support: http://www.cisco.com/techsupport
Copyright (c) 1986-2020 by Cisco Systems, Inc.
Compiled Wed 30-Sep-20 18:30 by prod_rel_team

ROM: Bootstrap program is C2960X boot loader
BOOTLDR: C2960X Boot Loader (C2960X-HBOOT-M) Version 15.2(7r)E1, RELEASE SOFTWARE (fc1)

{dev.name} uptime is {uptime}
System returned to ROM by power-on
System restarted at 04:11:07 WIB Tue Nov 17 2026
System image file is "flash:/c2960x-universalk9-mz.152-7.E3/c2960x-universalk9-mz.152-7.E3.bin"
Last reload reason: power-on



This product contains cryptographic features and is subject to United
States and local country laws governing import, export, transfer and
use.

License Level: lanbase
License Type: Permanent Right-To-Use
Next reload license Level: lanbase

cisco WS-C2960X-24TS-L (APM86XXX) processor (revision B0) with 524288K bytes of memory.
Processor board ID FOC2231X0AB
Last reset from power-on
1 Virtual Ethernet interface
28 Gigabit Ethernet interfaces
The password-recovery mechanism is enabled.

512K bytes of flash-simulated non-volatile configuration memory.
Base ethernet MAC Address       : 70:1F:53:A0:11:80
Motherboard assembly number     : 73-15732-06
Model revision number           : B0
Model number                    : WS-C2960X-24TS-L
System serial number            : FOC2231X0AB

Switch Ports Model                     SW Version            SW Image
------ ----- -----                     ----------            ----------
*    1 28    WS-C2960X-24TS-L          15.2(7)E3             C2960X-UNIVERSALK9-M


Configuration register is 0xF
"""


def ios_cpu(dev: Device) -> str:
    st = dev.state()
    cpu = st["cpu"] if st["cpu"] is not None else 7
    one = max(cpu - 2, 0)
    return f"""CPU utilization for five seconds: {cpu}%/0%; one minute: {one}%; five minutes: {one}%
 PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process
   1           8         105         76  0.00%  0.00%  0.00%   0 Chunk Manager
   2        5103      110398         46  0.00%  0.00%  0.00%   0 Load Meter
   3           0           2          0  0.00%  0.00%  0.00%   0 SpanTree Helper
   4     1092812       57734      18928  0.00%  0.91%  0.88%   0 Check heaps
   5           0           1          0  0.00%  0.00%  0.00%   0 Pool Manager
  92      271911     1204155        225  {cpu / 2:.2f}%  0.31%  0.28%   0 Hulc LED Process
 144       32016       19542       1638  0.00%  0.02%  0.00%   0 Per-minute Jobs
"""


def ios_memory(dev: Device) -> str:
    return """Processor Pool Total:  389512192 Used:  158214816 Free:  231297376
      I/O Pool Total:   33554432 Used:   15389824 Free:   18164608
Driver te Pool Total:    4194304 Used:         40 Free:    4194264

 PID TTY  Allocated      Freed    Holding    Getbufs    Retbufs Process
   0   0  147318480   42108664   96891664          0          0 *Init*
   0   0   11287488   13107928   11287488          0          0 *MallocLite*
  92   0    5261720    4924472    2104112          0          0 Hulc LED Process
"""


def ios_temperature(dev: Device) -> str:
    st = dev.state()
    temp = st["temperature"] if st["temperature"] is not None else 38
    status = "OK" if temp < 60 else "WARNING"
    return f"""SYSTEM TEMPERATURE is {status}
System Temperature Value: {temp} Degree Celsius
System Temperature State: GREEN
Yellow Threshold : 61 Degree Celsius
Red Threshold    : 71 Degree Celsius
"""


def ios_interfaces(dev: Device) -> str:
    st = dev.tick()
    blocks = []
    for index, port in enumerate(dev.profile["ports"]):
        disabled = port in dev.profile["disabled"]
        up = dev.oper_up(port, st)
        if disabled:
            status = "administratively down, line protocol is down (disabled)"
        elif up:
            status = "up, line protocol is up (connected)"
        else:
            status = "down, line protocol is down (notconnect)"
        speed = dev.speed(port, st)
        media = (
            f"Full-duplex, {speed}Mb/s, media type is 10/100/1000BaseTX"
            if up
            else "Auto-duplex, Auto-speed, media type is 10/100/1000BaseTX"
        )
        desc = dev.profile["comments"].get(port)
        rx_bytes = dev.rx_bytes[port] if up else 0
        crc = dev.crc[port]
        mac = f"701f.53a0.11{0x81 + index:02x}"
        lines = [
            f"{port} is {status}",
            f"  Hardware is Gigabit Ethernet, address is {mac} (bia {mac})",
        ]
        if desc:
            lines.append(f"  Description: {desc}")
        lines += [
            f"  MTU 1500 bytes, BW {speed * 1000 if up else 1000000} Kbit/sec, DLY 10 usec, ",
            "     reliability 255/255, txload 1/255, rxload 1/255",
            "  Encapsulation ARPA, loopback not set",
            "  Keepalive set (10 sec)",
            f"  {media}",
            "  input flow-control is off, output flow-control is unsupported ",
            "  ARP type: ARPA, ARP Timeout 04:00:00",
            "  Last input never, output 00:00:01, output hang never",
            '  Last clearing of "show interface" counters never',
            "  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0",
            "  Queueing strategy: fifo",
            "  Output queue: 0/40 (size/max)",
            "  5 minute input rate 2000 bits/sec, 3 packets/sec",
            "  5 minute output rate 9000 bits/sec, 11 packets/sec",
            f"     {rx_bytes // 700} packets input, {rx_bytes} bytes, 0 no buffer",
            "     Received 52817 broadcasts (41022 multicasts)",
            "     0 runts, 0 giants, 0 throttles ",
            f"     {crc} input errors, {crc} CRC, 0 frame, 0 overrun, 0 ignored",
            "     0 watchdog, 41022 multicast, 0 pause input",
            "     0 input packets with dribble condition detected",
            f"     {rx_bytes // 650} packets output, {rx_bytes * 2} bytes, 0 underruns",
            "     0 output errors, 0 collisions, 1 interface resets",
            "     0 unknown protocol drops",
            "     0 babbles, 0 late collision, 0 deferred",
            "     0 lost carrier, 0 no carrier, 0 pause output",
            "     0 output buffer failures, 0 output buffers swapped out",
        ]
        blocks.append("\n".join(lines))
    blocks.append(
        "\n".join(
            [
                "Vlan1 is up, line protocol is up ",
                "  Hardware is EtherSVI, address is 701f.53a0.11c0 (bia 701f.53a0.11c0)",
                "  Internet address is 192.168.88.2/24",
                "  MTU 1500 bytes, BW 1000000 Kbit/sec, DLY 10 usec, ",
                "     reliability 255/255, txload 1/255, rxload 1/255",
                "  Encapsulation ARPA, loopback not set",
                "  Keepalive not supported ",
                "  ARP type: ARPA, ARP Timeout 04:00:00",
                "  Last input 00:00:00, output 00:00:00, output hang never",
                '  Last clearing of "show interface" counters never',
                "  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0",
                "  Queueing strategy: fifo",
                "  Output queue: 0/40 (size/max)",
                "  5 minute input rate 1000 bits/sec, 1 packets/sec",
                "  5 minute output rate 0 bits/sec, 0 packets/sec",
                "     402771 packets input, 40926321 bytes, 0 no buffer",
                "     Received 0 broadcasts (0 IP multicasts)",
                "     0 runts, 0 giants, 0 throttles ",
                "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored",
                "     1650 packets output, 148210 bytes, 0 underruns",
                "     0 output errors, 0 interface resets",
                "     0 unknown protocol drops",
                "     0 output buffer failures, 0 output buffers swapped out",
            ]
        )
    )
    return "\n".join(blocks)


def ios_running_config(dev: Device) -> str:
    st = dev.state()
    now = datetime.now(UTC).strftime("%H:%M:%S UTC %a %b %d %Y")
    lines = [
        "Building configuration...",
        "",
        f"Current configuration : {4211 + 37 * int(st['config_rev'])} bytes",
        "!",
        f"! Last configuration change at {now} by admin",
        f"! NVRAM config last updated at {now} by admin",
        "!",
        "version 15.2",
        "no service pad",
        "service timestamps debug datetime msec",
        "service timestamps log datetime msec localtime show-timezone",
        "service password-encryption",
        "!",
        f"hostname {dev.name}",
        "!",
        "boot-start-marker",
        "boot-end-marker",
        "!",
        "enable secret 9 $9$Tq0m1y6KVW2t3E$5oXbHjQm6p6rTgIqyM1hY0oVbQe2O6m7G7e8h9i0j1k",
        "!",
        "username admin privilege 15 secret 9 $9$yT2mP9Xw0Vq4lE$Wd3s8Kq1n6oZr5b7c9e2f4g6h8i0j2k4l6m8n0p2q4",
        "no aaa new-model",
        "clock timezone WIB 7 0",
        "system mtu routing 1500",
        "!",
        "spanning-tree mode rapid-pvst",
        "spanning-tree extend system-id",
        "!",
    ]
    for port in dev.profile["ports"]:
        lines.append(f"interface {port}")
        desc = dev.profile["comments"].get(port)
        if desc:
            lines.append(f" description {desc}")
        if port in dev.profile["disabled"]:
            lines.append(" shutdown")
        lines.append("!")
    for rev in range(1, int(st["config_rev"]) + 1):
        lines += [f"ip host perubahan{rev}.court.test 127.0.0.{rev % 250 + 1}", "!"]
    lines += [
        "interface Vlan1",
        " ip address 192.168.88.2 255.255.255.0",
        "!",
        "ip default-gateway 192.168.88.1",
        "ip http server",
        "ip http secure-server",
        "!",
        "snmp-server community PNpublik2026 RO",
        "!",
        "line con 0",
        "line vty 0 4",
        " password 7 0822455D0A165445415F59",
        " login local",
        " transport input ssh",
        "line vty 5 15",
        " login local",
        "!",
        f"ntp clock-period {random.randint(36000000, 36100000)}",
        "ntp server 127.0.0.1",
        "end",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# fakenos wiring


def _callable(fn, dev: Device, *args):
    def output(*_a, **_kw):
        return fn(dev, *args)

    return output


def nos_definition(dev: Device) -> dict:
    """Return the fakenos NOS dict (name, prompt, commands) for one device."""
    if dev.kind.startswith("routeros"):
        prompt = "[admin@{base_prompt}] > "
        commands = {
            "/system resource print": _callable(ros_resource, dev),
            "/system routerboard print": _callable(ros_routerboard, dev),
            "/system health print": _callable(ros_health, dev),
            "/interface print detail without-paging": _callable(ros_interfaces, dev),
            "/interface ethernet print stats without-paging": _callable(ros_ethernet_stats, dev),
            "/export": _callable(ros_export, dev),
            "quit": True,
        }
        for port in dev.profile["ports"]:
            commands[f"/interface ethernet monitor {port} once"] = _callable(ros_monitor, dev, port)
        cmds = {k: {"output": v, "help": k, "prompt": prompt} for k, v in commands.items()}
        cmds["_default_"] = {"output": "bad command name (line 1 column 1)", "help": "unknown command"}
        return {"name": f"court_{dev.name}", "initial_prompt": prompt, "commands": cmds}
    prompt = "{base_prompt}#"
    commands = {
        "terminal width 511": "",
        "terminal length 0": "",
        "show version": _callable(ios_version, dev),
        "show processes cpu": _callable(ios_cpu, dev),
        "show processes memory sorted": _callable(ios_memory, dev),
        "show environment temperature": _callable(ios_temperature, dev),
        "show interfaces": _callable(ios_interfaces, dev),
        "show running-config": _callable(ios_running_config, dev),
        "exit": True,
    }
    cmds = {k: {"output": v, "help": k, "prompt": prompt} for k, v in commands.items()}
    cmds["_default_"] = {
        "output": "                 ^\n% Invalid input detected at '^' marker.\n",
        "help": "unknown command",
    }
    return {"name": f"court_{dev.name}", "initial_prompt": prompt, "commands": cmds}


def ensure_ports_free(address: str, ports: list[int]) -> None:
    """Refuse ports another process listens on.

    fakenos binds with SO_REUSEPORT, so a second daemon (another checkout's lab, a forgotten
    bench) would silently share the ports and answer half of the connections with its own
    devices. A probe bind without SO_REUSEPORT fails on a port someone already holds.
    """
    import socket

    for port in ports:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no owner
        try:
            probe.bind((address, port))
        except OSError as exc:
            raise OSError(f"{address}:{port} is already in use by another process ({exc.strerror})") from None
        finally:
            probe.close()


def serve(config_path: str, state_dir: str) -> tuple[object, dict]:
    from fakenos import FakeNOS
    from fakenos.core.nos import Nos

    with open(config_path, encoding="utf-8") as handle:
        config = json.load(handle)
    devices = config["devices"]
    if not devices:
        raise ValueError(f"{config_path}: no devices configured")
    ensure_ports_free(config.get("address", "127.0.0.1"), [int(item["port"]) for item in devices])
    os.makedirs(state_dir, exist_ok=True)
    inventory: dict = {
        "default": {
            "server": {
                "plugin": "ParamikoSshServer",
                "configuration": {"address": config.get("address", "127.0.0.1"), "timeout": 1},
            }
        },
        "hosts": {},
    }
    plugins = []
    objects: dict[str, Device] = {}
    for item in devices:
        dev = Device(item["name"], item["kind"], state_dir)
        objects[dev.name] = dev
        nos = Nos()
        nos.from_dict(nos_definition(dev))
        plugins.append(nos)
        username = item["username"] + ("+ct511w4098h" if dev.kind.startswith("routeros") else "")
        inventory["hosts"][dev.name] = {
            "username": username,
            "password": item["password"],
            "port": int(item["port"]),
            "nos": {"plugin": f"court_{dev.name}"},
        }
        if not os.path.exists(state_path(state_dir, dev.name)):
            save_state(state_dir, dev.name, dict(DEFAULT_STATE))
    net = FakeNOS(inventory=inventory, plugins=plugins)
    net.start()
    passwords = {item["name"]: item["password"] for item in devices}
    return net, passwords


def watch_passwords(net, passwords: dict, state_dir: str, stop: threading.Event) -> None:
    """Apply the 'password' knob to the running SSH servers (checked twice a second)."""
    while not stop.wait(0.5):
        for name, default in passwords.items():
            host = net.hosts.get(name)
            if host is None or host.server is None:
                continue
            wanted = load_state(state_dir, name).get("password") or default
            if host.server.password != wanted:
                host.server.password = wanted


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_pid(pidfile: str) -> int | None:
    try:
        with open(pidfile, encoding="utf-8") as handle:
            pid = int(handle.read().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def cmd_serve(args) -> int:
    running = read_pid(args.pidfile)
    if running:
        print(f"fake devices already running (pid {running})")
        return 0
    if args.daemon:
        read_fd, write_fd = os.pipe()
        if os.fork() > 0:
            os.close(write_fd)
            with os.fdopen(read_fd) as pipe:
                answer = pipe.read().strip()
            if answer != "ok":
                print(f"fake devices failed to start: {answer or 'see ' + args.log}", file=sys.stderr)
                return 1
            print(f"fake devices started (pid {read_pid(args.pidfile)})")
            return 0
        os.close(read_fd)
        os.setsid()
        if os.fork() > 0:
            os._exit(0)
        os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
        log = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
    else:
        write_fd = None
    try:
        net, passwords = serve(args.config, args.state_dir)
    except Exception as exc:  # report the reason to the waiting parent, then give up
        message = f"{type(exc).__name__}: {exc}".replace("\n", " ")
        print(message, file=sys.stderr)
        if write_fd is not None:
            os.write(write_fd, message.encode())
            os.close(write_fd)
        return 1
    tmp = args.pidfile + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    os.replace(tmp, args.pidfile)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    watcher = threading.Thread(
        target=watch_passwords, args=(net, passwords, args.state_dir, stop), daemon=True
    )
    watcher.start()
    print(f"{datetime.now(UTC).isoformat()} serving {', '.join(passwords)}", flush=True)
    if write_fd is not None:
        os.write(write_fd, b"ok")
        os.close(write_fd)
    stop.wait()
    net.stop()
    if read_pid(args.pidfile) == os.getpid():
        os.unlink(args.pidfile)
    return 0


def cmd_stop(args) -> int:
    pid = read_pid(args.pidfile)
    if not pid:
        print("fake devices not running")
        return 0
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 15
    while time.time() < deadline and _pid_alive(pid):
        time.sleep(0.1)
    if _pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    if os.path.exists(args.pidfile):
        os.unlink(args.pidfile)
    print(f"fake devices stopped (pid {pid})")
    return 0


def cmd_status(args) -> int:
    pid = read_pid(args.pidfile)
    print(f"running (pid {pid})" if pid else "not running")
    return 0 if pid else 3


def cmd_fault(args) -> int:
    path = state_path(args.state_dir, args.device)
    if not os.path.exists(path):
        print(
            f"fault: unknown device '{args.device}' (no state file {path}); start the lab devices first",
            file=sys.stderr,
        )
        return 2
    st = load_state(args.state_dir, args.device)
    knob, rest = args.knob, args.args

    def need(count: int, usage: str) -> None:
        if len(rest) != count:
            raise SystemExit(f"fault: usage: fault {args.device} {knob} {usage}")

    if knob == "crc":
        need(2, "IFACE STEP")
        st["crc_grow"][rest[0]] = int(rest[1])
    elif knob == "down":
        need(1, "IFACE")
        st["down"] = sorted(set(st["down"]) | {rest[0]})
    elif knob == "up":
        need(1, "IFACE")
        st["down"] = [p for p in st["down"] if p != rest[0]]
    elif knob == "speed":
        need(2, "IFACE MBPS")
        st["speed"][rest[0]] = int(rest[1])
    elif knob == "cpu":
        need(1, "PERCENT")
        st["cpu"] = int(rest[0])
    elif knob == "temperature":
        need(1, "CELSIUS")
        st["temperature"] = int(rest[0])
    elif knob == "config-change":
        need(0, "")
        st["config_rev"] = int(st["config_rev"]) + 1
    elif knob == "password":
        need(1, "NEW_PASSWORD")
        st["password"] = rest[0]
    elif knob == "reset":
        need(0, "")
        st = dict(DEFAULT_STATE, config_rev=st["config_rev"])
    else:
        print(
            f"fault: unknown knob '{knob}' "
            "(crc, down, up, speed, cpu, temperature, config-change, password, reset)",
            file=sys.stderr,
        )
        return 2
    save_state(args.state_dir, args.device, st)
    print(f"{args.device}: {knob} {' '.join(rest)}".rstrip())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="court lab fake network devices (fakenos)")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("serve")
    p.add_argument("--config", required=True)
    p.add_argument("--state-dir", required=True)
    p.add_argument("--pidfile", required=True)
    p.add_argument("--log", default=os.devnull)
    p.add_argument("--daemon", action="store_true")
    p = sub.add_parser("stop")
    p.add_argument("--pidfile", required=True)
    p = sub.add_parser("status")
    p.add_argument("--pidfile", required=True)
    p = sub.add_parser("fault")
    p.add_argument("--state-dir", required=True)
    p.add_argument("device")
    p.add_argument("knob")
    p.add_argument("args", nargs="*")
    args = parser.parse_args(argv)
    return {"serve": cmd_serve, "stop": cmd_stop, "status": cmd_status, "fault": cmd_fault}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
