"""Parsers for Cisco IOS / IOS-XE output. `show version`, `show interfaces` and
`show processes cpu` go through the ntc-templates TextFSM templates; memory, temperature and the
running-config clean-up are parsed here (no template covers them the way we need)."""

from __future__ import annotations

import re

from ansible.module_utils.court_net.common import (
    clean_output,
    parse_float,
    parse_int,
    parse_ios_uptime,
    parse_rate_mbps,
)

COMMANDS = {
    "version": "show version",
    "cpu": "show processes cpu",
    "memory": "show processes memory sorted",
    "temperature": "show environment temperature",
    "interfaces": "show interfaces",
    "config": "show running-config",
}

_ERROR_RE = re.compile(
    r"^\s*% ?(Invalid input detected|Incomplete command|Ambiguous command|Unknown command).*$", re.M
)


def command_failed(output: str) -> str | None:
    """Return the IOS error line ("% Invalid input detected ...") if the command was rejected."""
    m = _ERROR_RE.search(clean_output(output))
    return m.group(0).strip() if m else None


def _textfsm(command: str, text: str) -> list[dict]:
    from ntc_templates.parse import parse_output

    return parse_output(platform="cisco_ios", command=command, data=clean_output(text))


_VERSION_RE = re.compile(r"^Cisco IOS Software[^\n]*?,\s*Version\s+([^\s,]+)", re.M)
_XE_VERSION_RE = re.compile(r"^Cisco IOS XE Software, Version\s+(\S+)", re.M)


def clean_version(version: str | None) -> str | None:
    """Given a version as printed ("17.1.1[FC2]", "16.9.4,", "15.2(7)E3"), return it without the
    bracketed build suffix and trailing punctuation ("17.1.1")."""
    if not version:
        return None
    version = re.sub(r"\[[^\]]*\]$", "", version.strip()).rstrip(",;")
    return version or None


def parse_version(text: str, problems: list | None = None) -> dict:
    """Given `show version` (IOS or IOS-XE), return hostname, os_version, model, serial,
    uptime_seconds, firmware. The version is the IOS line's ("..., Version 16.9.4, RELEASE ...")
    without a bracketed suffix ("17.1.1[FC2]" -> "17.1.1"); IOS-XE's own "Cisco IOS XE Software,
    Version 16.09.04" line is the fallback."""
    if not re.search(r"Cisco IOS|IOS-XE|IOS XE", clean_output(text)):
        if problems is not None:
            problems.append("bukan keluaran show version IOS/IOS-XE")
        return {"hostname": None, "os_version": None, "model": None, "serial": None, "uptime_seconds": None,
                "firmware": None}
    try:
        rows = _textfsm(COMMANDS["version"], text)
    except Exception as exc:  # the template rejected the output
        rows = []
        if problems is not None:
            problems.append("templat show version menolak keluaran (%s)" % str(exc).splitlines()[0][:80])
    row = rows[0] if rows else {}
    hardware = row.get("hardware") or []
    serial = row.get("serial") or []
    cleaned = clean_output(text)
    version = row.get("version") or None
    if not version:
        m = _VERSION_RE.search(cleaned) or _XE_VERSION_RE.search(cleaned)
        version = m.group(1) if m else None
    hostname = row.get("hostname") or None
    uptime_text = row.get("uptime")
    if not hostname or not uptime_text:
        m = re.search(r"^(\S+) uptime is (.+)$", cleaned, re.M)
        if m:
            hostname, uptime_text = hostname or m.group(1), uptime_text or m.group(2)
    result = {
        "hostname": hostname,
        "os_version": clean_version(version),
        "model": hardware[0] if hardware else _model(cleaned),
        "serial": serial[0] if serial else _serial(cleaned),
        "uptime_seconds": parse_ios_uptime(uptime_text),
        "firmware": _boot_version(text, row.get("rommon")),
    }
    if problems is not None:
        for key, label in (("os_version", "Version"), ("uptime_seconds", "uptime"), ("hostname", "nama host")):
            if result[key] is None:
                problems.append(label + " tidak ditemukan")
    return result


def _model(text: str) -> str | None:
    m = re.search(r"^Model [Nn]umber\s*:\s*(\S+)", text, re.M) or re.search(
        r"^[Cc]isco (\S+) \([^)]*\) processor", text, re.M
    )
    return m.group(1) if m else None


def _serial(text: str) -> str | None:
    m = re.search(r"^System [Ss]erial [Nn]umber\s*:\s*(\S+)", text, re.M) or re.search(
        r"^Processor board ID (\S+)", text, re.M
    )
    return m.group(1) if m else None


