"""JUnit XML for CI pipelines (GitLab CI, Jenkins): SOP runs and compliance controls shown the way
tests are. Built from structured results -- records or control results -- never from console
output.

- :func:`cases_from_records`: one test case per activity and host of ``sop run`` / ``sop tick``
  records; a failed host carries the task's message, an unreachable one is an error.
- :func:`write_junit`: the XML file (written atomically).
"""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sop_runner.records import Record


@dataclass(frozen=True)
class Case:
    """One JUnit test case. ``result`` is passed / failure / error / skipped."""

    suite: str
    classname: str
    name: str
    time_s: float
    result: str = "passed"
    message: str = ""
    detail: str = ""


def cases_from_records(records: Iterable[Record]) -> list[Case]:
    """Given run records, return one case per activity and host (``classname`` = activity id,
    ``name`` = host). Failed hosts carry the first error of the task (``hosts.<h>.error``)."""
    cases = []
    for rec in records:
        hosts = rec.hosts or {"-": {"status": "ok" if rec.status == "successful" else rec.status}}
        per_host = (rec.duration_s or 0.0) / max(len(hosts), 1)
        for host, h in sorted(hosts.items()):
            status = str(h.get("status", rec.status))
            summary = (
                str((rec.output.get(host) or {}).get("summary", "")) if isinstance(rec.output, dict) else ""
            )
            findings = [f for f in rec.findings if f.get("host") == host and f.get("severity") == "high"]
            detail = "\n".join(f"{f.get('severity')} {f.get('code')}: {f.get('message')}" for f in findings)
            if status == "ok" and rec.status != "interrupted":
                cases.append(Case(rec.activity_id, rec.activity_id, host, per_host, detail=summary))
            elif status == "unreachable":
                cases.append(
                    Case(
                        rec.activity_id,
                        rec.activity_id,
                        host,
                        per_host,
                        "error",
                        f"{host} unreachable",
                        rec.note,
                    )
                )
            else:
                message = str(h.get("error") or rec.note or f"{rec.activity_id} {rec.status} on {host}")
                cases.append(
                    Case(
                        rec.activity_id,
                        rec.activity_id,
                        host,
                        per_host,
                        "failure",
                        message,
                        detail or summary,
                    )
                )
    return cases


def to_xml(cases: Iterable[Case], name: str) -> bytes:
    """Return the JUnit XML document (testsuites → one testsuite per suite name)."""
    cases = list(cases)
    root = ET.Element("testsuites", name=name)
    suites: dict[str, list[Case]] = {}
    for c in cases:
        suites.setdefault(c.suite, []).append(c)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite_name, members in suites.items():
        counts = {
            "tests": len(members),
            "failures": sum(1 for c in members if c.result == "failure"),
            "errors": sum(1 for c in members if c.result == "error"),
            "skipped": sum(1 for c in members if c.result == "skipped"),
        }
        for k, v in counts.items():
            totals[k] += v
        attrs = {k: str(v) for k, v in counts.items()}
        attrs.update(name=suite_name, time=f"{sum(c.time_s for c in members):.3f}")
        suite = ET.SubElement(root, "testsuite", attrs)
        for c in members:
            case = ET.SubElement(
                suite, "testcase", classname=c.classname, name=c.name, time=f"{c.time_s:.3f}"
            )
            if c.result in ("failure", "error", "skipped"):
                el = ET.SubElement(case, c.result, message=c.message)
                el.text = c.detail or c.message
            elif c.detail:
                ET.SubElement(case, "system-out").text = c.detail
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def write_junit(path: Path, cases: Iterable[Case], name: str) -> Path:
    """Write the JUnit XML of ``cases`` to ``path`` (atomically); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(to_xml(cases, name))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
