"""`sop run --junit` / `sop tick --junit`: one JUnit case per activity and host, built from the
records (a real ansible-playbook run on localhost and an unreachable host)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from .conftest import Court


def test_run_junit_has_a_case_per_host_and_the_unreachable_one_as_error(court: Court) -> None:
    junit = court.root / "ci" / "sop-run.xml"
    proc = court.sop("run", "SIPP-1", "--junit", str(junit))
    assert proc.returncode == 1, proc.stdout + proc.stderr  # ghost is unreachable: partial
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "0", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert set(cases) == {"localhost", "ghost"} and cases["localhost"].get("classname") == "SIPP-1"
    assert cases["ghost"].find("error") is not None and cases["localhost"].find("error") is None


def test_tick_junit_lists_what_the_tick_ran(court: Court) -> None:
    junit = court.root / "tick.xml"
    proc = court.sop("tick", "--junit", str(junit))
    assert proc.returncode in (0, 1), proc.stderr
    root = ET.parse(junit).getroot()
    assert {c.get("classname") for c in root.iter("testcase")} == {"SIPP-1"}
