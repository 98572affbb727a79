"""AWX / AAP as code: the export renders, passes ansible-lint, and its schedules are AWX-valid
and fire on exactly the dates the catalog computes."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from dateutil.rrule import rrulestr

from sop_runner.awx import AwxExportError, AwxTarget, awx_rrule, awx_rrule_problems, export, render
from sop_runner.catalog import DAY30_RRULE, load_catalog

ROOT = Path(__file__).resolve().parents[3]


def test_day30_schedule_keeps_the_catalog_rule_and_adds_what_awx_requires() -> None:
    value = awx_rrule(DAY30_RRULE, "Asia/Jakarta", 2027)
    assert value.startswith("DTSTART;TZID=Asia/Jakarta:20270130T")
    assert "RRULE:FREQ=MONTHLY;INTERVAL=1;BYMONTHDAY=28,29,30;BYSETPOS=-1" in value
    assert awx_rrule_problems(value) == []
    rule = rrulestr(value.replace(" RRULE:", "\nRRULE:"))
    febs = [
        d.date().isoformat()
        for d in rule.between(
            datetime(2027, 1, 1, tzinfo=ZoneInfo("Asia/Jakarta")),
            datetime(2029, 1, 1, tzinfo=ZoneInfo("Asia/Jakarta")),
        )
        if d.month == 2
    ]
    assert febs == ["2027-02-28", "2028-02-29"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("DTSTART:20270101T000000 RRULE:FREQ=DAILY;INTERVAL=1", "naive"),
        ("DTSTART;TZID=Asia/Jakarta:20270101T000000 RRULE:FREQ=DAILY", "INTERVAL"),
        ("DTSTART;TZID=Asia/Jakarta:20270101T000000 RRULE:FREQ=SECONDLY;INTERVAL=1", "SECONDLY"),
        ("DTSTART;TZID=Asia/Jakarta:20270101T000000 RRULE:FREQ=MONTHLY;INTERVAL=1;BYDAY=1MO", "numeric"),
        ("DTSTART;TZID=Asia/Jakarta:20270101T000000 RRULE:FREQ=DAILY;INTERVAL=1;COUNT=1000", "COUNT"),
        ("RRULE:FREQ=DAILY;INTERVAL=1", "DTSTART"),
    ],
)
def test_values_awx_rejects_are_rejected_here(value: str, reason: str) -> None:
    assert any(reason in p for p in awx_rrule_problems(value))


def test_export_has_a_job_template_per_runnable_activity_and_schedules(
    tmp_path: Path,
) -> None:
    catalog = load_catalog()
    out = export(catalog, AwxTarget(court="PA Lab"), tmp_path / "awx-lab.yml")
    plays = yaml.safe_load(out.read_text(encoding="utf-8"))
    tasks = plays[0]["tasks"]
    templates = [t["awx.awx.job_template"] for t in tasks if "awx.awx.job_template" in t]
    schedules = [t["awx.awx.schedule"] for t in tasks if "awx.awx.schedule" in t]
    runnable = [a for a in catalog.activities.values() if a.runnable]
    assert {t["playbook"] for t in templates} == {a.playbook for a in runnable}
    assert len(schedules) == len([a for a in runnable if a.schedule])
    for sched in schedules:
        assert awx_rrule_problems(sched["rrule"]) == []
    for act in runnable:
        assert any(t["name"].startswith(f"SOP {act.id} |") for t in templates)


def test_a_schedule_awx_cannot_take_fails_the_export_with_one_line(tmp_path: Path) -> None:
    override = tmp_path / "sop_catalog.yml"
    override.write_text("schedules:\n  hourly:\n    rrule: 'FREQ=MONTHLY;BYDAY=1MO'\n", encoding="utf-8")
    catalog = load_catalog([override])
    with pytest.raises(AwxExportError, match=r"activity SIPP-1: AWX would reject"):
        render(catalog, AwxTarget(court="x"))


@pytest.mark.parametrize("inventory", ["lab", "example"])
def test_rendered_playbook_passes_ansible_lint_production(tmp_path: Path, inventory: str) -> None:
    lint = Path(sys.executable).with_name("ansible-lint")
    project = tmp_path / "proj"
    project.mkdir()
    shutil.copy(ROOT / ".ansible-lint", project / ".ansible-lint")
    shutil.copy(ROOT / ".yamllint", project / ".yamllint")
    out = export(
        load_catalog(),
        AwxTarget(court=f"court-{inventory}", inventory_path=f"inventory/{inventory}"),
        project / "playbooks" / f"awx_{inventory}.yml",
    )
    result = subprocess.run(
        [str(lint), "--profile", "production", "--offline", str(out)],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sop_awx_export_command(tmp_path: Path) -> None:
    out = tmp_path / "awx" / "pn-contoh.yml"
    env = {
        "PATH": str(Path(sys.executable).parent),
        "HOME": str(tmp_path),
        "SOP_RECORDS": str(tmp_path / "r.sqlite"),
    }
    args = [
        sys.executable,
        "-m",
        "sop_runner.cli",
        "awx",
        "export",
        "--court",
        "PN Contoh",
        "--out",
        str(out),
    ]
    ok = subprocess.run(
        [*args, "--scm-url", "https://git.example.invalid/court/sop.git"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.strip() == str(out) and out.is_file()
    bad = tmp_path / "bad_catalog.yml"
    bad.write_text("schedules:\n  hourly:\n    rrule: 'FREQ=MONTHLY;BYDAY=1MO'\n", encoding="utf-8")
    fail = subprocess.run(
        [
            sys.executable,
            "-m",
            "sop_runner.cli",
            "--catalog",
            str(bad),
            *args[3:],
            "--out",
            str(tmp_path / "x.yml"),
            "--scm-url",
            "https://git.example.invalid/x.git",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert fail.returncode == 2
    assert fail.stderr.strip().startswith("sop: error: activity SIPP-1: AWX would reject")
    assert len(fail.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.yml").exists()
