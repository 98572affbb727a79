"""Parsers for MikroTik RouterOS v6 and v7 CLI output.

ntc-templates has TextFSM templates for some of these commands, but most of them end in
``^. -> Error`` and reject lines RouterOS v7 prints (ISO build-time, ``ifname=``/``vrf=``
attributes, new health table), so the key/value and table layouts are parsed here and TextFSM
is used where its template accepts both versions (``/interface ethernet monitor X once``)."""

from __future__ import annotations

import re

from ansible.module_utils.court_net.common import (
    clean_output,
    parse_float,
    parse_int,
    parse_key_values,
    parse_rate_mbps,
    parse_routeros_uptime,
    parse_size,
)

COMMANDS = {
    "resource": "/system resource print",
    "routerboard": "/system routerboard print",
    "health": "/system health print",
    "interfaces": "/interface print detail without-paging",
    "ethernet_stats": "/interface ethernet print stats without-paging",
    "config": "/export",
}
MONITOR_COMMAND = "/interface ethernet monitor {name} once"

_ERROR_RE = re.compile(
    r"^(bad command name|syntax error|expected end of command|no such item|failure:)", re.M
)


def command_failed(output: str) -> str | None:
    """Return the RouterOS error line when the CLI rejected the command, else None."""
    m = _ERROR_RE.search(clean_output(output))
    return m.group(0) if m else None


def parse_resource(text: str) -> dict:
    """Given `/system resource print` (v6 or v7), return uptime, version, cpu, memory, board."""
    kv = parse_key_values(text)
    total = parse_size(kv.get("total-memory"))
    free = parse_size(kv.get("free-memory"))
    used_pct = None
    if total and free is not None:
        used_pct = round(100.0 * (total - free) / total, 1)
    version = kv.get("version", "")
    cpu_load = kv.get("cpu-load", "")
    return {
        "uptime_seconds": parse_routeros_uptime(kv.get("uptime")),
        "os_version": version.split(" ")[0] if version else None,
        "os_channel": (
            re.search(r"\((\S+)\)", version).group(1) if re.search(r"\((\S+)\)", version) else None
        ),
        "cpu_percent": parse_int(cpu_load.rstrip("%")) if cpu_load else None,
        "memory_total_bytes": total,
        "memory_free_bytes": free,
        "memory_used_percent": used_pct,
        "board_name": kv.get("board-name"),
        "architecture": kv.get("architecture-name"),
    }


def parse_routerboard(text: str) -> dict:
    """Given `/system routerboard print`, return model, serial and firmware versions."""
    kv = parse_key_values(text)
    return {
        "model": kv.get("model") or kv.get("board-name"),
        "serial": kv.get("serial-number"),
        "firmware": kv.get("current-firmware"),
        "firmware_upgrade": kv.get("upgrade-firmware"),
    }


def parse_health(text: str) -> dict:
    """Given `/system health print` in the v6 "key: value" layout or the v7 table
    (``Columns: NAME, VALUE, TYPE`` / ``#  NAME  VALUE  TYPE`` / ``0  voltage  24.1  V``),
    return temperature_c (the highest temperature sensor), voltage_v and all sensors."""
    sensors: dict[str, float] = {}
    cleaned = clean_output(text)
    table = re.search(r"^\s*#\s+NAME\s+VALUE", cleaned, re.M)
    if table:
        for line in cleaned.split("\n"):
            m = re.match(r"^\s*\d+\s+(\S+)\s+(-?[\d.]+)\s*(\S*)\s*$", line)
            if m:
                value = parse_float(m.group(2))
                if value is not None:
                    sensors[m.group(1)] = value
    else:
        for key, raw in parse_key_values(cleaned).items():
            value = parse_float(raw)
            if value is not None:
                sensors[key] = value
    temps = [v for k, v in sensors.items() if "temperature" in k]
    volts = [v for k, v in sensors.items() if k in ("voltage", "psu-voltage", "psu1-voltage")]
    return {
        "temperature_c": max(temps) if temps else None,
        "voltage_v": volts[0] if volts else None,
        "sensors": sensors,
    }


