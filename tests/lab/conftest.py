"""Shared set-up of the lab tests that need the whole day-30 maintenance to have run.

The day-30 run is the lab tests' most expensive step (Lynis, ClamAV, the restore drill on every
host); the day-30 evidence test and the compliance audit both need it, so it runs once.
"""

from __future__ import annotations

import pytest
from sippkit import Day30Run, ok, run_playbook

from sop_runner.records import RecordStore


@pytest.fixture(scope="session")
def day30_lab(tmp_path_factory: pytest.TempPathFactory) -> Day30Run:
    """A SIPP-2 backup (the restore drill needs one, as a court has from its daily run), then
    playbooks/day30.yml on the whole lab (the lab inventory's settings: ClamAV signatures from the
    nas's stand-in mirror, fail2ban never banning the lab network), as one run, into a fresh
    record store."""
    tmp = tmp_path_factory.mktemp("day30")
    ok(run_playbook(tmp / "backup" / "records.sqlite", "playbooks/sipp_backup.yml"))
    records = tmp / "records" / "records.sqlite"
    ok(run_playbook(records, "playbooks/day30.yml"))
    with RecordStore(records, readonly=True) as store:
        return Day30Run(records, store.list_records())
