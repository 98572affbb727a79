"""SOP timing: schedule slots from iCal RRULEs and due / overdue activities from the records.

An activity with a schedule has *slots* (occurrences of its RRULE in the court's timezone).
For each host of its scope, the activity is

- ``ok`` when a run (not check mode, not interrupted, host not unreachable) started at or after
  the newest slot that is not in the future;
- ``due`` when that slot has no such run yet;
- ``overdue`` when it is due and the grace time after the slot has passed (grace = the
  activity's ``grace_s``, else its Mutu Baku standard, else one day; never more than one period).

RRULEs carry no DTSTART: they are anchored at local midnight of the first day of a month (hourly,
daily, weekly, minutely rules) or of January (monthly, yearly rules), so the same string works
as an AWX schedule with any DTSTART at such a boundary.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dateutil.rrule import rrule, rrulestr

from sop_runner.catalog import Activity, Catalog
from sop_runner.records import iso, parse_iso

DEFAULT_GRACE_S = 86400.0
#: host statuses that mean the activity was carried out on that host for its slot
DONE_HOST_STATUSES = ("ok", "failed", "successful", "partial")


def _anchor(rule_text: str, at: datetime) -> datetime:
    freq = rule_text.split(";")[0].split("=")[1]
    local = at
    if freq in ("MONTHLY", "YEARLY"):
        return local.replace(year=local.year - 1, month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    month = local.month - 1 or 12
    year = local.year if local.month > 1 else local.year - 1
    return local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)


def make_rule(rule_text: str, tz: Any, at: datetime) -> rrule:
    """Given RRULE text, the court timezone and a time, return a dateutil rrule anchored before it."""
    local = at.astimezone(tz)
    rule = rrulestr(rule_text, dtstart=_anchor(rule_text, local))
    assert isinstance(rule, rrule)
    return rule


def last_slot(rule_text: str, tz: Any, at: datetime) -> datetime | None:
    """Return the newest occurrence of the rule at or before ``at`` (aware, court timezone)."""
    rule = make_rule(rule_text, tz, at)
    slot: datetime | None = rule.before(at.astimezone(tz), inc=True)
    return slot


def next_slot(rule_text: str, tz: Any, at: datetime) -> datetime | None:
    """Return the first occurrence of the rule strictly after ``at``."""
    rule = make_rule(rule_text, tz, at)
    slot: datetime | None = rule.after(at.astimezone(tz), inc=False)
    return slot


def slots_between(rule_text: str, tz: Any, start: datetime, end: datetime, cap: int = 100000) -> int:
    """Return how many occurrences fall in (start, end] (at most ``cap``)."""
    rule = rrulestr(rule_text, dtstart=_anchor(rule_text, start.astimezone(tz)))
    n = 0
    for _ in rule.xafter(start.astimezone(tz), inc=False):  # type: ignore[union-attr]
        if _ > end:
            break
        n += 1
        if n >= cap:
            break
    return n


@dataclass
class DueItem:
    """Due state of one activity over one scope (a target group, or ``-`` without hosts)."""

    activity_id: str
    scope: str
    schedule: str
    slot: str | None
    state: str  # ok | due | overdue | no hosts (the scope's group is empty or absent)
    last_run: str | None
    last_status: str | None
    missed_slots: int
    hosts_due: list[str] = field(default_factory=list)
    hosts_overdue: list[str] = field(default_factory=list)
    runnable: bool = False
    playbook: str | None = None

    @property
    def trigger(self) -> str:
        """``catch-up`` when more than one slot was missed, else ``schedule``."""
        return "catch-up" if self.missed_slots > 1 else "schedule"

    def to_dict(self) -> dict[str, Any]:
        """Return the item as a JSON-serialisable dict."""
        d = dict(self.__dict__)
        d["trigger"] = self.trigger
        return d


def _grace(act: Activity, slot: datetime, nxt: datetime | None) -> float:
    g = act.grace_s if act.grace_s is not None else act.standard_s if act.standard_s else DEFAULT_GRACE_S
    if nxt is not None:
        g = min(g, (nxt - slot).total_seconds())
    return g


def compute_due(
    catalog: Catalog,
    last_runs: dict[tuple[str, str], tuple[str, str]],
    hosts_of_group: dict[str, list[str]],
    at: datetime,
    activities: Iterable[Activity] | None = None,
) -> list[DueItem]:
    """Given the catalog, the store's newest run per (activity, host) (see
    ``RecordStore.last_host_runs``), the inventory's hosts per group and the time ``at``,
    return one :class:`DueItem` per scheduled activity and scope.

    Activities without targets (manual, report-produced) are judged on their newest record of
    any host. A target group missing from the inventory counts as an empty scope.
    """
    items: list[DueItem] = []
    tz = catalog.tz
    for act in activities if activities is not None else catalog.activities.values():
        if not act.schedule or not act.enabled:
            continue
        rule_text = catalog.schedules[act.schedule]
        slot = last_slot(rule_text, tz, at)
        scopes = [(g, hosts_of_group.get(g, [])) for g in act.targets] if act.targets else [("-", [""])]
        for scope, hosts in scopes:
            item = DueItem(
                activity_id=act.id,
                scope=scope,
                schedule=act.schedule,
                slot=iso(slot) if slot else None,
                state="ok",
                last_run=None,
                last_status=None,
                missed_slots=0,
                runnable=act.runnable,
                playbook=act.playbook,
            )
            items.append(item)
            if not hosts:
                item.state = "no hosts"
                continue
            if slot is None:
                continue
            slot_iso = iso(slot)
            nxt = next_slot(rule_text, tz, slot)
            grace = _grace(act, slot, nxt)
            overdue_now = (at - slot).total_seconds() >= grace
            missed_cache: dict[str, int] = {}
            for host in hosts:
                last = last_runs.get((act.id, host))
                if last and (item.last_run is None or last[0] > item.last_run):
                    item.last_run, item.last_status = last
                done = last is not None and last[0] >= slot_iso and last[1] in DONE_HOST_STATUSES
                if done:
                    continue
                ref = last[0] if last else ""
                if ref not in missed_cache:
                    # slots since the host's last run (a host never run has missed the current one)
                    missed_cache[ref] = (
                        max(1, slots_between(rule_text, tz, parse_iso(ref), at, cap=10000)) if ref else 1
                    )
                missed = missed_cache[ref]
                item.hosts_due.append(host)
                item.missed_slots = max(item.missed_slots, missed)
                # overdue: the current slot's grace has passed, or an earlier slot was missed
                if overdue_now or missed > 1:
                    item.hosts_overdue.append(host)
            if item.hosts_due:
                item.state = "overdue" if item.hosts_overdue else "due"
    return items
