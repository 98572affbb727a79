"""C.2 "pemeliharaan fisik jaringan": a configuration backup of every network device within the
C.2 period (records + the backup file on the control node); C.4 "pengawasan pengembangan
perangkat lunak": the software on each server is what the last C.4 inventory recorded (drift
named)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from sop_runner.comply import checks
from sop_runner.comply.thresholds import period
from sop_runner.records import parse_iso


@pytest.mark.sop("C.2")
@pytest.mark.sop_C
@pytest.mark.targets("network_devices")
@pytest.mark.severity("warning")
def test_C2_device_config_backup_fresh(target, records):
    """The newest successful C.2 record of the device kept a configuration backup, within the
    period + grace, and that backup file is still there."""
    rec = checks.newest_ok(records, "C.2", target.name)
    backup = (rec.output.get(target.name, {}) or {}).get("backup_konfigurasi") if rec else None
    max_age = period(target.ctx.catalog, "C.2", target.now) + timedelta(
        days=target.threshold("device_backup_grace_days")
    )
    when = parse_iso(rec.started_at) if rec and isinstance(backup, dict) else None
    checks.record_within(when, max_age, target.now, "configuration backup", "C.2")
    path = Path(str(backup["path"]))
    assert path.is_file() and path.stat().st_size > 0, f"configuration backup {path} is missing or empty"


@pytest.mark.sop("C.4")
@pytest.mark.sop_C
@pytest.mark.targets("linux_servers")
@pytest.mark.severity("warning")
def test_C4_no_inventory_drift(target):
    """Installed packages equal the snapshot of the last C.4 run; a difference is named."""
    month, before = checks.newest_inventory_snapshot(
        target.host, target.var("sw_inventory_store_dir", "sw_inventory")
    )
    checks.no_inventory_drift(month, checks.inventory_drift(before, checks.installed_packages(target.host)))
