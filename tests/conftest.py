"""Test-run wide settings: the two lab streams and the order of the lab tests.

Under pytest-xdist (``./court test`` runs ``pytest -n 3 --dist loadgroup``) the lab tests run in
two streams, each on its own worker and in collection order, while the unit tests run on the
third worker beside them:

- ``lab_web`` modules (the website stand-in's tests) change only the web server and its nas
  repository: they form the second stream;
- every other ``lab`` test is in the first stream. Among them, ``lab_alone`` modules read or
  change what a website test changes (the whole lab, the nas disk, the web server's state or
  backups): one runs only while no ``lab_web`` module is in progress, and a ``lab_web`` module
  only while no ``lab_alone`` module is. A readers-writer lock (``flock`` on .lab/lab-streams.lock,
  shared by ``lab_web``, exclusive for ``lab_alone``) is held from a module's first test to its
  last, so a module's own state (a fault it planted, a module fixture) is never seen half-way.

Order in the first stream: ``runs_first`` (the second lab-up, on the lab as lab-up left it), the
other lab tests, the ``lab_alone`` ones, then ``runs_last`` (the day-30 run changes the whole lab)
— so the website stream overlaps the tests that do not need the lab alone.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

LOCK = Path(__file__).resolve().parents[1] / ".lab" / "lab-streams.lock"


def _rank(item: pytest.Item) -> int:
    if item.get_closest_marker("runs_first"):
        return 0
    if item.get_closest_marker("runs_last"):
        return 3
    if item.get_closest_marker("lab_alone"):
        return 2
    return 1


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the group markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: collection order within each rank
    for item in items:
        if item.get_closest_marker("lab"):
            web = item.get_closest_marker("lab_web") is not None
            item.add_marker(pytest.mark.xdist_group("lab-web" if web else "lab"))


def _lock_mode(item: pytest.Item | None) -> int | None:
    if item is None or not item.get_closest_marker("lab"):
        return None
    if item.get_closest_marker("lab_web"):
        return fcntl.LOCK_SH
    if item.get_closest_marker("lab_alone") or item.get_closest_marker("runs_last"):
        return fcntl.LOCK_EX
    return None


class _StreamLock:
    """This worker's hold on the lab-streams lock: the module it is held for and the open file."""

    module: object = None
    fd: int | None = None

    @classmethod
    def enter(cls, item: pytest.Item, mode: int) -> None:
        if cls.fd is not None and cls.module is item.module:
            return
        cls.leave()
        LOCK.parent.mkdir(parents=True, exist_ok=True)
        cls.fd = os.open(LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(cls.fd, mode)
        cls.module = item.module

    @classmethod
    def leave(cls) -> None:
        if cls.fd is not None:
            os.close(cls.fd)  # releases the flock
        cls.fd, cls.module = None, None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):  # type: ignore[no-untyped-def]
    mode = _lock_mode(item)
    if mode is not None:
        _StreamLock.enter(item, mode)
    yield
    if _StreamLock.fd is not None and (
        nextitem is None or nextitem.module is not item.module or _lock_mode(nextitem) != mode
    ):
        _StreamLock.leave()


@pytest.fixture
def same_hour_slot() -> None:
    """Start the test well clear of an hour boundary. Tests that tick, then expect a later tick
    (or ``sop due``) to find the hour's slot done, would see SIPP-1 (hourly) due again if the
    hour turned in between; under load such a test takes minutes, so it starts with at least
    five minutes of the hour left, waiting for the next hour otherwise."""
    left = 3600 - time.time() % 3600
    if left < 300:
        time.sleep(left + 2)
