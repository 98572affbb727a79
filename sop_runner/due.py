"""Due / overdue activities per scope (host group), computed from the records.

For each scheduled, enabled activity and each scope (a target group; ``-`` for activities
without targets, judged on their records as a whole), the state comes from
:func:`sop_runner.slots.scope_state` -- the one function that decides a slot's state. ``sop
due``, ``sop tick``, ``sop summary``, the monthly report and the notifications all read it.

The runs are read from the record chain itself (never from a table beside it), and only runs
that had ended by the time asked about count, so ``sop due --at`` a past moment answers as the
records stood then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dateutil.rrule import rrule

from sop_runner.catalog import Activity, Catalog
from sop_runner.records import iso
from sop_runner.slots import DEFAULT_GRACE_S, Run, Runs, Schedule, anchored_rule, scope_state

if TYPE_CHECKING:
    from sop_runner.records import RecordStore

__all__ = [
    "DEFAULT_GRACE_S",
    "DueItem",
    "compute_due",
    "last_slot",
    "make_rule",
    "next_slot",
    "slots_between",
    "store_runs",
    "worst_state",
]


def make_rule(rule_text: str, tz: Any, at: datetime) -> rrule:
    """Given RRULE text, the court timezone and a time, return the dateutil rule anchored
    before it (see :func:`sop_runner.slots.anchored_rule`, the one anchoring helper)."""
    return anchored_rule(rule_text, tz, at)


def last_slot(rule_text: str, tz: Any, at: datetime) -> datetime | None:
    """Return the newest occurrence of the rule at or before ``at`` (aware, court timezone)."""
    return Schedule(rule_text, tz).last(at)


def next_slot(rule_text: str, tz: Any, at: datetime) -> datetime | None:
    """Return the first occurrence of the rule strictly after ``at``."""
    return Schedule(rule_text, tz).next(at)


def slots_between(rule_text: str, tz: Any, start: datetime, end: datetime, cap: int = 100000) -> int:
    """Return how many occurrences fall in (start, end] (at most ``cap``)."""
    return len(Schedule(rule_text, tz).between(start, end, cap=cap))


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
    overdue_at: str | None = None

    @property
    def trigger(self) -> str:
        """``catch-up`` when more than one slot was missed, else ``schedule``."""
        return "catch-up" if self.missed_slots > 1 else "schedule"

    def to_dict(self) -> dict[str, Any]:
        """Return the item as a JSON-serialisable dict."""
        d = dict(self.__dict__)
        d["trigger"] = self.trigger
        return d


def _scopes(
    act: Activity, hosts_of_group: Mapping[str, Sequence[str]] | None
) -> list[tuple[str, list[str] | None]]:
    if not act.targets or hosts_of_group is None:
        return [("-" if not act.targets else act.scope, None)]
    return [(g, list(hosts_of_group.get(g, []))) for g in act.targets]


def store_runs(
    store: RecordStore, act: Activity, schedule: Schedule, hosts: set[str] | None, at: datetime
) -> Runs:
    """Read from the store the runs of ``act`` that :func:`scope_state` needs at ``at``: newest
    first, down to a counting run of every host older than the current slot's window."""
    slot = schedule.last(at)
    lower = schedule.opens(slot) if slot is not None else at
    need: set[str | None] = set(hosts) if hosts is not None else {None}
    runs: list[Run] = []
    for rec in store.iter_runs_desc(act.id, until=iso(at)):
        run = Run.from_record(rec)
        runs.append(run)
        if run.ended <= at:
            need = {h for h in need if run.outcome(h) is None}
        if not need and run.started < lower:
            break
    return Runs(runs)


def compute_due(
    catalog: Catalog,
    source: RecordStore | Iterable[Run],
    hosts_of_group: Mapping[str, Sequence[str]] | None,
    at: datetime,
    activities: Iterable[Activity] | None = None,
) -> list[DueItem]:
    """Given the catalog, the records (a :class:`RecordStore` or the runs), the inventory's hosts
    per group (None: judge every activity as a whole) and the time ``at``, return one
    :class:`DueItem` per scheduled activity and scope.

    Activities without targets (manual, report-produced) are judged on their records as a whole.
    A target group missing from the inventory counts as an empty scope (``no hosts``).
    """
    from sop_runner.records import RecordStore

    if at.tzinfo is None:
        raise ValueError(f"naive time {at!r}: give a timezone-aware time")
    by_activity: dict[str, list[Run]] | None = None
    if not isinstance(source, RecordStore):
        by_activity = {}
        for run in source:
            by_activity.setdefault(run.activity_id, []).append(run)
    items: list[DueItem] = []
    for act in activities if activities is not None else catalog.activities.values():
        if not act.schedule or not act.enabled:
            continue
        schedule = Schedule(catalog.schedules[act.schedule], catalog.tz)
        scopes = _scopes(act, hosts_of_group)
        if by_activity is not None:
            runs = Runs(by_activity.get(act.id, []))
        else:
            assert isinstance(source, RecordStore)
            wanted = None if any(h is None for _, h in scopes) else {x for _, h in scopes for x in h or []}
            runs = store_runs(source, act, schedule, wanted, at)
        for scope, hosts in scopes:
            st = scope_state(act, schedule, hosts, runs, at)
            last = st.last
            items.append(
                DueItem(
                    activity_id=act.id,
                    scope=scope,
                    schedule=act.schedule,
                    slot=iso(st.slot) if st.slot else None,
                    state=st.state,
                    last_run=iso(last.started) if last else None,
                    last_status=last.status if last else None,
                    missed_slots=st.missed,
                    hosts_due=st.hosts_due,
                    hosts_overdue=st.hosts_overdue,
                    runnable=act.runnable,
                    playbook=act.playbook,
                    overdue_at=iso(st.overdue_at) if st.overdue_at else None,
                )
            )
    return items


def worst_state(items: Iterable[DueItem]) -> dict[str, str]:
    """Given due items, return each activity's worst state over its scopes
    (overdue > due > ok / no hosts)."""
    order = {"no hosts": 0, "ok": 0, "due": 1, "overdue": 2}
    worst: dict[str, str] = {}
    for i in items:
        if i.activity_id not in worst or order[i.state] > order[worst[i.activity_id]]:
            worst[i.activity_id] = i.state
    return worst
