"""``sop recover sipp|website --to HOST`` and ``sop backups list``: bring SIPP or the court website
back on a replacement server from its backups, and choose the backup first.

A recovery is a playbook run like every other (:func:`sop_runner.runner.run_playbook`), so the
``sop_records`` callback writes its record from Ansible's events: SIPP-7 for SIPP (troubleshooting
until "Akses SIPP tersedia dan lancar"), F.7 for the website ("Akses website selalu tersedia"),
with the backup used, what was verified and the recovery time. ``backups list`` reads the
repository through the same role on one host and marks each backup that a D.7 drill or a
recovery proved, from the records.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import click
from click.exceptions import Exit
from rich.table import Table

from sop_runner.commands.common import (
    STATE,
    OrderedGroup,
    UserError,
    catalog_of,
    checkpoint_warning,
    emit_json,
    err,
    open_store,
    out,
    parse_at,
)
from sop_runner.config import Config
from sop_runner.inventory import load_groups
from sop_runner.records import Record

SNAPSHOT_ID = re.compile(r"^[0-9a-f]{8,64}$")


@dataclass(frozen=True)
class DataSet:
    """What a recovery brings back: its playbook and record, the role's variable prefix, the
    inventory group of the server whose backups are restored."""

    name: str
    label: str
    activity: str
    playbook: str
    role: str
    source_group: str


DATA_SETS = {
    "sipp": DataSet("sipp", "SIPP", "SIPP-7", "playbooks/sipp_recover.yml", "sipp_recover", "sipp_servers"),
    "website": DataSet(
        "website", "website", "F.7", "playbooks/website_recover.yml", "website_recover", "web_servers"
    ),
}
# The records that prove a backup restores: the D.7 drill (SIPP) and the recoveries themselves.
PROOF_ACTIVITIES = {"sipp": ("D.7", "SIPP-7"), "website": ("F.7",)}


def check_snapshot(snapshot: str) -> str:
    """Given ``--snapshot`` text, return it normalised ("latest" or lower-case hex). Raise
    UserError naming the input otherwise."""
    value = snapshot.strip().lower()
    if value == "latest" or SNAPSHOT_ID.match(value):
        return value
    raise UserError(
        f"--snapshot {snapshot!r}: not a snapshot id (8 or more hex digits, as 'sop backups list' shows) "
        "or 'latest'"
    )


def hosts_of(cfg: Config) -> dict[str, list[str]]:
    """Return the inventory's groups (one line naming the inventory when it cannot be read)."""
    return load_groups(cfg.inventory, cache_dir=cfg.records.parent)


def pick_source(ds: DataSet, groups: dict[str, list[str]], source: str | None, cfg: Config) -> str:
    """Given the ``--from`` option, return the server whose backups are used (default: the first
    host of the data set's group). Raise UserError when it is not in the inventory."""
    if source:
        if source not in groups.get("all", []):
            raise UserError(f"--from {source!r}: not a host of the inventory {cfg.inventory}")
        return source
    members = groups.get(ds.source_group, [])
    if not members:
        raise UserError(
            f"the inventory {cfg.inventory} has no host in {ds.source_group}: name the server whose backups "
            "are restored with --from HOST"
        )
    return members[0]


def check_target(ds: DataSet, groups: dict[str, list[str]], to: str, source: str | None, cfg: Config) -> None:
    """Raise UserError when ``--to`` is not an inventory host or is the source server itself
    (``source`` None: only the first check)."""
    if to not in groups.get("all", []):
        raise UserError(
            f"--to {to!r}: not a host of the inventory {cfg.inventory}: add the replacement server there "
            "(address, SSH user) first"
        )
    if source is not None and to == source:
        raise UserError(
            f"--to {to!r} is the server whose {ds.label} backups are restored: name the replacement server "
            "(or the source with --from)"
        )


def _first_problem(events: list[dict[str, Any]]) -> str:
    """Return the first failure or unreachable message among the run's events ('' when none)."""
    for ev in events:
        if ev.get("event") in ("runner_on_unreachable", "runner_on_failed"):
            data = ev.get("event_data", {})
            if data.get("ignore_errors"):
                continue
            res = data.get("res") or {}
            msg = str(res.get("msg") or "").strip()
            if msg and "censored" not in msg:
                return " ".join(msg.split())
    return ""


