"""Write the report files: the actions behind `sop report monthly` and `sop report schedule`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path

from sop_runner.catalog import Catalog
from sop_runner.evidence.report import ReportCheckpoint
from sop_runner.records import Record, RecordStore, iso, utcnow
from sop_runner.reports import browser
from sop_runner.reports.court import CourtInfo
from sop_runner.reports.errors import ReportError
from sop_runner.reports.monthly import collect_monthly, parse_month, render_monthly_html
from sop_runner.reports.render import render, write_atomic
from sop_runner.reports.schedule import compute_schedule, planned_from_catalog, to_ics


def monthly_basename(court: CourtInfo, year: int, month: int) -> str:
    """'laporan-situasi-kondisi-PN-CTH-2026-11' (the satker abbreviation as MA's naming rule)."""
    return f"laporan-situasi-kondisi-{court.singkatan}-{year}-{month:02d}"


def build_monthly(
    store: RecordStore,
    catalog: Catalog,
    month: str,
    court: CourtInfo,
    out_dir: Path,
    *,
    pdf: bool = True,
    now: dt.datetime | None = None,
) -> list[Path]:
    """Given the store and 'YYYY-MM', write the HTML (and PDF) report into `out_dir`; return paths.

    Raise ReportError for a bad month, an empty store, or a PDF that cannot be printed (then
    the HTML is kept and the PDF is not written).
    """
    paths, _ = build_monthly_report(store, catalog, month, court, out_dir, pdf=pdf, now=now)
    return paths


def build_monthly_report(
    store: RecordStore,
    catalog: Catalog,
    month: str,
    court: CourtInfo,
    out_dir: Path,
    *,
    pdf: bool = True,
    now: dt.datetime | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    inventory_dir: Path | None = None,
) -> tuple[list[Path], dict[str, object]]:
    """As :func:`build_monthly`, and also return what the report covers (for its own record):
    month, record count, the hash of the last record covered and whether the chain verified."""
    year, mon = parse_month(month)
    report = collect_monthly(
        store,
        catalog,
        year,
        mon,
        court=court,
        now=now or utcnow(),
        groups=groups,
        inventory_dir=inventory_dir,
    )
    base = out_dir / monthly_basename(court, year, mon)
    html = write_atomic(base.with_suffix(".html"), render_monthly_html(report))
    paths = [html]
    if pdf:
        paths.append(_signed(browser.html_to_pdf(html, base.with_suffix(".pdf")), store, report.checkpoint))
    covers: dict[str, object] = {
        "month": f"{year}-{mon:02d}",
        "records_covered": report.record_count,
        "last_record_hash": report.last_record.hash if report.last_record else "",
        "chain_ok": report.chain_ok,
        "availability_percent": report.availability_percent,
        "open_items": len(report.open_items),
    }
    return paths, covers


def _signed(pdf: Path, store: RecordStore, checkpoint: ReportCheckpoint | None) -> Path:
    """Sign the report PDF with the court key (PAdES, the checkpoint embedded) when the court
    has a key; a court without one gets the PDF unsigned (`sop keys init` creates the key)."""
    from sop_runner.evidence import EvidenceError
    from sop_runner.evidence.keys import key_dir, load_signer
    from sop_runner.evidence.pdfsign import sign_report

    kdir = key_dir(store.path)
    if not (kdir / "court.key").exists():
        return pdf
    try:
        return sign_report(pdf, load_signer(kdir), checkpoint.note if checkpoint else None)
    except EvidenceError as exc:
        raise ReportError(f"{exc}; the unsigned PDF is kept") from None


#: What each report is the SOP output of.
MONTHLY_REPORT_ACTIVITIES = ("C.6", "C.7", "SIPP-5", "F.5")
SCHEDULE_REPORT_ACTIVITIES = ("C.1",)


def record_report(
    store: RecordStore,
    catalog: Catalog,
    activity_ids: tuple[str, ...],
    paths: list[Path],
    *,
    started: dt.datetime,
    operator: str,
    summary: str,
    data: dict[str, object] | None = None,
    trigger: str = "manual",
) -> list[Record]:
    """Given report files just written, append one record per report-produced activity of the
    catalog (those in `activity_ids` whose ``produced_by`` is ``report``), each carrying the
    files as attachments (kept in the store by sha256) and `data` as its output. Return them."""
    refs = [dict(store.put_blob(p), name=p.name) for p in paths]
    attachments = [{"name": r["name"], "sha256": r["sha256"], "size": r["size"]} for r in refs]
    ended = utcnow()
    out = []
    for aid in activity_ids:
        act = catalog.activities.get(aid)
        if act is None or act.produced_by != "report" or not act.enabled:
            continue
        out.append(
            store.append_record(
                {
                    "activity_id": aid,
                    "via": "sop-report",
                    "trigger": trigger,
                    "operator": operator,
                    "started_at": iso(started),
                    "ended_at": iso(ended),
                    "duration_s": (ended - started).total_seconds(),
                    "standard_s": act.standard_s,
                    "status": "successful",
                    "output": {"-": {"summary": summary, **(data or {}), "files": attachments}},
                    "attachments": attachments,
                    "note": summary,
                }
            )
        )
    return out


def build_schedule(
    catalog: Catalog, year: int, court: CourtInfo, out_dir: Path, *, pdf: bool = True
) -> list[Path]:
    """Write the Jadwal Pemeliharaan (C.1) of `year` as ICS, HTML and PDF; return the paths."""
    tz = court.tz or catalog.timezone
    schedule = compute_schedule(planned_from_catalog(catalog), year, tz)
    base = out_dir / f"jadwal-pemeliharaan-{court.singkatan}-{year}"
    ics = write_atomic(base.with_suffix(".ics"), to_ics(schedule, court.satker))
    html_text = render(
        "schedule.html.j2", s=schedule, court=court, catalog=catalog, signed_on=utcnow().astimezone()
    )
    html = write_atomic(base.with_suffix(".html"), html_text)
    paths = [ics, html]
    if pdf:
        paths.append(browser.html_to_pdf(html, base.with_suffix(".pdf")))
    return paths
