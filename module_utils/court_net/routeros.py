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


_HEALTH_ROW = re.compile(r"^\s*\d+\s+([a-z0-9][a-z0-9-]*)\s+(\S+)(?:\s+(\S+))?\s*$")
_HEALTH_KV = re.compile(r"^\s*([a-z0-9][a-z0-9-]*):\s*(.*?)\s*$")
_VOLTAGE_KEYS = ("voltage", "psu-voltage", "psu1-voltage", "board-voltage")


def parse_health(text: str, problems: list | None = None) -> dict:
    """Given `/system health print` in the v6 "key: value" layout (``voltage: 24.1V``,
    ``temperature: 39C``, ``fan-mode: auto``) or the v7 table (``Columns: NAME, VALUE, TYPE`` /
    ``#  NAME  VALUE  TYPE`` / ``0  voltage  24.1  V``, also rows without a TYPE such as
    ``psu1-state ok``), return temperature_c (the hottest temperature sensor), voltage_v, the
    numeric sensors and the text states (``psu2-state: fail``). Lines in neither layout are
    appended to ``problems`` (when given), never silently dropped."""
    sensors: dict[str, float] = {}
    states: dict[str, str] = {}
    unread: list[str] = []
    cleaned = clean_output(text)
    table = re.search(r"^\s*#\s+NAME\s+VALUE", cleaned, re.M)
    for line in cleaned.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith(("Columns:", "Flags:", ";;;")):
            continue
        if table:
            if re.match(r"^#\s+NAME\s+VALUE", stripped):
                continue
            m = _HEALTH_ROW.match(line)
            if not m:
                unread.append(stripped)
                continue
            name, raw = m.group(1), m.group(2)
        else:
            m = _HEALTH_KV.match(line)
            if not m:
                unread.append(stripped)
                continue
            name, raw = m.group(1), m.group(2)
        value = parse_float(raw)
        if value is not None and re.match(r"^-?[\d.]+[A-Za-z%]*$", raw):
            sensors[name] = value
        else:
            states[name] = raw
    temps = [v for k, v in sensors.items() if "temperature" in k]
    volts = [sensors[k] for k in _VOLTAGE_KEYS if k in sensors]
    if problems is not None:
        if unread:
            problems.append("baris tidak dikenal: " + "; ".join(unread[:3]))
        elif cleaned.strip() and not sensors and not states:
            problems.append("tidak ada nilai sensor")
    return {
        "temperature_c": max(temps) if temps else None,
        "voltage_v": volts[0] if volts else None,
        "sensors": sensors,
        "health_states": states,
    }


_ATTR_RE = re.compile(
    r'([a-z0-9-]+)=("(?:[^"\\]|\\.)*"|\S+(?: \d{1,2}:\d{2}:\d{2})?)',
)
_ITEM_RE = re.compile(r"^\s*(\d+)\s+([A-Z ]*?)\s*(;;;.*|[a-z0-9-]+=.*)?$")
_ATTR_START_RE = re.compile(r"^\s*[a-z0-9-]+=")


def parse_interfaces_detail(text: str, problems: list | None = None) -> dict[str, dict]:
    """Given `/interface print detail` (v6 or v7: flags legend with ',' or ';' separators,
    ';;;' comment lines, attributes wrapped onto continuation lines), return per interface:
    type, disabled, running, slave, dynamic, comment, link_downs.

    A comment that spans several lines continues at column 0 until the item's attributes start;
    such a line is part of the comment even when it looks like an item header ("2 AP lantai 2"),
    so it never starts an item nor changes the item's flags. A value that a narrow terminal cut
    in two (a continuation line not starting with ``key=``) is joined back without a space."""
    items: list[dict] = []
    current: dict | None = None
    in_comment = False
    for line in clean_output(text).split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("Flags:") or stripped.startswith("Columns:"):
            continue
        m = _ITEM_RE.match(line)
        header = bool(m and (m.group(3) or (m.group(2).strip() and not in_comment)))
        if in_comment and current is not None and not _ATTR_START_RE.match(line) and not (m and m.group(3)):
            # the comment's next line (CAPsMAN adds a second ";;;" line of its own)
            current["comment"] += "\n" + (stripped[3:].strip() if stripped.startswith(";;;") else stripped)
            continue
        if header:
            current = {"flags": set(m.group(2).replace(" ", "")), "attrs": "", "comment": None}
            items.append(current)
            rest = m.group(3) or ""
            in_comment = False
        elif current is not None:
            rest = stripped
        else:
            if problems is not None:
                problems.append("baris sebelum item pertama: " + stripped[:80])
            continue
        if rest.startswith(";;;"):
            current["comment"] = rest[3:].strip()
            in_comment = True
        elif rest:
            in_comment = False
            if current["attrs"] and not _ATTR_START_RE.match(rest) and not current["attrs"].endswith(" "):
                current["attrs"] += rest  # a value cut by the terminal's width
            else:
                current["attrs"] += " " + rest
    result: dict[str, dict] = {}
    for item in items:
        attrs = {k: v.strip('"') for k, v in _ATTR_RE.findall(item["attrs"])}
        name = attrs.get("name")
        if not name:
            if problems is not None:
                problems.append("item tanpa name=: " + (item["attrs"].strip() or "(kosong)")[:80])
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
    if problems is not None and not result and clean_output(text).strip():
        problems.append("tidak ada interface yang terbaca")
    return result