def _failure_line(
    ds: DataSet, to: str, rec: Record | None, events: list[dict[str, Any]], fallback: str
) -> str:
    """One line saying why the recovery did not succeed."""
    host = (rec.hosts.get(to) if rec is not None else None) or {}
    problem = host.get("error") or _first_problem(events) or fallback or "see the run's record"
    if host.get("status") == "unreachable" or (rec is not None and rec.status == "unreachable"):
        return f"{to} is unreachable: {_first_problem(events) or problem}"
    return f"recovery of {ds.label} onto {to} failed: {problem}"


def recover(
    ds: DataSet, to: str, snapshot: str, at: str | None, force: bool, source: str | None, as_json: bool
) -> None:
    """Check the input, run the data set's recovery playbook onto ``to`` and report its record."""
    from sop_runner import runner

    cfg = STATE.config()
    snap = check_snapshot(snapshot)
    catalog = catalog_of(cfg)
    epoch = parse_at(at, catalog).timestamp() if at else 0
    if at and snap != "latest":
        raise UserError("--at picks the newest backup before a moment: give either --at or --snapshot ID")
    groups = hosts_of(cfg)
    check_target(ds, groups, to, None, cfg)
    src = pick_source(ds, groups, source, cfg)
    check_target(ds, groups, to, src, cfg)
    scrub = runner.preflight(cfg)
    planned = runner.PlannedRun(
        ds.playbook,
        [ds.activity],
        extravars={
            f"{ds.role}_to": to,
            f"{ds.role}_source": src,
            f"{ds.role}_snapshot": snap,
            f"{ds.role}_at": epoch,
            f"{ds.role}_force": force,
        },
    )
    events: list[dict[str, Any]] = []
    status = err.status(f"{ds.label}: recovering onto {to} …") if err.is_terminal else None

    def on_event(ev: dict[str, Any]) -> None:
        if ev.get("event") in ("runner_on_unreachable", "runner_on_failed"):
            events.append(ev)
        if status is not None and ev.get("event") == "playbook_on_task_start":
            status.update(str(ev.get("event_data", {}).get("task", "")))

    if status is not None:
        with status:
            result = runner.run_playbook(cfg, catalog, planned, scrubber=scrub, on_event=on_event)
    else:
        result = runner.run_playbook(cfg, catalog, planned, scrubber=scrub, on_event=on_event)
    checkpoint_warning(cfg)
    rec = next((r for r in result.records if r.activity_id == ds.activity), None)
    if as_json:
        emit_json(result.to_dict())
    if rec is None or rec.status != "successful":
        line = _failure_line(ds, to, rec, events, result.error)
        err.print(f"sop: error: {line}", highlight=False, soft_wrap=True)
        raise Exit(1)
    if not as_json:
        output = rec.output.get(to, {})
        out.print(output.get("summary") or rec.summary, highlight=False, soft_wrap=True)
        seconds = output.get("recovery_seconds")
        out.print(
            f"record {rec.activity_id} #{rec.seq} ({rec.record_id[:8]}); recovery time "
            f"{seconds:.0f} s; records: {cfg.records}"
            if isinstance(seconds, (int, float))
            else f"record {rec.activity_id} #{rec.seq}; records: {cfg.records}",
            highlight=False,
            soft_wrap=True,
        )


recover_app = OrderedGroup(
    "recover",
    help="Bring SIPP or the court website back on a replacement server from its backups (docs/RECOVERY.md).",
    no_args_is_help=True,
)


def _recover_options(func: Any) -> Any:
    options = [
        click.option("--to", "to", required=True, help="The replacement server (an inventory host)."),
        click.option(
            "--snapshot", default="latest", show_default=True, help="Backup id (sop backups list) or latest."
        ),
        click.option("--at", help="The newest backup taken at or before this time (ISO; court time zone)."),
        click.option("--force", is_flag=True, help="Recover even onto a server that holds a live database."),
        click.option("--from", "source", help="Server whose backups are used (default: first of its group)."),
        click.option("--json", "as_json", is_flag=True),
    ]
    for opt in reversed(options):
        func = opt(func)
    return func


@recover_app.command("sipp")
@_recover_options
def recover_sipp(
    to: str, snapshot: str, at: str | None, force: bool, source: str | None, as_json: bool
) -> None:
    """SIPP (SIPP-7 record): stack, database, files and uploads, configuration, sync job; verified."""
    recover(DATA_SETS["sipp"], to, snapshot, at, force, source, as_json)


