"""Fixtures of the compliance suite. The suite runs only under ``sop comply``, which hands it the
inventory, thresholds and records (:class:`sop_runner.comply.context.ComplyContext`).

Every control is a test function named ``test_<SOP id>_<what>`` with the markers
``sop("<id>")``, ``targets(<inventory group>, …)`` and its section (``sop_D`` …); it is run once
per host of those groups (``--limit`` applies) and receives that host as ``target``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sop_runner.comply.context import ComplyContext, Target
from sop_runner.comply.engine import ctx_key
from sop_runner.records import RecordStore


def _ctx(config: pytest.Config) -> ComplyContext:
    ctx = config.stash.get(ctx_key(), None)
    if ctx is None:
        raise pytest.UsageError("the compliance suite runs under 'sop comply' (it needs the inventory)")
    return ctx


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("targets")
    if marker is None:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: a control needs @pytest.mark.targets(group, …)"
        )
    hosts = _ctx(metafunc.config).hosts_of(tuple(marker.args))
    metafunc.parametrize("target", hosts, ids=hosts, indirect=True)


@pytest.fixture
def target(request: pytest.FixtureRequest) -> Target:
    return Target(_ctx(request.config), request.param, request.node.nodeid)


@pytest.fixture(scope="session")
def ctx(request: pytest.FixtureRequest) -> ComplyContext:
    return _ctx(request.config)


@pytest.fixture(scope="session")
def records(ctx: ComplyContext) -> Iterator[RecordStore | None]:
    """The record store, read-only (None when there is none yet)."""
    if not ctx.records.is_file():
        yield None
        return
    store = RecordStore(ctx.records, readonly=True)
    try:
        yield store
    finally:
        store.close()