_ATTR_RE = re.compile(
    r'([a-z0-9-]+)=("(?:[^"\\]|\\.)*"|\S+(?: \d{1,2}:\d{2}:\d{2})?)',
)
_ITEM_RE = re.compile(r"^\s*(\d+)\s+([A-Z ]*?)\s*(;;;.*|[a-z0-9-]+=.*)?$")


def parse_interfaces_detail(text: str) -> dict[str, dict]:
    """Given `/interface print detail` (v6 or v7: flags legend with ',' or ';' separators,
    ';;;' comment lines, attributes wrapped onto continuation lines), return per interface:
    type, disabled, running, slave, dynamic, comment, link_downs."""
    items: list[dict] = []
    current: dict | None = None
    for line in clean_output(text).split("\n"):
        if not line.strip() or line.strip().startswith("Flags:") or line.strip().startswith("Columns:"):
            continue
        m = _ITEM_RE.match(line)
        if m and (m.group(3) or m.group(2).strip()):
            current = {"flags": set(m.group(2).replace(" ", "")), "attrs": "", "comment": None}
            items.append(current)
            rest = m.group(3) or ""
        elif current is not None:
            rest = line.strip()
        else:
            continue
        if rest.startswith(";;;"):
            current["comment"] = rest[3:].strip()
        else:
            current["attrs"] += " " + rest
    result: dict[str, dict] = {}
    for item in items:
        attrs = {k: v.strip('"') for k, v in _ATTR_RE.findall(item["attrs"])}
        name = attrs.get("name")
        if not name:
            continue
        flags = item["flags"]
        result[name] = {
            "type": attrs.get("type"),
            "disabled": "X" in flags,
            "running": "R" in flags,
            "slave": "S" in flags,
            "dynamic": "D" in flags,
            "comment": item["comment"],
            "link_downs": parse_int(attrs.get("link-downs")),
        }
    return result


def parse_columns(text: str) -> dict[str, dict[str, str]]:
    """Given RouterOS multi-item "key: v1 v2 v3" output (`/interface ethernet print stats`),
    where every column is right-aligned under the ``name:`` row and numbers carry thousands
    spaces ("1 358 140 795"), return {interface: {key: raw value}}."""
    lines = [ln for ln in clean_output(text).split("\n") if ln.strip() and not ln.strip().startswith(";;;")]
    header = next((ln for ln in lines if re.match(r"^\s*name:\s", ln)), None)
    if header is None:
        return {}
    # Column edges are measured from the colon: keys are right-aligned, so the colon sits in the
    # same place on every row, except that the first row may have lost its indentation when the
    # session stripped the output.
    colon = header.index("name:") + len("name:")
    names = [(m.group(0), m.end()) for m in re.finditer(r"\S+", header[colon:])]
    result: dict[str, dict[str, str]] = {name: {} for name, _ in names}
    for line in lines:
        m = re.match(r"^\s*([a-z0-9][a-z0-9-]*):", line)
        if not m or m.group(1) == "name":
            continue
        start = m.end()
        for index, (name, rel_end) in enumerate(names):
            end = m.end() + rel_end if index < len(names) - 1 else len(line)
            result[name][m.group(1)] = line[start:end].strip()
            start = end
    return result


def parse_ethernet_stats(text: str) -> dict[str, dict]:
    """Return {interface: {rx_errors, crc_errors, tx_errors}} from `/interface ethernet print stats`."""
    result = {}
    for name, raw in parse_columns(text).items():
        crc = parse_int(raw.get("rx-fcs-error"))
        rx_other = [
            parse_int(raw.get(k))
            for k in ("rx-align-error", "rx-fragment", "rx-code-error", "rx-length-error", "rx-jabber")
        ]
        rx_total = sum(v for v in [crc, *rx_other] if v is not None) if crc is not None else None
        tx_keys = (
            "tx-collision",
            "tx-late-collision",
            "tx-excessive-collision",
            "tx-underrun",
            "tx-fcs-error",
        )
        tx_vals = [parse_int(raw.get(k)) for k in tx_keys]
        tx_total = sum(v for v in tx_vals if v is not None) if any(v is not None for v in tx_vals) else None
        result[name] = {"crc_errors": crc, "rx_errors": rx_total, "tx_errors": tx_total}
    return result


