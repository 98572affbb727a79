"""Schedules as RRULEs: the day-30 rule for every month 2024-2028, hourly and daily slots."""

from __future__ import annotations

import calendar
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from sop_runner.catalog import DAY30_RRULE, load_catalog
from sop_runner.due import last_slot, next_slot, slots_between

WIB = ZoneInfo("Asia/Jakarta")


def test_day30_rule_2024_to_2028_plain_rrule() -> None:
    """The bare issue RRULE gives the 30th, and February's last day (28th / 29th)."""
    rule = rrulestr(DAY30_RRULE, dtstart=datetime(2024, 1, 1, 7, 0))
    got = [d.date() for d in rule.between(datetime(2024, 1, 1), datetime(2028, 12, 31, 23, 59), inc=True)]
    assert len(got) == 60
    for d in got:
        if d.month == 2:
            assert d.day == (29 if calendar.isleap(d.year) else 28)
        else:
            assert d.day == 30
    assert datetime(2024, 2, 29).date() in got and datetime(2028, 2, 29).date() in got
    assert datetime(2025, 2, 28).date() in got


@pytest.mark.parametrize("year", range(2024, 2029))
@pytest.mark.parametrize("month", range(1, 13))
def test_day30_catalog_schedule_every_month(year: int, month: int) -> None:
    """The catalog's day30 schedule (with its time of day) lands on the right date each month."""
    cat = load_catalog()
    rule = cat.schedules["day30"]
    last_day = calendar.monthrange(year, month)[1]
    expected_day = 30 if month != 2 else last_day
    end_of_month = datetime(year, month, last_day, 23, 59, tzinfo=WIB)
    slot = last_slot(rule, WIB, end_of_month)
    assert slot is not None
    assert (slot.year, slot.month, slot.day, slot.hour, slot.minute) == (year, month, expected_day, 7, 0)
    # the day before the slot still belongs to the previous month's slot
    before = last_slot(rule, WIB, slot - timedelta(minutes=1))
    assert before is not None and before < slot and (before.month != month or before.year != year)


def test_hourly_and_daily_slots() -> None:
    cat = load_catalog()
    at = datetime(2026, 3, 10, 9, 4, tzinfo=WIB)
    assert last_slot(cat.schedules["hourly"], WIB, at) == datetime(2026, 3, 10, 8, 5, tzinfo=WIB)
    assert next_slot(cat.schedules["hourly"], WIB, at) == datetime(2026, 3, 10, 9, 5, tzinfo=WIB)
    assert last_slot(cat.schedules["daily"], WIB, at) == datetime(2026, 3, 10, 6, 30, tzinfo=WIB)
    week_ago = at - timedelta(days=7)
    assert slots_between(cat.schedules["hourly"], WIB, week_ago, at) == 168


def test_slot_across_year_boundary_in_utc() -> None:
    """A UTC time on 31 Dec evening is already 1 Jan in Jakarta: the daily slot follows WIB."""
    cat = load_catalog()
    at = datetime(2026, 12, 31, 23, 45, tzinfo=ZoneInfo("UTC"))  # 2027-01-01 06:45 WIB
    assert last_slot(cat.schedules["daily"], WIB, at) == datetime(2027, 1, 1, 6, 30, tzinfo=WIB)


def test_catalog_show_gives_an_awx_schedule_string(tmp_path: Path) -> None:
    """`sop catalog show` prints the day-30 rule as an AWX schedule that dateutil reads back."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOP_")}
    env["SOP_CONFIG"] = str(tmp_path / "sop.yml")
    (tmp_path / "sop.yml").write_text("{}\n")
    res = subprocess.run(
        [sys.executable, "-m", "sop_runner.cli", "catalog", "show", "D.7", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    awx = json.loads(res.stdout)["awx_rrule"]
    rule = rrulestr(awx.replace(" RRULE:", "\nRRULE:"))
    first = list(rule[:14])
    assert [d.day for d in first[:3]] == [30, 29, 30]  # Jan, Feb 2024 (leap), Mar
    assert first[13].month == 2 and first[13].day == 28  # Feb 2025