def _boot_version(text: str, rommon: str | None) -> str | None:
    """Return the boot loader / ROMMON version ("BOOTLDR: ... Version 15.2(7r)E1", "ROM: 12.2(44r)SG9")."""
    m = re.search(r"^BOOTLDR:.*?Version\s+([^\s,]+)", clean_output(text), re.M)
    if m:
        return m.group(1)
    m = re.search(r"^ROM:.*?Version\s+([^\s,]+)", clean_output(text), re.M)
    if m:
        return m.group(1)
    return rommon if rommon and re.search(r"\d", rommon) else None


_CPU_RE = re.compile(
    r"CPU utilization for five seconds:\s*(\d+)%(?:/(\d+)%)?;"
    r"\s*one minute:\s*(\d+)%;\s*five minutes:\s*(\d+)%"
)


def parse_cpu(text: str) -> dict:
    """Given `show processes cpu` (or only its first line), return cpu_percent (five seconds)
    and cpu_1min_percent / cpu_5min_percent."""
    cleaned = clean_output(text)
    try:
        rows = _textfsm(COMMANDS["cpu"], cleaned)
    except Exception:  # the template rejects unexpected lines (e.g. "| include" output): use the regex
        rows = []
    if rows:
        row = rows[0]
        return {
            "cpu_percent": parse_int(row.get("cpu_usage_5_sec")),
            "cpu_1min_percent": parse_int(row.get("cpu_usage_1_min")),
            "cpu_5min_percent": parse_int(row.get("cpu_usage_5_min")),
        }
    m = _CPU_RE.search(cleaned)
    if not m:
        return {"cpu_percent": None, "cpu_1min_percent": None, "cpu_5min_percent": None}
    return {
        "cpu_percent": int(m.group(1)),
        "cpu_1min_percent": int(m.group(3)),
        "cpu_5min_percent": int(m.group(4)),
    }


_MEM_RE = re.compile(r"Processor Pool Total:\s*(\d+)\s+Used:\s*(\d+)\s+Free:\s*(\d+)")


def parse_memory(text: str) -> dict:
    """Given `show processes memory sorted`, return processor pool total/free/used percent."""
    m = _MEM_RE.search(clean_output(text))
    if not m:
        return {"memory_total_bytes": None, "memory_free_bytes": None, "memory_used_percent": None}
    total, used, free = (int(x) for x in m.groups())
    return {
        "memory_total_bytes": total,
        "memory_free_bytes": free,
        "memory_used_percent": round(100.0 * used / total, 1) if total else None,
    }


def parse_temperature(text: str, problems: list | None = None) -> dict:
    """Given `show environment temperature` / `show env all` output of a Catalyst switch
    ("SYSTEM TEMPERATURE is OK", "System Temperature Value: 41 Degree Celsius",
    "Inlet Temperature Value: 34 Degree Celsius", the 3850/9300 table row
    "1  Temp 1  GREEN  39 Celsius  56  66"), return the highest temperature_c."""
    cleaned = clean_output(text)
    if command_failed(cleaned):
        return {"temperature_c": None}
    values = [parse_float(v) for v in re.findall(r"Temperature Value:\s*(\d+(?:\.\d+)?)", cleaned, re.I)]
    values += [parse_float(v) for v in re.findall(r"^\s*\S.*?\s(\d+)C\s", cleaned, re.M)]
    values += [parse_float(v) for v in re.findall(r"\s(\d+(?:\.\d+)?) Celsius\b", cleaned)]
    found = [v for v in values if v is not None]
    if problems is not None and not found and cleaned.strip() and not re.search(r"TEMPERATURE is \w+", cleaned):
        problems.append("tidak ada nilai suhu")
    return {"temperature_c": max(found) if found else None}


def _duplex(value: str | None) -> str | None:
    if not value:
        return None
    v = value.lower()
    if v.startswith("full") or v.startswith("a-full"):
        return "full"
    if v.startswith("half") or v.startswith("a-half"):
        return "half"
    return None


# Interfaces without a physical port: their bandwidth is a configured figure, not a link speed.
_VIRTUAL_RE = re.compile(r"^(Vlan|Loopback|Tunnel|BVI|NVE|Null|Virtual-|Dialer|BDI|Vl\d|Lo\d|Tu\d)", re.I)


def _bandwidth_mbps(value: str | None) -> int | None:
    m = re.match(r"^\s*(\d+)\s*Kbit", value or "", re.I)
    return int(m.group(1)) // 1000 if m else None


