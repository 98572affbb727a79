"""Write the report files: the actions behind `sop report monthly` and `sop report schedule`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sop_runner.catalog import Catalog
from sop_runner.records import RecordStore, utcnow
from sop_runner.reports import browser
from sop_runner.reports.court import CourtInfo
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
    year, mon = parse_month(month)
    report = collect_monthly(store, catalog, year, mon, court=court, now=now or utcnow())
    base = out_dir / monthly_basename(court, year, mon)
    html = write_atomic(base.with_suffix(".html"), render_monthly_html(report))
    paths = [html]
    if pdf:
        paths.append(browser.html_to_pdf(html, base.with_suffix(".pdf")))
    return paths


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
