"""Small helpers shared by the device parsers: paging and prompt clean-up, numbers with units,
uptimes, version comparison."""

from __future__ import annotations

import re

# Pagers seen in real sessions when paging was not turned off (or a line slipped through):
# IOS "--More--" (often followed by backspaces), RouterOS v6 "-- [Q quit|D dump|down]",
# RouterOS v7 "-- [Q quit|D dump|right]".
# The pager is erased by the device with backspaces, spaces and backspaces again; the text after
# that keeps its own indentation, so only the pager and the erase sequence are removed.
_PAGER_RE = re.compile(r" ?(--More--|-- \[Q quit\|D dump\|[a-z-]+\]|<--- More --->) ?(\x08+ *\x08*)?")
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def clean_output(text: str) -> str:
    """Given raw CLI output, return it without pager prompts, ANSI escapes, backspaces and CR."""
    if text is None:
        return ""
    text = _ANSI_RE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    for line in text.split("\n"):
        line = _PAGER_RE.sub("", line)
        line = line.replace("\x08", "")
        lines.append(line.rstrip())
    return "\n".join(lines)


_PROMPT_LINE_RE = {
    "mikrotik_routeros": re.compile(r"^\s*\[[^\]\s]+@[^\]]+\]\s*(/[\w/-]*)?\s*>\s*$"),
    "cisco_ios": re.compile(r"^\s*[\w.:/-]+(\([\w-]+\))?[#>]\s*$"),
}


def strip_trailing_prompt(text: str, platform: str) -> str:
    """Remove prompt lines ("[admin@gw] >", "sw1#") that a session left at the end of the output
    (RouterOS sometimes prints its prompt twice; netmiko strips only one)."""
    regex = _PROMPT_LINE_RE.get(platform)
    lines = (text or "").rstrip().split("\n")
    while regex and lines and (not lines[-1].strip() or regex.match(lines[-1])):
        lines.pop()
    return "\n".join(lines)


_SIZE_UNITS = {
    "": 1,
    "B": 1,
    "KIB": 1024,
    "MIB": 1024**2,
    "GIB": 1024**3,
    "TIB": 1024**4,
    "K": 1024,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
}


def parse_size(value: str | None) -> int | None:
    """Given "40.2MiB", "1196.0KiB" or "460137K", return bytes (int), None if unparseable."""
    if value is None:
        return None
    m = re.match(r"^\s*([\d.]+)\s*([A-Za-z]*)\s*$", str(value))
    if not m:
        return None
    unit = m.group(2).upper()
    if unit not in _SIZE_UNITS:
        return None
    return int(float(m.group(1)) * _SIZE_UNITS[unit])


def parse_int(value: str | None) -> int | None:
    """Given "1 358 140 795", "0" or "", return an int (thousands spaces removed) or None."""
    if value is None:
        return None
    digits = str(value).replace(" ", "").replace(",", "")
    if not digits or not re.match(r"^-?\d+$", digits):
        return None
    return int(digits)


def parse_float(value: str | None) -> float | None:
    """Given "24.1V", "39C", "37", return the leading number as float, None if none."""
    if value is None:
        return None
    m = re.match(r"^\s*(-?\d+(?:\.\d+)?)", str(value))
    return float(m.group(1)) if m else None


def parse_rate_mbps(value: str | None) -> int | None:
    """Given a link rate ("1Gbps", "100Mbps", "2.5Gbps", "1000Mb/s", "Auto-speed") return Mb/s."""
    if not value:
        return None
    m = re.search(r"(\d+(?:\.\d+)?)\s*([GMK])(?:bps|b/s|bit)?", str(value), re.I)
    if not m:
        m2 = re.match(r"^\s*(\d+)\s*$", str(value))
        return int(m2.group(1)) if m2 else None
    number = float(m.group(1))
    unit = m.group(2).upper()
    factor = {"G": 1000, "M": 1, "K": 0.001}[unit]
    return int(number * factor)


def parse_routeros_uptime(value: str | None) -> int | None:
    """Given a RouterOS uptime ("6w5d11h55m45s", "1d6h22m", "3d13:54:41", "00:04:10"),
    return seconds, None if unparseable."""
    if not value:
        return None
    value = value.strip()
    m = re.match(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", value)
    if m and any(m.groups()):
        w, d, h, mi, s = (int(x) if x else 0 for x in m.groups())
        return (((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s
    m = re.match(r"^(?:(\d+)w)?(?:(\d+)d)?(\d+):(\d+):(\d+)$", value)
    if m:
        w, d, h, mi, s = (int(x) if x else 0 for x in m.groups())
        return (((w * 7 + d) * 24 + h) * 60 + mi) * 60 + s
    return None


def parse_ios_uptime(value: str | None) -> int | None:
    """Given "2 years, 31 weeks, 6 days, 9 hours, 55 minutes", return seconds."""
    if not value:
        return None
    seconds = {"year": 365 * 86400, "week": 7 * 86400, "day": 86400, "hour": 3600, "minute": 60, "second": 1}
    total = 0
    found = False
    for number, unit in re.findall(r"(\d+)\s+(year|week|day|hour|minute|second)s?", value):
        total += int(number) * seconds[unit]
        found = True
    return total if found else None


def version_tuple(version: str | None) -> tuple[int, ...]:
    """Given "7.12.1 (stable)", "6.49.10", "15.2(7)E3" or "03.06.05E", return comparable ints."""
    if not version:
        return ()
    head = str(version).strip().split(" ")[0]
    return tuple(int(x) for x in re.findall(r"\d+", head))


def version_older(version: str | None, minimum: str | None) -> bool:
    """Return True when version is known and strictly older than minimum."""
    if not version or not minimum:
        return False
    have, want = version_tuple(version), version_tuple(minimum)
    if not have or not want:
        return False
    width = max(len(have), len(want))
    return have + (0,) * (width - len(have)) < want + (0,) * (width - len(want))


def parse_key_values(text: str) -> dict[str, str]:
    """Given RouterOS 'print' output in the "   key: value" layout (also tabs before the key and
    ';;;' comment lines), return the mapping; a repeated key keeps its first value."""
    result: dict[str, str] = {}
    for line in clean_output(text).split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith(";;;") or stripped.startswith("#"):
            continue
        m = re.match(r"^([a-z0-9][a-z0-9-]*):\s?(.*)$", stripped)
        if m and m.group(1) not in result:
            result[m.group(1)] = m.group(2).strip()
    return result
