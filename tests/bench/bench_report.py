"""Benchmark: the monthly report over a year of hourly records (goal: at most 3 s).

Builds a real record store holding one year of what the automation writes (hourly SIPP-1,
daily SIPP-2/F.1/F.2/D.1, day-30 C.2/D.5/D.7: about 13,000 records), then times side by side:

- the month's report over a store with only that month (baseline),
- the same month's report over the year-long store (what the goal is about),
- the same plus printing the PDF with headless Chromium.

Run: ``python tests/bench/bench_report.py`` (prints the figures and exits 1 if over the goal).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "reports"))

from reports_recordset import build_store  # noqa: E402

from sop_runner.catalog import load_catalog  # noqa: E402
from sop_runner.records import RecordStore  # noqa: E402
from sop_runner.reports import browser  # noqa: E402
from sop_runner.reports.court import CourtInfo  # noqa: E402
from sop_runner.reports.monthly import collect_monthly, render_monthly_html  # noqa: E402
from sop_runner.reports.render import write_atomic  # noqa: E402

GOAL_S = 3.0
REPEAT = 3
NOW = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def timed(fn: Callable[[], object], repeat: int = REPEAT) -> float:
    """Return the median wall time of `repeat` calls."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> int:
    catalog = load_catalog()
    court = CourtInfo()
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        year = build_store(root / "year" / "records.sqlite", dt.date(2025, 11, 1), dt.date(2026, 11, 1))
        fill_s = time.perf_counter() - t
        month = build_store(root / "month" / "records.sqlite", dt.date(2026, 10, 1), dt.date(2026, 11, 1))
        print(
            f"store: {year.count()} records over a year (built in {fill_s:.1f} s); "
            f"month-only store: {month.count()}"
        )

        def html_for(store: RecordStore) -> Callable[[], str]:
            return lambda: render_monthly_html(
                collect_monthly(store, catalog, 2026, 10, court=court, now=NOW)
            )

        html_for(month)()  # warm imports (matplotlib, jinja templates)
        month_s = timed(html_for(month))
        year_s = timed(html_for(year))

        def with_pdf() -> None:
            html = write_atomic(root / "out" / "r.html", html_for(year)())
            browser.html_to_pdf(html, root / "out" / "r.pdf")

        pdf_s = timed(with_pdf)
        empty = write_atomic(root / "out" / "empty.html", "<html><body>kosong</body></html>")
        chromium_s = timed(lambda: browser.html_to_pdf(empty, root / "out" / "empty.pdf"))
    print(f"monthly report HTML, month-only store : {month_s:6.3f} s")
    print(
        f"monthly report HTML, year-long store  : {year_s:6.3f} s   "
        f"(ratio to month-only {year_s / month_s:4.2f}x)"
    )
    print(f"  … plus PDF (headless Chromium)      : {pdf_s:6.3f} s   (ratio to HTML {pdf_s / year_s:4.2f}x)")
    print(
        f"  Chromium alone, empty page          : {chromium_s:6.3f} s   (startup share of the PDF step "
        f"{chromium_s / max(pdf_s - year_s, 1e-9):4.2f})"
    )
    print(f"goal {GOAL_S:.1f} s: HTML {year_s / GOAL_S:4.2f} of goal, HTML+PDF {pdf_s / GOAL_S:4.2f} of goal")
    print(f"RESULT | monthly report over a year of hourly records, HTML | {year_s:.2f} s | <= 3 s")
    print(f"RESULT | monthly report over a year of hourly records, HTML + PDF | {pdf_s:.2f} s | <= 3 s")
    return 0 if pdf_s <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
