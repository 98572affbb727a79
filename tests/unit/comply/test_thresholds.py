"""Thresholds: the host's comply_<name>, else the role variable, else the documented default;
periods from the catalog's schedules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sop_runner.catalog import load_catalog
from sop_runner.comply.thresholds import THRESHOLDS, ThresholdError, period, threshold


def test_own_variable_then_role_variable_then_default() -> None:
    assert (
        threshold("lynis_min_index", {"comply_lynis_min_index": 70, "security_audit_lynis_min_index": 60}.get)
        == 70
    )
    assert threshold("lynis_min_index", {"security_audit_lynis_min_index": "60"}.get) == 60
    assert threshold("lynis_min_index", {}.get) == THRESHOLDS["lynis_min_index"].default == 65
    assert threshold("backup_grace_hours", {"comply_backup_grace_hours": ""}.get) == 6


def test_a_value_that_is_not_a_number_names_host_and_variable() -> None:
    with pytest.raises(
        ThresholdError, match="host web: variable comply_tls_min_days = 'soon' is not a number"
    ):
        threshold("tls_min_days", {"comply_tls_min_days": "soon"}.get, "web")


def test_every_threshold_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "COMPLY.md").read_text(encoding="utf-8")
    for t in THRESHOLDS.values():
        assert t.meaning and t.unit and t.variable in doc


def test_periods_come_from_the_catalog_schedules() -> None:
    cat = load_catalog()
    at = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)
    assert period(cat, "SIPP-2", at) == timedelta(days=1)
    assert period(cat, "D.7", at) == timedelta(days=31)  # 30 Oct -> 30 Nov
    assert period(cat, "D.7", datetime(2026, 3, 5, tzinfo=UTC)) == timedelta(days=29)  # 30 Jan -> 28 Feb
