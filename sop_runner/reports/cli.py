"""`sop report …`, `sop request …` and `sop complaint …`: reports and ledgers on the command line.

Three click groups, mounted by ``sop_runner/cli.py``: :data:`app` (``sop report``),
:data:`request_app` (``sop request``, the B.1→B.7 service-request flow) and
:data:`complaint_app` (``sop complaint``, the SIPP problem book). Every user error is one line
on stderr and exit code 2; nothing is half-written (files go through a temporary name).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import click
from click.exceptions import Exit

from sop_runner.catalog import Catalog, CatalogError, load_catalog
from sop_runner.config import Config, ConfigError, load_config
from sop_runner.inventory import InventoryError
from sop_runner.ledger import Complaint, Ledger, LedgerError, ServiceRequest
from sop_runner.notify import NotifyError
from sop_runner.records import RecordStore, RecordStoreError, utcnow
from sop_runner.reports.court import CourtInfo
from sop_runner.reports.errors import ReportError


class _OrderedGroup(click.Group):
    """A command group that lists its commands in the order they were added."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


app = _OrderedGroup(
    "report",
    help="Laporan: monthly Laporan Situasi Kondisi, yearly Jadwal Pemeliharaan (C.1).",
    no_args_is_help=True,
)
request_app = _OrderedGroup(
    "request",
    help="Permintaan layanan TI: B.1 receive → … → B.7 execute (1-day standard per step).",
    no_args_is_help=True,
)
complaint_app = _OrderedGroup(
    "complaint",
    help="Buku riwayat permasalahan SIPP: SIPP-4 complaint → SIPP-5 report → SIPP-7 solved.",
    no_args_is_help=True,
)

USER_ERRORS = (
    ReportError,
    LedgerError,
    RecordStoreError,
    CatalogError,
    ConfigError,
    NotifyError,
    InventoryError,
)
T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

# Options most commands share.
_PATH = click.Path(path_type=Path)
records_opt = click.option("--records", type=_PATH, help="record store (default: from sop config)")
inventory_opt = click.option("--inventory", "-i", type=_PATH, help="inventory (default: from sop config)")
operator_opt = click.option("--operator", help="Pelaksana: who did it (default: login name)")
at_opt = click.option("--at", help="when it was done, ISO 8601 (default: now; no zone = court's)")
attach_opt = click.option("--attach", type=_PATH, multiple=True, help="attachment file (repeatable)")
out_opt = click.option("--out", "-o", type=_PATH, help="output directory (default: <records>/reports)")
court_opt = click.option("--court", "court_file", type=_PATH, help="court letterhead/signatories YAML")
pdf_opt = click.option(
    "--pdf/--no-pdf", default=True, show_default=True, help="also print the PDF with headless Chromium"
)


def ledger_entry_opts(f: F) -> F:
    """The options of every command that writes a ledger entry: --at, --attach, --operator,
    --records, --inventory (in that order in the help)."""
    for opt in (inventory_opt, records_opt, operator_opt, attach_opt, at_opt):
        f = opt(f)
    return f


def _fail(message: str) -> NoReturn:
    click.echo(f"sop: error: {message}", err=True)
    raise Exit(2)


def _guard(fn: Callable[[], T]) -> T:
    try:
        return fn()
    except USER_ERRORS as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)


def _config(records: Path | None, inventory: Path | None, operator: str | None = None) -> Config:
    """Return the effective config: this command's options over the global ``sop`` options
    (``sop --records … report …``, kept by the main CLI as the click context's object) over
    environment and config file."""
    ctx = click.get_current_context(silent=True)
    state = ctx.obj if ctx is not None else None
    if state is not None and hasattr(state, "config"):
        cfg: Config = state.config(records=records, inventory=inventory, operator=operator)
        return cfg
    return load_config(records=records, inventory=inventory, operator=operator)


