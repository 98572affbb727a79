"""What a compliance run leaves: one maintenance record per SOP activity checked, the JUnit
test cases, the HTML page -- all built from the structured :class:`ControlResult` list.

Record (activity ``KK-1``, via ``sop-comply``) per SOP activity checked: ``output.<host>`` has
``sop_activity``, the controls passed / failed / unreachable / not applicable and a summary in
the SOP's words; each failed control is a finding (``code`` ``<SOP id>/<control>``, the control's
severity); an unreachable host is *unreachable* in ``hosts``, never ok.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from sop_runner.catalog import Catalog
from sop_runner.comply.engine import (
    FAILED,
    NOT_APPLICABLE,
    PASSED,
    UNREACHABLE_OUTCOME,
    ComplyRun,
    ControlResult,
)
from sop_runner.junit import Case
from sop_runner.records import iso

COMPLY_ACTIVITY = "KK-1"
_COUNTER = {PASSED: "ok", FAILED: "failures", UNREACHABLE_OUTCOME: "unreachable", NOT_APPLICABLE: "skipped"}


def comply_activity(catalog: Catalog) -> str:
    """Return the catalog activity compliance runs are recorded under (``produced_by: comply``)."""
    for act in catalog.activities.values():
        if act.produced_by == "comply" and act.enabled:
            return act.id
    return COMPLY_ACTIVITY


def host_status(results: Iterable[ControlResult]) -> str:
    """failed when a control failed, unreachable when any could not reach the host, else ok."""
    outcomes = {r.outcome for r in results}
    if FAILED in outcomes:
        return "failed"
    if UNREACHABLE_OUTCOME in outcomes:
        return "unreachable"
    return "ok"


def record_status(statuses: Iterable[str]) -> str:
    """The record's status from its hosts' (as for playbook records)."""
    st = set(statuses)
    if not st or st == {"ok"}:
        return "successful"
    if "failed" in st:
        return "failed"
    if st == {"unreachable"}:
        return "unreachable"
    return "partial"


def _summary(activity: str, mine: list[ControlResult]) -> str:
    n = {
        o: sum(1 for r in mine if r.outcome == o)
        for o in (PASSED, FAILED, UNREACHABLE_OUTCOME, NOT_APPLICABLE)
    }
    text = f"{activity}: {n[PASSED]} kontrol memenuhi, {n[FAILED]} tidak memenuhi"
    if n[UNREACHABLE_OUTCOME]:
        text += f", {n[UNREACHABLE_OUTCOME]} tidak terjangkau"
    if n[NOT_APPLICABLE]:
        text += f", {n[NOT_APPLICABLE]} tidak berlaku"
    return text


def build_records(
    run: ComplyRun,
    catalog: Catalog,
    *,
    run_id: str,
    operator: str,
    trigger: str,
    inventory: str,
    limit: str | None,
    artifacts: dict[str, Any],
    ansible_version: str = "",
    git_revision: str = "",
) -> list[dict[str, Any]]:
    """Return one record dict per SOP activity checked in ``run`` (in the order checked)."""
    activity_id = comply_activity(catalog)
    act = catalog.activities.get(activity_id)
    standard = act.standard_s if act else None
    duration = (run.ended - run.started).total_seconds()
    out = []
    for sop in run.activities:
        mine = [r for r in run.results if r.activity == sop]
        by_host: dict[str, list[ControlResult]] = {}
        for r in mine:
            by_host.setdefault(r.host, []).append(r)
        hosts: dict[str, dict[str, Any]] = {}
        output: dict[str, dict[str, Any]] = {}
        findings: list[dict[str, Any]] = []
        for host, rs in sorted(by_host.items()):
            counters = dict.fromkeys(
                ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored"), 0
            )
            for r in rs:
                counters[_COUNTER[r.outcome]] += 1
            status = host_status(rs)
            hosts[host] = {**counters, "status": status}
            unreachable = [r for r in rs if r.outcome == UNREACHABLE_OUTCOME]
            if status == "failed":
                hosts[host]["error"] = next(f"{r.name}: {r.message}" for r in rs if r.outcome == FAILED)[:500]
            output[host] = {
                "summary": _summary(sop, rs),
                "sop_activity": sop,
                "passed": [r.name for r in rs if r.outcome == PASSED],
                "failed": [r.name for r in rs if r.outcome == FAILED],
                "unreachable": [r.name for r in unreachable],
                "not_applicable": {r.name: r.message for r in rs if r.outcome == NOT_APPLICABLE},
            }
            if unreachable:
                output[host]["unreachable_reason"] = unreachable[0].message
            for r in rs:
                if r.outcome == FAILED:
                    findings.append(
                        {
                            "host": host,
                            "severity": r.severity,
                            "code": f"{sop}/{r.name}",
                            "message": f"{sop} | {r.name}: {r.message}",
                            "incident": False,
                        }
                    )
        notes = []
        bad = sorted(h for h, v in hosts.items() if v["status"] == "unreachable")
        if bad:
            notes.append("unreachable: " + ", ".join(bad))
        failed = sorted(h for h, v in hosts.items() if v["status"] == "failed")
        if failed:
            notes.append("failed: " + ", ".join(f"{h} ({hosts[h]['error']})" for h in failed))
        groups = sorted({g for a in [catalog.activities.get(sop)] if a for g in a.targets})
        out.append(
            {
                "run_id": run_id,
                "activity_id": activity_id,
                "via": "sop-comply",
                "trigger": trigger,
                "operator": operator,
                "started_at": iso(run.started),
                "ended_at": iso(run.ended),
                "duration_s": round(duration, 3),
                "standard_s": standard,
                "verdict": None
                if standard is None
                else ("memenuhi" if duration <= standard else "tidak memenuhi"),
                "status": record_status(v["status"] for v in hosts.values()),
                "scope": ":".join(groups) + (f" limit {limit}" if limit else ""),
                "hosts": hosts,
                "output": output,
                "findings": findings,
                "check_mode": False,
                "inventory": inventory,
                "playbook": f"sop comply {sop}",
                "git_revision": git_revision,
                "ansible_version": ansible_version,
                "artifacts": artifacts,
                "note": "; ".join(notes),
            }
        )
    return out


def junit_cases(run: ComplyRun) -> list[Case]:
    """One JUnit case per control and host: suite = SOP id, classname = ``<id>.<control>``."""
    cases = []
    for r in run.results:
        result = {
            PASSED: "passed",
            FAILED: "failure",
            UNREACHABLE_OUTCOME: "error",
            NOT_APPLICABLE: "skipped",
        }[r.outcome]
        message = r.message if r.outcome != UNREACHABLE_OUTCOME else f"{r.host} unreachable: {r.message}"
        cases.append(Case(r.activity, f"{r.activity}.{r.control}", r.host, r.duration_s, result, message))
    return cases


def table_rows(run: ComplyRun) -> list[dict[str, str]]:
    """Rows of the terminal table: SOP, control, host, result, message."""
    return [
        {"sop": r.activity, "control": r.name, "host": r.host, "result": r.outcome, "message": r.message}
        for r in run.results
    ]


_ENV = Environment(
    loader=PackageLoader("sop_runner.comply", "templates"),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def render_html(
    run: ComplyRun, catalog: Catalog, *, inventory: str, records: list[Any], generated: datetime
) -> str:
    """Return the self-contained HTML page of a compliance run."""
    by_activity: dict[str, list[ControlResult]] = {}
    for r in run.results:
        by_activity.setdefault(r.activity, []).append(r)
    return _ENV.get_template("comply.html.j2").render(
        run=run,
        counts=run.counts(),
        by_activity=by_activity,
        catalog=catalog,
        inventory=inventory,
        records=records,
        generated=generated.astimezone(catalog.tz),
        tz=catalog.timezone,
    )
