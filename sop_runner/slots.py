"""One answer to "was it done?": the slots of a schedule and the state of each.

Every caller that asks whether an activity was carried out on time -- ``sop due``, ``sop
tick``, ``sop summary``, the monthly report and the notifications -- calls this module; nothing
else anchors an RRULE or decides a slot's state.

Terms:

- A *slot* is one occurrence of the activity's RRULE in the court's time zone.
- A *day-standard* schedule (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY: "setiap hari", "tanggal
  30") is met by a run any time on the slot's day: its *window* opens at local midnight of that
  day. A sub-day schedule (hourly, every few minutes) opens its window at the slot itself.
  A window closes when the next slot's window opens, so every run belongs to one slot.
- A run *counts* for a host when it is not a check-mode run, was not interrupted, and reached
  the host (host status ``ok`` or ``failed``). A record without per-host results (``sop log``)
  counts for every host of the scope with its own status.
- The *deadline* of a slot is the slot plus its grace (the activity's ``grace_s``, else its
  Mutu Baku standard, else one day), never later than the window's close.

:func:`slot_state` gives one slot's state: ``done``, ``failed`` (carried out, some host
failed), ``due``, ``overdue``, ``not met`` (its window closed without a run) or ``upcoming``.
:func:`scope_state` gives the state of an activity over a scope *now*: ``ok``, ``due`` or
``overdue`` (``no hosts`` for an empty scope), built from :func:`slot_state`.

All times are timezone-aware datetimes; a naive one raises ValueError.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from dateutil.rrule import DAILY, HOURLY, MINUTELY, MONTHLY, SECONDLY, WEEKLY, YEARLY, rrule, rrulestr

if TYPE_CHECKING:
    from sop_runner.catalog import Activity
    from sop_runner.records import Record

DEFAULT_GRACE_S = 86400.0
DONE = "done"
FAILED = "failed"
DUE = "due"
OVERDUE = "overdue"
NOT_MET = "not met"
UPCOMING = "upcoming"
SLOT_STATES = (DONE, FAILED, DUE, OVERDUE, NOT_MET, UPCOMING)
#: record statuses that mean the activity was carried out (per host: ok / failed)
_CARRIED = {"successful": "ok", "partial": "ok", "failed": "failed"}
_FREQS = {
    "SECONDLY": SECONDLY,
    "MINUTELY": MINUTELY,
    "HOURLY": HOURLY,
    "DAILY": DAILY,
    "WEEKLY": WEEKLY,
    "MONTHLY": MONTHLY,
    "YEARLY": YEARLY,
}
_DAY_FREQS = (DAILY, WEEKLY, MONTHLY, YEARLY)


def _aware(dt: datetime, name: str = "time") -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"naive {name} {dt!r}: schedules need timezone-aware times")
    return dt


def rule_freq(rule_text: str) -> int:
    """Given RRULE text, return its dateutil frequency constant. Raise ValueError without FREQ."""
    for part in rule_text.upper().removeprefix("RRULE:").split(";"):
        key, _, value = part.partition("=")
        if key.strip() == "FREQ" and value.strip() in _FREQS:
            return _FREQS[value.strip()]
    raise ValueError(f"RRULE {rule_text!r} has no FREQ")


def _anchor(freq: int, local: datetime) -> datetime:
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if freq in (SECONDLY, MINUTELY, HOURLY, DAILY):
        return midnight - timedelta(days=1)
    if freq == WEEKLY:  # the Monday of the week before: weekly rules keep their weekday
        return midnight - timedelta(days=7 + midnight.weekday())
    return midnight.replace(year=midnight.year - 1, month=1, day=1)


@functools.lru_cache(maxsize=4096)
def _cached_rule(rule_text: str, dtstart: datetime) -> rrule:
    rule = rrulestr(rule_text, dtstart=dtstart, cache=True)
    if not isinstance(rule, rrule):
        raise ValueError(f"RRULE {rule_text!r} is not a single rule")
    return rule


def anchored_rule(rule_text: str, tz: Any, near: datetime) -> rrule:
    """Given RRULE text (no DTSTART), the court's time zone and an aware time, return the
    dateutil rule anchored at a local midnight boundary before ``near``.

    The anchor is the midnight of the day before (sub-daily and daily rules), the Monday of the
    week before (weekly rules) or 1 January of the year before (monthly and yearly rules), so
    the same rule text gives the same occurrences wherever it is anchored, and AWX gets the
    same times with a DTSTART at such a boundary. This is the only place a rule is anchored.
    """
    local = _aware(near).astimezone(tz)
    return _cached_rule(rule_text.removeprefix("RRULE:"), _anchor(rule_freq(rule_text), local))


@dataclass(frozen=True)
class Schedule:
    """A schedule's RRULE in the court's time zone, with its slots and their windows."""

    rule_text: str
    tz: Any

    @functools.cached_property
    def freq(self) -> int:
        """The rule's dateutil frequency."""
        return rule_freq(self.rule_text)

    @property
    def day_standard(self) -> bool:
        """True when the standard is a day (daily, weekly, monthly, yearly rules)."""
        return self.freq in _DAY_FREQS

    def last(self, at: datetime) -> datetime | None:
        """Return the newest slot at or before ``at`` (court time zone)."""
        local = _aware(at).astimezone(self.tz)
        slot: datetime | None = anchored_rule(self.rule_text, self.tz, local).before(local, inc=True)
        return slot

    def next(self, at: datetime) -> datetime | None:
        """Return the first slot strictly after ``at``."""
        local = _aware(at).astimezone(self.tz)
        slot: datetime | None = anchored_rule(self.rule_text, self.tz, local).after(local, inc=False)
        return slot

    def previous(self, slot: datetime) -> datetime | None:
        """Return the slot before ``slot``."""
        local = _aware(slot).astimezone(self.tz)
        prev: datetime | None = anchored_rule(self.rule_text, self.tz, local).before(local, inc=False)
        return prev

    def between(self, start: datetime, end: datetime, cap: int = 100000) -> list[datetime]:
        """Return the slots in ``(start, end]`` (at most ``cap``)."""
        local = _aware(start).astimezone(self.tz)
        out: list[datetime] = []
        for slot in anchored_rule(self.rule_text, self.tz, local).xafter(local, inc=False):
            if slot > end or len(out) >= cap:
                break
            out.append(slot)
        return out

    def opens(self, slot: datetime) -> datetime:
        """Return when the slot's window opens: local midnight of its day (day-standard rules)
        or the slot itself."""
        local = _aware(slot).astimezone(self.tz)
        if self.freq in _DAY_FREQS:
            return local.replace(hour=0, minute=0, second=0, microsecond=0)
        return local

    def window(self, slot: datetime) -> tuple[datetime, datetime | None]:
        """Return ``(opens, closes)`` of the slot's window; ``closes`` is when the next slot's
        window opens (None when the rule has no later slot)."""
        return _window(self, slot)