def parse_monitor(text: str, command: str = "") -> dict:
    """Given `/interface ethernet monitor <name> once`, return status, speed_mbps and duplex.
    Uses the ntc-templates TextFSM template; falls back to key/value parsing when the template
    rejects a line it does not know."""
    record: dict[str, str] = {}
    try:
        from ntc_templates.parse import parse_output

        parsed = parse_output(
            platform="mikrotik_routeros",
            command=command or MONITOR_COMMAND.format(name="x"),
            data=clean_output(text),
        )
        if parsed:
            record = {k.lower(): v for k, v in parsed[0].items() if v}
    except Exception:  # template rejected a line (newer RouterOS keys): use the generic parser
        record = {}
    if not record:
        record = {k.replace("-", "_"): v for k, v in parse_key_values(text).items()}
    status = record.get("status")
    duplex = record.get("full_duplex")
    return {
        "status": status,
        "speed_mbps": parse_rate_mbps(record.get("rate")),
        "duplex": None if duplex is None else ("full" if duplex == "yes" else "half"),
    }


def build_interfaces(detail: dict[str, dict], stats: dict[str, dict], monitors: dict[str, dict]) -> dict:
    """Merge the three RouterOS views into the common interface model."""
    result = {}
    for name, info in detail.items():
        counters = stats.get(name, {})
        mon = monitors.get(name, {})
        oper_up = info["running"]
        if mon.get("status") is not None:
            oper_up = mon["status"] == "link-ok"
        result[name] = {
            "type": info["type"],
            "description": info["comment"],
            "admin_up": not info["disabled"],
            "oper_up": bool(oper_up) and not info["disabled"],
            "speed_mbps": mon.get("speed_mbps") if oper_up else None,
            "duplex": mon.get("duplex") if oper_up else None,
            "crc_errors": counters.get("crc_errors"),
            "rx_errors": counters.get("rx_errors"),
            "tx_errors": counters.get("tx_errors"),
            "link_downs": info["link_downs"],
        }
    return result


def ethernet_names(detail: dict[str, dict]) -> list[str]:
    """Return the enabled ethernet interfaces (those `monitor` can be asked about)."""
    return [n for n, i in detail.items() if i["type"] == "ether" and not i["disabled"]]


_SECRET_KEYS = (
    r"[a-z-]*password|secret|[a-z0-9-]*pre-shared-key|passphrase|private-key|preshared-key"
    r"|authentication-key|auth-key|wpa-psk|sae-password"
)
_SECRET_RE = re.compile(r"(?<![a-z0-9-])(" + _SECRET_KEYS + r')=("(?:[^"\\]|\\.)*"|\S+)')
_EXPORT_HEADER_RE = re.compile(
    r"^# (\S+ \d{2}:\d{2}:\d{2}|\S+/\S+/\d{4} \d{2}:\d{2}:\d{2}) by (RouterOS \S+)\s*$"
)


def sanitize_export(text: str, mask_secrets: bool = True) -> str:
    """Given `/export` output, return it without volatile lines (the "# <date> by RouterOS x"
    header keeps only the version) and, unless disabled, with secret values masked."""
    out = []
    for line in clean_output(text).split("\n"):
        m = _EXPORT_HEADER_RE.match(line)
        if m:
            out.append("# " + m.group(2))
            continue
        if mask_secrets:
            line = _SECRET_RE.sub(lambda mm: mm.group(1) + "=<masked>", line)
        if line.strip():  # blank lines carry no configuration; sessions add them at random
            out.append(line)
    return "\n".join(out) + "\n"