def parse_columns(text: str) -> dict[str, dict[str, str]]:
    """Given RouterOS multi-item "key: v1 v2 v3" output (`/interface ethernet print stats`),
    where every column is right-aligned under the ``name:`` row and numbers carry thousands
    spaces ("1 358 140 795"), return {interface: {key: raw value}}. A device with more ports than
    fit the terminal prints several blocks, each starting with its own ``name:`` row (the SFP and
    combo ports of a switch often come in the second one): every block is read."""
    lines = [ln for ln in clean_output(text).split("\n") if ln.strip() and not ln.strip().startswith(";;;")]
    result: dict[str, dict[str, str]] = {}
    names: list[tuple[str, int]] = []
    for line in lines:
        m = re.match(r"^\s*([a-z0-9][a-z0-9-]*):", line)
        if not m:
            continue
        if m.group(1) == "name":
            # Column edges are measured from the colon: keys are right-aligned, so the colon sits
            # in the same place on every row, except that the first row may have lost its
            # indentation when the session stripped the output.
            names = [(mm.group(0), mm.end()) for mm in re.finditer(r"\S+", line[m.end():])]
            for name, _end in names:
                result.setdefault(name, {})
            continue
        start = m.end()
        for index, (name, rel_end) in enumerate(names):
            end = m.end() + rel_end if index < len(names) - 1 else len(line)
            result[name][m.group(1)] = line[start:end].strip()
            start = end
    return result


_RX_ERROR_KEYS = ("rx-align-error", "rx-fragment", "rx-code-error", "rx-length-error", "rx-jabber",
                  "rx-carrier-error", "rx-error-events")
_TX_ERROR_KEYS = ("tx-collision", "tx-late-collision", "tx-excessive-collision", "tx-underrun", "tx-fcs-error")


def parse_ethernet_stats(text: str) -> dict[str, dict]:
    """Return {interface: {rx_errors, crc_errors, tx_errors}} from `/interface ethernet print stats`.
    rx_errors is the FCS (CRC) errors plus the other receive errors the port counts; a port whose
    chip has no ``rx-fcs-error`` counter (some SFP+ and combo ports) has crc_errors None."""
    result = {}
    for name, raw in parse_columns(text).items():
        crc = parse_int(raw.get("rx-fcs-error"))
        rx_other = [parse_int(raw.get(k)) for k in _RX_ERROR_KEYS]
        known_rx = [v for v in [crc, *rx_other] if v is not None]
        rx_total = sum(known_rx) if known_rx else None
        tx_vals = [parse_int(raw.get(k)) for k in _TX_ERROR_KEYS]
        tx_total = sum(v for v in tx_vals if v is not None) if any(v is not None for v in tx_vals) else None
        result[name] = {"crc_errors": crc, "rx_errors": rx_total, "tx_errors": tx_total}
    return result


def monitor_problems(parsed: dict) -> list[str]:
    """What a parsed `monitor` lacks: the status, or the rate of a link that is up."""
    if parsed.get("status") is None:
        return ["status tidak ditemukan"]
    if parsed["status"] == "link-ok" and parsed.get("speed_mbps") is None:
        return ["rate tidak ditemukan pada link yang aktif"]
    return []


def resource_problems(parsed: dict) -> list[str]:
    """What a parsed `/system resource print` lacks."""
    labels = (("uptime_seconds", "uptime"), ("os_version", "version"), ("cpu_percent", "cpu-load"),
              ("memory_total_bytes", "total-memory"), ("memory_free_bytes", "free-memory"))
    return [label + " tidak ditemukan" for key, label in labels if parsed.get(key) is None]


