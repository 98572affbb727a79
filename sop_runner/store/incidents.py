"""Tables derived from the records: the newest run per activity and host (``host_last``) and
the incidents opened and closed by findings. Both are rebuilt from the chain by
:func:`derived_problem`, so an edit outside the chain makes ``verify`` fail.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from sop_runner.store.base import SCHEMA, StoreBase, parse_iso


@dataclass(frozen=True)
class Incident:
    """An incident opened by a finding with ``severity: high`` and ``incident: true``."""

    incident_id: int
    activity_id: str
    host: str
    code: str
    severity: str
    message: str
    opened_at: str
    opened_record_id: str
    closed_at: str | None
    closed_record_id: str | None
    downtime_s: float | None

    def to_dict(self) -> dict[str, Any]:
        """Return the incident as a JSON-serialisable dict."""
        return dict(self.__dict__)


def apply_derived(db: sqlite3.Connection, data: dict[str, Any], seq: int) -> None:
    """Update the tables derived from the records (newest run per activity and host, incidents)
    for one appended record; :meth:`RecordStore.verify` replays this over the whole chain."""
    if data["check_mode"] or data["status"] == "interrupted":
        return
    for host in ["", *data["hosts"]]:
        st = data["hosts"][host].get("status", data["status"]) if host else data["status"]
        db.execute(
            "INSERT INTO host_last(activity_id, host, started_at, status, seq) "
            "VALUES (?,?,?,?,?) ON CONFLICT(activity_id, host) DO UPDATE SET "
            "started_at = excluded.started_at, status = excluded.status, seq = excluded.seq "
            "WHERE excluded.started_at >= started_at",
            (data["activity_id"], host, data["started_at"], st, seq),
        )
    _update_incidents(db, data)


def _update_incidents(db: sqlite3.Connection, data: dict[str, Any]) -> None:
    act = data["activity_id"]
    when = data["ended_at"]
    reported: dict[str, set[str]] = {}
    for f in data["findings"]:
        host = f.get("host", "")
        reported.setdefault(host, set()).add(str(f.get("code", "")))
        if f.get("severity") == "high" and f.get("incident"):
            open_row = db.execute(
                "SELECT 1 FROM incidents WHERE activity_id=? AND host=? AND code=? AND closed_at IS NULL",
                (act, host, f.get("code", "")),
            ).fetchone()
            if not open_row:
                db.execute(
                    "INSERT INTO incidents(activity_id, host, code, severity, message, opened_at, "
                    "opened_record_id) VALUES (?,?,?,?,?,?,?)",
                    (
                        act,
                        host,
                        f.get("code", ""),
                        "high",
                        f.get("message", ""),
                        data["started_at"],
                        data["record_id"],
                    ),
                )
    for host, st in data["hosts"].items():
        if st.get("status") != "ok":
            continue
        rows = db.execute(
            "SELECT incident_id, code, opened_at FROM incidents WHERE activity_id=? AND host=? "
            "AND closed_at IS NULL",
            (act, host),
        ).fetchall()
        for incident_id, code, opened_at in rows:
            if code in reported.get(host, set()):
                continue
            downtime = (parse_iso(when) - parse_iso(opened_at)).total_seconds()
            db.execute(
                "UPDATE incidents SET closed_at=?, closed_record_id=?, downtime_s=? WHERE incident_id=?",
                (when, data["record_id"], downtime, incident_id),
            )


class DerivedReplay:
    """The derived tables rebuilt from the records, fed one record at a time in chain order
    (:meth:`add`), then compared with the stored tables (:meth:`problem`).

    The newest run per host is kept in a dict; incidents are replayed with the same SQL as the
    store, in memory, and only for records that can open or close one."""

    def __init__(self) -> None:
        self.last: dict[tuple[str, str], tuple[str, str, int]] = {}
        self.mem = sqlite3.connect(":memory:")
        for stmt in SCHEMA.split(";"):
            if "incidents" in stmt:
                self.mem.execute(stmt)
        self.open_activities: set[str] = set()

    def add(self, seq: int, body: str) -> None:
        """Replay one record (its seq and canonical JSON body)."""
        data = json.loads(body)
        if data["check_mode"] or data["status"] == "interrupted":
            return
        act, started = data["activity_id"], data["started_at"]
        for host in ["", *data["hosts"]]:
            st = data["hosts"][host].get("status", data["status"]) if host else data["status"]
            cur = self.last.get((act, host))
            if cur is None or started >= cur[0]:
                self.last[(act, host)] = (started, st, seq)
        if data["findings"] or act in self.open_activities:
            _update_incidents(self.mem, data)
            still_open = self.mem.execute(
                "SELECT 1 FROM incidents WHERE activity_id = ? AND closed_at IS NULL LIMIT 1", (act,)
            ).fetchone()
            (self.open_activities.add if still_open else self.open_activities.discard)(act)

    def problem(self, db: sqlite3.Connection) -> str:
        """Compare the replay with the store's tables; return the first difference, or ""."""
        want_last = sorted((a, h, *v) for (a, h), v in self.last.items())
        cols = (
            "incident_id, activity_id, host, code, severity, message, opened_at, opened_record_id, "
            "closed_at, closed_record_id, downtime_s"
        )
        checks = (
            (
                "host_last",
                want_last,
                "SELECT activity_id, host, started_at, status, seq FROM host_last ORDER BY activity_id, host",
            ),
            (
                "incidents",
                [tuple(r) for r in self.mem.execute(f"SELECT {cols} FROM incidents ORDER BY incident_id")],  # noqa: S608
                f"SELECT {cols} FROM incidents ORDER BY incident_id",  # noqa: S608
            ),
        )
        self.mem.close()
        for table, want, sql in checks:
            got = [tuple(r) for r in db.execute(sql)]
            if want != got:
                extra = [r for r in got if r not in want]
                lost = [r for r in want if r not in got]
                row = extra[0] if extra else lost[0]
                what = "holds a row the records do not give" if extra else "lacks a row the records give"
                name = "last-run table" if table == "host_last" else "incident list"
                return (
                    f"the {name} ({table}) was edited outside the chain: it {what}: "
                    f"{', '.join(str(v) for v in row[:5])}"
                )
        return ""


