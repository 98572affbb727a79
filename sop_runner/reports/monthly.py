"""Laporan Situasi Kondisi (SIPP-5, F.5; with C.6/C.7): the month read from the record store.

:func:`collect_monthly` turns the records of one month into a :class:`MonthlyReport` (plain
data); :func:`render_monthly_html` renders it with the package's Jinja2 template. Times are shown
in the court's time zone (the catalog's ``timezone``); the store keeps UTC.

Reading the month: for every catalog activity with a schedule, each due time (RRULE
occurrence) before the report's cut-off (end of month, or now for the running month) is a
*slot*, and its state comes from :func:`sop_runner.slots.slot_state`, the function ``sop due``
uses too: a day-standard slot (daily, day 30) is done by a run any time on its day, an hourly
one by a run in its hour. An activity *memenuhi* its Mutu Baku when no slot was missed and no
record exceeded the SOP's "Waktu" standard; it is *overdue* when ``sop due`` says so at the
report's cut-off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sop_runner.catalog import Activity, Catalog
from sop_runner.due import store_runs
from sop_runner.evidence.report import ReportCheckpoint, report_checkpoint
from sop_runner.ledger import Complaint, Ledger, ServiceRequest
from sop_runner.records import MEMENUHI, TIDAK_MEMENUHI, Incident, Record, RecordStore, iso, parse_iso, utcnow
from sop_runner.reports import charts
from sop_runner.reports.court import CourtInfo
from sop_runner.reports.errors import ReportError
from sop_runner.reports.render import render
from sop_runner.slots import (
    DONE,
    DUE,
    FAILED,
    OVERDUE,
    UPCOMING,
    Run,
    Runs,
    Schedule,
    scope_state,
    slot_state,
)

DONE_STATUSES = ("successful", "partial")
SECTION_ACTIVITIES = {
    "sipp": ("SIPP-1", "SIPP-2", "SIPP-3", "D.7"),
    "network": ("C.2", "C.3", "C.4", "C.5"),
    "security": ("D.1", "D.4", "D.5"),
    "website": ("F.1", "F.2", "F.3", "F.4", "E.6"),
}
BACKUP_ACTIVITIES = ("SIPP-2", "F.2")
SIZE_KEYS = ("size_bytes", "backup_size_bytes", "archive_bytes", "dump_bytes", "total_bytes")
AVAILABILITY_THRESHOLD = 99.0


@dataclass
class ActivityRow:
    """One line of the Daftar hasil monitoring dan pemeliharaan (C.6/C.7)."""

    id: str
    aktifitas: str
    pelaksana: str
    waktu: str
    output: str
    kind: str
    schedule_text: str
    scheduled: int = 0
    done_slots: int = 0
    missed: list[dt.datetime] = field(default_factory=list)
    failed_slots: list[dt.datetime] = field(default_factory=list)
    runs: int = 0
    failed: int = 0
    over_standard: int = 0
    verdict: str | None = None
    overdue: bool = False
    last: Record | None = None
    last_at: dt.datetime | None = None
    last_summary: str = ""
    note: str = ""


@dataclass
class RestoreRow:
    """The newest restore that proves the backups, up to the report's cutoff (any month): the D.7
    drill into a scratch copy, or a recovery onto a replacement server (SIPP-7, F.7)."""

    kind: str  # "Uji restorasi (D.7)", "Pemulihan SIPP (SIPP-7)", "Pemulihan website (F.7)"
    activity_id: str
    at: dt.datetime
    status: str
    host: str
    backup: str
    recovery_s: float | None
    summary: str


# The restores the report shows the newest of: (activity, kind, is it a restore of the backups).
RESTORE_KINDS = (
    ("D.7", "Uji restorasi (D.7)"),
    ("SIPP-7", "Pemulihan SIPP (SIPP-7)"),
    ("F.7", "Pemulihan website (F.7)"),
)


@dataclass
class DayAvailability:
    """SIPP availability on one day from the hourly SIPP-1 checks."""

    day: int
    checks: int
    available: int

    @property
    def percent(self) -> float | None:
        """Share of checks that found SIPP available, or None when nothing was checked."""
        return 100.0 * self.available / self.checks if self.checks else None


@dataclass
class FindingRow:
    """A finding as the report lists it: grouped by (activity, host, code) over the month."""

    activity_id: str
    host: str
    severity: str
    code: str
    message: str
    first_at: dt.datetime
    last_at: dt.datetime
    count: int


@dataclass
class StateRow:
    """The latest state of one host for one activity in the month (its SOP summary line)."""

    activity_id: str
    host: str
    at: dt.datetime
    status: str
    summary: str


@dataclass
class ComplianceRow:
    """Kepatuhan konfigurasi: one SOP activity audited by ``sop comply`` (KK-1) in the month --
    how often, the latest result per host and the controls that failed during the month."""

    sop_activity: str
    audits: int
    last_at: dt.datetime
    last_status: str
    passed: int
    failed: int
    unreachable: int
    failures: list[FindingRow] = field(default_factory=list)


@dataclass
class BackupRow:
    """One backup (or restore drill) record."""

    activity_id: str
    at: dt.datetime
    status: str
    size_bytes: float | None
    repository_bytes: float | None
    duration_s: float | None
    verdict: str | None
    summary: str


@dataclass
class IncidentRow:
    """An incident overlapping the month, with its duration (up to now when still open)."""

    incident: Incident
    opened_at: dt.datetime
    closed_at: dt.datetime | None
    duration_s: float


@dataclass
class ManualRow:
    """A manual activity recorded with ``sop log`` (not part of a request or complaint)."""

    record: Record
    at: dt.datetime


@dataclass
class MonthlyReport:
    """Everything the monthly template prints."""

    court: CourtInfo
    catalog: Catalog
    year: int
    month: int
    tz: str
    period_start: dt.datetime
    period_end: dt.datetime
    cutoff: dt.datetime
    generated_at: dt.datetime
    activities: list[ActivityRow]
    availability: list[DayAvailability]
    availability_svg: str
    backups: list[BackupRow]
    backup_svg: str
    restore_drills: list[BackupRow]
    last_restores: list[RestoreRow]
    compliance: list[ComplianceRow]
    findings: dict[str, list[FindingRow]]
    latest: dict[str, list[StateRow]]
    incidents: list[IncidentRow]
    complaints: list[Complaint]
    requests: list[ServiceRequest]
    manual: list[ManualRow]
    open_items: list[str]
    last_record: Record | None
    chain_ok: bool
    chain_count: int
    chain_problem: str
    record_count: int
    recording_since: dt.datetime | None = None
    checkpoint: ReportCheckpoint | None = None

    @property
    def availability_percent(self) -> float | None:
        """SIPP availability over the month (all hourly checks)."""
        checks = sum(d.checks for d in self.availability)
        return 100.0 * sum(d.available for d in self.availability) / checks if checks else None

    @property
    def memenuhi_count(self) -> int:
        """Activities that met their Mutu Baku this month."""
        return sum(1 for a in self.activities if a.verdict == MEMENUHI)

    @property
    def tidak_memenuhi_count(self) -> int:
        """Activities that did not meet their Mutu Baku this month."""
        return sum(1 for a in self.activities if a.verdict == TIDAK_MEMENUHI)

    @property
    def month_name(self) -> str:
        """'November 2026'."""
        from sop_runner.reports.schedule import MONTHS_ID

        return f"{MONTHS_ID[self.month - 1]} {self.year}"

    def local(self, value: str | dt.datetime | None) -> dt.datetime | None:
        """Return a store time (ISO text or aware datetime) in the court's time zone."""
        if value is None:
            return None
        when = parse_iso(value) if isinstance(value, str) else value
        return when.astimezone(ZoneInfo(self.tz))


