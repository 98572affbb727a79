"""D.4 "Memantau aplikasi ... dan selalu melihat celah keamanan": no security update pending
longer than the configured days (pending now, and listed by D.4 runs since), and the Lynis
hardening index not below the configured floor."""

from __future__ import annotations

from datetime import datetime

import pytest

from sop_runner.comply import checks
from sop_runner.records import parse_iso

pytestmark = [pytest.mark.sop("D.4"), pytest.mark.sop_D, pytest.mark.targets("linux_servers")]


def pending_since(records, host: str, packages: list[str], now: datetime) -> dict[str, datetime]:
    """For each package pending now, the start of the oldest D.4 record of the unbroken run of
    D.4 records (newest first) that listed it as a pending security update; now when none did."""
    since = dict.fromkeys(packages, now)
    open_ = set(packages)
    if records is None:
        return since
    for rec in records.iter_records(activity_id="D.4", include_check=False, newest_first=True):
        out = rec.output.get(host)
        if not open_ or not isinstance(out, dict):
            continue
        listed = set(out.get("security_updates_pending") or [])
        for pkg in sorted(open_):
            if pkg in listed:
                since[pkg] = parse_iso(rec.started_at)
            else:
                open_.discard(pkg)
    return since


@pytest.mark.severity("high")
def test_D4_no_security_update_pending_too_long(target, records):
    """No security update has waited longer than the configured days."""
    pending = checks.pending_security_updates(target.host)
    since = pending_since(records, target.name, pending, target.now)
    checks.security_updates_timely(since, target.threshold("security_update_max_days"), target.now)


@pytest.mark.severity("warning")
def test_D4_lynis_hardening_index(target):
    """The Lynis hardening index of the latest report is not below the floor."""
    report = target.var("security_audit_lynis_report", "security_audit")
    index, age = checks.lynis_index(target.host, report, target.now)
    checks.lynis_floor(
        index, age, target.threshold("lynis_min_index"), target.threshold("lynis_report_max_age_days")
    )
