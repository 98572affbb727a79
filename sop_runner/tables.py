"""Tables a person can read: ``sop due``, ``sop records list`` and ``sop summary``.

Rendered with rich for an 80-column console and for a pipe (rich then assumes 80 columns, or
``COLUMNS``): dates and statuses are never cut -- they keep their width and stack on two lines
where needed --, text wraps, and the columns that do not fit at 80 (summary text, operator) are
left out below 120 columns rather than squeezing every cell. ``--json`` carries everything.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table

from sop_runner.catalog import Activity, Catalog
from sop_runner.due import DueItem
from sop_runner.records import MEMENUHI, TIDAK_MEMENUHI, Record, parse_iso

WIDE = 120
_ORDER = {"no hosts": 0, "ok": 0, "due": 1, "overdue": 2}
_STYLE = {"overdue": "red", "due": "yellow", MEMENUHI: "green", TIDAK_MEMENUHI: "red"}


def console() -> Console:
    """Return a console for stdout sized now (``COLUMNS`` honoured, 80 when piped)."""
    return Console()


def _table(title: str) -> Table:
    return Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, title_justify="left")


def _local(ts: str | datetime | None, catalog: Catalog, sep: str = " ") -> str:
    if not ts:
        return "-"
    when = parse_iso(ts) if isinstance(ts, str) else ts
    return when.astimezone(catalog.tz).strftime(f"%Y-%m-%d{sep}%H:%M")


def _styled(text: str, key: str) -> str:
    style = _STYLE.get(key, "")
    return f"[{style}]{text}[/{style}]" if style else text


def short_text(act: Activity, width: int = 40) -> str:
    """Return the activity's text shortened at a word boundary."""
    return textwrap.shorten(act.aktifitas, width, placeholder=" …")


def next_step(act: Activity) -> str:
    """Return the command that carries out or records the activity."""
    if act.runnable:
        return f"sop run {act.id}"
    if act.produced_by == "report":
        return "sop report schedule" if act.id == "C.1" else "sop report monthly"
    if act.produced_by == "comply":
        return "sop comply"
    return f"sop log {act.id}"


def due_rows(items: Iterable[DueItem], catalog: Catalog) -> list[dict[str, Any]]:
    """Given due items (one per activity and scope), return one row per activity: its worst
    state, the scopes with their pending hosts, when it became (or becomes) overdue and the next
    step."""
    by_act: dict[str, list[DueItem]] = {}
    for i in items:
        by_act.setdefault(i.activity_id, []).append(i)
    rows = []
    for aid, its in by_act.items():
        act = catalog.activities[aid]
        state = max((i.state for i in its), key=lambda s: _ORDER[s])
        pending = [i for i in its if i.state in ("due", "overdue")]
        times = [i.overdue_at for i in pending if i.overdue_at]
        scopes = []
        for i in its:
            hosts = ", ".join(h for h in i.hosts_due if h)
            label = i.scope if i.scope != "-" else ""
            if i.state in ("due", "overdue") and hosts:
                scopes.append(f"{label}: {hosts}" if label else hosts)
            elif i.state == "no hosts":
                scopes.append(f"{label}: no hosts")
            elif label:
                scopes.append(f"{label}: {i.state}")
        rows.append(
            {
                "activity": act,
                "state": state,
                "overdue_at": min(times) if times else None,
                "scopes": scopes,
                "last_run": max((i.last_run for i in its if i.last_run), default=None),
                "next": next_step(act) if state in ("due", "overdue") else "",
            }
        )
    return rows


def due_table(items: Iterable[DueItem], catalog: Catalog, at: datetime) -> Table:
    """Render ``sop due``: one row per activity."""
    t = _table(f"SOP due at {at.astimezone(catalog.tz):%Y-%m-%d %H:%M %Z}")
    t.add_column("aktivitas", ratio=3, overflow="fold")
    t.add_column("status", no_wrap=True, min_width=16)
    t.add_column("lingkup", ratio=2, overflow="fold")
    t.add_column("langkah", no_wrap=True)
    for r in due_rows(items, catalog):
        act: Activity = r["activity"]
        state = r["state"]
        if state == "overdue":
            when = f"overdue since\n{_local(r['overdue_at'], catalog)}"
        elif state == "due":
            when = f"due, overdue at\n{_local(r['overdue_at'], catalog)}"
        else:
            when = f"{state}\nlast {_local(r['last_run'], catalog)}" if r["last_run"] else state
        t.add_row(
            f"[bold]{act.id}[/bold] {short_text(act)}",
            _styled(when, state),
            "\n".join(r["scopes"]) or "-",
            r["next"],
        )
    return t


def records_table(recs: Iterable[Record], catalog: Catalog, width: int) -> Table:
    """Render ``sop records list``; operator, via and summary only on a wide console."""
    wide = width >= WIDE
    t = _table("SOP records")
    t.add_column("#", no_wrap=True, justify="right")
    t.add_column("aktivitas", no_wrap=True)
    t.add_column("mulai", no_wrap=True, min_width=10)
    t.add_column("status", no_wrap=True, min_width=14)
    t.add_column("oleh", overflow="fold")
    if wide:
        t.add_column("ringkasan", ratio=1, overflow="fold")
    for r in recs:
        status = r.status + (" (check)" if r.check_mode else "")
        cells = [
            str(r.seq),
            r.activity_id,
            _local(r.started_at, catalog, sep="\n"),
            _styled(status, r.status) + ("\n" + _styled(r.verdict, r.verdict) if r.verdict else ""),
            f"{r.operator or '-'}\n{r.via}, {r.trigger}",
        ]
        if wide:
            cells.append(r.summary or r.note)
        t.add_row(*cells)
    return t


def summary_table(rows: list[dict[str, Any]], catalog: Catalog, at: datetime, width: int) -> Table:
    """Render ``sop summary``: per activity the last run, its status and verdict, the due state
    and the compliance; the summary text only on a wide console."""
    wide = width >= WIDE
    t = _table(f"Ringkasan kepatuhan SOP ({at.astimezone(catalog.tz):%Y-%m-%d %H:%M %Z})")
    t.add_column("aktivitas", overflow="fold", min_width=8)
    t.add_column("terakhir", no_wrap=True, min_width=10)
    t.add_column("status", no_wrap=True, min_width=14)
    t.add_column("jatuh tempo", no_wrap=True, min_width=7)
    t.add_column("Mutu Baku", no_wrap=True, min_width=14)
    if wide:
        t.add_column("ringkasan", ratio=1, overflow="fold")
    for r in rows:
        comp = r["compliance"]
        status = r["last_status"] or "-"
        if r["verdict"]:
            status += "\n" + _styled(r["verdict"], r["verdict"])
        cells = [
            f"[bold]{r['activity_id']}[/bold]\n{r['kind']}, {r['schedule'] or 'sesuai kebutuhan'}",
            _local(r["last_run"], catalog, sep="\n"),
            status,
            _styled(r["due"], r["due"]),
            _styled(comp, comp),
        ]
        if wide:
            cells.append(r["summary"])
        t.add_row(*cells)
    return t
