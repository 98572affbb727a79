"""Jadwal Pemeliharaan (C.1) computed from the catalog's RRULEs, as table data and as ICS."""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from sop_runner.catalog import load_catalog
from sop_runner.reports.errors import ReportError
from sop_runner.reports.schedule import (
    DAY30_RRULE,
    PlannedActivity,
    compute_schedule,
    planned_from_catalog,
    to_ics,
)


@pytest.fixture(scope="module")
def planned() -> list[PlannedActivity]:
    return planned_from_catalog(load_catalog())


@pytest.mark.parametrize(("year", "feb_day"), [(2027, 28), (2028, 29), (2100, 28)])
def test_c2_lands_on_the_last_day_of_february(
    planned: list[PlannedActivity], year: int, feb_day: int
) -> None:
    schedule = compute_schedule(planned, year)
    dates = schedule.dates_of("C.2")
    assert len(dates) == 12
    assert dt.date(year, 2, feb_day) in dates
    assert all(d.day == 30 for d in dates if d.month != 2)
    row = next(r for r in schedule.rows if r.activity.id == "C.2")
    assert row.month_cell(2) == str(feb_day)
    assert row.month_cell(1) == "30"


def test_day30_rule_without_catalog() -> None:
    act = PlannedActivity("X.1", "Uji", DAY30_RRULE)
    assert compute_schedule([act], 2028).dates_of("X.1")[:3] == [
        dt.date(2028, 1, 30),
        dt.date(2028, 2, 29),
        dt.date(2028, 3, 30),
    ]


def test_frequent_activities_are_summarised(planned: list[PlannedActivity]) -> None:
    schedule = compute_schedule(planned, 2027, "Asia/Jakarta")
    sipp1 = next(r for r in schedule.rows if r.activity.id == "SIPP-1")
    sipp2 = next(r for r in schedule.rows if r.activity.id == "SIPP-2")
    assert sipp1.frequent and sipp1.count == 8760
    assert sipp2.frequent and sipp2.count == 365
    assert sipp2.month_cell(6) == "\u2713"
    assert "jam" in sipp1.summary.lower()
    # SOP order: SIPP first, then A…F
    ids = [r.activity.id for r in schedule.rows]
    assert ids[0] == "SIPP-1" and ids.index("C.2") < ids.index("D.7") < ids.index("F.1")


def test_ics_has_one_event_per_day30_occurrence_and_recurring_frequent_events(
    planned: list[PlannedActivity],
) -> None:
    schedule = compute_schedule(planned, 2028, "Asia/Jakarta")
    cal = Calendar.from_ical(to_ics(schedule, "Pengadilan Negeri Contoh"))
    events = list(cal.walk("VEVENT"))
    c2 = sorted(e.decoded("dtstart") for e in events if str(e.get("summary")).startswith("C.2 "))
    assert len(c2) == 12
    assert dt.date(2028, 2, 29) in c2
    sipp1 = [e for e in events if str(e.get("summary")).startswith("SIPP-1 ")]
    assert len(sipp1) == 1
    assert sipp1[0].get("rrule")["FREQ"] == ["HOURLY"]
    assert sipp1[0].get("rrule")["UNTIL"][0].year == 2028
    uids = [str(e.get("uid")) for e in events]
    assert len(uids) == len(set(uids))
    assert list(cal.walk("VTIMEZONE")), "recurring events with TZID need a VTIMEZONE"
    # stable UIDs: re-generating gives the same calendar
    assert to_ics(schedule, "Pengadilan Negeri Contoh") == to_ics(schedule, "Pengadilan Negeri Contoh")


def test_bad_rrule_names_the_activity() -> None:
    with pytest.raises(ReportError, match=r"activity Z\.9: invalid RRULE"):
        compute_schedule([PlannedActivity("Z.9", "Rusak", "FREQ=SOMETIMES")], 2027)


def test_bad_year_and_zone() -> None:
    with pytest.raises(ReportError, match="year 12 is out of range"):
        compute_schedule([], 12)
    with pytest.raises(ReportError, match="unknown time zone"):
        compute_schedule([], 2027, "Asia/Nowhere")