def parse_month(text: str) -> tuple[int, int]:
    """Given 'YYYY-MM', return (year, month). Raise ReportError naming the input otherwise."""
    try:
        year_s, month_s = text.split("-")
        year, month = int(year_s), int(month_s)
        if len(year_s) != 4 or not 1 <= month <= 12:
            raise ValueError
    except ValueError:
        raise ReportError(f"month {text!r} is not YYYY-MM (e.g. 2026-11)") from None
    return year, month


def month_slot_states(
    act: Activity,
    schedule: Schedule,
    slots: list[dt.datetime],
    hosts: list[str] | None,
    runs: Runs,
    now: dt.datetime,
) -> list[tuple[dt.datetime, str]]:
    """Given an activity's slots in the month, the hosts of its scopes (None: as a whole), its
    runs and the time of the report, return each slot with its state from
    :func:`sop_runner.slots.slot_state`: done and failed count as carried out, not met and
    overdue as missed, due and upcoming are not counted yet."""
    following: list[dt.datetime | None] = [*slots[1:], None]
    return [
        (s, slot_state(act, schedule, s, hosts, runs, now, nxt).state)
        for s, nxt in zip(slots, following, strict=True)
    ]


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _backup_size(output: dict[str, Any]) -> float | None:
    """Given a backup record's output (host → sop_output), return the bytes backed up.

    Reads, per host, the restic shape the backup roles hand over (``snapshots``/``sources``
    lists with ``bytes_processed``), else the exported files (``export.files[].bytes``), else a
    plain size key; sums over hosts. None when no host reports a size.
    """
    total: float | None = None
    for host_out in output.values():
        if not isinstance(host_out, dict):
            continue
        size: float | None = None
        for key in ("snapshots", "sources"):
            items = host_out.get(key)
            if isinstance(items, list):
                vals = [_num(i.get("bytes_processed")) for i in items if isinstance(i, dict)]
                got = [v for v in vals if v is not None]
                if got:
                    size = sum(got)
                    break
        export = host_out.get("export")
        if size is None and isinstance(export, dict) and isinstance(export.get("files"), list):
            got = [
                v
                for v in (_num(f.get("bytes")) for f in export["files"] if isinstance(f, dict))
                if v is not None
            ]
            size = sum(got) if got else None
        if size is None:
            size = next((v for v in (_num(host_out.get(k)) for k in SIZE_KEYS) if v is not None), None)
        if size is not None:
            total = (total or 0.0) + size
    return total


