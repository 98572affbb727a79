"""``sop due``: due and overdue activities, one row per activity."""

from __future__ import annotations

import click

from sop_runner import tables
from sop_runner.commands.common import STATE, catalog_of, check_readable, due_items, emit_json, parse_at
from sop_runner.records import iso


@click.command("due")
@click.option("--at", help="Evaluate at this time (ISO; default now, court timezone).")
@click.option("--all", "show_all", is_flag=True, help="Also list activities that are done for their slot.")
@click.option("--json", "as_json", is_flag=True)
def due_cmd(at: str | None, show_all: bool, as_json: bool) -> None:
    """Show due and overdue activities per scope (host group), computed from the records."""
    cfg = STATE.config()
    catalog = catalog_of(cfg)
    when = parse_at(at, catalog)
    check_readable(cfg)
    items = [i for i in due_items(cfg, catalog, when) if show_all or i.state in ("due", "overdue")]
    if as_json:
        emit_json({"at": iso(when), "items": [i.to_dict() for i in items]})
        return
    tables.console().print(tables.due_table(items, catalog, when))
