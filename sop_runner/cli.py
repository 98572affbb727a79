"""The ``sop`` command line: catalog, run, due, tick, log, records, summary, install-schedule.

Every read command takes ``--json``. User errors print one line ``sop: error: …`` and exit 2;
a run that did not succeed everywhere exits 1; ``records verify`` exits 1 on a broken chain.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.exceptions import Exit, NoArgsIsHelpError
from rich.console import Console
from rich.table import Table

from sop_runner import tables, tick
from sop_runner.awx import AwxExportError
from sop_runner.catalog import Catalog, CatalogError, load_catalog
from sop_runner.config import Config, ConfigError, load_config
from sop_runner.due import DueItem, compute_due, worst_state
from sop_runner.inventory import InventoryError, load_groups
from sop_runner.records import (
    MEMENUHI,
    TIDAK_MEMENUHI,
    Record,
    RecordStore,
    RecordStoreError,
    canonical_json,
    iso,
    parse_iso,
    utcnow,
)
from sop_runner.secrets import VaultError

if TYPE_CHECKING:  # the runner is imported by the commands that run playbooks
    from sop_runner import runner

out = Console()
err = Console(stderr=True)
# Errors that are the user's input: one line "sop: error: …", exit 2. runner.RunError is one too
# (see _is_user_error; the runner module is only imported by the commands that run playbooks).
USER_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    CatalogError,
    RecordStoreError,
    InventoryError,
    VaultError,
    AwxExportError,
)


class UserError(Exception):
    """A command-line input problem (one line)."""


def _is_user_error(exc: BaseException) -> bool:
    if isinstance(exc, (UserError, *USER_ERRORS)):
        return True
    runner_mod = sys.modules.get("sop_runner.runner")  # a RunError means it was imported
    return runner_mod is not None and isinstance(exc, runner_mod.RunError)


@dataclass
class State:
    """Global options given before the command."""

    project_dir: str | None = None
    inventory: str | None = None
    records: str | None = None
    operator: str | None = None
    catalog: list[str] | None = None
    vault_password_file: str | None = None

    def config(self, **override: Any) -> Config:
        """Return the effective configuration (command options override global ones)."""
        values = dict(self.__dict__)
        values.update({k: v for k, v in override.items() if v is not None})
        return load_config(**values)


STATE = State()
_PATH = click.Path(path_type=Path)


class OrderedGroup(click.Group):
    """A command group that lists its commands in the order they were added."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(
    "sop",
    cls=OrderedGroup,
    help="SOP-driven court IT maintenance: run activities on their SOP timing, keep tamper-evident records.",
    no_args_is_help=True,
    context_settings={"max_content_width": 120},
)
@click.option("--project-dir", help="Project checkout (playbooks/, ansible.cfg).")
@click.option("--inventory", "-i", help="Inventory path.")
@click.option("--records", help="Record store (SQLite file).")
@click.option("--operator", help="Who is doing this (default: login name).")
@click.option("--catalog", multiple=True, help="Catalog override file (repeatable).")
@click.option("--vault-password-file", help="Ansible vault password file.")
@click.pass_context
def app(
    ctx: click.Context,
    project_dir: str | None,
    inventory: str | None,
    records: str | None,
    operator: str | None,
    catalog: tuple[str, ...],
    vault_password_file: str | None,
) -> None:
    """Global options; each also comes from SOP_* environment variables or the config file."""
    STATE.project_dir, STATE.inventory, STATE.records = project_dir, inventory, records
    STATE.operator, STATE.catalog = operator, list(catalog) or None
    STATE.vault_password_file = vault_password_file
    ctx.obj = STATE  # the report/request/complaint commands take the global options from here


catalog_app = OrderedGroup(
    "catalog", help="The SOP catalog (activities, Mutu Baku, schedules).", no_args_is_help=True
)
records_app = OrderedGroup(
    "records", help="The maintenance records (list, show, export, verify).", no_args_is_help=True
)
awx_app = OrderedGroup("awx", help="AWX / Ansible Automation Platform as code.", no_args_is_help=True)


def _emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _parse_at(text: str | None, catalog: Catalog) -> datetime:
    if not text:
        return utcnow()
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"--at {text!r}: not an ISO date/time (e.g. 2026-11-30T08:00 or 2026-11-30T08:00+07:00)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=catalog.tz)
    return dt


