"""D.7 "Melakukan backup dan restorasi data secara rutin": a successful restore drill within the
last day-30 period (read from the maintenance records, not from the host)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sop_runner.comply import checks
from sop_runner.comply.thresholds import period
from sop_runner.records import parse_iso

pytestmark = [pytest.mark.sop("D.7"), pytest.mark.sop_D, pytest.mark.targets("sipp_servers")]


@pytest.mark.severity("high")
def test_D7_restore_drill_this_period(target, records):
    """The newest successful D.7 record for this server is within the day-30 period + grace."""
    rec = checks.newest_ok(records, "D.7", target.name)
    max_age = period(target.ctx.catalog, "D.7", target.now) + timedelta(
        days=target.threshold("restore_drill_grace_days")
    )
    checks.record_within(
        parse_iso(rec.started_at) if rec else None, max_age, target.now, "restore drill", "D.7"
    )
