"""Export the catalog's automated activities to AWX / Ansible Automation Platform as code.

`sop awx export` writes one playbook that, run with the awx.awx collection against a controller,
creates the project, the inventory (sourced from this repository), one job template per
automated SOP activity and one schedule per scheduled activity, with the catalog's own RRULE
strings. Nothing here talks to a controller; the written playbook does.

AWX accepts an RRULE only with a DTSTART carrying a time zone and an INTERVAL in every rule
(awx/api/serializers.py, SchedulePreviewSerializer). :func:`awx_rrule` adds both to the
catalog's RRULE; :func:`awx_rrule_problems` re-checks a value against the same rules so the
export fails here rather than on the controller.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from dateutil.rrule import rrulestr

from sop_runner.catalog import Activity, Catalog


class AwxExportError(Exception):
    """An export problem the user can fix (one line)."""


@dataclass(frozen=True)
class AwxTarget:
    """Where the exported objects live on the controller and what they point at."""

    court: str
    organization: str = "Mahkamah Agung RI"
    scm_url: str = "https://git.example.invalid/court-it/sop.git"
    scm_branch: str = "main"
    inventory_path: str = "inventory/example"
    execution_environment: str = "court-sop-ee"
    machine_credential: str = "court-ssh"
    vault_credential: str = "court-vault"
    records_path: str = "/var/lib/sop/records.sqlite"
    first_year: int = 2026


def awx_rrule(rrule: str, timezone: str, first_year: int) -> str:
    """Given a catalog RRULE, its time zone and the first year, return the AWX schedule value.

    The value is ``DTSTART;TZID=<tz>:<first occurrence> RRULE:<rule with INTERVAL>``; the rule
    itself is unchanged apart from ``INTERVAL=1`` when it had none, so AWX fires on exactly the
    dates the catalog (and ``sop due``) computes.
    """
    rule = rrule.strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    parts = [p for p in rule.split(";") if p]
    if not any(p.upper().startswith("INTERVAL=") for p in parts):
        parts.insert(1, "INTERVAL=1")
    rule = ";".join(parts)
    tz = ZoneInfo(timezone)
    start = datetime(first_year, 1, 1, tzinfo=tz)
    first = rrulestr(rule, dtstart=start).after(start, inc=True)
    if first is None:
        raise AwxExportError(f"RRULE {rrule!r} has no occurrence from {first_year} on")
    return f"DTSTART;TZID={timezone}:{first.strftime('%Y%m%dT%H%M%S')} RRULE:{rule}"


_NUMERIC_BYDAY = re.compile(r".*?BYDAY[:=][0-9]+[a-zA-Z]{2}")


def awx_rrule_problems(value: str) -> list[str]:
    """Given an AWX schedule rrule value, return the reasons AWX would reject it (empty = fine).

    Mirrors the checks of AWX's schedule serializer: one DTSTART that is not naive, at least one
    RRULE, no EXDATE/RDATE, INTERVAL in every rule, no SECONDLY, no numeric BYDAY prefix, not both
    COUNT and UNTIL, COUNT ≤ 999, and the whole value parsable by dateutil.
    """
    problems: list[str] = []
    dtstarts = re.findall(r"(DTSTART(;[^:]+)?:[0-9]+T[0-9]+Z?)", value)
    if not dtstarts:
        problems.append("valid DTSTART required")
    if len(dtstarts) > 1:
        problems.append("multiple DTSTART")
    if re.findall(r"DTSTART:[0-9]+T[0-9]+ ", value):
        problems.append("DTSTART is a naive datetime")
    low = value.lower()
    if "rrule:" not in low:
        problems.append("RRULE required")
    if "exdate:" in low or "rdate:" in low:
        problems.append("EXDATE/RDATE not allowed")
    for rule in re.findall(r"RULE:[^\s]*", value):
        if "interval" not in rule.lower():
            problems.append(f"INTERVAL required in {rule}")
        if "secondly" in rule.lower():
            problems.append(f"SECONDLY not supported in {rule}")
        if _NUMERIC_BYDAY.match(rule):
            problems.append(f"BYDAY with numeric prefix in {rule}")
        if "COUNT" in rule and "UNTIL" in rule:
            problems.append(f"both COUNT and UNTIL in {rule}")
        count = re.search(r"COUNT=([0-9]+)", rule)
        if count and int(count.group(1)) > 999:
            problems.append(f"COUNT > 999 in {rule}")
    try:
        rrulestr(value.replace(" RRULE:", "\nRRULE:"), forceset=True)
    except (ValueError, TypeError) as exc:
        problems.append(f"not parsable: {exc}")
    return problems


def job_template_name(activity: Activity) -> str:
    """Return the job template name of an activity: its SOP id first, so one grep finds it."""
    return f"SOP {activity.id} | {activity.gloss}"


def _task(name: str, module: str, args: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, module: args}


def render(catalog: Catalog, target: AwxTarget) -> list[dict[str, Any]]:
    """Given a catalog and the controller target, return the awx.awx playbook as data.

    Raise :class:`AwxExportError` when an activity's schedule would be rejected by AWX.
    """
    org = target.organization
    project = f"SOP {target.court}"
    inventory = f"{target.court}"
    tasks: list[dict[str, Any]] = [
        _task(
            "AWX | PATCH | Expose the maintenance-record store to job containers",
            "awx.awx.settings",
            {
                "settings": {
                    "AWX_ISOLATION_SHOW_PATHS": [
                        f"{Path(target.records_path).parent}:{Path(target.records_path).parent}:Z"
                    ],
                    # The project's sop_records callback (ansible-runner appends its own display
                    # callback to this path) and the record store on the exposed path.
                    "AWX_TASK_ENV": {
                        "ANSIBLE_CALLBACK_PLUGINS": "/runner/project/plugins/callback",
                        "SOP_RECORDS": target.records_path,
                        "SOP_PROJECT_DIR": "/runner/project",
                        "SOP_VIA": "awx",
                    },
                }
            },
        ),
        _task(
            "AWX | PATCH | Organization",
            "awx.awx.organization",
            {"name": org, "state": "present"},
        ),
        _task(
            "AWX | PATCH | Execution environment with the project's dependencies",
            "awx.awx.execution_environment",
            {
                "name": target.execution_environment,
                "image": "{{ sop_awx_ee_image }}",
                "organization": org,
                "pull": "missing",
                "state": "present",
            },
        ),
        _task(
            "AWX | PATCH | Project holding the SOP playbooks",
            "awx.awx.project",
            {
                "name": project,
                "organization": org,
                "scm_type": "git",
                "scm_url": target.scm_url,
                "scm_branch": target.scm_branch,
                "scm_update_on_launch": True,
                "default_environment": target.execution_environment,
                "state": "present",
            },
        ),
        _task(
            "AWX | PATCH | Inventory of the court",
            "awx.awx.inventory",
            {"name": inventory, "organization": org, "state": "present"},
        ),
        _task(
            "AWX | PATCH | Inventory source from the repository",
            "awx.awx.inventory_source",
            {
                "name": f"{inventory} from {target.inventory_path}",
                "inventory": inventory,
                "organization": org,
                "source": "scm",
                "source_project": project,
                "source_path": target.inventory_path,
                "update_on_launch": True,
                "overwrite": True,
                "state": "present",
            },
        ),
    ]
    for act in catalog.activities.values():
        if not act.runnable or not act.playbook:
            continue
        jt = job_template_name(act)
        tasks.append(
            _task(
                f"{act.id} | PATCH | Job template",
                "awx.awx.job_template",
                {
                    "name": jt,
                    "description": act.aktifitas,
                    "organization": org,
                    "job_type": "run",
                    "project": project,
                    "inventory": inventory,
                    "playbook": act.playbook,
                    "limit": act.scope,
                    "execution_environment": target.execution_environment,
                    "credentials": [target.machine_credential, target.vault_credential],
                    "ask_limit_on_launch": True,
                    "ask_job_type_on_launch": True,
                    "labels": [f"sop_{act.id}", f"sop_{act.section}"],
                    "state": "present",
                },
            )
        )
        rule = catalog.rrule(act)
        if not rule:
            continue
        value = awx_rrule(rule, catalog.timezone, target.first_year)
        problems = awx_rrule_problems(value)
        if problems:
            raise AwxExportError(f"activity {act.id}: AWX would reject schedule {value!r}: {problems[0]}")
        tasks.append(
            _task(
                f"{act.id} | PATCH | Schedule ({act.schedule})",
                "awx.awx.schedule",
                {
                    "name": f"SOP {act.id} {act.schedule}",
                    "unified_job_template": jt,
                    "organization": org,
                    "rrule": value,
                    "enabled": True,
                    "state": "present",
                },
            )
        )
    return [
        {
            "name": f"Configure AWX / AAP for the SOP activities of {target.court}",
            "hosts": "localhost",
            "connection": "local",
            "gather_facts": False,
            "vars": {"sop_awx_ee_image": "{{ lookup('ansible.builtin.env', 'SOP_EE_IMAGE') }}"},
            "tasks": tasks,
        }
    ]


_HEADER = """\
---
# Generated by `sop awx export` from the SOP catalog — do not edit; re-export instead.
# Apply against your controller (AWX / Ansible Automation Platform) with the awx.awx collection:
#   CONTROLLER_HOST=https://awx.example.invalid CONTROLLER_OAUTH_TOKEN=… SOP_EE_IMAGE=<ee image> \\
#     ansible-playbook {name}
# Schedules use the catalog's RRULEs with DTSTART/TZID and INTERVAL added as AWX requires.
"""


class _IndentedDumper(yaml.SafeDumper):
    """Indent block sequences under their key, as yamllint and ansible-lint expect."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def export(catalog: Catalog, target: AwxTarget, out: Path) -> Path:
    """Render the AWX playbook and write it atomically to ``out``; return the path."""
    data = render(catalog, target)
    text = _HEADER.format(name=out.name) + yaml.dump(
        data, Dumper=_IndentedDumper, sort_keys=False, allow_unicode=True, width=120
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
