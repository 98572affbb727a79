"""SIPP-2 (SOP Maintenance SIPP) and F.2 (SOP/AS/29): the backups exist -- the newest restic
snapshot of each source is younger than the schedule's period + grace, the repository opens with
the configured password, and (SIPP-2) the portable export is on the removable disk when it is
mounted. Read-only: restic runs with --no-lock --no-cache."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sop_runner.comply import checks
from sop_runner.comply.context import Target
from sop_runner.comply.thresholds import period


def _sipp_repo(target) -> checks.ResticRepo:
    host = target.var("sipp_backup_target_host", "sipp_backup")
    assert host, "sipp_backup_target_host is not set: SIPP-2 has no backup target"
    return checks.restic_sftp_repo(
        user="restic",
        host=host,
        port=int(target.var("sipp_backup_target_port", "sipp_backup", 22)),
        path=target.var("sipp_backup_repository_path", "sipp_backup"),
        key=target.var("sipp_backup_ssh_key", "sipp_backup"),
        known_hosts=target.var("sipp_backup_ssh_known_hosts", "sipp_backup"),
        password=target.var("sipp_restic_password", default=""),
    )


def _website_repo(target) -> checks.ResticRepo:
    host = target.var("website_backup_target_host", "website_backup")
    assert host, "website_backup_target_host is not set: F.2 has no backup target"
    return checks.restic_sftp_repo(
        user="restic",
        host=host,
        port=int(target.var("website_backup_target_port", "website_backup", 22)),
        path=target.var("website_backup_repository_path", "website_backup"),
        key=target.var("website_backup_ssh_key", "website_backup"),
        known_hosts=target.var("website_backup_ssh_known_hosts", "website_backup"),
        password=target.var("website_backup_restic_password", "website_backup", ""),
    )


def _max_age(target, activity: str) -> timedelta:
    return period(target.ctx.catalog, activity, target.now) + timedelta(
        hours=target.threshold("backup_grace_hours")
    )


@pytest.mark.sop("SIPP-2")
@pytest.mark.sop_SIPP
@pytest.mark.targets("sipp_servers")
@pytest.mark.severity("high")
def test_SIPP2_restic_snapshots_fresh(target):
    """Database and application files each have a snapshot younger than period + grace."""
    newest = checks.restic_newest(target.host, _sipp_repo(target), "sipp")
    checks.snapshots_fresh(newest, ["database", "files"], _max_age(target, "SIPP-2"), target.now)


@pytest.mark.sop("SIPP-2")
@pytest.mark.sop_SIPP
@pytest.mark.targets("sipp_servers")
@pytest.mark.severity("high")
def test_SIPP2_restic_repository_readable(target):
    """The SIPP repository opens with the configured password."""
    checks.restic_readable(target.host, _sipp_repo(target))


@pytest.mark.sop("SIPP-2")
@pytest.mark.sop_SIPP
@pytest.mark.targets("sipp_servers")
@pytest.mark.severity("warning")
def test_SIPP2_portable_export_present(target):
    """When the removable disk is mounted, it holds a complete recent export SIPP-[SATKER]-date."""
    if not target.var("sipp_backup_export_enabled", "sipp_backup", True):
        pytest.skip("not applicable: the portable export is switched off")
    media_host = target.var("sipp_backup_export_inventory_host", "sipp_backup") or target.name
    media = Target(target.ctx, media_host, target.nodeid).host if media_host != target.name else target.host
    media_dir = target.var("sipp_backup_export_dir", "sipp_backup")
    if media.run("mountpoint -q %s", media_dir).rc != 0:
        pytest.skip(f"not applicable: the removable disk is not mounted at {media_dir}")
    satker = target.var("sipp_satker", default="") or target.var("sipp_backup_satker", default="")
    checks.portable_export_fresh(
        media,
        media_dir,
        f"SIPP-{satker}",
        _max_age(target, "SIPP-2"),
        target.now.astimezone(target.ctx.catalog.tz),
    )


@pytest.mark.sop("F.2")
@pytest.mark.sop_F
@pytest.mark.targets("web_servers")
@pytest.mark.severity("high")
def test_F2_restic_snapshots_fresh(target):
    """Web files (and the site database when there is one) have a snapshot younger than period + grace."""
    sources = ["files"] + (["database"] if target.var("website_backup_db_name", "website_backup") else [])
    newest = checks.restic_newest(target.host, _website_repo(target), "website")
    checks.snapshots_fresh(newest, sources, _max_age(target, "F.2"), target.now)


@pytest.mark.sop("F.2")
@pytest.mark.sop_F
@pytest.mark.targets("web_servers")
@pytest.mark.severity("high")
def test_F2_restic_repository_readable(target):
    """The website repository opens with the configured password."""
    checks.restic_readable(target.host, _website_repo(target))
