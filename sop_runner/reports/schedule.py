"""Jadwal Pemeliharaan (C.1): a year's maintenance schedule computed from the catalog's RRULEs.

Every activity with an RRULE gets its occurrences in the year (dateutil.rrule, in the court's
time zone). Activities that recur daily or more often are summarised ("Setiap hari") instead of
listed 365 or 8760 times; the rest are listed date by date, month by month, which is what the
paper C.1 shows. The ICS calendar carries the same: explicit events for the dated activities,
one recurring event (with the same RRULE, bounded to the year) for the frequent ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule

from sop_runner.catalog import Catalog
from sop_runner.reports.errors import ReportError

MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
DAY30_RRULE = "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1"
_FREQ_WORDS = {
    rrule.HOURLY: "Setiap jam",
    rrule.MINUTELY: "Setiap menit",
    rrule.DAILY: "Setiap hari",
    rrule.WEEKLY: "Setiap minggu",
    rrule.MONTHLY: "Setiap bulan",
    rrule.YEARLY: "Setiap tahun",
}


@dataclass(frozen=True)
class PlannedActivity:
    """One catalog activity as the schedule needs it."""

    id: str
    title: str
    rrule: str
    pelaksana: str = ""
    waktu: str = ""
    output: str = ""
    schedule_text: str = ""


@dataclass
class ScheduleRow:
    """One row of the C.1 table: an activity and its dates per month (1..12)."""

    activity: PlannedActivity
    frequent: bool
    summary: str
    per_month: dict[int, list[dt.datetime]] = field(default_factory=dict)
    count: int = 0

    def month_cell(self, month: int) -> str:
        """Return the text of one month cell: the day numbers, or the summary word."""
        if self.frequent:
            return "\u2713" if self.per_month.get(month) else ""
        return ", ".join(str(d.day) for d in self.per_month.get(month, []))


@dataclass
class Schedule:
    """The computed Jadwal Pemeliharaan for one year."""

    year: int
    tz: str
    rows: list[ScheduleRow]

    def dates_of(self, activity_id: str) -> list[dt.date]:
        """Return every date in the year on which `activity_id` is due. Raise KeyError if unknown."""
        for row in self.rows:
            if row.activity.id == activity_id:
                return sorted({d.date() for days in row.per_month.values() for d in days})
        raise KeyError(activity_id)


def _parse_rule(activity: PlannedActivity, dtstart: dt.datetime, until: dt.datetime) -> rrule.rrule:
    text = activity.rrule.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    if "DTSTART" in text.upper() or "\n" in text:
        raise ReportError(f"activity {activity.id}: RRULE must be a single rule without DTSTART: {text!r}")
    try:
        rule = rrule.rrulestr(text, dtstart=dtstart, ignoretz=False)
    except (ValueError, TypeError) as exc:
        raise ReportError(f"activity {activity.id}: invalid RRULE {text!r} ({exc}); fix the catalog") from exc
    if not isinstance(rule, rrule.rrule):
        raise ReportError(f"activity {activity.id}: RRULE {text!r} is not a single rule; fix the catalog")
    current = getattr(rule, "_until", None)
    return rule.replace(until=until) if current is None or current > until else rule


def _zone(tz: str) -> ZoneInfo:
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ReportError(
            f"unknown time zone {tz!r}: use e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura"
        ) from exc


def compute_schedule(activities: Iterable[PlannedActivity], year: int, tz: str = "Asia/Jakarta") -> Schedule:
    """Given activities with RRULEs, return the Schedule of `year` in time zone `tz`.

    Raise ReportError naming the activity if an RRULE does not parse, or if the year is outside
    1970..2999.
    """
    if not 1970 <= year <= 2999:
        raise ReportError(f"year {year} is out of range: give a year like 2027")
    zone = _zone(tz)
    rows: list[ScheduleRow] = []
    for act in sorted(activities, key=lambda a: _sort_key(a.id)):
        start = dt.datetime(year, 1, 1, tzinfo=zone)  # the time of day comes from BYHOUR/BYMINUTE
        until = dt.datetime(year, 12, 31, 23, 59, 59, tzinfo=zone)
        rule = _parse_rule(act, start, until)
        freq = int(getattr(rule, "_freq", rrule.YEARLY))
        frequent = freq in (rrule.DAILY, rrule.HOURLY, rrule.MINUTELY, rrule.SECONDLY)
        per_month: dict[int, list[dt.datetime]] = {}
        seen: set[dt.date] = set()
        count = 0
        for occ in rule:
            if occ.year != year:
                continue
            count += 1
            if frequent and occ.date() in seen:
                continue  # the C.1 table and dates_of() need each due date once
            seen.add(occ.date())
            per_month.setdefault(occ.month, []).append(occ)
        summary = _summary(act, freq)
        rows.append(
            ScheduleRow(activity=act, frequent=frequent, summary=summary, per_month=per_month, count=count)
        )
    return Schedule(year=year, tz=tz, rows=rows)


def _summary(act: PlannedActivity, freq: int) -> str:
    if act.schedule_text:
        return act.schedule_text[:1].upper() + act.schedule_text[1:]
    rule = act.rrule.upper().replace("RRULE:", "").replace(" ", "")
    if rule.startswith(DAY30_RRULE):
        return "Setiap tanggal 30 bulan berjalan (Februari: hari terakhir)"
    return _FREQ_WORDS.get(freq, "Terjadwal")


def _sort_key(activity_id: str) -> tuple[int, str, int]:
    head, _, num = activity_id.replace("-", ".").partition(".")
    section = 0 if head == "SIPP" else 1
    return (section, head, int(num) if num.isdigit() else 0)


# ---------------------------------------------------------------------------------------------
# ICS


def to_ics(schedule: Schedule, satker: str, activities_url: str = "") -> bytes:
    """Given a Schedule, return an RFC 5545 calendar (bytes) the operator can import.

    Dated activities become one event per occurrence (so the February rule is already resolved
    to the 28th or 29th); daily/hourly ones become one recurring event bounded to the year.
    UIDs are stable (hash of satker, activity and date) so re-importing updates, not duplicates.
    """
    from icalendar import Calendar, Event, vRecur

    cal = Calendar()
    cal.add("prodid", "-//sop-runner//Jadwal Pemeliharaan C.1//ID")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Jadwal Pemeliharaan TI {schedule.year} - {satker}")
    cal.add("x-wr-timezone", schedule.tz)
    stamp = dt.datetime(schedule.year, 1, 1, tzinfo=dt.UTC)
    for row in schedule.rows:
        act = row.activity
        desc = "\n".join(
            part
            for part in (
                f"Pelaksana: {act.pelaksana}" if act.pelaksana else "",
                f"Waktu (Mutu Baku): {act.waktu}" if act.waktu else "",
                f"Output: {act.output}" if act.output else "",
                f"Jadwal: {row.summary}",
                activities_url,
            )
            if part
        )
        if row.frequent:
            first = min((d for days in row.per_month.values() for d in days), default=None)
            if first is None:
                continue
            ev = Event()
            ev.add("uid", _uid(satker, act.id, f"{schedule.year}-recurring"))
            ev.add("dtstamp", stamp)
            ev.add("summary", f"{act.id} {act.title}")
            ev.add("dtstart", first)
            ev.add("duration", dt.timedelta(minutes=15))
            rule = vRecur.from_ical(act.rrule.upper().removeprefix("RRULE:"))
            rule["UNTIL"] = [dt.datetime(schedule.year, 12, 31, 23, 59, 59, tzinfo=dt.UTC)]
            ev.add("rrule", rule)
            ev.add("description", desc)
            cal.add_component(ev)
            continue
        for days in row.per_month.values():
            for occ in days:
                ev = Event()
                ev.add("uid", _uid(satker, act.id, occ.date().isoformat()))
                ev.add("dtstamp", stamp)
                ev.add("summary", f"{act.id} {act.title}")
                ev.add("dtstart", occ.date())
                ev.add("dtend", occ.date() + dt.timedelta(days=1))
                ev.add("description", desc)
                ev.add("categories", ["Pemeliharaan TI", act.id])
                cal.add_component(ev)
    cal.add_missing_timezones()  # VTIMEZONE for the TZID of the recurring events
    return bytes(cal.to_ical())


def _uid(satker: str, activity_id: str, key: str) -> str:
    digest = hashlib.sha256(f"{satker}|{activity_id}|{key}".encode()).hexdigest()[:24]
    return f"{digest}@sop-runner.invalid"


def planned_from_catalog(catalog: Catalog) -> list[PlannedActivity]:
    """Given the SOP catalog, return the enabled activities that have a schedule (RRULE)."""
    out = []
    for act in catalog.activities.values():
        rule = catalog.rrule(act)
        if not rule or not act.enabled:
            continue
        out.append(
            PlannedActivity(
                id=act.id,
                title=act.aktifitas,
                rrule=rule,
                pelaksana=" / ".join(act.pelaksana),
                waktu=act.waktu,
                output=act.output,
                schedule_text=catalog.schedule_descriptions.get(act.schedule or "", ""),
            )
        )
    return out
