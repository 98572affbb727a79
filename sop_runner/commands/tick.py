"""``sop tick``: run what is due once, write the due reports, send notifications.

The choice of what to run is :mod:`sop_runner.tick` (from :func:`sop_runner.due.compute_due`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from click.exceptions import Exit

from sop_runner import tick
from sop_runner.catalog import Catalog
from sop_runner.commands.common import (
    PATH_TYPE,
    STATE,
    catalog_of,
    checkpoint_warning,
    due_items,
    emit_json,
    err,
    open_store,
    out,
)
from sop_runner.config import Config
from sop_runner.inventory import InventoryError, load_groups
from sop_runner.records import RecordStore, utcnow


@click.command("tick")
@click.option("--junit", type=PATH_TYPE, help="Write JUnit XML (one case per activity and host) here (CI).")
@click.option("--json", "as_json", is_flag=True)
def tick_cmd(junit: Path | None, as_json: bool) -> None:
    """Run every runnable activity that is due, once (after downtime: one catch-up run).

    Each playbook is guarded by its own lock and re-checked against the records after the
    lock is taken, so concurrent ticks never run the same activity twice.
    """
    from sop_runner import runner

    cfg = STATE.config()
    catalog = catalog_of(cfg, write=True)
    runner.preflight(cfg)
    with open_store(cfg) as store:
        store.recover_interrupted()
        playbooks, warnings = tick.choose(
            due_items(cfg, catalog, utcnow(), store), lambda pb: (cfg.project_dir / pb).is_file()
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
            with open_store(cfg) as store:
                fresh = [
                    i for i in tick.pending(due_items(cfg, catalog, utcnow(), store)) if i.activity_id in acts
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
    any_bad = _tick_comply(cfg, catalog, report) or any_bad
    checkpoint_warning(cfg)
    if junit is not None:
        from sop_runner.junit import cases_from_records, write_junit

        seqs = [x["seq"] for r in report for x in r.get("records", [])]
        with open_store(cfg, readonly=True) as store:
            ticked = [store.get_record(seq) for seq in seqs]
        write_junit(junit, cases_from_records(ticked), "sop tick")
    with open_store(cfg) as store:
        notified = _notify(store, catalog, cfg)
    if as_json:
        emit_json(report)
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
        from sop_runner.evidence.cli import witness_status_line

        witnessed = witness_status_line(cfg.records, cfg.inventory_dir)
        if witnessed:
            out.print(f"witness: {witnessed}", highlight=False)
    raise Exit(1 if any_bad else 0)


def _notify(store: RecordStore, catalog: Catalog, cfg: Config) -> str | None:
    """Send the court's notifications (failed runs, overdue, high findings) when configured."""
    from sop_runner.notify import notify_if_configured

    groups = load_groups(cfg.inventory, cache_dir=cfg.records.parent)
    return notify_if_configured(store, catalog, cfg.inventory_dir, groups)


def _tick_comply(cfg: Config, catalog: Catalog, report: list[dict[str, Any]]) -> bool:
    """Run the compliance audit (sop comply) when its catalog activity (KK-1) is due; append a
    line to `report`; return True when a control failed or a host was unreachable."""
    from sop_runner.comply.audit import audit

    with open_store(cfg) as store:
        items = due_items(cfg, catalog, utcnow(), store)
    due = sorted(
        {
            i.activity_id
            for i in items
            if i.state in ("due", "overdue") and catalog.activities[i.activity_id].produced_by == "comply"
        }
    )
    if not due:
        return False
    with tick.try_lock(cfg.records.parent / "locks" / "comply.lock") as got:
        if not got:
            report.append({"playbook": "sop comply", "activities": due, "skipped": "running in another tick"})
            return False
        outcome = audit(cfg, catalog, trigger="schedule")
    report.append(
        {
            "playbook": "sop comply",
            "activities": due,
            "trigger": "schedule",
            "records": [
                {"seq": r.seq, "activity_id": r.activity_id, "status": r.status} for r in outcome.records
            ],
        }
    )
    return not outcome.ok


def _tick_reports(cfg: Config, catalog: Catalog, report: list[dict[str, Any]]) -> bool:
    """Write the reports whose activities are due (C.6/C.7/SIPP-5/F.5: the month's Laporan
    Situasi Kondisi; C.1: the year's Jadwal Pemeliharaan), each recorded as that activity's
    output. Append a line per report to `report`; return True when a report failed."""
    from sop_runner.reports import build
    from sop_runner.reports.court import CourtInfo
    from sop_runner.reports.errors import ReportError

    now = utcnow()
    with open_store(cfg) as store:
        items = due_items(cfg, catalog, now, store)
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
                with open_store(cfg) as store:
                    if name == "monthly":
                        paths, covers = build.build_monthly_report(
                            store,
                            catalog,
                            f"{local.year}-{local.month:02d}",
                            court,
                            out_dir,
                            groups=load_groups(cfg.inventory, cache_dir=cfg.records.parent),
                            inventory_dir=cfg.inventory_dir,
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
