"""``sop catalog list|show``: the SOP activities."""

from __future__ import annotations

import click
from rich.table import Table

from sop_runner.commands.common import STATE, OrderedGroup, catalog_of, emit_json, out

catalog_app = OrderedGroup(
    "catalog", help="The SOP catalog (activities, Mutu Baku, schedules).", no_args_is_help=True
)


@catalog_app.command("list")
@click.option("--json", "as_json", is_flag=True)
def catalog_list(as_json: bool) -> None:
    """List the SOP activities."""
    cfg = STATE.config()
    cat = catalog_of(cfg)
    if as_json:
        emit_json([a.to_dict() for a in cat.activities.values()])
        return
    t = Table(title=f"SOP catalog ({len(cat.activities)} aktivitas)")
    for col in ("id", "aktifitas", "pelaksana", "waktu", "kind", "jadwal", "playbook"):
        t.add_column(col)
    for a in cat.activities.values():
        t.add_row(
            a.id,
            a.aktifitas[:70] + ("…" if len(a.aktifitas) > 70 else ""),
            ", ".join(a.pelaksana),
            a.waktu,
            a.kind,
            a.schedule or "-",
            a.playbook or (f"({a.produced_by})" if a.produced_by else "sop log"),
        )
    out.print(t)


@catalog_app.command("show")
@click.argument("activity_id", metavar="activity_id")
@click.option("--json", "as_json", is_flag=True)
def catalog_show(activity_id: str, as_json: bool) -> None:
    """Show one activity in full (with its RRULE when it has a schedule)."""
    cfg = STATE.config()
    cat = catalog_of(cfg)
    a = cat.get(activity_id)
    d = a.to_dict()
    d["rrule"] = cat.rrule(a)
    # the same rule as an AWX/AAP schedule (anchored like `sop due`: local midnight, 1 January)
    d["awx_rrule"] = f"DTSTART;TZID={cat.timezone}:20240101T000000 RRULE:{d['rrule']}" if d["rrule"] else None
    d["source_sop"] = cat.sources.get(a.source, {})
    if as_json:
        emit_json(d)
        return
    for k, v in d.items():
        out.print(f"[bold]{k}[/bold]: {v}")
