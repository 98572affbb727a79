"""``sop records list|show|export|verify``: the record store."""

from __future__ import annotations

import json
from pathlib import Path

import click
from click.exceptions import Exit

from sop_runner import tables
from sop_runner.catalog import Catalog
from sop_runner.commands.common import (
    PATH_TYPE,
    STATE,
    OrderedGroup,
    UserError,
    catalog_of,
    check_readable,
    emit_json,
    err,
    open_store,
    out,
    parse_at,
)
from sop_runner.records import iso

records_app = OrderedGroup(
    "records",
    help="The maintenance records (list, show, export, verify, checkpoint, prove).",
    no_args_is_help=True,
)


def iso_opt(text: str | None, catalog: Catalog, name: str) -> str | None:
    if not text:
        return None
    try:
        return iso(parse_at(text, catalog))
    except UserError:
        raise UserError(f"--{name} {text!r}: not an ISO date/time") from None


@records_app.command("list")
@click.option("--activity", "-a")
@click.option("--status")
@click.option("--since", help="ISO date/time (court timezone when naive).")
@click.option("--until")
@click.option("--limit", type=int, default=50, show_default=True, help="Newest N records.")
@click.option("--json", "as_json", is_flag=True)
def records_list(
    activity: str | None, status: str | None, since: str | None, until: str | None, limit: int, as_json: bool
) -> None:
    """List records (newest N, shown oldest first)."""
    cfg = STATE.config()
    check_readable(cfg)
    catalog = catalog_of(cfg)
    if activity:
        catalog.get(activity)
    with open_store(cfg, readonly=True) as store:
        recs = store.list_records(
            activity_id=activity,
            status=status,
            since=iso_opt(since, catalog, "since"),
            until=iso_opt(until, catalog, "until"),
            limit=limit,
            newest_first=True,
        )
    recs.reverse()
    if as_json:
        emit_json([r.to_dict() for r in recs])
    else:
        con = tables.console()
        con.print(tables.records_table(recs, catalog, con.width))


@records_app.command("show")
@click.argument("key", metavar="key")
@click.option("--json", "as_json", is_flag=True)
def records_show(key: str, as_json: bool) -> None:
    """Show one record in full (by seq number or record id / prefix)."""
    cfg = STATE.config()
    check_readable(cfg)
    with open_store(cfg, readonly=True) as store:
        rec = store.get_record(key)
    if as_json:
        emit_json(rec.to_dict())
        return
    for k, v in rec.to_dict().items():
        out.print(
            f"[bold]{k}[/bold]: {json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v}"
        )


@records_app.command("export")
@click.argument("dest", metavar="dest", type=PATH_TYPE, help="Output file (JSON lines; written atomically).")
@click.option("--activity", "-a")
@click.option("--since")
@click.option("--until")
def records_export(dest: Path, activity: str | None, since: str | None, until: str | None) -> None:
    """Export records as JSON lines (each with its prev_hash and hash)."""
    cfg = STATE.config()
    check_readable(cfg)
    catalog = catalog_of(cfg)
    if not dest.parent.is_dir():
        raise UserError(f"export destination {dest}: directory {dest.parent} does not exist")
    with open_store(cfg, readonly=True) as store:
        n = store.export_jsonl(
            dest,
            activity_id=activity,
            since=iso_opt(since, catalog, "since"),
            until=iso_opt(until, catalog, "until"),
        )
    out.print(f"{n} records written to {dest}", highlight=False)


@records_app.command("verify")
@click.option(
    "--checkpoint", "cp_file", type=PATH_TYPE, help="Also check against this older signed checkpoint."
)
@click.option("--key", help="Verifier key (text or file) of the checkpoint (default: the court's keys).")
@click.option(
    "--blobs", is_flag=True, help="Also check kept run artifacts and attachments against their sha256."
)
@click.option("--json", "as_json", is_flag=True)
def records_verify(cp_file: Path | None, key: str | None, blobs: bool, as_json: bool) -> None:
    """Recompute the hash chain; name the first record altered, removed or reordered.

    With --checkpoint the first records must also be exactly those the signed checkpoint
    covers, which catches a chain rewritten and recomputed after the checkpoint."""
    from sop_runner.evidence.blobs import verify_blobs
    from sop_runner.evidence.cli import verify_checkpoint

    cfg = STATE.config()
    check_readable(cfg)
    if blobs:
        with open_store(cfg, readonly=True) as store:
            found = verify_blobs(store)
        if not found.ok:
            if as_json:
                emit_json({"ok": False, "blobs": found.to_dict()})
            else:
                out.print(f"BROKEN: {found.problem}", highlight=False, soft_wrap=True)
            raise Exit(1)
        err.print(f"{found.checked} kept files match their sha256", highlight=False)
    if cp_file:
        verdict = verify_checkpoint(cfg.records, cp_file, key, None, cfg.inventory_dir)
        if as_json:
            emit_json(verdict.to_dict())
        elif verdict.ok:
            out.print(
                f"OK: {verdict.count} records; the first {verdict.size} match the checkpoint", highlight=False
            )
        else:
            out.print(f"BROKEN: {verdict.problem}", highlight=False, soft_wrap=True)
        raise Exit(0 if verdict.ok else 1)
    with open_store(cfg, readonly=True) as store:
        res = store.verify()
    if as_json:
        emit_json(res.to_dict())
    elif res.ok:
        out.print(f"OK: {res.count} records, chain head {res.head_hash}", highlight=False)
    else:
        out.print(f"BROKEN: {res.problem}", highlight=False)
    raise Exit(0 if res.ok else 1)