def _repository_size(output: dict[str, Any]) -> float | None:
    vals = [_num(o.get("repository_bytes")) for o in output.values() if isinstance(o, dict)]
    got = [v for v in vals if v is not None]
    return sum(got) if got else None


def _sipp_available(rec: Record) -> bool:
    """Given a SIPP-1 record, return whether SIPP was available (output flag, else status)."""
    flags = [o.get("akses_sipp_tersedia") for o in rec.output.values() if isinstance(o, dict)]
    flags = [f for f in flags if isinstance(f, bool)]
    if flags:
        return all(flags)
    return rec.status == "successful" and not any(f.get("severity") == "high" for f in rec.findings)


class _Collector:
    def __init__(
        self,
        store: RecordStore,
        catalog: Catalog,
        court: CourtInfo,
        year: int,
        month: int,
        now: dt.datetime,
        groups: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.store = store
        self.groups = groups
        self.catalog = catalog
        self.court = court
        self.tz_name = court.tz or catalog.timezone
        self.tz = ZoneInfo(self.tz_name)
        self.year, self.month = year, month
        self.start = dt.datetime(year, month, 1, tzinfo=self.tz)
        self.end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=self.tz)
        self.now = now
        if self.start > now:
            raise ReportError(f"month {year}-{month:02d} has not started yet; nothing to report")
        self.cutoff = min(self.end, now)
        # Due times before the store's first record are not counted: nothing was recording then
        # (a court's first month after installation is not "all missed").
        first = next(iter(store.iter_records(limit=1)), None)
        self.recording_since = parse_iso(first.started_at).astimezone(self.tz) if first else None
        self.slots_from = max(self.start, self.recording_since) if self.recording_since else self.start
        self.since, self.until = iso(self.start), iso(self.end)
        self.records: dict[str, list[Record]] = {}

    def month_records(self, activity_id: str) -> list[Record]:
        if activity_id not in self.records:
            self.records[activity_id] = [
                r
                for r in self.store.iter_records(
                    activity_id=activity_id, since=self.since, until=self.until, include_check=False
                )
            ]
        return self.records[activity_id]

    def activity_row(self, act: Activity) -> ActivityRow:
        recs = self.month_records(act.id)
        row = ActivityRow(
            id=act.id,
            aktifitas=act.aktifitas,
            pelaksana=" / ".join(act.pelaksana),
            waktu=act.waktu,
            output=act.output,
            kind=act.kind,
            schedule_text=self.catalog.schedule_descriptions.get(act.schedule or "", "")
            if act.schedule
            else "",
        )
        ledger_recs = [r for r in recs if "ledger" in r.output]
        row.runs = len(recs)
        row.failed = sum(1 for r in recs if r.status not in DONE_STATUSES)
        row.over_standard = sum(1 for r in recs if r.verdict == TIDAK_MEMENUHI)
        if recs:
            row.last = recs[-1]
            row.last_at = parse_iso(recs[-1].started_at).astimezone(self.tz)
            row.last_summary = recs[-1].summary
        rule = self.catalog.rrule(act) if act.enabled else None
        if rule and act.produced_by != "report":
            self._slot_check(row, rule, act)
        elif act.produced_by == "report":
            row.note = (
                "disusun dari catatan oleh laporan ini" if act.id in ("C.6", "C.7", "SIPP-5", "F.5") else ""
            )
        if row.scheduled or recs:
            late = row.over_standard > 0 or bool(row.missed) or bool(row.failed_slots)
            has_standard = act.standard_s is not None or bool(rule)
            if late:
                row.verdict = TIDAK_MEMENUHI
            elif has_standard and (row.done_slots or any(r.verdict == MEMENUHI for r in recs)):
                row.verdict = MEMENUHI
        if ledger_recs and not row.note:
            row.note = "lihat bagian 9 / 10"
        return row

    def _slot_check(self, row: ActivityRow, rule: str, act: Activity) -> None:
        """Count the month's slots by their state; the windows reach past the month's edges, so
        the runs around them are read from the store."""
        schedule = Schedule(rule, self.tz)
        slots = [
            s
            for s in schedule.between(self.start - dt.timedelta(microseconds=1), self.end)
            if self.slots_from <= s < self.end and s <= self.cutoff
        ]
        hosts = self.scope_hosts(act)
        if hosts is not None and not hosts:
            return  # no host of its scope in the inventory: nothing was due (sop due: no hosts)
        if slots:
            lo = schedule.opens(slots[0])
            hi = schedule.window(slots[-1])[1]
            runs = Runs(
                Run.from_record(r)
                for r in self.store.iter_records(
                    activity_id=act.id, since=iso(lo), until=iso(hi) if hi else None, include_check=False
                )
            )
            for slot, state in month_slot_states(act, schedule, slots, hosts, runs, self.now):
                if state in (DUE, UPCOMING):
                    continue  # its window is still open: not yet due
                row.scheduled += 1
                if state == DONE:
                    row.done_slots += 1
                elif state == FAILED:
                    row.failed_slots.append(slot)  # carried out, but it failed
                else:
                    row.missed.append(slot)
        # overdue: what `sop due` says at the cut-off
        at = min(self.cutoff, self.now)
        upto = store_runs(self.store, act, schedule, set(hosts) if hosts is not None else None, at)
        states = [scope_state(act, schedule, h, upto, at).state for h in self.scopes(act)]
        row.overdue = OVERDUE in states

    def scopes(self, act: Activity) -> list[list[str] | None]:
        """The host lists of the activity's scopes (None: judged as a whole)."""
        if self.groups is None or not act.targets:
            return [None]
        return [list(self.groups.get(g, [])) for g in act.targets]

    def scope_hosts(self, act: Activity) -> list[str] | None:
        """All hosts of the activity's scopes (None: judged as a whole)."""
        scopes = self.scopes(act)
        if any(s is None for s in scopes):
            return None
        return sorted({h for s in scopes for h in s or []})

    def availability(self) -> list[DayAvailability]:
        days: dict[int, DayAvailability] = {}
        last_day = (
            (self.cutoff - dt.timedelta(microseconds=1)).day
            if self.cutoff < self.end
            else ((self.end - dt.timedelta(days=1)).day)
        )
        for d in range(1, last_day + 1):
            days[d] = DayAvailability(d, 0, 0)
        for rec in self.month_records("SIPP-1"):
            day = parse_iso(rec.started_at).astimezone(self.tz).day
            if day not in days:
                continue
            days[day].checks += 1
            days[day].available += int(_sipp_available(rec))
        return list(days.values())

    def backups(self, activity_ids: Iterable[str]) -> list[BackupRow]:
        rows = []
        for act in activity_ids:
            for rec in self.month_records(act):
                rows.append(
                    BackupRow(
                        activity_id=act,
                        at=parse_iso(rec.started_at).astimezone(self.tz),
                        status=rec.status,
                        size_bytes=_backup_size(rec.output),
                        repository_bytes=_repository_size(rec.output),
                        duration_s=rec.duration_s,
                        verdict=rec.verdict,
                        summary=rec.summary,
                    )
                )
        rows.sort(key=lambda r: r.at)
        return rows

    def last_restores(self) -> list[RestoreRow]:
        """The newest D.7 drill and the newest recovery of SIPP and of the website up to the
        cutoff, whichever month they were in (a SIPP-7 or F.7 record is a recovery when its output
        carries recovery_seconds: `sop recover`; a `sop log` troubleshooting entry is not)."""
        rows = []
        for act, kind in RESTORE_KINDS:
            for rec in self.store.iter_records(
                activity_id=act, until=iso(self.cutoff), include_check=False, newest_first=True
            ):
                hosts = [(h, o) for h, o in rec.output.items() if isinstance(o, dict)]
                if act != "D.7" and not any("recovery_seconds" in o for _, o in hosts):
                    continue
                host, out = hosts[0] if hosts else ("-", {})
                snap = out.get("database_snapshot") or out.get("backup") or {}
                rows.append(
                    RestoreRow(
                        kind=kind,
                        activity_id=act,
                        at=parse_iso(rec.started_at).astimezone(self.tz),
                        status=rec.status,
                        host=host,
                        backup=str(snap.get("short_id") or snap.get("id") or "-")
                        if isinstance(snap, dict)
                        else "-",
                        recovery_s=_num(out.get("recovery_seconds")),
                        summary=rec.summary or rec.note,
                    )
                )
                break
        return rows

    def findings(self) -> dict[str, list[FindingRow]]:
        out: dict[str, list[FindingRow]] = {}
        for section, acts in SECTION_ACTIVITIES.items():
            grouped: dict[tuple[str, str, str], FindingRow] = {}
            for act in acts:
                for rec in self.month_records(act):
                    when = parse_iso(rec.started_at).astimezone(self.tz)
                    for f in rec.findings:
                        if f.get("severity") == "info":
                            continue
                        key = (act, str(f.get("host", "")), str(f.get("code", "")))
                        row = grouped.get(key)
                        if row is None:
                            grouped[key] = FindingRow(
                                act,
                                key[1],
                                str(f.get("severity")),
                                key[2],
                                str(f.get("message", "")),
                                when,
                                when,
                                1,
                            )
                        else:
                            row.count += 1
                            row.last_at = when
                            row.message = str(f.get("message", row.message))
                            if f.get("severity") == "high":
                                row.severity = "high"
            out[section] = sorted(
                grouped.values(), key=lambda r: (r.severity != "high", r.activity_id, r.first_at)
            )
        return out

    def latest(self) -> dict[str, list[StateRow]]:
        out: dict[str, list[StateRow]] = {}
        for section, acts in SECTION_ACTIVITIES.items():
            rows = []
            for act in acts:
                recs = self.month_records(act)
                if not recs:
                    continue
                last = recs[-1]
                when = parse_iso(last.started_at).astimezone(self.tz)
                for host, host_out in sorted(last.output.items()):
                    if isinstance(host_out, dict) and host_out.get("summary"):
                        status = str(last.hosts.get(host, {}).get("status", last.status))
                        rows.append(StateRow(act, host, when, status, str(host_out["summary"])))
            out[section] = rows
        return out

    def compliance(self) -> list[ComplianceRow]:
        """The month's compliance audits (records of the catalog's ``produced_by: comply``
        activity), one row per SOP activity audited."""
        rows: dict[str, ComplianceRow] = {}
        for act in self.catalog.activities.values():
            if act.produced_by != "comply":
                continue
            for rec in self.month_records(act.id):
                sop = next(
                    (str(o.get("sop_activity")) for o in rec.output.values() if isinstance(o, dict)), ""
                )
                if not sop:
                    continue
                when = parse_iso(rec.started_at).astimezone(self.tz)
                outs = [o for o in rec.output.values() if isinstance(o, dict)]
                row = rows.get(sop)
                if row is None:
                    row = rows[sop] = ComplianceRow(sop, 0, when, rec.status, 0, 0, 0)
                row.audits += 1
                row.last_at, row.last_status = when, rec.status
                row.passed = sum(len(o.get("passed") or []) for o in outs)
                row.failed = sum(len(o.get("failed") or []) for o in outs)
                row.unreachable = sum(len(o.get("unreachable") or []) for o in outs)
                for f in rec.findings:
                    key = (str(f.get("host", "")), str(f.get("code", "")))
                    hit = next((x for x in row.failures if (x.host, x.code) == key), None)
                    if hit is None:
                        row.failures.append(
                            FindingRow(
                                sop,
                                key[0],
                                str(f.get("severity")),
                                key[1],
                                str(f.get("message", "")),
                                when,
                                when,
                                1,
                            )
                        )
                    else:
                        hit.count += 1
                        hit.last_at = when
                        hit.message = str(f.get("message", hit.message))
        return sorted(rows.values(), key=lambda r: r.sop_activity)

    def incidents(self) -> list[IncidentRow]:
        rows = []
        for inc in self.store.list_incidents(since=self.since, until=self.until):
            opened = parse_iso(inc.opened_at).astimezone(self.tz)
            closed = parse_iso(inc.closed_at).astimezone(self.tz) if inc.closed_at else None
            duration = (
                inc.downtime_s if inc.downtime_s is not None else (self.cutoff - opened).total_seconds()
            )
            rows.append(IncidentRow(inc, opened, closed, max(duration, 0.0)))
        return rows

    def manual(self) -> list[ManualRow]:
        rows = []
        for act in self.catalog.activities.values():
            for rec in self.month_records(act.id):
                if rec.via == "sop-log" and "ledger" not in rec.output:
                    rows.append(ManualRow(rec, parse_iso(rec.started_at).astimezone(self.tz)))
        rows.sort(key=lambda r: r.at)
        return rows


