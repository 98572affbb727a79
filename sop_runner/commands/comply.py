"""``sop comply``: the read-only compliance audit of the SOP controls (testinfra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.exceptions import Exit
from rich.table import Table

from sop_runner.commands.common import PATH_TYPE, STATE, catalog_of, checkpoint_warning, emit_json, err, out

_STYLE = {"passed": "green", "failed": "bold red", "unreachable": "bold yellow", "not applicable": "dim"}


def _progress() -> tuple[Any, Any]:
    """A live status line on a terminal (stderr): the control just checked and how far along."""
    if not err.is_terminal:
        return None, None
    status = err.status("sop comply: reading the inventory …")

    def on_result(res: Any, done: int, total: int) -> None:
        status.update(f"[{done}/{total}] {res.activity} {res.name} on {res.host}: {res.outcome}")
        if res.outcome in ("failed", "unreachable"):
            err.print(
                f"  {res.outcome.upper()}: {res.activity} {res.name} on {res.host}: {res.message}",
                highlight=False,
            )

    return status, on_result


@click.command("comply")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--inventory", "-i", help="Inventory path (default: the configured one).")
@click.option("--limit", "-l", help="Ansible host pattern: audit only these hosts.")
@click.option("--junit", type=PATH_TYPE, help="Also write the JUnit XML here (CI).")
@click.option("--thresholds", "show_thresholds", is_flag=True, help="List the thresholds and exit.")
@click.option("--json", "as_json", is_flag=True)
def comply_cmd(
    ids: tuple[str, ...],
    inventory: str | None,
    limit: str | None,
    junit: Path | None,
    show_thresholds: bool,
    as_json: bool,
) -> None:
    """Audit the SOP controls read-only (testinfra) and record the result (activity KK-1).

    Without ID every control is checked; with IDs (D.5 SIPP-2 …) only theirs. Exit 1 when a
    control failed or a host was unreachable.
    """
    from sop_runner.comply import thresholds

    if show_thresholds:
        rows = thresholds.table()
        if as_json:
            emit_json(rows)
            return
        t = Table(title="sop comply thresholds (inventory variable, else the role variable, else default)")
        t.add_column("variable", no_wrap=True)
        t.add_column("default", no_wrap=True)
        t.add_column("meaning (else: the role variable it follows)")
        for row in rows:
            follows = f" (else {row['follows']})" if row["follows"] else ""
            t.add_row(row["variable"], f"{row['default']:g} {row['unit']}", row["meaning"] + follows)
        out.print(t)
        return
    from sop_runner.comply.audit import audit

    cfg = STATE.config(inventory=inventory)
    catalog = catalog_of(cfg, write=True)
    status, on_result = _progress()
    if status is not None:
        with status:
            outcome = audit(cfg, catalog, ids, limit=limit, on_result=on_result, junit=junit)
    else:
        outcome = audit(cfg, catalog, ids, limit=limit, junit=junit)
    checkpoint_warning(cfg)
    if as_json:
        emit_json(
            {
                **outcome.run.to_dict(),
                "records": [r.seq for r in outcome.records],
                "junit": str(outcome.junit),
                "html": str(outcome.html),
            }
        )
    else:
        t = Table(title="Kepatuhan konfigurasi (sop comply)")
        for col in ("SOP", "control", "host", "result", "keterangan"):
            t.add_column(col, overflow="fold")
        for r in outcome.run.results:
            t.add_row(r.activity, r.name, r.host, f"[{_STYLE[r.outcome]}]{r.outcome}[/]", r.message[:160])
        out.print(t)
        c = outcome.run.counts()
        out.print(
            f"{c['passed']} passed, {c['failed']} failed, {c['unreachable']} unreachable, "
            f"{c['not applicable']} not applicable; records: "
            + (", ".join(f"#{r.seq}" for r in outcome.records) or "none (no host to check)"),
            highlight=False,
        )
        out.print(f"reports: {outcome.html} {outcome.junit}", highlight=False)
    if not outcome.run.results:
        err.print("sop: warning: no control matched a host of the inventory", highlight=False)
    raise Exit(0 if outcome.ok else 1)
