"""Build maintenance records from Ansible's own events (used by the ``sop_records`` callback).

This module holds no Ansible imports: the callback feeds it plain values (task names, hosts,
result flags, the final stats and custom stats), so the same logic serves plain
``ansible-playbook``, ``sop run`` (ansible-runner) and AWX, and is unit-testable.

Activity attribution: a task belongs to activity ``X`` when its name starts with ``"X | "`` and
``X`` is an activity id of the catalog (``"SIPP-1 | AUDIT | Read online users"``). A task of a
shared role without an activity prefix (``"BACKUP | PATCH | …"`` of restic_backup, included by
``"SIPP-2 | PATCH | …"``) belongs to the activity whose task last started in the same play (the
include); an unattributed failure before any activity task fails every activity the play carries
on that host (they could not run). A host is
``unreachable`` for an activity when it became unreachable in a play that carries the activity
(before or during its tasks), ``failed`` when one of the activity's tasks failed on it (unless
rescued or ignored), else ``ok``. The activity's status: every host ok → ``successful``; any
failed → ``failed``; some ok and some unreachable → ``partial``; all unreachable → ``unreachable``.
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sop_runner.records import SEVERITIES, canonical_json, iso, verdict_for
from sop_runner.scrub import Scrubber

# "SIPP-1 | AUDIT | …", also as shown for role tasks: "website_check : F.1 | AUDIT | …"
TASK_NAME = re.compile(r"^\s*(?:[\w.]+ : )?([A-Za-z][A-Za-z0-9]*(?:[.-][0-9A-Za-z]+)+)\s*\|")
_COUNTERS = ("ok", "changed", "failures", "unreachable", "skipped", "rescued", "ignored")


def activity_of(task_name: str | None, known: Iterable[str]) -> str | None:
    """Given a task name and the known activity ids, return the activity id it belongs to."""
    if not task_name:
        return None
    m = TASK_NAME.match(task_name)
    if m and m.group(1) in known:
        return m.group(1)
    return None


@dataclass
class _ActState:
    first_start: datetime | None = None
    last_end: datetime | None = None
    plays: set[int] = field(default_factory=set)
    hosts: dict[str, dict[str, int]] = field(default_factory=dict)
    non_skipped: bool = False


class EventCollector:
    """Collects the run's events and turns them into one record dict per activity.

    Call :meth:`play_start`, :meth:`task_start`, :meth:`result` as the events arrive, then
    :meth:`build_records` with the final stats. :meth:`archive` returns the kept event log
    (gzip'd JSON lines; whitelisted fields only, never module arguments or no_log results).
    """

    def __init__(self, known_activities: Iterable[str], scrubber: Scrubber | None = None) -> None:
        self.known = set(known_activities)
        self.scrub = scrubber or Scrubber()
        self.acts: dict[str, _ActState] = {}
        self.play_no = 0
        self.play_unreachable: dict[int, set[str]] = {}
        self.play_declared: dict[int, set[str]] = {}
        # the activity of the last task started in the current play with an activity name
        self.current: str | None = None
        # (activity, host) -> the first failure message (scrubbed)
        self.errors: dict[tuple[str, str], str] = {}
        self.events: list[dict[str, Any]] = []

    # -- event intake -------------------------------------------------------------------------
    def play_start(self, name: str, declared: Iterable[str], when: datetime) -> None:
        """A play starts; ``declared`` are the activities it carries (static scan / play vars)."""
        self.play_no += 1
        self.current = None
        decl = {a for a in declared if a in self.known}
        self.play_declared[self.play_no] = decl
        for a in decl:
            self.acts.setdefault(a, _ActState()).plays.add(self.play_no)
        self.events.append({"event": "play_start", "time": iso(when), "play": self.scrub.text(name)})

    def task_start(self, name: str, when: datetime) -> str | None:
        """A task starts; return the activity it belongs to (or None)."""
        act = activity_of(name, self.known)
        if act:
            self.current = act
            st = self.acts.setdefault(act, _ActState())
            st.plays.add(self.play_no)
            if st.first_start is None:
                st.first_start = when
        self.events.append({"event": "task_start", "time": iso(when), "task": self.scrub.text(name or "")})
        return act

    def result(
        self,
        *,
        task_name: str,
        host: str,
        outcome: str,
        when: datetime,
        changed: bool = False,
        ignore_errors: bool = False,
        action: str = "",
        rc: int | None = None,
        msg: str | None = None,
        no_log: bool = False,
    ) -> None:
        """A task result: ``outcome`` is ok / failed / unreachable / skipped."""
        if outcome == "unreachable":
            self.play_unreachable.setdefault(self.play_no, set()).add(host)
        act = activity_of(task_name, self.known)
        if act:
            owners = [act]
        elif self.current:
            owners = [self.current]
        elif outcome == "failed" and not ignore_errors:
            owners = sorted(self.play_declared.get(self.play_no, set()))
        else:
            owners = []
        for owner in owners:
            st = self.acts.setdefault(owner, _ActState())
            st.plays.add(self.play_no)
            st.last_end = when
            c = st.hosts.setdefault(host, dict.fromkeys(_COUNTERS, 0))
            if outcome == "ok":
                c["ok"] += 1
                c["changed"] += int(changed)
                st.non_skipped = True
            elif outcome == "failed":
                c["ignored" if ignore_errors else "failures"] += 1
                st.non_skipped = True
                if not ignore_errors and msg and not no_log:
                    self.errors.setdefault((owner, host), self.scrub.text(str(msg))[:500])
            elif outcome == "unreachable":
                c["unreachable"] += 1
                st.non_skipped = True
            elif outcome == "skipped":
                c["skipped"] += 1
        ev: dict[str, Any] = {
            "event": f"runner_on_{outcome}",
            "time": iso(when),
            "task": self.scrub.text(task_name or ""),
            "action": action,
            "host": host,
            "changed": bool(changed),
        }
        if act:
            ev["activity"] = act
        if ignore_errors:
            ev["ignore_errors"] = True
        if no_log:
            ev["censored"] = True
        else:
            if rc is not None:
                ev["rc"] = rc
            if msg and outcome in ("failed", "unreachable"):
                ev["msg"] = self.scrub.text(str(msg))[:2000]
        self.events.append(ev)

    # -- output ---------------------------------------------------------------------------------
    def archive(self, stats: dict[str, Any] | None = None) -> bytes:
        """Return the kept event log: gzip'd JSON lines (deterministic bytes)."""
        lines = [canonical_json(e) for e in self.events]
        if stats is not None:
            lines.append(canonical_json({"event": "playbook_on_stats", "stats": self.scrub.data(stats)}))
        return gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0)

    def activities_seen(self) -> list[str]:
        """Return the activities met so far (for run bookkeeping)."""
        return sorted(self.acts)

    def build_records(
        self,
        *,
        host_stats: dict[str, dict[str, int]],
        custom: dict[str, Any],
        base: dict[str, Any],
        standards: dict[str, float | None],
        scopes: dict[str, str],
        fallback_time: datetime,
    ) -> list[dict[str, Any]]:
        """Given the final per-host stats (``{host: {ok, failures, unreachable, …}}``), the custom
        stats (``{host: {"sop_output": {...}}, "_run": {...}}``), the fields common to every
        record (``base``: run_id, via, trigger, operator, check_mode, inventory, playbook,
        git_revision, ansible_version, artifacts), the Mutu Baku standards and scopes, return one
        record dict per activity carried out.
        """
        outputs: dict[str, dict[str, dict[str, Any]]] = {}
        for host, data in (custom or {}).items():
            so = data.get("sop_output") if isinstance(data, dict) else None
            if not isinstance(so, dict):
                continue
            for act, payload in so.items():
                if act in self.known and isinstance(payload, dict):
                    outputs.setdefault(act, {})[host] = payload
        records = []
        for act in sorted(set(self.acts) | set(outputs)):
            st = self.acts.get(act, _ActState())
            unreachable: set[str] = set()
            for p in st.plays:
                unreachable |= self.play_unreachable.get(p, set())
            if not st.non_skipped and not outputs.get(act) and not (unreachable and st.plays):
                continue  # toggled off / every task skipped: the activity was not carried out
            hosts: dict[str, dict[str, Any]] = {}
            status: str
            for host in sorted(set(st.hosts) | set(outputs.get(act, {})) | unreachable):
                if host == "_run":
                    continue
                c = dict(st.hosts.get(host, dict.fromkeys(_COUNTERS, 0)))
                overall = host_stats.get(host, {})
                if c["failures"] and not overall.get("failures") and overall.get("rescued"):
                    c["rescued"], c["failures"] = c["failures"], 0
                if host in unreachable or c["unreachable"]:
                    status = "unreachable"
                elif c["failures"]:
                    status = "failed"
                else:
                    status = "ok"
                hosts[host] = {**c, "status": status}
                if status == "failed" and (act, host) in self.errors:
                    hosts[host]["error"] = self.errors[(act, host)]
            statuses = {h["status"] for h in hosts.values()}
            if not statuses or statuses == {"ok"}:
                status = "successful"
            elif "failed" in statuses:
                status = "failed"
            elif statuses == {"unreachable"}:
                status = "unreachable"
            else:
                status = "partial"
            output: dict[str, dict[str, Any]] = {}
            findings: list[dict[str, Any]] = []
            for host, payload in sorted(outputs.get(act, {}).items()):
                clean = self.scrub.data(payload)
                for f in clean.pop("findings", None) or []:
                    if not isinstance(f, dict):
                        continue
                    sev = f.get("severity")
                    finding: dict[str, Any] = {
                        "host": host,
                        "severity": sev if sev in SEVERITIES else "warning",
                        "code": str(f.get("code", "unspecified")),
                        "message": str(f.get("message", "")),
                        "incident": bool(f.get("incident", False)),
                    }
                    if sev not in SEVERITIES:
                        finding["message"] = f"(severity {sev!r} unknown) " + finding["message"]
                    findings.append(finding)
                output[host] = clean
            start = st.first_start or st.last_end or fallback_time
            end = st.last_end or start
            if end < start:
                end = start
            duration = (end - start).total_seconds()
            notes = []
            bad = sorted(h for h, v in hosts.items() if v["status"] == "unreachable")
            if bad:
                notes.append("unreachable: " + ", ".join(bad))
            failed = sorted(h for h, v in hosts.items() if v["status"] == "failed")
            if failed:
                notes.append(
                    "failed: "
                    + ", ".join(f"{h} ({hosts[h]['error']})" if "error" in hosts[h] else h for h in failed)
                )
            standard = standards.get(act)
            rec = dict(base)
            rec.update(
                {
                    "activity_id": act,
                    "started_at": iso(start),
                    "ended_at": iso(end),
                    "duration_s": round(duration, 3),
                    "standard_s": standard,
                    "verdict": verdict_for(duration, standard),
                    "status": status,
                    "scope": scopes.get(act, ""),
                    "hosts": hosts,
                    "output": output,
                    "findings": findings + self.scrub.findings(),
                    "note": "; ".join(notes),
                }
            )
            # every string of the record, whatever field it reached, is checked once more
            records.append(self.scrub.data(rec))
        return records


def read_archive(data: bytes) -> list[dict[str, Any]]:
    """Given a kept event log (gzip'd JSON lines), return its events."""
    return [json.loads(line) for line in gzip.decompress(data).decode().splitlines() if line]
