"""Lab lifecycle: up is idempotent, containers run systemd, everything listens on loopback only."""

from __future__ import annotations

import json
import subprocess

import pytest
from labkit import env, playbook, recap

pytestmark = [pytest.mark.lab, pytest.mark.lab_alone, pytest.mark.runs_first]

CONTAINERS = ["courtlab-sipp", "courtlab-web", "courtlab-nas", "courtlab-central"]


def test_up_again_changes_nothing():
    # The lab is already up (./court test brings it up), so this is at least the second run.
    proc = playbook("playbooks/lab/up.yml", timeout=1800)
    stats = recap(proc.stdout)
    # web, devices and UPS plays are imported by their own components; the containers are always there
    assert {"localhost", "sipp", "nas", "central"} <= set(stats)
    changed = {host: s["changed"] for host, s in stats.items() if s["changed"]}
    assert changed == {}, f"second up.yml run changed: {changed}"


def test_containers_run_systemd_and_publish_on_loopback_only():
    out = subprocess.run(
        ["podman", "inspect", *CONTAINERS], capture_output=True, text=True, check=True, env=env()
    )
    for c in json.loads(out.stdout):
        assert c["State"]["Running"], c["Name"]
        assert "courtlab" in c["NetworkSettings"]["Networks"], c["Name"]
        for bindings in (c["NetworkSettings"]["Ports"] or {}).values():
            for b in bindings or []:
                assert b["HostIp"] == "127.0.0.1", (c["Name"], b)
        pid1 = subprocess.run(
            ["podman", "exec", c["Name"], "cat", "/proc/1/comm"],
            capture_output=True,
            text=True,
            check=True,
            env=env(),
        ).stdout.strip()
        assert pid1 == "systemd", c["Name"]