def stats_problems(stats: dict[str, dict], ethernet: list[str]) -> list[str]:
    """Enabled ethernet ports (SFP and combo included) whose error counters were not read."""
    out = []
    for name in ethernet:
        counters = stats.get(name)
        if counters is None:
            out.append("tidak ada kolom untuk %s" % name)
        elif counters["rx_errors"] is None and counters["tx_errors"] is None:
            out.append("tidak ada penghitung error untuk %s" % name)
    return out


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
        up = bool(oper_up) and not info["disabled"]
        speed = mon.get("speed_mbps") if oper_up else None
        note = None
        if up and speed is None:
            note = ("tidak terbaca: monitor tanpa rate" if info["type"] == "ether"
                    else "tidak berlaku: interface %s tanpa port fisik" % (info["type"] or "virtual"))
        result[name] = {
            "type": info["type"],
            "description": info["comment"],
            "admin_up": not info["disabled"],
            "oper_up": up,
            "speed_mbps": speed,
            "speed_source": "link" if speed is not None else None,
            "speed_note": note,
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
_SECRET_RE = re.compile(r"(?<![a-z0-9-])(" + _SECRET_KEYS + r')=("(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*\\$|\\$|\S+)')
_EXPORT_HEADER_RE = re.compile(
    r"^# (\S+ \d{2}:\d{2}:\d{2}|\S+/\S+/\d{4} \d{2}:\d{2}:\d{2}) by (RouterOS \S+)\s*$"
)
_EXPORT_INFO_RE = re.compile(r"^# (software id|model|serial number) = ?(.*)$")
_EXPORT_ERROR_RE = re.compile(r"^#\s*error exporting\s+(\S+)", re.I)
_QUOTE_END_RE = re.compile(r'^(?:[^"\\]|\\.)*"')


def parse_export_header(text: str) -> dict:
    """Given `/export` (also ``/export show-sensitive`` / ``hide-sensitive``, ``terse``), return
    the header's routeros_version, software_id, model, serial and the sections RouterOS could not
    export (``#error exporting /ip/ipsec/policy``)."""
    info: dict = {"routeros_version": None, "software_id": None, "model": None, "serial": None,
                  "export_errors": []}
    for line in clean_output(text).split("\n"):
        m = _EXPORT_HEADER_RE.match(line)
        if m:
            info["routeros_version"] = m.group(2).split(" ", 1)[1]
            continue
        m = _EXPORT_INFO_RE.match(line)
        if m:
            info[m.group(1).replace(" number", "").replace(" ", "_")] = m.group(2).strip() or None
            continue
        m = _EXPORT_ERROR_RE.match(line.strip())
        if m:
            info["export_errors"].append(m.group(1))
    return info


def export_problems(text: str) -> list[str]:
    """What in an `/export` output could not be read: no "# ... by RouterOS x" header (not an
    export at all, or cut before its first line) and sections RouterOS failed to export."""
    info = parse_export_header(text)
    out = []
    if info["routeros_version"] is None:
        out.append('kepala "# <tanggal> by RouterOS <versi>" tidak ada')
    elif not re.search(r"^/[a-z]", clean_output(text), re.M):
        out.append("tidak ada bagian konfigurasi (/...) setelah kepala")
    out += ["RouterOS gagal mengekspor " + sec for sec in info["export_errors"]]
    return out


def sanitize_export(text: str, mask_secrets: bool = True) -> str:
    """Given `/export` output, return it without volatile lines (the "# <date> by RouterOS x"
    header keeps only the version) and, unless disabled, with secret values masked, also when
    RouterOS wrapped the line inside or right before the secret (``password=\\`` and the value on
    the next line, or a quoted value running over several lines)."""
    out = []
    carry = None  # None, "next" (the value starts the next line) or "quote" (inside a quoted value)
    for line in clean_output(text).split("\n"):
        m = _EXPORT_HEADER_RE.match(line)
        if m:
            out.append("# " + m.group(2))
            continue
        if mask_secrets:
            prefix = ""
            if carry == "next":
                stripped = line.lstrip()
                indent = line[: len(line) - len(stripped)]
                vm = re.match(r'^("(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*\\$|\S+)', stripped)
                value = vm.group(1) if vm else ""
                prefix, line = indent + "<masked>", stripped[len(value):]
                carry = "quote" if value.startswith('"') and value.endswith("\\") and not value.endswith('"') else None
                if carry == "quote":
                    prefix += " \\"
            elif carry == "quote":
                qm = _QUOTE_END_RE.match(line)
                if qm is None:
                    out.append("    <masked> \\" if line.rstrip().endswith("\\") else "    <masked>")
                    if not line.rstrip().endswith("\\"):
                        carry = None
                    continue
                prefix, line = "    <masked>", line[qm.end():]
                carry = None

            def mask(mm):
                nonlocal carry
                value = mm.group(2)
                if value == "\\":
                    carry = "next"
                    return mm.group(1) + "=\\"
                if value.startswith('"') and value.endswith("\\") and (len(value) == 1 or not value.endswith('\\"')):
                    if not re.fullmatch(r'"(?:[^"\\]|\\.)*"', value):
                        carry = "quote"
                        return mm.group(1) + "=<masked> \\"
                return mm.group(1) + "=<masked>"

            line = prefix + _SECRET_RE.sub(mask, line)
        if line.strip():  # blank lines carry no configuration; sessions add them at random
            out.append(line)
    return "\n".join(out) + "\n"
