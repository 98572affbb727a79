"""Day 30 as one playbook against the lab: one record per activity, each for exactly the hosts the
SOP gives it, all successful — the evidence the day-30 run must leave however its work is
scheduled (a change that lets hosts or audits overlap must keep this set).

It runs the whole day-30 maintenance on every lab host (D.5 hardens sshd and loads the firewall
everywhere), so it is ordered after the other lab tests (``runs_last``, tests/conftest.py).
"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.lab, pytest.mark.runs_last]

SERVERS = {"sipp", "web", "nas"}
# activity -> the hosts it is done on in the lab (inventory/lab/hosts.yml): devices and the UPS
# host for C.2, every Linux server for C.4, D.4 and D.5, the SIPP server for the restore drill
EXPECTED = {
    "C.2": {"gw", "sw1", "ap1", "sipp"},
    "C.4": SERVERS,
    "D.4": SERVERS,
    "D.5": SERVERS,
    "D.7": {"sipp"},
}


def test_day30_leaves_one_record_per_activity_for_its_hosts(day30_lab):
    # day30_lab (tests/lab/conftest.py): a SIPP-2 backup, then playbooks/day30.yml as one run
    recs = day30_lab.day30
    got = {r.activity_id: set(r.hosts) for r in recs}
    assert got == EXPECTED, got
    assert len(recs) == len(EXPECTED), [r.activity_id for r in recs]  # one record each
    for r in recs:
        assert r.status == "successful", (r.activity_id, r.hosts)
        assert set(r.output) == EXPECTED[r.activity_id], (r.activity_id, sorted(r.output))
        assert not r.check_mode and len({r.run_id for r in recs}) == 1