@recover_app.command("website")
@_recover_options
def recover_website(
    to: str, snapshot: str, at: str | None, force: bool, source: str | None, as_json: bool
) -> None:
    """The court website (F.7 record) from the F.2 backups: web server, database, site files."""
    recover(DATA_SETS["website"], to, snapshot, at, force, source, as_json)


backups_app = OrderedGroup("backups", help="The backups a recovery can use.", no_args_is_help=True)


def proofs(cfg: Config, ds: DataSet) -> dict[str, list[dict[str, Any]]]:
    """Return {snapshot short id: [{activity, at, ok}]} from the records that restored a backup:
    D.7 drills (database_snapshot) and recoveries (backup)."""
    found: dict[str, list[dict[str, Any]]] = {}
    with open_store(cfg, readonly=True) as store:
        for act in PROOF_ACTIVITIES[ds.name]:
            for rec in store.list_records(activity_id=act):
                for output in rec.output.values():
                    if not isinstance(output, dict):
                        continue
                    snap = output.get("database_snapshot") or output.get("backup") or {}
                    if not isinstance(snap, dict):
                        continue
                    short = str(snap.get("short_id") or snap.get("id") or "")[:8]
                    if short:
                        restored = output.get("restore_berhasil", output.get("pulih"))
                        ok = bool(restored) and rec.status == "successful"
                        found.setdefault(short, []).append({"activity": act, "at": rec.started_at, "ok": ok})
    return found


@backups_app.command("list")
@click.option("--data", "data", type=click.Choice(sorted(DATA_SETS)), default="sipp", show_default=True)
@click.option("--on", "on", help="The host that reads the repository (default: the server itself).")
@click.option("--from", "source", help="The server whose backups are listed (default: first of its group).")
@click.option("--json", "as_json", is_flag=True)
def backups_list(data: str, on: str | None, source: str | None, as_json: bool) -> None:
    """The backups with time, size and verification state (D.7 drill or recovery), newest first."""
    from sop_runner import runner

    ds = DATA_SETS[data]
    cfg = STATE.config()
    groups = hosts_of(cfg)
    src = pick_source(ds, groups, source, cfg)
    reader = on or src
    if reader not in groups.get("all", []):
        raise UserError(f"--on {reader!r}: not a host of the inventory {cfg.inventory}")
    runner.preflight(cfg)
    proven = proofs(cfg, ds)
    events: list[dict[str, Any]] = []
    stats: dict[str, Any] = {}

    def on_event(ev: dict[str, Any]) -> None:
        if ev.get("event") in ("runner_on_unreachable", "runner_on_failed"):
            events.append(ev)
        if ev.get("event") == "playbook_on_stats":
            stats.update(ev.get("event_data", {}).get("artifact_data") or {})

    rc = runner.run_utility_playbook(
        cfg,
        "playbooks/backups_list.yml",
        extravars={"backups_list_on": reader, "backups_list_role": ds.role, f"{ds.role}_source": src},
        on_event=on_event,
    )
    listing = stats.get("backups_list") or {}
    if rc != 0 or not listing:
        problem = _first_problem(events) or f"reading the backups on {reader} failed (exit {rc})"
        raise UserError(f"{reader}: {problem}")
    if listing.get("error"):
        raise UserError(f"{reader}: {listing['error']}")
    rows = []
    for b in listing.get("backups") or []:
        rows.append({**b, "verified": proven.get(str(b.get("short_id", ""))[:8], [])})
    if as_json:
        emit_json({"data_set": ds.name, "source": src, "read_on": reader, "backups": rows})
        return
    t = Table(title=f"{ds.label} backups of {src} (read on {reader}), newest first")
    for col in ("id", "time", "size", "parts", "verified"):
        t.add_column(col)
    for b in rows:
        parts = "+".join(p for p in ("manifest", "database", "files") if b.get(p))
        size = f"{b['bytes'] / 1e6:.1f} MB" if isinstance(b.get("bytes"), int) else "-"
        proved = ", ".join(
            f"{p['activity']} {p['at'][:10]} {'ok' if p['ok'] else 'GAGAL'}" for p in b["verified"]
        )
        t.add_row(b["short_id"], str(b["time"])[:19], size, parts, proved or "-")
    out.print(t)
