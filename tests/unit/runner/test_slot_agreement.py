"""Property test: `sop due`, `sop tick`'s choice, the summary, the monthly report and the
notifications give one answer per slot, and a run on a day-standard slot's day counts.

10,000 random histories (seeded): runs at random times -- check mode, interrupted,
unreachable, partial, failed, successful --, gaps of days, times given in UTC or WIB,
February, runs just before and after local midnight and before the slot's hour. A smaller set
goes through a real record store to show the store-backed callers read the same runs.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sop_runner import tick
from sop_runner.catalog import Activity, Catalog, load_catalog
from sop_runner.cli import summary_from
from sop_runner.due import DueItem, compute_due, worst_state
from sop_runner.notify import overdue_items, overdue_messages
from sop_runner.records import RecordStore, iso
from sop_runner.reports.monthly import collect_monthly, month_slot_states
from sop_runner.slots import DONE, DUE, FAILED, NOT_MET, OVERDUE, UPCOMING, Run, Runs, Schedule, scope_state

WIB = ZoneInfo("Asia/Jakarta")
GROUPS = {
    "sipp_servers": ["sipp"],
    "web_servers": ["web"],
    "network_devices": ["gw", "sw1"],
    "ups_hosts": ["sipp"],
    "linux_servers": ["nas", "sipp", "web"],
}
ACTIVITIES = ("SIPP-1", "SIPP-2", "F.1", "D.7", "C.2", "C.4")
STATUSES = ("successful", "successful", "successful", "partial", "failed", "unreachable", "interrupted")
N_HISTORIES = 10_000


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _hosts(act: Activity) -> list[str]:
    return sorted({h for g in act.targets for h in GROUPS.get(g, [])})


def _random_now(rng: random.Random) -> datetime:
    year = rng.randint(2024, 2028)
    month = rng.choice((1, 2, 2, 3, 6, 11, 12))
    day = rng.choice((1, 2, 27, 28, 29, 30, 31, rng.randint(1, 31)))
    while True:
        try:
            base = datetime(year, month, day, tzinfo=WIB)
            break
        except ValueError:
            day -= 1
    when = base + timedelta(seconds=rng.randint(0, 86399))
    return when if rng.random() < 0.5 else when.astimezone(UTC)  # control node in UTC


def _random_runs(rng: random.Random, act: Activity, schedule: Schedule, now: datetime) -> list[Run]:
    span = timedelta(days=3) if not schedule.day_standard else timedelta(days=70)
    slots = schedule.between(now - span, now + timedelta(days=2)) or [now]
    hosts = _hosts(act)
    runs = []
    for _ in range(rng.randint(0, 7)):
        slot = rng.choice(slots)
        day0 = slot.astimezone(WIB).replace(hour=0, minute=0, second=0, microsecond=0)
        start = rng.choice(
            (
                slot + timedelta(seconds=rng.randint(0, 1800)),  # at the slot
                slot - timedelta(seconds=rng.randint(1, 7200)),  # before the slot's hour
                day0 - timedelta(seconds=rng.randint(1, 300)),  # just before midnight
                day0 + timedelta(seconds=rng.randint(0, 300)),  # just after midnight
                slot + timedelta(seconds=rng.randint(0, 5 * 86400)),  # late, days later
            )
        )
        status = rng.choice(STATUSES)
        per_host = {
            h: ("ok" if status in ("successful",) else rng.choice(("ok", "failed", "unreachable")))
            for h in hosts
        }
        if status == "unreachable":
            per_host = {h: "unreachable" for h in hosts}
        tz = rng.choice((UTC, WIB))
        runs.append(
            Run(
                act.id,
                start.astimezone(tz),
                (start + timedelta(seconds=rng.randint(1, 3 * 3600))).astimezone(tz),
                status,
                per_host if hosts and rng.random() < 0.9 else {},
                check_mode=rng.random() < 0.1,
            )
        )
    return runs


def _day_oracle(act: Activity, schedule: Schedule, slot: datetime, runs: list[Run], now: datetime) -> bool:
    """Independent of the windows: a day-standard slot is done when, for every host, a run
    that ended by now and reached it fine started on the slot's local day."""
    day: date = slot.astimezone(WIB).date()
    hosts: list[str | None] = list(_hosts(act)) or [None]
    return all(
        any(r.started.astimezone(WIB).date() == day and r.ended <= now and r.outcome(h) == "ok" for r in runs)
        for h in hosts
    )