@functools.lru_cache(maxsize=65536)
def _window(schedule: Schedule, slot: datetime) -> tuple[datetime, datetime | None]:
    nxt = schedule.next(slot)
    return schedule.opens(slot), schedule.opens(nxt) if nxt is not None else None


@dataclass(frozen=True)
class Run:
    """What the slot logic needs of a record: when, what status, on which hosts."""

    activity_id: str
    started: datetime
    ended: datetime
    status: str
    hosts: dict[str, str] = field(default_factory=dict)
    check_mode: bool = False

    @classmethod
    def from_record(cls, rec: Record) -> Run:
        """Given a stored record, return its Run."""
        from sop_runner.records import parse_iso

        return cls(
            rec.activity_id,
            parse_iso(rec.started_at),
            parse_iso(rec.ended_at),
            rec.status,
            {h: str(v.get("status", "")) for h, v in rec.hosts.items()},
            rec.check_mode,
        )

    def outcome(self, host: str | None) -> str | None:
        """Return ``ok`` / ``failed`` when this run counts for ``host`` (None: the activity as a
        whole), else None."""
        if self.check_mode or self.status not in _CARRIED:
            return None
        if host is None or not self.hosts:
            return _CARRIED[self.status]
        st = self.hosts.get(host)
        return st if st in ("ok", "failed") else None


