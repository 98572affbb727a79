"""``sop summary``: the compliance table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from sop_runner import tables
from sop_runner.catalog import Catalog
from sop_runner.commands.common import (
    STATE,
    catalog_of,
    check_readable,
    due_items,
    emit_json,
    open_store,
    out,
    parse_at,
)
from sop_runner.config import Config
from sop_runner.due import DueItem, worst_state
from sop_runner.records import MEMENUHI, TIDAK_MEMENUHI, Record, iso, parse_iso


def summary_rows(cfg: Config, catalog: Catalog, at: datetime) -> list[dict[str, Any]]:
    """Return one compliance row per activity: last record, status, Mutu Baku verdict, due state,
    as the records stood at ``at``."""
    with open_store(cfg, readonly=True) as store:
        due = due_items(cfg, catalog, at, store) if catalog.activities else []
        last: dict[str, Record] = {}
        for a in catalog.activities:
            for rec in store.iter_records(activity_id=a, include_check=False, newest_first=True):
                if parse_iso(rec.ended_at) <= at:
                    last[a] = rec
                    break
    return summary_from(catalog, due, last)


def summary_from(catalog: Catalog, due: list[DueItem], last: dict[str, Record]) -> list[dict[str, Any]]:
    """Given the catalog, the due items and each activity's newest non-check record (as of the
    time asked about), return the summary rows (``due``: the activity's worst state)."""
    worst = worst_state(due)
    rows = []
    for act in catalog.activities.values():
        r = last.get(act.id)
        state = worst.get(act.id, "-" if not act.schedule else "ok")
        if r is None:
            compliance = TIDAK_MEMENUHI if act.schedule else "-"
        else:
            good = r.status == "successful" and r.verdict != TIDAK_MEMENUHI and state != "overdue"
            compliance = MEMENUHI if good else TIDAK_MEMENUHI
        rows.append(
            {
                "activity_id": act.id,
                "aktifitas": act.aktifitas,
                "kind": act.kind,
                "schedule": act.schedule,
                "last_run": r.started_at if r else None,
                "last_status": r.status if r else None,
                "verdict": r.verdict if r else None,
                "due": state,
                "compliance": compliance,
                "summary": (r.summary or r.note) if r else "",
            }
        )
    return rows


@click.command("summary")
@click.option("--at", help="Evaluate at this time (ISO).")
@click.option("--json", "as_json", is_flag=True)
def summary_cmd(at: str | None, as_json: bool) -> None:
    """Compliance summary: per activity the last run, its status, memenuhi / tidak memenuhi, overdue."""
    cfg = STATE.config()
    catalog = catalog_of(cfg)
    when = parse_at(at, catalog)
    check_readable(cfg)
    rows = summary_rows(cfg, catalog, when)
    if as_json:
        emit_json({"at": iso(when), "records": str(cfg.records), "activities": rows})
        return
    con = tables.console()
    con.print(tables.summary_table(rows, catalog, when, con.width))
    out.print(f"records: {cfg.records}", highlight=False)