def _check_history(catalog: Catalog, act: Activity, runs: list[Run], now: datetime) -> None:
    schedule = Schedule(catalog.rrule(act) or "", catalog.tz)
    items = compute_due(catalog, runs, GROUPS, now, activities=[act])
    worst = worst_state(items)[act.id]
    # tick runs it exactly when `sop due` says due or overdue
    chosen, _ = tick.choose(items, lambda pb: True)
    assert (act.id in chosen.get(act.playbook or "", [])) == (worst in ("due", "overdue"))
    # the summary's due column
    row = next(r for r in summary_from(catalog, items, {}) if r["activity_id"] == act.id)
    assert row["due"] == worst
    # notifications announce exactly the overdue ones
    assert bool(overdue_items(items)) == (worst == "overdue")
    # the monthly report's slot states around now, against `sop due` and the day oracle
    hosts = _hosts(act) or None
    span = timedelta(days=2) if not schedule.day_standard else timedelta(days=45)
    slots = schedule.between(now - span, now)
    states = dict(month_slot_states(act, schedule, slots, hosts, Runs(runs), now))
    for item in items:
        if item.slot is None or item.state == "no hosts":
            continue
        judged = schedule.last(now)
        assert judged is not None
        state = states.get(judged) or month_slot_states(act, schedule, [judged], hosts, Runs(runs), now)[0][1]
        scope_hosts = GROUPS.get(item.scope)
        if item.state == "due":
            assert state == DUE or (scope_hosts is not None and scope_hosts != hosts), (item, state)
        if item.state == "overdue" and item.missed_slots <= 1 and scope_hosts == hosts:
            assert state in (OVERDUE, NOT_MET), (item, state)
        if item.state == "ok" and scope_hosts == hosts and item.slot == iso(judged):
            assert state in (DONE, FAILED), (item, state)
        # the monthly report's overdue flag is `sop due`'s answer
        month_overdue = scope_state(act, schedule, scope_hosts, Runs(runs), now).state == OVERDUE
        assert month_overdue == (item.state == "overdue")
    for slot, state in states.items():
        if schedule.day_standard and _day_oracle(act, schedule, slot, runs, now):
            assert state == DONE, (act.id, slot, state, runs)  # a run on the slot's day counts
        if state == UPCOMING:
            raise AssertionError(f"slot {slot} at or before now cannot be upcoming")
    current = schedule.last(now)
    if schedule.day_standard and current is not None and _day_oracle(act, schedule, current, runs, now):
        assert worst == "ok", (act.id, current, items)


def test_ten_thousand_histories_agree(catalog: Catalog) -> None:
    rng = random.Random(20261202)
    acts = [catalog.activities[a] for a in ACTIVITIES]
    seen_states: set[str] = set()
    for _ in range(N_HISTORIES):
        act = rng.choice(acts)
        now = _random_now(rng)
        schedule = Schedule(catalog.rrule(act) or "", catalog.tz)
        runs = _random_runs(rng, act, schedule, now)
        _check_history(catalog, act, runs, now)
        seen_states.update(i.state for i in compute_due(catalog, runs, GROUPS, now, activities=[act]))
    assert {"ok", "due", "overdue"} <= seen_states  # the generator reaches every state


def test_store_backed_callers_read_the_same_runs(tmp_path: Path, catalog: Catalog) -> None:
    """The same histories through a real store: compute_due, notifications and the monthly
    report's overdue flag give what the pure functions give."""
    rng = random.Random(7)
    for n in range(15):
        act = catalog.activities[rng.choice(ACTIVITIES)]
        now = _random_now(rng)
        schedule = Schedule(catalog.rrule(act) or "", catalog.tz)
        runs = _random_runs(rng, act, schedule, now)
        store = RecordStore(tmp_path / f"s{n}" / "records.sqlite")
        # a record of another activity first, so the report has a recording start
        store.append_record(
            {
                "activity_id": "C.5",
                "started_at": iso(now - timedelta(days=400)),
                "ended_at": iso(now - timedelta(days=400)),
                "status": "successful",
            }
        )
        for r in runs:
            store.append_record(
                {
                    "activity_id": r.activity_id,
                    "started_at": r.started.isoformat(),  # offsets (+07:00 / +00:00) as text
                    "ended_at": r.ended.isoformat(),
                    "status": r.status,
                    "hosts": {h: {"status": s} for h, s in r.hosts.items()},
                    "check_mode": r.check_mode,
                }
            )
        pure = compute_due(catalog, runs, GROUPS, now, activities=[act])
        stored = compute_due(catalog, store, GROUPS, now, activities=[act])
        key = [(i.scope, i.state, i.slot, i.missed_slots, i.hosts_due) for i in pure]
        assert key == [(i.scope, i.state, i.slot, i.missed_slots, i.hosts_due) for i in stored]
        announced = {m.title.split()[0] for m in overdue_messages(store, catalog, now, GROUPS)}
        assert (act.id in announced) == any(i.state == "overdue" for i in pure if isinstance(i, DueItem))
        local = now.astimezone(WIB)
        report = collect_monthly(store, catalog, local.year, local.month, now=now, groups=GROUPS)
        row = next(a for a in report.activities if a.id == act.id)
        assert row.overdue == any(i.state == "overdue" for i in pure)
        store.close()
