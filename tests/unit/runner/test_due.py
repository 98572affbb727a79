"""due / overdue from the records with a fake clock, including a control node off for a week."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sop_runner.catalog import Catalog, load_catalog
from sop_runner.due import DueItem, compute_due
from sop_runner.records import RecordStore, iso

WIB = ZoneInfo("Asia/Jakarta")
GROUPS = {
    "sipp_servers": ["sipp"],
    "backup_targets": ["nas"],
    "web_servers": ["web"],
    "linux_servers": ["nas", "sipp", "web"],
    "network_devices": ["ap1", "gw", "sw1"],
    "ups_hosts": ["sipp"],
    "control": ["localhost"],
}


@pytest.fixture
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def store(tmp_path: Path) -> RecordStore:
    return RecordStore(tmp_path / "records.sqlite")


def _run(store: RecordStore, act: str, at: datetime, hosts: dict[str, str], *, check: bool = False) -> None:
    statuses = set(hosts.values())
    status = "successful" if statuses == {"ok"} else "partial" if "ok" in statuses else "unreachable"
    store.append_record(
        {
            "activity_id": act,
            "started_at": iso(at),
            "ended_at": iso(at + timedelta(seconds=20)),
            "duration_s": 20.0,
            "status": status,
            "hosts": {h: {"status": s} for h, s in hosts.items()},
            "check_mode": check,
        }
    )


def _item(items: list[DueItem], act: str, scope: str) -> DueItem:
    return next(i for i in items if i.activity_id == act and i.scope == scope)


def test_hourly_ok_then_due_then_overdue(catalog: Catalog, store: RecordStore) -> None:
    t0 = datetime(2026, 5, 4, 10, 6, tzinfo=WIB)
    _run(store, "SIPP-1", t0, {"sipp": "ok"})
    due = lambda at: _item(compute_due(catalog, store, GROUPS, at), "SIPP-1", "sipp_servers")  # noqa: E731
    assert due(t0 + timedelta(minutes=30)).state == "ok"
    d = due(datetime(2026, 5, 4, 11, 10, tzinfo=WIB))  # slot 11:05 not run yet
    assert d.state == "due" and d.hosts_due == ["sipp"] and d.missed_slots == 1 and d.trigger == "schedule"
    d = due(datetime(2026, 5, 4, 12, 10, tzinfo=WIB))  # slot 11:05 missed; 12:05 due since 1 jam passed
    assert d.state == "overdue" and d.missed_slots == 2 and d.trigger == "catch-up"


def test_control_node_off_for_a_week(catalog: Catalog, store: RecordStore) -> None:
    """Off for a week: everything scheduled is overdue, ONE catch-up run clears it."""
    t0 = datetime(2026, 6, 1, 7, 0, tzinfo=WIB)
    for act, hosts in (
        ("SIPP-1", {"sipp": "ok"}),
        ("SIPP-2", {"sipp": "ok", "nas": "ok"}),
        ("F.1", {"web": "ok"}),
    ):
        _run(store, act, t0, hosts)
    back = t0 + timedelta(days=7, minutes=3)
    items = compute_due(catalog, store, GROUPS, back)
    sipp1 = _item(items, "SIPP-1", "sipp_servers")
    assert sipp1.state == "overdue"
    assert sipp1.missed_slots == 7 * 24  # 07:05 each hour for a week
    assert sipp1.trigger == "catch-up"
    assert _item(items, "SIPP-2", "sipp_servers").state == "overdue"
    assert _item(items, "F.1", "web_servers").missed_slots == 7
    # the catch-up run happens once, then nothing is due any more
    _run(store, "SIPP-1", back, {"sipp": "ok"})
    _run(store, "SIPP-2", back, {"sipp": "ok", "nas": "ok"})
    _run(store, "F.1", back, {"web": "ok"})
    items = compute_due(catalog, store, GROUPS, back + timedelta(minutes=1))
    for act, scope in (("SIPP-1", "sipp_servers"), ("SIPP-2", "sipp_servers"), ("F.1", "web_servers")):
        assert _item(items, act, scope).state == "ok"


def test_unreachable_host_stays_due_and_check_mode_does_not_count(
    catalog: Catalog, store: RecordStore
) -> None:
    at = datetime(2026, 7, 30, 7, 30, tzinfo=WIB)  # day-30 slot at 07:00
    _run(store, "C.4", at - timedelta(minutes=20), {"sipp": "ok", "web": "ok", "nas": "unreachable"})
    _run(store, "D.4", at - timedelta(minutes=20), {"sipp": "ok", "web": "ok", "nas": "ok"}, check=True)
    items = compute_due(catalog, store, GROUPS, at)
    c4 = _item(items, "C.4", "linux_servers")
    assert c4.state == "due" and c4.hosts_due == ["nas"]
    d4 = _item(items, "D.4", "linux_servers")
    assert d4.state == "due" and d4.hosts_due == ["nas", "sipp", "web"]


def test_day30_overdue_after_a_day_and_february(catalog: Catalog, store: RecordStore) -> None:
    _run(store, "D.7", datetime(2027, 1, 30, 8, 0, tzinfo=WIB), {"sipp": "ok"})
    items = compute_due(catalog, store, GROUPS, datetime(2027, 2, 27, 12, 0, tzinfo=WIB))
    assert _item(items, "D.7", "sipp_servers").state == "ok"
    items = compute_due(catalog, store, GROUPS, datetime(2027, 2, 28, 9, 0, tzinfo=WIB))
    d7 = _item(items, "D.7", "sipp_servers")
    assert d7.state == "due" and d7.slot == "2027-02-28T00:00:00.000000Z"
    items = compute_due(catalog, store, GROUPS, datetime(2027, 3, 1, 8, 0, tzinfo=WIB))
    assert _item(items, "D.7", "sipp_servers").state == "overdue"


def test_manual_scheduled_activity_and_empty_scope(catalog: Catalog, store: RecordStore) -> None:
    at = datetime(2026, 9, 30, 9, 0, tzinfo=WIB)
    items = compute_due(catalog, store, {"sipp_servers": ["sipp"]}, at)
    assert _item(items, "C.5", "-").state == "due"
    assert _item(items, "F.1", "web_servers").state == "no hosts"
    store.add_manual(
        "C.5", "Rapat koordinasi dengan Subbag Umum", operator="kasubbag", ended_at=at, started_at=at
    )
    items = compute_due(catalog, store, {}, at + timedelta(minutes=1))
    assert _item(items, "C.5", "-").state == "ok"


def test_day30_run_before_the_slot_hour_counts_for_the_day(catalog: Catalog, store: RecordStore) -> None:
    """The SOP says "setiap tanggal 30": a run at 06:30 on the 30th (slot 07:00) counts."""
    _run(store, "D.7", datetime(2026, 11, 30, 6, 30, tzinfo=WIB), {"sipp": "ok"})
    for at in (
        datetime(2026, 11, 30, 6, 45, tzinfo=WIB),  # before the slot's hour: already done
        datetime(2026, 11, 30, 9, 0, tzinfo=WIB),
        datetime(2026, 12, 29, 9, 0, tzinfo=WIB),
    ):
        d7 = _item(compute_due(catalog, store, GROUPS, at), "D.7", "sipp_servers")
        assert d7.state == "ok" and d7.missed_slots == 0, at
    # a run at 23:59 on the 29th is not on the 30th: the 30th's slot is still open
    _run(store, "C.4", datetime(2026, 11, 29, 23, 59, tzinfo=WIB), {"sipp": "ok", "web": "ok", "nas": "ok"})
    c4 = _item(
        compute_due(catalog, store, GROUPS, datetime(2026, 11, 30, 8, 0, tzinfo=WIB)), "C.4", "linux_servers"
    )
    assert c4.state == "due" and c4.hosts_due == ["nas", "sipp", "web"]


def test_as_of_a_past_moment_ignores_later_runs(catalog: Catalog, store: RecordStore) -> None:
    slot_day = datetime(2026, 10, 30, 7, 0, tzinfo=WIB)
    _run(store, "D.7", slot_day + timedelta(days=2), {"sipp": "ok"})  # done two days late
    late = _item(
        compute_due(catalog, store, GROUPS, slot_day + timedelta(days=1, hours=2)), "D.7", "sipp_servers"
    )
    assert late.state == "overdue" and late.last_run is None
    after = _item(compute_due(catalog, store, GROUPS, slot_day + timedelta(days=3)), "D.7", "sipp_servers")
    assert after.state == "ok"


def test_offsets_other_than_utc_through_the_api_compare_as_times(
    catalog: Catalog, store: RecordStore
) -> None:
    """Times given as +07:00 text are stored as UTC: a run before the slot is not 'ok', after it is."""
    store.append_record(
        {
            "activity_id": "SIPP-1",
            "started_at": "2026-11-21T10:01:00+07:00",  # before the 10:05 slot
            "ended_at": "2026-11-21T10:01:05+07:00",
            "status": "successful",
            "hosts": {"sipp": {"status": "ok"}},
        }
    )
    at = datetime(2026, 11, 21, 10, 30, tzinfo=WIB)
    assert _item(compute_due(catalog, store, GROUPS, at), "SIPP-1", "sipp_servers").state == "due"
    rec = store.append_record(
        {
            "activity_id": "SIPP-1",
            "started_at": "2026-11-21T10:06:00+07:00",
            "ended_at": "2026-11-21T10:06:05+07:00",
            "status": "successful",
            "hosts": {"sipp": {"status": "ok"}},
        }
    )
    assert rec.started_at == "2026-11-21T03:06:00.000000Z"
    assert _item(compute_due(catalog, store, GROUPS, at), "SIPP-1", "sipp_servers").state == "ok"
    with pytest.raises(ValueError, match="naive"):
        compute_due(catalog, store, GROUPS, datetime(2026, 11, 21, 10, 30))