def derived_problem(db: sqlite3.Connection) -> str:
    """Rebuild the derived tables (newest run per host, incidents) from the records and compare
    them with the stored ones; return the first difference, or ""."""
    replay = DerivedReplay()
    for seq, body in db.execute("SELECT seq, body FROM records ORDER BY seq"):
        replay.add(seq, body)
    return replay.problem(db)


class IncidentsMixin(StoreBase):
    """Reading the derived tables."""

    def last_host_runs(self) -> dict[tuple[str, str], tuple[str, str]]:
        """Return ``{(activity_id, host): (started_at, status)}`` of the newest record per activity
        and host that was neither interrupted nor a check-mode run. Host ``""`` holds the newest
        such record of the activity as a whole (manual records have only that). Host statuses
        are ``ok`` / ``failed`` / ``unreachable`` (see the callback)."""
        out: dict[tuple[str, str], tuple[str, str]] = {}
        for act, host, started, status in self._db.execute(
            "SELECT activity_id, host, started_at, status FROM host_last"
        ):
            out[(act, host)] = (started, status)
        return out

    def list_incidents(
        self,
        *,
        open_only: bool = False,
        activity_id: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[Incident]:
        """Return incidents (oldest first), optionally only open ones, of one activity, or those
        overlapping [since, until) (store ISO form)."""
        where, args = [], []
        if open_only:
            where.append("closed_at IS NULL")
        if activity_id:
            where.append("activity_id = ?")
            args.append(activity_id)
        if until:
            where.append("opened_at < ?")
            args.append(until)
        if since:
            where.append("(closed_at IS NULL OR closed_at >= ?)")
            args.append(since)
        sql = "SELECT * FROM incidents" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY incident_id"
        return [Incident(**dict(r)) for r in self._db.execute(sql, args)]
