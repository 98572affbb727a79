"""Every threshold of the compliance controls, with its default and where a court sets it.

A threshold is read from the host's inventory variables: first its own name
(``comply_<name>``), then the role variable the maintenance run itself uses (so the role and
the audit agree without setting a value twice), else the default below. Periods ("younger than
the schedule") come from the catalog's RRULE of the activity, so a court that changes a schedule
changes the audit with it.

``sop comply --thresholds`` (and docs/COMPLY.md) list this table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sop_runner.catalog import Catalog
from sop_runner.slots import Schedule


class ThresholdError(Exception):
    """An inventory value for a threshold is not a number (one line naming host and variable)."""


@dataclass(frozen=True)
class Threshold:
    """One threshold: its inventory variable, the role variable it follows, default, unit, meaning."""

    name: str
    default: float
    unit: str
    role_var: str | None
    meaning: str

    @property
    def variable(self) -> str:
        """The inventory variable that sets it (``comply_<name>``)."""
        return f"comply_{self.name}"


THRESHOLDS: dict[str, Threshold] = {
    t.name: t
    for t in (
        Threshold(
            "clamav_signature_max_age_days",
            3,
            "days",
            "clamav_signature_max_age_days",
            "D.5: newest successful signature update (or database file) at most this old",
        ),
        Threshold(
            "backup_grace_hours",
            6,
            "hours",
            None,
            "SIPP-2 / F.2: newest restic snapshot of each source younger than the schedule's period + this",
        ),
        Threshold(
            "restore_drill_grace_days",
            1,
            "days",
            None,
            "D.7: a successful restore drill within the day-30 period + this",
        ),
        Threshold(
            "device_backup_grace_days",
            1,
            "days",
            None,
            "C.2: a device configuration backup within the C.2 period + this, per network device",
        ),
        Threshold(
            "tls_min_days",
            21,
            "days",
            "website_check_cert_warn_days",
            "F.1: the website's TLS certificate valid for more than this",
        ),
        Threshold(
            "http_timeout_s",
            10,
            "seconds",
            "sipp_check_http_timeout",
            "SIPP-1 / F.1: an answer within this time",
        ),
        Threshold(
            "security_update_max_days",
            7,
            "days",
            None,
            "D.4: no security update pending (seen by D.4 runs and still pending) for longer than this",
        ),
        Threshold(
            "lynis_min_index",
            65,
            "index",
            "security_audit_lynis_min_index",
            "D.4: Lynis hardening index not below this",
        ),
        Threshold(
            "lynis_report_max_age_days",
            32,
            "days",
            None,
            "D.4: the Lynis report the index is read from at most this old",
        ),
    )
}


def threshold(name: str, hostvar: Callable[[str], Any], host: str = "") -> float:
    """Given a threshold name and a function returning a host's (templated) inventory variable
    or None, return the threshold's value: ``comply_<name>``, else the role variable, else the
    default. Raise ThresholdError naming host and variable when a value is not a number."""
    t = THRESHOLDS[name]
    for var in (t.variable, t.role_var):
        if not var:
            continue
        value = hostvar(var)
        if value is None or value == "":
            continue
        try:
            return float(value)
        except (TypeError, ValueError):
            where = f"host {host}: " if host else ""
            raise ThresholdError(
                f"{where}variable {var} = {value!r} is not a number "
                f"({t.meaning}; default {t.default:g} {t.unit})"
            ) from None
    return float(t.default)


def period(catalog: Catalog, activity_id: str, at: datetime) -> timedelta:
    """Given the catalog and an activity, return the interval between its two latest scheduled
    slots before ``at`` (a daily activity: one day; day 30: the month's length). An activity
    without a schedule has no period: one day."""
    act = catalog.activities.get(activity_id)
    rule = catalog.rrule(act) if act is not None else None
    if not rule:
        return timedelta(days=1)
    schedule = Schedule(rule, catalog.tz)
    last = schedule.last(at)
    if last is None:
        return timedelta(days=1)
    before = schedule.last(last - timedelta(seconds=1))
    return last - before if before is not None else timedelta(days=1)


def table() -> list[dict[str, Any]]:
    """Return the thresholds as rows (name, variable, role variable, default, unit, meaning)."""
    return [
        {
            "variable": t.variable,
            "follows": t.role_var or "",
            "default": t.default,
            "unit": t.unit,
            "meaning": t.meaning,
        }
        for t in THRESHOLDS.values()
    ]