def parse_interfaces(text: str, problems: list | None = None) -> dict[str, dict]:
    """Given `show interfaces`, return the common interface model per interface.

    An interface that is up without a numeric speed (Port-channel on some platforms,
    subinterfaces, ``Auto Speed``) takes its speed from the ``BW ... Kbit/sec`` line
    (``speed_source: bandwidth``); on a virtual interface (Vlan SVI, Loopback, Tunnel) the speed
    check does not apply and ``speed_note`` says so. Nothing is left silently empty."""
    try:
        rows = _textfsm(COMMANDS["interfaces"], text)
    except Exception as exc:  # the template rejected a line
        rows = []
        if problems is not None:
            problems.append("templat show interfaces menolak keluaran (%s)" % str(exc).splitlines()[0][:80])
    result = {}
    for row in rows:
        name = row["interface"]
        link = (row.get("link_status") or "").lower()
        proto = (row.get("protocol_status") or "").lower()
        admin_up = "administratively" not in link
        oper_up = link.startswith("up") and proto.startswith("up")
        speed = row.get("speed") or ""
        speed_mbps = parse_rate_mbps(speed) if re.search(r"\d", speed) else None
        source = "link" if speed_mbps is not None else None
        note = None
        if oper_up and speed_mbps is None:
            if _VIRTUAL_RE.match(name):
                note = "tidak berlaku: interface virtual tanpa port fisik"
            else:
                speed_mbps = _bandwidth_mbps(row.get("bandwidth"))
                if speed_mbps is not None:
                    source = "bandwidth"
                    note = "kecepatan dari baris BW (%s)" % (speed.strip() or "tanpa angka kecepatan")
                else:
                    note = "tidak terbaca: tanpa kecepatan maupun BW"
                    if problems is not None:
                        problems.append("kecepatan %s (aktif) tidak terbaca" % name)
        result[name] = {
            "type": row.get("hardware_type") or None,
            "description": row.get("description") or None,
            "admin_up": admin_up,
            "oper_up": oper_up,
            "speed_mbps": speed_mbps if oper_up else None,
            "speed_source": source if oper_up else None,
            "speed_note": note,
            "duplex": _duplex(row.get("duplex")) if oper_up else None,
            "crc_errors": parse_int(row.get("crc")),
            "rx_errors": parse_int(row.get("input_errors")),
            "tx_errors": parse_int(row.get("output_errors")),
            "link_downs": None,
        }
    if problems is not None and not result and clean_output(text).strip():
        problems.append("tidak ada interface yang terbaca")
    return result


_VOLATILE_RE = re.compile(
    r"^(Building configuration\.\.\.|Current configuration ?: ?\d+ bytes|! Last configuration change at .*"
    r"|! NVRAM config last updated at .*|! No configuration change since last restart.*"
    r"|ntp clock-period \d+|Load for five secs: .*|Time source is .*)\s*$"
)
_IOS_SECRETS = [
    re.compile(r"^(\s*enable (?:secret|password)(?: level \d+)?(?: \d)?) \S+"),
    re.compile(r"^(\s*username \S+(?: .*?)? (?:secret|password)(?: \d)?) \S+"),
    re.compile(r"^(\s*(?:password|secret)(?: \d)?) \S+"),
    re.compile(r"^(\s*snmp-server community) \S+"),
    re.compile(r"^(\s*(?:tacacs-server|radius-server)(?: host \S+)?(?: .*?)? key(?: \d)?) \S+"),
    re.compile(r"^(\s*key(?: \d)?) \S+"),
    re.compile(r"^(\s*key-string(?: \d)?) \S+"),
    re.compile(r"^(\s*crypto isakmp key(?: \d)?) \S+"),
    re.compile(r"^(\s*pre-shared-key(?: \S+)?(?: \d)?) \S+"),
    re.compile(r"^(\s*wpa-psk (?:ascii|hex)(?: \d)?) \S+"),
    re.compile(r"^(\s*ppp (?:chap|pap) (?:password|sent-username \S+ password)(?: \d)?) \S+"),
    re.compile(r"^(\s*ip ospf (?:authentication-key|message-digest-key \d+ md5)(?: \d)?) \S+"),
]


def sanitize_running_config(text: str, mask_secrets: bool = True) -> str:
    """Given `show running-config`, return it without volatile lines ("! Last configuration
    change at ...", "ntp clock-period", byte count) and, unless disabled, with secrets masked."""
    out = []
    for line in clean_output(text).split("\n"):
        if _VOLATILE_RE.match(line.strip()):
            continue
        if mask_secrets:
            for regex in _IOS_SECRETS:
                if regex.match(line):
                    line = regex.sub(lambda m: m.group(1) + " <masked>", line, count=1)
                    break
        if line.strip():  # blank lines carry no configuration; sessions add them at random
            out.append(line)
    return "\n".join(out) + "\n"