class Runs:
    """One activity's runs, sorted by start, for window look-ups."""

    def __init__(self, runs: Iterable[Run]) -> None:
        self.runs = sorted(runs, key=lambda r: r.started)
        self._starts = [r.started for r in self.runs]

    def in_window(self, opens: datetime, closes: datetime | None, now: datetime) -> list[Run]:
        """Return the runs started in ``[opens, closes)`` that had ended by ``now``."""
        lo = bisect.bisect_left(self._starts, opens)
        hi = bisect.bisect_left(self._starts, closes) if closes is not None else len(self.runs)
        return [r for r in self.runs[lo:hi] if r.ended <= now]

    def last_counting(self, host: str | None, now: datetime) -> Run | None:
        """Return the newest run that counts for ``host`` and had ended by ``now``."""
        hi = bisect.bisect_right(self._starts, now)
        for r in reversed(self.runs[:hi]):
            if r.ended <= now and r.outcome(host) is not None:
                return r
        return None


def grace_s(activity: Activity) -> float:
    """Return the activity's grace: ``grace_s``, else its Mutu Baku standard, else one day."""
    if activity.grace_s is not None:
        return activity.grace_s
    return activity.standard_s if activity.standard_s else DEFAULT_GRACE_S


@dataclass(frozen=True)
class SlotVerdict:
    """The state of one slot for a scope."""

    slot: datetime
    opens: datetime
    closes: datetime | None
    deadline: datetime
    state: str
    hosts_pending: tuple[str, ...] = ()
    hosts_failed: tuple[str, ...] = ()


def slot_state(
    activity: Activity,
    schedule: Schedule,
    slot: datetime,
    hosts: Sequence[str] | None,
    runs: Runs,
    now: datetime,
    following: datetime | None = None,
) -> SlotVerdict:
    """Given an activity, its schedule, one slot, the scope's hosts (None: the activity as a
    whole), its runs and the time asked about, return the slot's :class:`SlotVerdict`.
    ``following`` may give the next slot when the caller knows it (walking a list of slots).

    Runs that had not ended by ``now`` are ignored ("as of" ``now``). Raise ValueError for an
    empty scope (it has no slot to meet; :func:`scope_state` calls it ``no hosts``).
    """
    _aware(now, "now")
    if hosts is not None and not hosts:
        raise ValueError(f"{activity.id}: an empty scope has no slot state")
    closes: datetime | None
    if following is not None:
        opens, closes = schedule.opens(slot), schedule.opens(following)
    else:
        opens, closes = schedule.window(slot)
    deadline = slot + timedelta(seconds=grace_s(activity))
    if closes is not None and closes < deadline:
        deadline = closes
    window = runs.in_window(opens, closes, now)
    keys: Sequence[str | None] = [None] if hosts is None else hosts
    pending: list[str] = []
    failed: list[str] = []
    for host in keys:
        outcomes = {r.outcome(host) for r in window} - {None}
        if "ok" in outcomes:
            continue
        (failed if outcomes else pending).append(host or "")
    if not pending:
        state = FAILED if failed else DONE
    elif now < slot:
        state = UPCOMING
    elif closes is not None and now >= closes:
        state = NOT_MET
    elif now >= deadline:
        state = OVERDUE
    else:
        state = DUE
    return SlotVerdict(slot, opens, closes, deadline, state, tuple(pending), tuple(failed))


@dataclass
class HostState:
    """One host's state now: ``ok`` / ``due`` / ``overdue``, the slot judged, slots missed
    since its last run, and when the oldest pending slot became (or becomes) overdue."""

    host: str
    state: str
    slot: datetime | None
    missed: int = 0
    overdue_at: datetime | None = None
    last: Run | None = None