def _in_month(start: dt.datetime, end: dt.datetime, opened: dt.datetime, closed: dt.datetime | None) -> bool:
    return opened < end and (closed is None or closed >= start)


def collect_monthly(
    store: RecordStore,
    catalog: Catalog,
    year: int,
    month: int,
    *,
    court: CourtInfo | None = None,
    now: dt.datetime | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    inventory_dir: Path | None = None,
) -> MonthlyReport:
    """Given the store, the catalog and a month, return the MonthlyReport data.

    ``groups`` are the inventory's hosts per group: each slot is judged per host of the
    activity's scope, as ``sop due`` does (None: on the activity's records as a whole).
    ``inventory_dir`` is where the court's ``witness.yml`` may be (the witnessed checkpoint).
    Raise ReportError for a month that has not started or a store without any record up to
    the end of the month.
    """
    court = court or CourtInfo()
    now = now or utcnow()
    col = _Collector(store, catalog, court, year, month, now, groups)
    activities = [col.activity_row(a) for a in catalog.activities.values()]
    ledger = Ledger(store, catalog=catalog)
    requests = [
        r
        for r in ledger.requests(now=col.cutoff)
        if _in_month(col.start, col.end, r.received_at, r.finished_at)
    ]
    complaints = [
        c
        for c in ledger.complaints(now=col.cutoff)
        if _in_month(col.start, col.end, c.received_at, c.solved_at)
    ]
    # A request's or complaint's late step makes its activity row "tidak memenuhi" too.
    rows = {a.id: a for a in activities}
    items: list[ServiceRequest | Complaint] = [*requests, *complaints]
    for item in items:
        for step in item.steps:
            if step.late and step.step in rows and step.done_at and col.start <= step.done_at < col.end:
                rows[step.step].verdict = TIDAK_MEMENUHI
    incidents = col.incidents()
    availability = col.availability()
    backups = col.backups(BACKUP_ACTIVITIES)
    drills = col.backups(("D.7",))
    last = next(iter(store.iter_records(until=col.until, newest_first=True, limit=1)), None)
    if last is None:
        raise ReportError(
            f"the record store has no record up to {year}-{month:02d}: "
            "run the SOP activities first (sop run …)"
        )
    verify = store.verify()
    open_items = _open_items(activities, incidents, complaints, requests, col)
    sized = [b for b in backups if b.size_bytes is not None and b.activity_id == "SIPP-2"] or [
        b for b in backups if b.size_bytes is not None
    ]
    backup_svg = (
        charts.backup_chart(
            [f"{b.at.day}/{b.at.month}" for b in sized],
            [(b.size_bytes or 0) / 1048576 for b in sized],
            "Ukuran backup per hari (MiB)",
        )
        if sized
        else ""
    )
    return MonthlyReport(
        court=court,
        catalog=catalog,
        year=year,
        month=month,
        tz=col.tz_name,
        period_start=col.start,
        period_end=col.end,
        cutoff=col.cutoff.astimezone(col.tz),
        recording_since=col.recording_since,
        generated_at=now.astimezone(col.tz),
        activities=activities,
        availability=availability,
        availability_svg=charts.availability_chart(
            [d.day for d in availability], [d.percent for d in availability], AVAILABILITY_THRESHOLD
        ),
        backups=backups,
        backup_svg=backup_svg,
        restore_drills=drills,
        last_restores=col.last_restores(),
        compliance=col.compliance(),
        findings=col.findings(),
        latest=col.latest(),
        incidents=incidents,
        complaints=complaints,
        requests=requests,
        manual=col.manual(),
        open_items=open_items,
        last_record=last,
        chain_ok=verify.ok,
        chain_count=verify.count,
        chain_problem=verify.problem,
        record_count=sum(len(v) for v in col.records.values()),
        checkpoint=report_checkpoint(store, inventory_dir),
    )


