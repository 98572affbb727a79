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


def parse_version(text: str) -> dict:
    """Given `show version`, return hostname, os_version, model, serial, uptime_seconds."""
    rows = _textfsm(COMMANDS["version"], text)
    row = rows[0] if rows else {}
    hardware = row.get("hardware") or []
    serial = row.get("serial") or []
    return {
        "hostname": row.get("hostname") or None,
        "os_version": row.get("version") or None,
        "model": hardware[0] if hardware else None,
        "serial": serial[0] if serial else None,
        "uptime_seconds": parse_ios_uptime(row.get("uptime")),
        "firmware": _boot_version(text, row.get("rommon")),
    }


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


def parse_temperature(text: str) -> dict:
    """Given `show environment temperature` / `show env all` output of a Catalyst switch
    ("SYSTEM TEMPERATURE is OK", "System Temperature Value: 41 Degree Celsius",
    "Inlet Temperature Value: 34 Degree Celsius"), return the highest temperature_c."""
    cleaned = clean_output(text)
    if command_failed(cleaned):
        return {"temperature_c": None}
    values = [parse_float(v) for v in re.findall(r"Temperature Value:\s*(\d+(?:\.\d+)?)", cleaned, re.I)]
    values += [parse_float(v) for v in re.findall(r"^\s*\S.*?\s(\d+)C\s", cleaned, re.M)]
    found = [v for v in values if v is not None]
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


def parse_interfaces(text: str) -> dict[str, dict]:
    """Given `show interfaces`, return the common interface model per interface."""
    result = {}
    for row in _textfsm(COMMANDS["interfaces"], text):
        link = (row.get("link_status") or "").lower()
        proto = (row.get("protocol_status") or "").lower()
        admin_up = "administratively" not in link
        oper_up = link.startswith("up") and proto.startswith("up")
        speed = row.get("speed") or ""
        speed_mbps = parse_rate_mbps(speed) if re.search(r"\d", speed) else None
        result[row["interface"]] = {
            "type": row.get("hardware_type") or None,
            "description": row.get("description") or None,
            "admin_up": admin_up,
            "oper_up": oper_up,
            "speed_mbps": speed_mbps if oper_up else None,
            "duplex": _duplex(row.get("duplex")) if oper_up else None,
            "crc_errors": parse_int(row.get("crc")),
            "rx_errors": parse_int(row.get("input_errors")),
            "tx_errors": parse_int(row.get("output_errors")),
            "link_downs": None,
        }
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