def host_state(
    activity: Activity, schedule: Schedule, host: str | None, runs: Runs, now: datetime
) -> HostState:
    """Given an activity, its schedule, one host (None: the activity as a whole), its runs and
    ``now``, return the host's :class:`HostState`.

    The slot judged is the newest slot at or before ``now``; a later slot whose window has
    already opened and holds a run (a day-standard run before the slot's hour) is judged
    instead, so that run is not repeated.
    """
    name = host or ""
    scope = None if host is None else [host]
    last_run = runs.last_counting(host, now)
    nxt = schedule.next(now)
    if nxt is not None and schedule.opens(nxt) <= now:
        early = slot_state(activity, schedule, nxt, scope, runs, now)
        if early.state in (DONE, FAILED):
            return HostState(name, "ok", nxt, last=last_run)
    slot = schedule.last(now)
    if slot is None:
        return HostState(name, "ok", None, last=last_run)
    verdict = slot_state(activity, schedule, slot, scope, runs, now)
    if verdict.state in (DONE, FAILED):
        return HostState(name, "ok", slot, last=last_run)
    # pending slots: those whose window opened after the host's last counting run
    if last_run is None:
        pending = [slot]
    else:
        prev = schedule.last(last_run.started)
        pending = [
            s
            for s in schedule.between(prev or last_run.started, now, cap=10000)
            if schedule.opens(s) > last_run.started
        ] or [slot]
    first = pending[0]
    first_verdict = verdict if first == slot else slot_state(activity, schedule, first, scope, runs, now)
    overdue = verdict.state in (OVERDUE, NOT_MET) or len(pending) > 1
    return HostState(
        name,
        OVERDUE if overdue else DUE,
        slot,
        missed=len(pending),
        overdue_at=first_verdict.deadline if len(pending) > 1 else verdict.deadline,
        last=last_run,
    )


@dataclass
class ScopeState:
    """An activity's state over one scope now (see :func:`scope_state`)."""

    state: str  # ok | due | overdue | no hosts
    slot: datetime | None
    hosts: list[HostState]
    missed: int = 0
    overdue_at: datetime | None = None

    @property
    def hosts_due(self) -> list[str]:
        """Hosts with a pending slot."""
        return [h.host for h in self.hosts if h.state in (DUE, OVERDUE)]

    @property
    def hosts_overdue(self) -> list[str]:
        """Hosts whose pending slot is overdue."""
        return [h.host for h in self.hosts if h.state == OVERDUE]

    @property
    def last(self) -> Run | None:
        """The newest counting run over the scope."""
        runs = [h.last for h in self.hosts if h.last is not None]
        return max(runs, key=lambda r: r.started) if runs else None


def scope_state(
    activity: Activity, schedule: Schedule, hosts: Sequence[str] | None, runs: Runs, now: datetime
) -> ScopeState:
    """Given an activity, its schedule, the scope's hosts (None: the activity as a whole; empty:
    no hosts), its runs and ``now``, return the :class:`ScopeState`: ``overdue`` when a host is
    overdue, else ``due`` when a host is due, else ``ok``."""
    _aware(now, "now")
    if hosts is not None and not hosts:
        return ScopeState("no hosts", schedule.last(now), [])
    states = [host_state(activity, schedule, h, runs, now) for h in ([None] if hosts is None else hosts)]
    pending = [h for h in states if h.state in (DUE, OVERDUE)]
    state = OVERDUE if any(h.state == OVERDUE for h in pending) else DUE if pending else "ok"
    slots = [h.slot for h in (pending or states) if h.slot is not None]
    return ScopeState(
        state,
        min(slots) if slots else None,
        states,
        missed=max((h.missed for h in pending), default=0),
        overdue_at=min((h.overdue_at for h in pending if h.overdue_at), default=None),
    )
