"""The monthly report shows the last restore drill (D.7) and the last recovery onto a replacement
server (SIPP-7 / F.7 written by `sop recover`), whichever month they were in; a SIPP-7
troubleshooting entry from `sop log` is not a recovery."""

from __future__ import annotations

import datetime as dt

import pytest
from reports_recordset import WIB, _ok, _rec, build_store

from sop_runner.catalog import load_catalog
from sop_runner.reports.monthly import collect_monthly, render_monthly_html

NOW = dt.datetime(2026, 11, 21, 10, 0, tzinfo=WIB)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    store = build_store(
        tmp_path_factory.mktemp("store") / "records.sqlite", dt.date(2026, 9, 28), dt.date(2026, 11, 3)
    )
    recovered = {
        "spare": {
            "summary": "Akses SIPP tersedia dan lancar: SIPP dipulihkan di spare dari backup 48f4f107",
            "recovery_seconds": 312.5,
            "backup": {"short_id": "48f4f107", "time": "2026-09-29T17:18:08+07:00"},
            "pulih": True,
        }
    }
    store.append_record(
        _rec(
            "SIPP-7",
            dt.datetime(2026, 9, 29, 20, 0, tzinfo=WIB),
            330.0,
            "successful",
            recovered,
            [],
            None,
            _ok("spare"),
        )
    )
    # later in October: an operator's troubleshooting note under SIPP-7 (sop log), not a recovery
    store.add_manual(
        "SIPP-7",
        "apache direstart",
        operator="operator",
        started_at=dt.datetime(2026, 10, 12, 14, tzinfo=WIB),
        ended_at=dt.datetime(2026, 10, 12, 14, 10, tzinfo=WIB),
    )
    return collect_monthly(store, load_catalog(), 2026, 10, now=NOW)


def test_last_drill_and_last_recovery_from_any_month(report) -> None:  # type: ignore[no-untyped-def]
    rows = {r.activity_id: r for r in report.last_restores}
    assert rows["D.7"].at.date() == dt.date(2026, 10, 30) and rows["D.7"].status == "successful"
    sipp = rows["SIPP-7"]
    assert sipp.at.date() == dt.date(2026, 9, 29)  # the recovery, not the October note
    assert sipp.host == "spare" and sipp.backup == "48f4f107" and sipp.recovery_s == 312.5
    assert "F.7" not in rows


def test_html_shows_both_and_says_when_there_was_none(report) -> None:  # type: ignore[no-untyped-def]
    html = render_monthly_html(report)
    table = html[html.index('id="restorasi-terakhir"') :]
    table = table[: table.index("</table>")]
    assert "Uji restorasi (D.7)" in table and "Pemulihan SIPP (SIPP-7)" in table
    assert "48f4f107" in table and "spare" in table
    website = table[table.index("Pemulihan website (F.7)") :]
    assert "belum pernah" in website.split("</tr>")[0]