def _open_items(
    activities: list[ActivityRow],
    incidents: list[IncidentRow],
    complaints: list[Complaint],
    requests: list[ServiceRequest],
    col: _Collector,
) -> list[str]:
    items = []
    for inc in incidents:
        if inc.closed_at is None:
            i = inc.incident
            items.append(f"Insiden #{i.incident_id} {i.activity_id} {i.host}: {i.message} (masih terbuka)")
    for c in complaints:
        if c.open:
            items.append(f"Pengaduan {c.complaint_id} dari {c.reporter}: {c.description} (belum selesai)")
    for r in requests:
        if not r.complete:
            nxt = r.next_step
            flag = " — TERLAMBAT" if r.pending_overdue else ""
            items.append(
                f"Permintaan layanan {r.request_id} '{r.title}': menunggu {nxt.step if nxt else ''}{flag}"
            )
    for a in activities:
        if a.overdue:
            items.append(f"{a.id} {a.aktifitas}: jadwal terakhir terlewat (overdue)")
        elif a.last is not None and a.last.status not in DONE_STATUSES:
            items.append(f"{a.id}: pelaksanaan terakhir berstatus {a.last.status}")
    return items


def render_monthly_html(report: MonthlyReport) -> str:
    """Render the MonthlyReport as a self-contained HTML page (inline CSS and SVG)."""
    return render("monthly.html.j2", r=report, court=report.court, signed_on=report.generated_at)
