"""Lynis report file (``/var/log/lynis-report.dat``) parser (D.4).

Real format: ``key=value`` lines; list values use ``key[]=value``; warnings and suggestions are
``warning[]=TEST-ID|text|details|solution|`` (trailing ``|``, fields may be ``-``), comments start
with ``#``. Values may contain ``=`` themselves.
"""

from __future__ import annotations


def parse_lynis_report(text: str) -> dict:
    """Given the text of a Lynis report file, return hardening index, warnings, suggestions and
    the scalar keys. Raise ValueError if the text holds no Lynis report keys at all."""
    scalars: dict[str, str] = {}
    lists: dict[str, list[str]] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        if key.endswith("[]"):
            lists.setdefault(key[:-2], []).append(value)
        else:
            scalars[key] = value
    if not scalars and not lists:
        raise ValueError("no Lynis report keys found")

    def split(entries: list[str]) -> list[dict]:
        out = []
        for e in entries:
            parts = e.split("|")
            parts += [""] * (4 - len(parts))
            out.append(
                {
                    "id": parts[0],
                    "text": parts[1],
                    "details": "" if parts[2] == "-" else parts[2],
                    "solution": "" if parts[3] == "-" else parts[3],
                }
            )
        return out

    index = scalars.get("hardening_index", "")
    return {
        "hardening_index": int(index) if index.isdigit() else None,
        "lynis_version": scalars.get("lynis_version"),
        "report_datetime_end": scalars.get("report_datetime_end"),
        "os_name": scalars.get("os_name") or scalars.get("os_fullname"),
        "warnings": split(lists.get("warning", [])),
        "suggestions": split(lists.get("suggestion", [])),
        "tests_executed": len([t for t in scalars.get("tests_executed", "").split("|") if t]),
    }
