"""Test-run wide settings.

Under pytest-xdist (``./court test`` runs ``pytest -n 2 --dist loadgroup``) every test marked
``lab`` goes to one worker, in collection order: the lab tests share one court lab and change its
state one after another, while the unit tests run on the other worker beside them. Tests marked
``runs_last`` (they change the whole lab, like the day-30 run) come after every other test.
"""

from __future__ import annotations

import time

import pytest


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the group markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)  # stable
    for item in items:
        if item.get_closest_marker("lab"):
            item.add_marker(pytest.mark.xdist_group("lab"))


@pytest.fixture
def same_hour_slot() -> None:
    """Start the test well clear of an hour boundary. Tests that tick, then expect a later tick
    (or ``sop due``) to find the hour's slot done, would see SIPP-1 (hourly) due again if the
    hour turned in between; under load such a test takes minutes, so it starts with at least
    five minutes of the hour left, waiting for the next hour otherwise."""
    left = 3600 - time.time() % 3600
    if left < 300:
        time.sleep(left + 2)