def _parse_when(text: str | None, catalog: Catalog, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        return _parse_at(text, catalog)
    except UserError:
        raise UserError(
            f"--{name} {text!r}: not an ISO date/time (e.g. 2026-11-30T08:00 or 2026-11-30T08:00+07:00)"
        ) from None


def _load(cfg: Config, *, write: bool = False) -> Catalog:
    """Load the catalog; only commands that write the store (``write``) keep the validation
    mark beside it -- read commands create nothing."""
    return load_catalog(list(cfg.catalog), cache_dir=cfg.records.parent, write_cache=write)


def _store(cfg: Config, *, readonly: bool = False) -> RecordStore:
    return RecordStore(cfg.records, readonly=readonly)


def _readable(cfg: Config) -> None:
    """For read commands: check first that the store opens read-only (one line naming the file
    and the problem otherwise), before anything else reads or caches beside it."""
    _store(cfg, readonly=True).close()


# -- catalog ------------------------------------------------------------------------------------
@catalog_app.command("list")
@click.option("--json", "as_json", is_flag=True)
def catalog_list(as_json: bool) -> None:
    """List the SOP activities."""
    cfg = STATE.config()
    cat = _load(cfg)
    if as_json:
        _emit_json([a.to_dict() for a in cat.activities.values()])
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
    cat = _load(cfg)
    a = cat.get(activity_id)
    d = a.to_dict()
    d["rrule"] = cat.rrule(a)
    # the same rule as an AWX/AAP schedule (anchored like `sop due`: local midnight, 1 January)
    d["awx_rrule"] = f"DTSTART;TZID={cat.timezone}:20240101T000000 RRULE:{d['rrule']}" if d["rrule"] else None
    d["source_sop"] = cat.sources.get(a.source, {})
    if as_json:
        _emit_json(d)
        return
    for k, v in d.items():
        out.print(f"[bold]{k}[/bold]: {v}")


# -- run ----------------------------------------------------------------------------------------
def _progress() -> tuple[Any, Any]:
    if not err.is_terminal:
        return None, None
    status = err.status("starting ansible-playbook …")

    def on_event(ev: dict[str, Any]) -> None:
        data = ev.get("event_data", {})
        if ev.get("event") == "playbook_on_task_start":
            status.update(f"{data.get('task', '')}")

    return status, on_event


def _do_run(
    cfg: Config, catalog: Catalog, target: str, *, limit: str | None, check: bool, trigger: str
) -> list[runner.RunResult]:
    from sop_runner import runner

    planned, warnings = runner.plan(catalog, cfg.project_dir, target, limit)
    scrub = runner.preflight(cfg)
    runner.check_inventory(cfg, catalog, planned)
    for w in warnings:
        err.print(f"sop: warning: {w}", highlight=False)
    results = []
    for p in planned:
        status, on_event = _progress()
        if status is not None:
            with status:
                results.append(
                    runner.run_playbook(
                        cfg, catalog, p, check=check, trigger=trigger, scrubber=scrub, on_event=on_event
                    )
                )
        else:
            results.append(runner.run_playbook(cfg, catalog, p, check=check, trigger=trigger, scrubber=scrub))
    return results


def _print_results(results: list[runner.RunResult], catalog: Catalog, cfg: Config) -> None:
    t = Table(title="SOP run")
    for col in ("activity", "status", "Mutu Baku", "durasi", "hosts", "ringkasan"):
        t.add_column(col)
    for res in results:
        if res.error:
            err.print(f"sop: warning: {res.error}", highlight=False)
        for r in res.records:
            t.add_row(
                r.activity_id,
                r.status,
                r.verdict or "-",
                f"{r.duration_s:.1f} s" if r.duration_s is not None else "-",
                ", ".join(f"{h}:{v.get('status')}" for h, v in sorted(r.hosts.items())),
                (r.summary or r.note)[:80],
            )
    out.print(t)
    out.print(f"records: {cfg.records}", highlight=False)


@app.command("run")
@click.argument("target", metavar="target", help="Activity id (SIPP-1) or group: hourly, daily, day30, all.")
@click.option("--inventory", "-i")
@click.option("--limit", "-l", help="Ansible host pattern.")
@click.option("--check", is_flag=True, help="Dry run (ansible --check).")
@click.option("--json", "as_json", is_flag=True)
def run_cmd(target: str, inventory: str | None, limit: str | None, check: bool, as_json: bool) -> None:
    """Run an SOP activity or group now (trigger: manual) and record it."""
    cfg = STATE.config(inventory=inventory)
    catalog = _load(cfg, write=True)
    results = _do_run(cfg, catalog, target, limit=limit, check=check, trigger="manual")
    if as_json:
        _emit_json([r.to_dict() for r in results])
    else:
        _print_results(results, catalog, cfg)
    ok = all(r.records and all(rec.status == "successful" for rec in r.records) for r in results)
    raise Exit(0 if ok else 1)


# -- due / tick ---------------------------------------------------------------------------------
def _due(cfg: Config, catalog: Catalog, at: datetime, store: RecordStore | None = None) -> list[DueItem]:
    write = store is not None and not store.readonly
    groups = load_groups(cfg.inventory, cache_dir=cfg.records.parent, write_cache=write)
    if store is not None:
        return compute_due(catalog, store, groups, at)
    with _store(cfg, readonly=True) as st:
        return compute_due(catalog, st, groups, at)


@app.command("due")
@click.option("--at", help="Evaluate at this time (ISO; default now, court timezone).")
@click.option("--all", "show_all", is_flag=True, help="Also list activities that are done for their slot.")
@click.option("--json", "as_json", is_flag=True)
def due_cmd(at: str | None, show_all: bool, as_json: bool) -> None:
    """Show due and overdue activities per scope (host group), computed from the records."""
    cfg = STATE.config()
    catalog = _load(cfg)
    when = _parse_at(at, catalog)
    _readable(cfg)
    items = [i for i in _due(cfg, catalog, when) if show_all or i.state in ("due", "overdue")]
    if as_json:
        _emit_json({"at": iso(when), "items": [i.to_dict() for i in items]})
        return
    tables.console().print(tables.due_table(items, catalog, when))


@app.command("tick")
@click.option("--json", "as_json", is_flag=True)
def tick_cmd(as_json: bool) -> None:
    """Run every runnable activity that is due, once (after downtime: one catch-up run).

    Each playbook is guarded by its own lock and re-checked against the records after the
    lock is taken, so concurrent ticks never run the same activity twice.
    """
    from sop_runner import runner

    cfg = STATE.config()
    catalog = _load(cfg, write=True)
    runner.preflight(cfg)
    with _store(cfg) as store:
        store.recover_interrupted()
        playbooks, warnings = tick.choose(
            _due(cfg, catalog, utcnow(), store), lambda pb: (cfg.project_dir / pb).is_file()
        )
    for w in warnings:
        err.print(f"sop: warning: {w}", highlight=False)
    report: list[dict[str, Any]] = []
    any_bad = False
    for pb, acts in playbooks.items():
        lock = tick.lock_path(cfg.records.parent / "locks", pb)
        with tick.try_lock(lock) as got:
            if not got:
                report.append({"playbook": pb, "activities": acts, "skipped": "running in another tick"})
                continue
            # re-check after taking the lock: another tick may have just done it
            with _store(cfg) as store:
                fresh = [
                    i for i in tick.pending(_due(cfg, catalog, utcnow(), store)) if i.activity_id in acts
                ]
            if not fresh:
                report.append({"playbook": pb, "activities": acts, "skipped": "done by another tick"})
                continue
            hosts = sorted({h for i in fresh for h in i.hosts_due if h})
            scopes_all = all(
                set(i.hosts_due) == set(load_groups(cfg.inventory, cfg.records.parent).get(i.scope, []))
                for i in fresh
            )
            trigger = "catch-up" if any(i.missed_slots > 1 for i in fresh) else "schedule"
            planned = runner.PlannedRun(
                pb, sorted({i.activity_id for i in fresh}), None if scopes_all else ",".join(hosts)
            )
            try:
                runner.check_inventory(cfg, catalog, [planned])
            except InventoryError as exc:  # one playbook's hosts lack a variable: run the others
                any_bad = True
                report.append({"playbook": pb, "activities": planned.activities, "skipped": str(exc)})
                continue
            res = runner.run_playbook(cfg, catalog, planned, trigger=trigger)
            any_bad = any_bad or not res.records or any(r.status != "successful" for r in res.records)
            report.append(
                {
                    "playbook": pb,
                    "activities": planned.activities,
                    "trigger": trigger,
                    "limit": planned.limit,
                    "run_id": res.run_id,
                    "records": [
                        {"seq": r.seq, "activity_id": r.activity_id, "status": r.status} for r in res.records
                    ],
                }
            )
    any_bad = _tick_reports(cfg, catalog, report) or any_bad
    with _store(cfg) as store:
        notified = _notify(store, catalog, cfg)
    if as_json:
        _emit_json(report)
    else:
        if notified:
            err.print(f"sop: {notified}", highlight=False)
        if not report:
            out.print("nothing due")
        for r in report:
            if "skipped" in r:
                out.print(f"{r['playbook']}: skipped ({r['skipped']})", highlight=False)
            else:
                recs = ", ".join(f"{x['activity_id']}={x['status']}" for x in r["records"])
                out.print(f"{r['playbook']} [{r['trigger']}]: {recs}", highlight=False)
    raise Exit(1 if any_bad else 0)


def _notify(store: RecordStore, catalog: Catalog, cfg: Config) -> str | None:
    """Send the court's notifications (failed runs, overdue, high findings) when configured."""
    from sop_runner.notify import notify_if_configured

    groups = load_groups(cfg.inventory, cache_dir=cfg.records.parent)
    return notify_if_configured(store, catalog, cfg.inventory_dir, groups)


def _tick_reports(cfg: Config, catalog: Catalog, report: list[dict[str, Any]]) -> bool:
    """Write the reports whose activities are due (C.6/C.7/SIPP-5/F.5: the month's Laporan
    Situasi Kondisi; C.1: the year's Jadwal Pemeliharaan), each recorded as that activity's
    output. Append a line per report to `report`; return True when a report failed."""
    from sop_runner.reports import build
    from sop_runner.reports.court import CourtInfo
    from sop_runner.reports.errors import ReportError

    now = utcnow()
    with _store(cfg) as store:
        items = _due(cfg, catalog, now, store)
    due = {
        i.activity_id
        for i in items
        if i.state in ("due", "overdue") and catalog.activities[i.activity_id].produced_by == "report"
    }
    jobs = [
        (acts, name)
        for acts, name in (
            (build.MONTHLY_REPORT_ACTIVITIES, "monthly"),
            (build.SCHEDULE_REPORT_ACTIVITIES, "schedule"),
        )
        if due & set(acts)
    ]
    if not jobs:
        return False
    lock = cfg.records.parent / "locks" / "reports.lock"
    bad = False
    with tick.try_lock(lock) as got:
        if not got:
            report.append(
                {"playbook": "sop report", "activities": sorted(due), "skipped": "running in another tick"}
            )
            return False
        local = now.astimezone(catalog.tz)
        letterhead = cfg.inventory_dir / "court_report.yml"
        court = CourtInfo.load(letterhead if letterhead.is_file() else None)
        out_dir = cfg.records.parent / "reports"
        for acts, name in jobs:
            started = utcnow()
            try:
                with _store(cfg) as store:
                    if name == "monthly":
                        paths, covers = build.build_monthly_report(
                            store,
                            catalog,
                            f"{local.year}-{local.month:02d}",
                            court,
                            out_dir,
                            groups=load_groups(cfg.inventory, cache_dir=cfg.records.parent),
                        )
                        summary = f"Laporan Situasi Kondisi {covers['month']} disusun"
                    else:
                        paths = build.build_schedule(catalog, local.year, court, out_dir)
                        covers = {"year": local.year}
                        summary = f"Jadwal Pemeliharaan {local.year} disusun"
                    recs = build.record_report(
                        store,
                        catalog,
                        acts,
                        paths,
                        started=started,
                        operator=cfg.operator,
                        summary=summary,
                        data=covers,
                        trigger="schedule",
                    )
            except ReportError as exc:
                bad = True
                report.append(
                    {"playbook": f"sop report {name}", "activities": list(acts), "skipped": str(exc)}
                )
                continue
            report.append(
                {
                    "playbook": f"sop report {name}",
                    "activities": list(acts),
                    "trigger": "schedule",
                    "records": [
                        {"seq": r.seq, "activity_id": r.activity_id, "status": r.status} for r in recs
                    ],
                }
            )
    return bad


# -- log ----------------------------------------------------------------------------------------
_DURATION_PART = (
    r"(\d+(?:[.,]\d+)?)\s*(hari|jam|menit|detik|days?|hours?|minutes?|mins?|seconds?|secs?|[dhms])(?![a-z])"
)
_DURATION = re.compile(rf"(?:\s*{_DURATION_PART})+\s*")
_DURATION_UNITS = {"hari": 86400, "jam": 3600, "menit": 60, "detik": 1}
_DURATION_UNITS.update({"d": 86400, "h": 3600, "m": 60, "s": 1})


def parse_duration(text: str) -> float:
    """Given a duration such as ``90m``, ``1h30m``, ``2 jam``, ``45 menit`` or ``01:30``
    (hours:minutes), return seconds. Raise UserError naming the input otherwise."""
    t = text.strip().lower()
    hm = re.fullmatch(r"(\d+):([0-5]\d)", t)
    if hm:
        seconds = int(hm.group(1)) * 3600.0 + int(hm.group(2)) * 60.0
    elif _DURATION.fullmatch(t):
        seconds = sum(
            float(num.replace(",", ".")) * _DURATION_UNITS[unit if unit in _DURATION_UNITS else unit[0]]
            for num, unit in re.findall(_DURATION_PART, t)
        )
    else:
        seconds = 0.0
    if seconds <= 0:
        raise UserError(f"--duration {text!r}: not a duration (e.g. 90m, 1h30m, 2 jam, 45 menit, 01:30)")
    return seconds


def _log_times(
    started: datetime | None, ended: datetime | None, duration: float | None, act_standard: float | None
) -> tuple[datetime | None, datetime | None]:
    """Given what ``sop log`` was told (start, end, duration), return (start, end) to record.

    A start alone means the work ended now -- refused when that would claim the work took longer
    than its standard (or a day): a paper entry written up later needs --ended or --duration.
    """
    now = utcnow()
    if started and ended and duration is not None:
        raise UserError("give two of --started, --ended, --duration, not all three")
    if duration is not None:
        if started:
            ended = started + timedelta(seconds=duration)
        else:
            ended = ended or now
            started = ended - timedelta(seconds=duration)
    if ended and ended > now + timedelta(minutes=1):
        raise UserError(f"--ended {iso(ended)} is in the future")
    if started and started > now + timedelta(minutes=1):
        raise UserError(f"--started {iso(started)} is in the future")
    if started and ended and ended < started:
        raise UserError("the work cannot end before it starts (--ended is before --started)")
    if started and not ended:
        took = (now - started).total_seconds()
        if took > (act_standard or 86400):
            raise UserError(
                f"--started alone means the work ended now, {took / 3600:.1f} h later: give --ended "
                "(when the work ended) or --duration (how long it took)"
            )
        ended = now
    return started, ended


@app.command("log")
@click.argument("activity_id", metavar="activity_id")
@click.option("--note", required=True, help="What was done (Bahasa Indonesia).")
@click.option("--by", help="Who did it (default: the operator).")
@click.option("--attach", type=_PATH, multiple=True, help="File to attach (repeatable).")
@click.option("--started", help="When the work started (ISO; court time zone when naive).")
@click.option("--ended", help="When the work ended (ISO; default: now, or --started + --duration).")
@click.option("--duration", help="How long it took (90m, 1h30m, 2 jam), with --started or --ended.")
@click.option("--json", "as_json", is_flag=True)
def log_cmd(
    activity_id: str,
    note: str,
    by: str | None,
    attach: tuple[Path, ...],
    started: str | None,
    ended: str | None,
    duration: str | None,
    as_json: bool,
) -> None:
    """Record a manual (or partly manual) SOP activity in the same store.

    The Mutu Baku verdict compares the time from --started to --ended (or --duration) with the
    activity's standard; without a start there is no duration and no verdict.
    """
    cfg = STATE.config()
    catalog = _load(cfg, write=True)
    act = catalog.get(activity_id)
    start, end = _log_times(
        _parse_when(started, catalog, "started"),
        _parse_when(ended, catalog, "ended"),
        parse_duration(duration) if duration is not None else None,
        act.standard_s,
    )
    with _store(cfg) as store:
        store.recover_interrupted()
        rec = store.add_manual(
            act.id,
            note,
            operator=by or cfg.operator,
            attachments=list(attach),
            started_at=start,
            ended_at=end,
            standard_s=act.standard_s,
        )
    if as_json:
        _emit_json(rec.to_dict())
    else:
        verdict = f", {rec.verdict}" if rec.verdict else ""
        took = f", {rec.duration_s / 60:.0f} menit" if rec.duration_s is not None else ""
        out.print(
            f"record #{rec.seq} {rec.activity_id} by {rec.operator}{took}{verdict} ({rec.record_id})",
            highlight=False,
        )


# -- records ------------------------------------------------------------------------------------
def _iso_opt(text: str | None, catalog: Catalog, name: str) -> str | None:
    if not text:
        return None
    try:
        return iso(_parse_at(text, catalog))
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
    _readable(cfg)
    catalog = _load(cfg)
    if activity:
        catalog.get(activity)
    with _store(cfg, readonly=True) as store:
        recs = store.list_records(
            activity_id=activity,
            status=status,
            since=_iso_opt(since, catalog, "since"),
            until=_iso_opt(until, catalog, "until"),
            limit=limit,
            newest_first=True,
        )
    recs.reverse()
    if as_json:
        _emit_json([r.to_dict() for r in recs])
    else:
        con = tables.console()
        con.print(tables.records_table(recs, catalog, con.width))


@records_app.command("show")
@click.argument("key", metavar="key")
@click.option("--json", "as_json", is_flag=True)
def records_show(key: str, as_json: bool) -> None:
    """Show one record in full (by seq number or record id / prefix)."""
    cfg = STATE.config()
    _readable(cfg)
    with _store(cfg, readonly=True) as store:
        rec = store.get_record(key)
    if as_json:
        _emit_json(rec.to_dict())
        return
    for k, v in rec.to_dict().items():
        out.print(
            f"[bold]{k}[/bold]: {json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v}"
        )


@records_app.command("export")
@click.argument("dest", metavar="dest", type=_PATH, help="Output file (JSON lines; written atomically).")
@click.option("--activity", "-a")
@click.option("--since")
@click.option("--until")
def records_export(dest: Path, activity: str | None, since: str | None, until: str | None) -> None:
    """Export records as JSON lines (each with its prev_hash and hash)."""
    cfg = STATE.config()
    _readable(cfg)
    catalog = _load(cfg)
    if not dest.parent.is_dir():
        raise UserError(f"export destination {dest}: directory {dest.parent} does not exist")
    with _store(cfg, readonly=True) as store:
        n = store.export_jsonl(
            dest,
            activity_id=activity,
            since=_iso_opt(since, catalog, "since"),
            until=_iso_opt(until, catalog, "until"),
        )
    out.print(f"{n} records written to {dest}", highlight=False)


@records_app.command("verify")
@click.option("--json", "as_json", is_flag=True)
def records_verify(as_json: bool) -> None:
    """Recompute the hash chain; name the first record altered, removed or reordered."""
    cfg = STATE.config()
    _readable(cfg)
    with _store(cfg, readonly=True) as store:
        res = store.verify()
    if as_json:
        _emit_json(res.to_dict())
    elif res.ok:
        out.print(f"OK: {res.count} records, chain head {res.head_hash}", highlight=False)
    else:
        out.print(f"BROKEN: {res.problem}", highlight=False)
    raise Exit(0 if res.ok else 1)


# -- summary ------------------------------------------------------------------------------------
def summary_rows(cfg: Config, catalog: Catalog, at: datetime) -> list[dict[str, Any]]:
    """Return one compliance row per activity: last record, status, Mutu Baku verdict, due state,
    as the records stood at ``at``."""
    with _store(cfg, readonly=True) as store:
        due = _due(cfg, catalog, at, store) if catalog.activities else []
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


@app.command("summary")
@click.option("--at", help="Evaluate at this time (ISO).")
@click.option("--json", "as_json", is_flag=True)
def summary_cmd(at: str | None, as_json: bool) -> None:
    """Compliance summary: per activity the last run, its status, memenuhi / tidak memenuhi, overdue."""
    cfg = STATE.config()
    catalog = _load(cfg)
    when = _parse_at(at, catalog)
    _readable(cfg)
    rows = summary_rows(cfg, catalog, when)
    if as_json:
        _emit_json({"at": iso(when), "records": str(cfg.records), "activities": rows})
        return
    con = tables.console()
    con.print(tables.summary_table(rows, catalog, when, con.width))
    out.print(f"records: {cfg.records}", highlight=False)


# -- install-schedule / lab-demo ----------------------------------------------------------------
@app.command("install-schedule")
@click.option(
    "--on-calendar", default="*:0/5", show_default=True, help="systemd OnCalendar of the tick timer."
)
@click.option("--check", is_flag=True)
def install_schedule_cmd(on_calendar: str, check: bool) -> None:
    """Install a systemd timer on the control node that runs `sop tick` (via a playbook)."""
    from sop_runner import runner

    cfg = STATE.config()
    rc = runner.run_utility_playbook(
        cfg,
        "playbooks/install_schedule.yml",
        extravars={
            "sop_schedule_on_calendar": on_calendar,
            "sop_schedule_command": f"{Path(sys.executable).parent / 'sop'} tick",
            "sop_schedule_environment": {
                "SOP_RECORDS": str(cfg.records),
                "SOP_INVENTORY": str(cfg.inventory),
                "SOP_PROJECT_DIR": str(cfg.project_dir),
            },
        },
        check=check,
    )
    raise Exit(0 if rc == 0 else 1)


@app.command("lab-demo")
@click.pass_context
def lab_demo_cmd(ctx: click.Context) -> None:
    """Run every runnable activity against the lab once, then print the compliance summary."""
    cfg = STATE.config()
    catalog = _load(cfg, write=True)
    results = _do_run(cfg, catalog, "all", limit=None, check=False, trigger="manual")
    _print_results(results, catalog, cfg)
    ctx.invoke(summary_cmd, at=None, as_json=False)


@app.command("config")
@click.option("--json", "as_json", is_flag=True)
def config_cmd(as_json: bool) -> None:
    """Show the effective configuration and where each value came from."""
    cfg = STATE.config()
    if as_json:
        _emit_json(cfg.to_dict())
        return
    for k, v in cfg.to_dict().items():
        out.print(f"{k}: {v}", highlight=False)


@awx_app.command("export")
@click.option("--court", required=True, help="Court name used for the controller objects.")
@click.option("--out", "-o", type=_PATH, required=True, help="Playbook to write (awx.awx tasks).")
@click.option("--scm-url", required=True, help="Git URL of this repository as the controller sees it.")
@click.option(
    "--inventory-path",
    default="inventory/example",
    show_default=True,
    help="Inventory folder inside the repository, e.g. inventory/pn-xyz.",
)
@click.option("--organization", default="Mahkamah Agung RI", show_default=True)
@click.option("--execution-environment", default="court-sop-ee", show_default=True)
@click.option(
    "--records-path",
    default="/var/lib/sop/records.sqlite",
    show_default=True,
    help="Record store path on the execution nodes (persistent volume).",
)
def awx_export_cmd(
    court: str,
    out: Path,
    scm_url: str,
    inventory_path: str,
    organization: str,
    execution_environment: str,
    records_path: str,
) -> None:
    """Write an awx.awx playbook creating the project, inventory, one job template per automated
    SOP activity and its schedule (the catalog's RRULEs, as AWX accepts them)."""
    from sop_runner.awx import AwxTarget, export

    cfg = STATE.config()
    catalog = _load(cfg)
    target = AwxTarget(
        court=court,
        organization=organization,
        scm_url=scm_url,
        inventory_path=inventory_path,
        execution_environment=execution_environment,
        records_path=records_path,
    )
    path = export(catalog, target, out)
    out_count = sum(1 for a in catalog.activities.values() if a.runnable)
    err.print(f"{path}: {out_count} job templates", highlight=False)
    click.echo(str(path))


app.add_command(catalog_app)
app.add_command(records_app)
app.add_command(awx_app)


# Extension point: the monthly reports live in sop_runner.reports (another part of the project).
def _add_reports(main_app: click.Group) -> None:
    try:
        from sop_runner.reports.cli import app as reports_app
    except ModuleNotFoundError as exc:  # only "that module is not there (yet)" is tolerated
        if exc.name not in ("sop_runner.reports.cli", "sop_runner.reports"):
            raise
        return
    main_app.add_command(reports_app, name="report")
    from sop_runner.reports.cli import complaint_app, request_app

    main_app.add_command(request_app, name="request")
    main_app.add_command(complaint_app, name="complaint")


_add_reports(app)


def main() -> None:
    """Entry point of the ``sop`` command."""
    try:
        # returns the code of a click Exit (also --help); the name is "sop" also under python -m
        rc = app.main(prog_name="sop", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # `sop`, `sop catalog` …: the help on stdout, exit 2
        click.echo(exc.ctx.get_help(), color=exc.ctx.color)
        sys.exit(2)
    except click.ClickException as exc:  # usage errors: the usage line and one "Error: …" line
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:  # Ctrl-C
        sys.exit(130)
    except Exception as exc:
        if not _is_user_error(exc):
            raise
        err.print(f"sop: error: {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()


__all__ = ["app", "canonical_json", "main", "summary_rows"]