def _catalog(cfg: Config, *, write: bool = True) -> Catalog:
    return load_catalog(cfg.catalog, cache_dir=cfg.records.parent, write_cache=write)


def _groups(cfg: Config) -> dict[str, list[str]] | None:
    """The inventory's hosts per group, so reports judge slots per host as ``sop due`` does;
    None when the configured inventory does not exist (slots judged per activity)."""
    from sop_runner.inventory import load_groups

    if not cfg.inventory.exists():
        return None
    return load_groups(cfg.inventory, cache_dir=cfg.records.parent, write_cache=False)


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
@click.argument("month", metavar="month", help="YYYY-MM (e.g. 2026-11)")
@out_opt
@court_opt
@pdf_opt
@click.option(
    "--record/--no-record",
    default=True,
    show_default=True,
    help="record the report as the SOP output it is",
)
@records_opt
@inventory_opt
def monthly_cmd(
    month: str,
    out: Path | None,
    court_file: Path | None,
    pdf: bool,
    record: bool,
    records: Path | None,
    inventory: Path | None,
) -> None:
    """Laporan Situasi Kondisi for one month (HTML and PDF); prints the paths written.

    The report is itself the SOP output of C.6, C.7, SIPP-5 and F.5: unless --no-record, one
    record per activity is appended with the files attached and the hash of the last record the
    report covers."""
    from sop_runner.reports.build import MONTHLY_REPORT_ACTIVITIES, build_monthly_report, record_report

    def run() -> list[Path]:
        cfg = _config(records, inventory)
        if not cfg.records.exists():
            raise ReportError(
                f"record store {cfg.records} does not exist: run the SOP activities first (sop run …)"
            )
        started = utcnow()
        catalog = _catalog(cfg)
        groups = _groups(cfg)
        with _store(cfg, readonly=not record) as store:
            paths, covers = build_monthly_report(
                store,
                catalog,
                month,
                _court(cfg, court_file),
                out or cfg.records.parent / "reports",
                pdf=pdf,
                groups=groups,
                inventory_dir=cfg.inventory_dir,
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
        click.echo(str(path))


@app.command("schedule")
@click.argument("year", metavar="year", type=int, help="the year, e.g. 2027")
@out_opt
@court_opt
@pdf_opt
@click.option(
    "--record/--no-record", default=True, show_default=True, help="record the schedule as the C.1 output"
)
@records_opt
@inventory_opt
def schedule_cmd(
    year: int,
    out: Path | None,
    court_file: Path | None,
    pdf: bool,
    record: bool,
    records: Path | None,
    inventory: Path | None,
) -> None:
    """Jadwal Pemeliharaan (C.1) for a year from the catalog's RRULEs: ICS, HTML and PDF.

    Unless --no-record, the schedule is recorded as the C.1 output (files attached)."""
    from sop_runner.reports.build import SCHEDULE_REPORT_ACTIVITIES, build_schedule, record_report

    def run() -> list[Path]:
        cfg = _config(records, inventory)
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
        click.echo(str(path))


@app.command("verify")
@click.argument("pdf", type=_PATH)
@click.option(
    "--court-key",
    "court_key_texts",
    multiple=True,
    help="the court's public key (court.pub text or its file); default: the key folder beside the store",
)
@click.option("--witness-key", help="the witness's public key (default: SOP_WITNESS_KEY when set)")
@records_opt
def verify_cmd(
    pdf: Path, court_key_texts: tuple[str, ...], witness_key: str | None, records: Path | None
) -> None:
    """Check a signed monthly report: the PDF signature (PAdES) made with the court key over the
    whole file, and the checkpoint embedded in it. Exit 0 when both hold, 1 when the file was
    changed, is unsigned or is signed by another key, 2 on bad input."""
    from sop_runner.evidence import EvidenceError
    from sop_runner.evidence.keys import court_keys, key_dir
    from sop_runner.evidence.note import NoteError, Verifier
    from sop_runner.evidence.outbox import WitnessConfig
    from sop_runner.evidence.pdfsign import verify_report

    def key(text: str) -> Verifier:
        candidate = Path(text)
        if "+" not in text or candidate.is_file():
            try:
                text = candidate.read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise ReportError(f"court key {text}: cannot read ({exc})") from None
        try:
            return Verifier.parse(text)
        except NoteError as exc:
            raise ReportError(str(exc)) from None

    def keys() -> tuple[list[Verifier], Verifier | None]:
        if not pdf.is_file():
            raise ReportError(f"report {pdf}: no such file")
        try:
            if court_key_texts:
                courts = [key(t) for t in court_key_texts]
            else:
                courts = court_keys(key_dir(_config(records, None).records))
            witness = key(witness_key) if witness_key else None
            if witness is None and not court_key_texts:  # the court's own report: its witness
                try:
                    cfg = WitnessConfig.from_env(inventory_dir=_config(records, None).inventory_dir)
                except EvidenceError:  # a witness not set up (yet): its cosignature is not checked
                    cfg = None
                witness = cfg.key if cfg else None
        except EvidenceError as exc:
            raise ReportError(str(exc)) from None
        return courts, witness

    courts, witness = _guard(keys)
    try:
        sig = verify_report(pdf, courts, witness)
    except EvidenceError as exc:
        click.echo(f"sop: FAILED: {exc}", err=True)
        raise Exit(1) from None
    when = f" on {sig.signed_at.isoformat(timespec='seconds')}" if sig.signed_at else ""
    click.echo(f"OK: {pdf.name} signed by the court key {sig.key_name}{when}; nothing changed since")
    if sig.origin is None:
        click.echo("checkpoint: none embedded (the court had no checkpoint when the report was made)")
    else:
        click.echo(f"checkpoint: {sig.origin}, {sig.size} records, signed by the court key")
        for name in sig.witnessed_by:
            click.echo(f"witnessed by {name} (cosignature checked)")
        for name in sig.unchecked:
            click.echo(f"also signed by {name} (not checked: give --witness-key)")


@app.command("notify")
@click.option("--config", "config_file", type=_PATH, help="notify YAML (default: <inventory>/notify.yml)")
@click.option("--dry-run", is_flag=True, help="print the messages, send nothing")
@records_opt
@inventory_opt
def notify_cmd(config_file: Path | None, dry_run: bool, records: Path | None, inventory: Path | None) -> None:
    """Send notifications (Apprise) for failed runs, high findings and overdue activities since
    the last call; prints how many messages were sent."""
    from sop_runner.notify import NotifyConfig, notify_since_last

    def run() -> int:
        cfg = _config(records, inventory)
        path = config_file or cfg.inventory_dir / "notify.yml"
        if not path.is_file():
            raise ReportError(f"no notification config {path}: create it (urls: [...]) or give --config")
        ncfg = NotifyConfig.load(path)
        catalog = _catalog(cfg)
        groups = _groups(cfg)
        with _store(cfg, readonly=False) as store:
            return notify_since_last(store, catalog, ncfg, dry_run=dry_run, echo=click.echo, groups=groups)

    click.echo(f"{_guard(run)} notification(s) {'prepared' if dry_run else 'sent'}")


# ---------------------------------------------------------------------------------------------
# sop request


def _print_request(req: ServiceRequest, tz: str) -> None:
    zone = ZoneInfo(tz)
    flag = " TERLAMBAT" if req.overdue else ""
    click.echo(
        f"{req.request_id}  {req.title}  (pemohon: {req.requester}; prioritas: {req.priority or '-'}){flag}"
    )
    for s in req.steps:
        if s.done_at:
            when = s.done_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            click.echo(f"  {s.step}  {when}  {s.operator:<12} {s.verdict or '-':<15} {s.note}")
        else:
            due = s.due_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if s.due_at else "-"
            late = "  TERLAMBAT" if req.next_step is s and req.pending_overdue else ""
            click.echo(f"  {s.step}  belum (jatuh tempo {due}){late}")


@request_app.command("new")
@click.argument("title", metavar="title", help="what is asked")
@click.option("--requester", default="", help="who asks (name, unit)")
@click.option("--unit", default="", help="the requester's unit")
@click.option("--note", default="", help="B.1 note (default: the title)")
@click.option("--received", help="when the request came in (ISO)")
@ledger_entry_opts
def request_new(
    title: str,
    requester: str,
    unit: str,
    note: str,
    received: str | None,
    at: str | None,
    attach: tuple[Path, ...],
    operator: str | None,
    records: Path | None,
    inventory: Path | None,
) -> None:
    """B.1: receive a service request; prints its id."""

    def run() -> tuple[ServiceRequest, str]:
        cfg = _config(records, inventory, operator)
        catalog = _catalog(cfg)
        tz = catalog.timezone
        with _store(cfg, readonly=False) as store:
            req = Ledger(store, catalog=catalog).receive_request(
                title,
                requester=requester,
                unit=unit,
                operator=cfg.operator,
                note=note,
                received_at=_when(received, tz, "--received"),
                at=_when(at, tz),
                attachments=list(attach),
            )
        return req, tz

    req, tz = _guard(run)
    _print_request(req, tz)


@request_app.command("step")
@click.argument("request_id", metavar="request_id", help="PL-YYYYMM-NNN")
@click.argument("step", metavar="step", help="B.2 … B.7 (in order)")
@click.option("--note", default="", help="what was done (required)")
@click.option("--priority", help="B.3 only: rendah/sedang/tinggi/darurat")
@ledger_entry_opts
def request_step(
    request_id: str,
    step: str,
    note: str,
    priority: str | None,
    at: str | None,
    attach: tuple[Path, ...],
    operator: str | None,
    records: Path | None,
    inventory: Path | None,
) -> None:
    """Record the next step of a service request."""

    def run() -> tuple[ServiceRequest, str]:
        cfg = _config(records, inventory, operator)
        catalog = _catalog(cfg)
        tz = catalog.timezone
        with _store(cfg, readonly=False) as store:
            req = Ledger(store, catalog=catalog).request_step(
                request_id,
                step,
                operator=cfg.operator,
                note=note,
                at=_when(at, tz),
                priority=priority,
                attachments=list(attach),
            )
        return req, tz

    req, tz = _guard(run)
    _print_request(req, tz)


@request_app.command("list")
@click.option("--open", "open_only", is_flag=True, help="only requests not yet executed")
@records_opt
@inventory_opt
def request_list(open_only: bool, records: Path | None, inventory: Path | None) -> None:
    """List service requests with their steps and overdue flags."""

    def run() -> tuple[list[ServiceRequest], str]:
        cfg = _config(records, inventory)
        with _store(cfg, readonly=True) as store:  # a missing store is named, never created
            catalog = _catalog(cfg, write=False)
            tz = catalog.timezone
            return Ledger(store, catalog=catalog).requests(), tz

    reqs, tz = _guard(run)
    shown = [r for r in reqs if not (open_only and r.complete)]
    if not shown:
        click.echo("no service requests")
    for req in shown:
        _print_request(req, tz)


# ---------------------------------------------------------------------------------------------
# sop complaint


def _print_complaint(c: Complaint, tz: str) -> None:
    zone = ZoneInfo(tz)
    state = "terbuka" if c.open else "selesai"
    links = ", ".join(f"#{i.incident_id} {i.activity_id} {i.code}" for i in c.incidents) or "-"
    click.echo(
        f"{c.complaint_id}  {c.reporter}: {c.description}  [{state}]  insiden: {links}"
        + ("  TERLAMBAT" if c.overdue else "")
    )
    for s in c.steps:
        when = s.done_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if s.done_at else "-"
        click.echo(f"  {s.step:<7} {when}  {s.operator:<12} {s.verdict or '-':<15} {s.note}")


@complaint_app.command("new")
@click.argument("description", metavar="description", help="the problem as the user tells it")
@click.option("--reporter", default="", help="who complains (name, unit)")
@click.option(
    "--incident",
    type=int,
    multiple=True,
    help="linked incident id (repeatable; default: every incident open now)",
)
@click.option("--received", help="when the complaint came in (ISO)")
@ledger_entry_opts
def complaint_new(
    description: str,
    reporter: str,
    incident: tuple[int, ...],
    received: str | None,
    at: str | None,
    attach: tuple[Path, ...],
    operator: str | None,
    records: Path | None,
    inventory: Path | None,
) -> None:
    """SIPP-4: write a complaint into the SIPP problem book; prints its id."""

    def run() -> tuple[Complaint, str]:
        cfg = _config(records, inventory, operator)
        catalog = _catalog(cfg)
        tz = catalog.timezone
        with _store(cfg, readonly=False) as store:
            c = Ledger(store, catalog=catalog).receive_complaint(
                description,
                reporter=reporter,
                operator=cfg.operator,
                received_at=_when(received, tz, "--received"),
                at=_when(at, tz),
                incident_ids=list(incident) or None,
                attachments=list(attach),
            )
        return c, tz

    c, tz = _guard(run)
    _print_complaint(c, tz)


@complaint_app.command("step")
@click.argument("complaint_id", metavar="complaint_id", help="PM-YYYYMM-NNN")
@click.argument("step", metavar="step", help="SIPP-5 (reported), SIPP-6 (a step taken) or SIPP-7 (solved)")
@click.option("--note", default="", help="what was reported/done (required)")
@ledger_entry_opts
def complaint_step(
    complaint_id: str,
    step: str,
    note: str,
    at: str | None,
    attach: tuple[Path, ...],
    operator: str | None,
    records: Path | None,
    inventory: Path | None,
) -> None:
    """Record SIPP-5, SIPP-6 or SIPP-7 for a complaint."""

    def run() -> tuple[Complaint, str]:
        cfg = _config(records, inventory, operator)
        catalog = _catalog(cfg)
        tz = catalog.timezone
        with _store(cfg, readonly=False) as store:
            c = Ledger(store, catalog=catalog).complaint_step(
                complaint_id,
                step,
                operator=cfg.operator,
                note=note,
                at=_when(at, tz),
                attachments=list(attach),
            )
        return c, tz

    c, tz = _guard(run)
    _print_complaint(c, tz)


@complaint_app.command("list")
@click.option("--open", "open_only", is_flag=True, help="only complaints not yet solved")
@records_opt
@inventory_opt
def complaint_list(open_only: bool, records: Path | None, inventory: Path | None) -> None:
    """Print the SIPP problem book."""

    def run() -> tuple[list[Complaint], str]:
        cfg = _config(records, inventory)
        with _store(cfg, readonly=True) as store:  # a missing store is named, never created
            catalog = _catalog(cfg, write=False)
            tz = catalog.timezone
            return Ledger(store, catalog=catalog).complaints(), tz

    items, tz = _guard(run)
    shown = [c for c in items if not (open_only and not c.open)]
    if not shown:
        click.echo("the problem book is empty")
    for c in shown:
        _print_complaint(c, tz)


def main(argv: list[str] | None = None) -> Any:
    """Run the three groups standalone (``python -m sop_runner.reports.cli report …``) for tests."""
    root = _OrderedGroup("sop", no_args_is_help=True)
    root.add_command(app, "report")
    root.add_command(request_app, "request")
    root.add_command(complaint_app, "complaint")
    return root.main(args=argv if argv is not None else sys.argv[1:], prog_name="sop")


if __name__ == "__main__":
    main()
