"""Jinja2 rendering shared by the reports: templates ship inside the package."""

from __future__ import annotations

import datetime as dt
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from sop_runner import private
from sop_runner.reports.schedule import MONTHS_ID

HARI_ID = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")


def tanggal(value: dt.date | dt.datetime | None, with_time: bool = False) -> str:
    """Return a date the Indonesian way: '28 Februari 2027' (optionally ' 14:05')."""
    if value is None:
        return "-"
    text = f"{value.day} {MONTHS_ID[value.month - 1]} {value.year}"
    if with_time and isinstance(value, dt.datetime):
        text += value.strftime(" %H:%M")
    return text


def durasi(value: dt.timedelta | float | None) -> str:
    """Return a duration in Indonesian words: '2 jam 5 menit', '3 hari 4 jam', '40 detik'."""
    if value is None:
        return "-"
    seconds = int(value.total_seconds() if isinstance(value, dt.timedelta) else value)
    if seconds < 60:
        return f"{max(seconds, 0)} detik"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = []
    if days:
        parts.append(f"{days} hari")
    if hours:
        parts.append(f"{hours} jam")
    if minutes and not days:
        parts.append(f"{minutes} menit")
    return " ".join(parts) or "0 menit"


def ukuran(value: float | int | None) -> str:
    """Return a byte count for people: '1,5 GiB' (Indonesian decimal comma)."""
    if value is None:
        return "-"
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            text = f"{size:.0f}" if unit == "B" else f"{size:.1f}"
            return f"{text.replace('.', ',')} {unit}"
        size /= 1024
    return f"{size} TiB"  # pragma: no cover - loop always returns


def persen(value: float | None) -> str:
    """Return a percentage with a decimal comma: '99,6 %'."""
    if value is None:
        return "-"
    return f"{value:.1f}".replace(".", ",") + " %"


@cache
def environment() -> jinja2.Environment:
    """Return the Jinja2 environment over the package's templates (autoescaped, strict)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("sop_runner.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(tanggal=tanggal, durasi=durasi, ukuran=ukuran, persen=persen)
    env.globals["css"] = (
        resources.files("sop_runner.reports").joinpath("templates/base.css").read_text("utf-8")
    )
    env.globals["bulan"] = MONTHS_ID
    env.globals["timedelta1"] = dt.timedelta(seconds=1)
    return env


def render(template: str, **context: Any) -> str:
    """Render `template` from the package with `context`."""
    return environment().get_template(template).render(**context)


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write `data` to `path` through a temporary name in the same directory, then rename; the
    file is private (0600, its folder 0700) from its first byte: reports name users and hosts."""
    return private.write_atomic(path, data)
