"""`sop report …`, `sop request …` and `sop complaint …`: reports and ledgers on the command line.

Three typer apps, mounted by ``sop_runner/cli.py``: :data:`app` (``sop report``),
:data:`request_app` (``sop request``, the B.1→B.7 service-request flow) and
:data:`complaint_app` (``sop complaint``, the SIPP problem book). Every user error is one line
on stderr and exit code 2; nothing is half-written (files go through a temporary name).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import typer

from sop_runner.catalog import Catalog, CatalogError, load_catalog
from sop_runner.config import Config, ConfigError, load_config
from sop_runner.ledger import Complaint, Ledger, LedgerError, ServiceRequest
from sop_runner.notify import NotifyError
from sop_runner.records import RecordStore, RecordStoreError, utcnow
from sop_runner.reports.court import CourtInfo
from sop_runner.reports.errors import ReportError

app = typer.Typer(
    help="Laporan: monthly Laporan Situasi Kondisi, yearly Jadwal Pemeliharaan (C.1).", no_args_is_help=True
)
request_app = typer.Typer(
    help="Permintaan layanan TI: B.1 receive → … → B.7 execute (1-day standard per step).",
    no_args_is_help=True,
)
complaint_app = typer.Typer(
    help="Buku riwayat permasalahan SIPP: SIPP-4 complaint → SIPP-5 report → SIPP-7 solved.",
    no_args_is_help=True,
)

USER_ERRORS = (ReportError, LedgerError, RecordStoreError, CatalogError, ConfigError, NotifyError)
T = TypeVar("T")

RecordsOpt = Annotated[Path | None, typer.Option("--records", help="record store (default: from sop config)")]
InventoryOpt = Annotated[
    Path | None, typer.Option("--inventory", "-i", help="inventory (default: from sop config)")
]
OperatorOpt = Annotated[
    str | None, typer.Option("--operator", help="Pelaksana: who did it (default: login name)")
]
AtOpt = Annotated[
    str | None, typer.Option("--at", help="when it was done, ISO 8601 (default: now; no zone = court's)")
]
AttachOpt = Annotated[list[Path] | None, typer.Option("--attach", help="attachment file (repeatable)")]


def _fail(message: str) -> NoReturn:
    typer.echo(f"sop: error: {message}", err=True)
    raise typer.Exit(2)


def _guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except USER_ERRORS as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def _config(
    ctx: typer.Context, records: Path | None, inventory: Path | None, operator: str | None = None
) -> Config:
    """Return the effective config: this command's options over the global ``sop`` options
    (``sop --records … report …``, kept by the main CLI) over environment and config file."""
    main_cli = sys.modules.get("sop_runner.cli")
    state = getattr(main_cli, "STATE", None)
    if state is not None and hasattr(state, "config"):
        cfg: Config = state.config(records=records, inventory=inventory, operator=operator)
        return cfg
    return load_config(records=records, inventory=inventory, operator=operator)


def _catalog(cfg: Config) -> Catalog:
    return load_catalog(cfg.catalog)


def _court(cfg: Config, court_file: Path | None) -> CourtInfo:
    if court_file is not None:
        if not court_file.is_file():
            raise ReportError(f"court file {court_file} does not exist")
        return CourtInfo.load(court_file)
    default = cfg.inventory_dir / "court_report.yml"
    return CourtInfo.load(default if default.is_file() else None)


def _store(cfg: Config, *, readonly: bool) -> RecordStore:
    return RecordStore(cfg.records, readonly=readonly)


def _when(text: str | None, tz: str, option: str = "--at") -> dt.datetime | None:
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{option} {text!r} is not an ISO date/time (e.g. 2026-11-21T09:30)") from None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


# ---------------------------------------------------------------------------------------------
# sop report


@app.command("monthly")
def monthly_cmd(
    ctx: typer.Context,
    month: Annotated[str, typer.Argument(help="YYYY-MM (e.g. 2026-11)")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="output directory (default: <records>/reports)")
    ] = None,
    court_file: Annotated[
        Path | None, typer.Option("--court", help="court letterhead/signatories YAML")
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="also print the PDF with headless Chromium")
    ] = True,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="record the report as the SOP output it is")
    ] = True,
    records: RecordsOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """Laporan Situasi Kondisi for one month (HTML and PDF); prints the paths written.

    The report is itself the SOP output of C.6, C.7, SIPP-5 and F.5: unless --no-record, one
    record per activity is appended with the files attached and the hash of the last record the
    report covers."""
    from sop_runner.reports.build import MONTHLY_REPORT_ACTIVITIES, build_monthly_report, record_report

    def run() -> list[Path]:
        cfg = _config(ctx, records, inventory)
        if not cfg.records.exists():
            raise ReportError(
                f"record store {cfg.records} does not exist: run the SOP activities first (sop run …)"
            )
        started = utcnow()
        catalog = _catalog(cfg)
        with _store(cfg, readonly=not record) as store:
            paths, covers = build_monthly_report(
                store,
                catalog,
                month,
                _court(cfg, court_file),
                out or cfg.records.parent / "reports",
                pdf=pdf,
            )
            if record:
                summary = (
                    f"Laporan Situasi Kondisi {covers['month']} disusun ({covers['records_covered']} catatan)"
                )
                record_report(
                    store,
                    catalog,
                    MONTHLY_REPORT_ACTIVITIES,
                    paths,
                    started=started,
                    operator=cfg.operator,
                    summary=summary,
                    data=covers,
                )
            return paths

    for path in _guard(run):
        typer.echo(str(path))


@app.command("schedule")
def schedule_cmd(
    ctx: typer.Context,
    year: Annotated[int, typer.Argument(help="the year, e.g. 2027")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="output directory (default: <records>/reports)")
    ] = None,
    court_file: Annotated[
        Path | None, typer.Option("--court", help="court letterhead/signatories YAML")
    ] = None,
    pdf: Annotated[
        bool, typer.Option("--pdf/--no-pdf", help="also print the PDF with headless Chromium")
    ] = True,
    record: Annotated[
        bool, typer.Option("--record/--no-record", help="record the schedule as the C.1 output")
    ] = True,
    records: RecordsOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """Jadwal Pemeliharaan (C.1) for a year from the catalog's RRULEs: ICS, HTML and PDF.

    Unless --no-record, the schedule is recorded as the C.1 output (files attached)."""
    from sop_runner.reports.build import SCHEDULE_REPORT_ACTIVITIES, build_schedule, record_report

    def run() -> list[Path]:
        cfg = _config(ctx, records, inventory)
        started = utcnow()
        catalog = _catalog(cfg)
        paths = build_schedule(
            catalog, year, _court(cfg, court_file), out or cfg.records.parent / "reports", pdf=pdf
        )
        if record:
            with _store(cfg, readonly=False) as store:
                record_report(
                    store,
                    catalog,
                    SCHEDULE_REPORT_ACTIVITIES,
                    paths,
                    started=started,
                    operator=cfg.operator,
                    summary=f"Jadwal Pemeliharaan {year} disusun",
                    data={"year": year},
                )
        return paths

    for path in _guard(run):
        typer.echo(str(path))


@app.command("notify")
def notify_cmd(
    ctx: typer.Context,
    config_file: Annotated[
        Path | None, typer.Option("--config", help="notify YAML (default: <inventory>/notify.yml)")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print the messages, send nothing")] = False,
    records: RecordsOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """Send notifications (Apprise) for failed runs, high findings and overdue activities since
    the last call; prints how many messages were sent."""
    from sop_runner.notify import NotifyConfig, notify_since_last

    def run() -> int:
        cfg = _config(ctx, records, inventory)
        path = config_file or cfg.inventory_dir / "notify.yml"
        if not path.is_file():
            raise ReportError(f"no notification config {path}: create it (urls: [...]) or give --config")
        ncfg = NotifyConfig.load(path)
        with _store(cfg, readonly=False) as store:
            return notify_since_last(store, _catalog(cfg), ncfg, dry_run=dry_run, echo=typer.echo)

    typer.echo(f"{_guard(run)} notification(s) {'prepared' if dry_run else 'sent'}")


# ---------------------------------------------------------------------------------------------
# sop request


def _print_request(req: ServiceRequest, tz: str) -> None:
    zone = ZoneInfo(tz)
    flag = " TERLAMBAT" if req.overdue else ""
    typer.echo(
        f"{req.request_id}  {req.title}  (pemohon: {req.requester}; prioritas: {req.priority or '-'}){flag}"
    )
    for s in req.steps:
        if s.done_at:
            when = s.done_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            typer.echo(f"  {s.step}  {when}  {s.operator:<12} {s.verdict or '-':<15} {s.note}")
        else:
            due = s.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if s.due_at else "-"
            late = "  TERLAMBAT" if req.next_step is s and req.pending_overdue else ""
            typer.echo(f"  {s.step}  belum (jatuh tempo {due}){late}")


@request_app.command("new")
def request_new(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="what is asked")],
    requester: Annotated[str, typer.Option("--requester", help="who asks (name, unit)")] = "",
    unit: Annotated[str, typer.Option("--unit", help="the requester's unit")] = "",
    note: Annotated[str, typer.Option("--note", help="B.1 note (default: the title)")] = "",
    received: Annotated[str | None, typer.Option("--received", help="when the request came in (ISO)")] = None,
    at: AtOpt = None,
    attach: AttachOpt = None,
    operator: OperatorOpt = None,
    records: RecordsOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """B.1: receive a service request; prints its id."""

    def run() -> tuple[ServiceRequest, str]:
        cfg = _config(ctx, records, inventory, operator)
        tz = _catalog(cfg).timezone
        with _store(cfg, readonly=False) as store:
            req = Ledger(store).receive_request(
                title,
                requester=requester,
                unit=unit,
                operator=cfg.operator,
                note=note,
                received_at=_when(received, tz, "--received"),
                at=_when(at, tz),
                attachments=attach or [],
            )
        return req, tz

    req, tz = _guard(run)
    _print_request(req, tz)


@request_app.command("step")
def request_step(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="PL-YYYYMM-NNN")],
    step: Annotated[str, typer.Argument(help="B.2 … B.7 (in order)")],
    note: Annotated[str, typer.Option("--note", help="what was done (required)")] = "",
    priority: Annotated[
        str | None, typer.Option("--priority", help="B.3 only: rendah/sedang/tinggi/darurat")
    ] = None,
    at: AtOpt = None,
    attach: AttachOpt = None,
    operator: OperatorOpt = None,
    records: RecordsOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """Record the next step of a service request."""

    def run() -> tuple[ServiceRequest, str]:
        cfg = _config(ctx, records, inventory, operator)
        tz = _catalog(cfg).timezone
        with _store(cfg, readonly=False) as store:
            req = Ledger(store).request_step(
                request_id,
                step,
                operator=cfg.operator,
                note=note,
                at=_when(at, tz),
                priority=priority,
                attachments=attach or [],
            )
        return req, tz

    req, tz = _guard(run)
    _print_request(req, tz)


@request_app.command("list")
def request_list(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="only requests not yet executed")] = False,
    records: RecordsOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """List service requests with their steps and overdue flags."""

    def run() -> tuple[list[ServiceRequest], str]:
        cfg = _config(ctx, records, inventory)
        tz = _catalog(cfg).timezone
        if not cfg.records.exists():
            return [], tz
        with _store(cfg, readonly=True) as store:
            return Ledger(store).requests(), tz

    reqs, tz = _guard(run)
    shown = [r for r in reqs if not (open_only and r.complete)]
    if not shown:
        typer.echo("no service requests")
    for req in shown:
        _print_request(req, tz)


# ---------------------------------------------------------------------------------------------
# sop complaint


def _print_complaint(c: Complaint, tz: str) -> None:
    zone = ZoneInfo(tz)
    state = "terbuka" if c.open else "selesai"
    links = ", ".join(f"#{i.incident_id} {i.activity_id} {i.code}" for i in c.incidents) or "-"
    typer.echo(
        f"{c.complaint_id}  {c.reporter}: {c.description}  [{state}]  insiden: {links}"
        + ("  TERLAMBAT" if c.overdue else "")
    )
    for s in c.steps:
        when = s.done_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if s.done_at else "-"
        typer.echo(f"  {s.step:<7} {when}  {s.operator:<12} {s.verdict or '-':<15} {s.note}")


@complaint_app.command("new")
def complaint_new(
    ctx: typer.Context,
    description: Annotated[str, typer.Argument(help="the problem as the user tells it")],
    reporter: Annotated[str, typer.Option("--reporter", help="who complains (name, unit)")] = "",
    incident: Annotated[
        list[int] | None,
        typer.Option("--incident", help="linked incident id (repeatable; default: every incident open now)"),
    ] = None,
    received: Annotated[
        str | None, typer.Option("--received", help="when the complaint came in (ISO)")
    ] = None,
    at: AtOpt = None,
    attach: AttachOpt = None,
    operator: OperatorOpt = None,
    records: RecordsOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """SIPP-4: write a complaint into the SIPP problem book; prints its id."""

    def run() -> tuple[Complaint, str]:
        cfg = _config(ctx, records, inventory, operator)
        tz = _catalog(cfg).timezone
        with _store(cfg, readonly=False) as store:
            c = Ledger(store).receive_complaint(
                description,
                reporter=reporter,
                operator=cfg.operator,
                received_at=_when(received, tz, "--received"),
                at=_when(at, tz),
                incident_ids=incident,
                attachments=attach or [],
            )
        return c, tz

    c, tz = _guard(run)
    _print_complaint(c, tz)


@complaint_app.command("step")
def complaint_step(
    ctx: typer.Context,
    complaint_id: Annotated[str, typer.Argument(help="PM-YYYYMM-NNN")],
    step: Annotated[str, typer.Argument(help="SIPP-5 (reported), SIPP-6 (a step taken) or SIPP-7 (solved)")],
    note: Annotated[str, typer.Option("--note", help="what was reported/done (required)")] = "",
    at: AtOpt = None,
    attach: AttachOpt = None,
    operator: OperatorOpt = None,
    records: RecordsOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """Record SIPP-5, SIPP-6 or SIPP-7 for a complaint."""

    def run() -> tuple[Complaint, str]:
        cfg = _config(ctx, records, inventory, operator)
        tz = _catalog(cfg).timezone
        with _store(cfg, readonly=False) as store:
            c = Ledger(store).complaint_step(
                complaint_id,
                step,
                operator=cfg.operator,
                note=note,
                at=_when(at, tz),
                attachments=attach or [],
            )
        return c, tz

    c, tz = _guard(run)
    _print_complaint(c, tz)


@complaint_app.command("list")
def complaint_list(
    ctx: typer.Context,
    open_only: Annotated[bool, typer.Option("--open", help="only complaints not yet solved")] = False,
    records: RecordsOpt = None,
    inventory: InventoryOpt = None,
) -> None:
    """Print the SIPP problem book."""

    def run() -> tuple[list[Complaint], str]:
        cfg = _config(ctx, records, inventory)
        tz = _catalog(cfg).timezone
        if not cfg.records.exists():
            return [], tz
        with _store(cfg, readonly=True) as store:
            return Ledger(store).complaints(), tz

    items, tz = _guard(run)
    shown = [c for c in items if not (open_only and not c.open)]
    if not shown:
        typer.echo("the problem book is empty")
    for c in shown:
        _print_complaint(c, tz)


def main(argv: list[str] | None = None) -> Any:
    """Run the three apps standalone (``python -m sop_runner.reports.cli report …``) for tests."""
    root = typer.Typer(no_args_is_help=True)
    root.add_typer(app, name="report")
    root.add_typer(request_app, name="request")
    root.add_typer(complaint_app, name="complaint")
    return root(args=argv if argv is not None else sys.argv[1:], prog_name="sop")


if __name__ == "__main__":
    main()
