"""The maintenance record store: append-only, hash-chained, SQLite (WAL).

One *record* is written per SOP activity execution (an Ansible run of the activity, a manual
entry made with ``sop log``, or the "interrupted" marker written after a run was killed). Records
are never updated or deleted; every record holds the hash of the previous one, so
:meth:`RecordStore.verify` names the first record that was altered, removed or reordered.

Public API (stable; the reports, ledger and notification code build on it):

- :class:`RecordStore` -- ``RecordStore(path)`` opens (and creates) the store.

  - :meth:`~RecordStore.append_record` -- write one record (dict of :data:`RECORD_FIELDS`),
    open/close incidents from its findings, return the stored :class:`Record`.
  - :meth:`~RecordStore.add_manual` -- the ``sop log`` entry (note, who, attachments).
  - :meth:`~RecordStore.list_records`, :meth:`~RecordStore.get_record`,
    :meth:`~RecordStore.iter_records`, :meth:`~RecordStore.count`.
  - :meth:`~RecordStore.verify` -- recompute the hash chain, return :class:`VerifyResult`.
  - :meth:`~RecordStore.list_incidents` -- incidents opened/closed from findings.
  - :meth:`~RecordStore.put_blob` / :meth:`~RecordStore.blob_path` -- attachments and kept
    artifacts, stored by sha256 beside the database.
  - :meth:`~RecordStore.begin_run` / :meth:`~RecordStore.end_run` /
    :meth:`~RecordStore.recover_interrupted` -- bookkeeping of runs in progress so a run killed
    with ``kill -9`` is recorded as *interrupted* by the next start.
  - :meth:`~RecordStore.last_host_runs` -- newest run per (activity, host), for due/overdue.

Times are ISO-8601 strings in UTC with a ``Z`` suffix (``2026-11-21T04:30:00.123456Z``);
they sort lexically. Statuses: :data:`STATUSES`. Verdict against the SOP's Mutu Baku "Waktu":
``memenuhi`` / ``tidak memenuhi`` / ``None`` (no time standard, e.g. "relatif").
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import inspect
import json
import os
import shutil
import socket
import sqlite3
import tempfile
import urllib.parse
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

STATUSES = ("successful", "failed", "partial", "unreachable", "interrupted")
TRIGGERS = ("manual", "schedule", "catch-up")
VIAS = ("sop-run", "ansible-playbook", "awx", "sop-log", "sop-report", "recovery")
SEVERITIES = ("info", "warning", "high")
MEMENUHI = "memenuhi"
TIDAK_MEMENUHI = "tidak memenuhi"
GENESIS_HASH = "0" * 64
SCHEMA_VERSION = 1

#: Every field of a record, in the order they are hashed. ``seq``, ``prev_hash`` and ``hash``
#: are assigned by the store; everything else comes from the caller (missing ones get defaults).
RECORD_FIELDS: tuple[str, ...] = (
    "seq",
    "record_id",
    "run_id",
    "activity_id",
    "via",
    "trigger",
    "operator",
    "started_at",
    "ended_at",
    "duration_s",
    "standard_s",
    "verdict",
    "status",
    "scope",
    "hosts",
    "output",
    "findings",
    "check_mode",
    "inventory",
    "playbook",
    "git_revision",
    "ansible_version",
    "artifacts",
    "note",
    "attachments",
    "created_at",
)

_INDEXED = ("record_id", "run_id", "activity_id", "started_at", "status", "via", "check_mode")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY,
    record_id TEXT NOT NULL UNIQUE,
    run_id TEXT NOT NULL,
    activity_id TEXT NOT NULL,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL,
    via TEXT NOT NULL,
    check_mode INTEGER NOT NULL,
    body TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_activity ON records(activity_id, started_at);
CREATE INDEX IF NOT EXISTS records_run ON records(run_id);
CREATE TABLE IF NOT EXISTS chain_head (id INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq INTEGER NOT NULL, last_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS host_last (
    activity_id TEXT NOT NULL,
    host TEXT NOT NULL,
    started_at TEXT NOT NULL,
    status TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (activity_id, host)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS incidents (
    incident_id INTEGER PRIMARY KEY,
    activity_id TEXT NOT NULL,
    host TEXT NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    opened_record_id TEXT NOT NULL,
    closed_at TEXT,
    closed_record_id TEXT,
    downtime_s REAL
);
CREATE INDEX IF NOT EXISTS incidents_open ON incidents(activity_id, host, code, closed_at);
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    pid INTEGER NOT NULL,
    hostname TEXT NOT NULL,
    via TEXT NOT NULL,
    trigger TEXT NOT NULL,
    operator TEXT NOT NULL,
    activities TEXT NOT NULL,
    playbook TEXT NOT NULL,
    inventory TEXT NOT NULL,
    check_mode INTEGER NOT NULL,
    state TEXT NOT NULL,
    ended_at TEXT,
    artifacts TEXT
);
"""


class RecordStoreError(Exception):
    """A record store problem a user can cause or fix (bad path, bad record, unknown id)."""


def utcnow() -> datetime:
    """Return the current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def iso(dt: datetime) -> str:
    """Given an aware datetime, return the store's UTC ISO form (``…Z``). Raise ValueError if naive."""
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt!r}: records need timezone-aware times")
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(text: str) -> datetime:
    """Given a time in the store's form (or any ISO-8601 with offset), return an aware datetime."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def canonical_json(value: Any) -> str:
    """Return the canonical JSON text used for hashing (sorted keys, no spaces, UTF-8 kept)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file's content."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def verdict_for(duration_s: float | None, standard_s: float | None) -> str | None:
    """Given a duration and the Mutu Baku time standard (seconds), return memenuhi/tidak memenuhi.

    Return None when there is no standard ("relatif") or no duration.
    """
    if standard_s is None or duration_s is None:
        return None
    return MEMENUHI if duration_s <= standard_s else TIDAK_MEMENUHI


def _chain_hash(prev_hash: str, seq: int, cols: tuple[Any, ...], body: str) -> str:
    h = hashlib.sha256()
    h.update(prev_hash.encode())
    h.update(b"\x1f")
    h.update(str(seq).encode())
    for c in cols:
        h.update(b"\x1f")
        h.update(str(c).encode())
    h.update(b"\x1e")
    h.update(body.encode())
    return h.hexdigest()


@dataclass(frozen=True)
class Record:
    """One stored maintenance record (read-only view).

    ``hosts`` maps host → ``{ok, changed, failures, unreachable, skipped, ignored, rescued,
    status}``; ``output`` maps host → that host's ``sop_output.<activity>`` without findings;
    ``findings`` is a list of ``{host, severity, code, message, incident}``; ``artifacts`` is
    ``{"sha256": …, "path": <relative to the store dir>, "size": …}`` or ``{}``;
    ``attachments`` a list of ``{name, sha256, size}``.
    """

    seq: int
    record_id: str
    run_id: str
    activity_id: str
    via: str
    trigger: str
    operator: str
    started_at: str
    ended_at: str
    duration_s: float | None
    standard_s: float | None
    verdict: str | None
    status: str
    scope: str
    hosts: dict[str, dict[str, Any]]
    output: dict[str, dict[str, Any]]
    findings: list[dict[str, Any]]
    check_mode: bool
    inventory: str
    playbook: str
    git_revision: str
    ansible_version: str
    artifacts: dict[str, Any]
    note: str
    attachments: list[dict[str, Any]]
    created_at: str
    prev_hash: str = ""
    hash: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the record as a JSON-serialisable dict (all fields, incl. prev_hash and hash)."""
        return {k: getattr(self, k) for k in (*RECORD_FIELDS, "prev_hash", "hash")}

    @property
    def summary(self) -> str:
        """Return the one-line SOP summaries of all hosts joined ("host: text; …"), or the note."""
        parts = [f"{h}: {o['summary']}" for h, o in sorted(self.output.items()) if o.get("summary")]
        return "; ".join(parts) if parts else self.note


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


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :meth:`RecordStore.verify`: ``ok``, how many records were checked, the head
    hash (write it in the paper logbook to anchor the chain), and the first problem found."""

    ok: bool
    count: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dict."""
        return dict(self.__dict__)


@dataclass(frozen=True)
class RunInfo:
    """A run in progress (or finished) as kept in the ``runs`` table (mutable bookkeeping, not
    evidence)."""

    run_id: str
    started_at: str
    pid: int
    hostname: str
    via: str
    trigger: str
    operator: str
    activities: list[str]
    playbook: str
    inventory: str
    check_mode: bool
    state: str
    ended_at: str | None = None
    artifacts: dict[str, Any] = field(default_factory=dict)


def _record_defaults() -> dict[str, Any]:
    return {
        "run_id": "",
        "via": "sop-run",
        "trigger": "manual",
        "operator": "",
        "duration_s": None,
        "standard_s": None,
        "verdict": None,
        "scope": "",
        "hosts": {},
        "output": {},
        "findings": [],
        "check_mode": False,
        "inventory": "",
        "playbook": "",
        "git_revision": "",
        "ansible_version": "",
        "artifacts": {},
        "note": "",
        "attachments": [],
    }


def _store_time(key: str, value: Any) -> Any:
    """Given a record time (aware datetime or ISO text with an offset), return the store's UTC
    form, so times compare as times; leave a missing value for :func:`_validate` to name."""
    if value is None or value == "":
        return value
    try:
        when = value if isinstance(value, datetime) else parse_iso(str(value))
        return iso(when)
    except ValueError as exc:
        raise RecordStoreError(f"record field '{key}': {exc}") from None


def _validate(rec: dict[str, Any]) -> None:
    for key in ("activity_id", "started_at", "ended_at", "status"):
        if not rec.get(key):
            raise RecordStoreError(f"record field '{key}' is required")
    unknown = set(rec) - set(RECORD_FIELDS)
    if unknown:
        raise RecordStoreError(f"unknown record field(s): {', '.join(sorted(unknown))}")
    if rec["status"] not in STATUSES:
        raise RecordStoreError(f"record status '{rec['status']}' is not one of {', '.join(STATUSES)}")
    if rec["trigger"] not in TRIGGERS:
        raise RecordStoreError(f"record trigger '{rec['trigger']}' is not one of {', '.join(TRIGGERS)}")
    if rec["via"] not in VIAS:
        raise RecordStoreError(f"record via '{rec['via']}' is not one of {', '.join(VIAS)}")
    for f in rec["findings"]:
        if f.get("severity") not in SEVERITIES:
            raise RecordStoreError(
                f"finding {f.get('code', '?')!r}: severity {f.get('severity')!r} is not one of "
                f"{', '.join(SEVERITIES)}"
            )
    for key in ("started_at", "ended_at"):
        try:
            parse_iso(rec[key])
        except ValueError as exc:
            raise RecordStoreError(f"record field '{key}': {exc}") from None


def _apply_derived(db: sqlite3.Connection, data: dict[str, Any], seq: int) -> None:
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


class RecordStore:
    """The maintenance record store at ``path`` (an SQLite file; blobs live beside it).

    Opening creates the directory and schema when missing. Writers serialise through SQLite's
    ``BEGIN IMMEDIATE`` so concurrent processes (two ticks, a callback and a ``sop log``) append
    safely; readers never block writers (WAL).
    """

    def __init__(self, path: str | os.PathLike[str], *, readonly: bool = False) -> None:
        self.path = Path(path).expanduser().absolute()
        self.dir = self.path.parent
        self.readonly = readonly
        if readonly:
            self._db = self._open_readonly()
        else:
            if self.path.is_dir():
                raise RecordStoreError(f"record store {self.path}: is a directory, not a record store file")
            try:
                self.dir.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RecordStoreError(f"record store directory {self.dir}: {exc.strerror}") from None
            try:
                self._db = sqlite3.connect(self.path, timeout=60, isolation_level=None)
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
                with self._tx():
                    for stmt in _SCHEMA.split(";"):
                        if stmt.strip():
                            self._db.execute(stmt)
                    self._db.execute(
                        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                        (str(SCHEMA_VERSION),),
                    )
            except sqlite3.Error as exc:
                raise self._problem(exc) from None
        self._db.row_factory = sqlite3.Row

    def _open_readonly(self) -> sqlite3.Connection:
        """Open the store without writing anything: never creates a file or folder.

        A store in use has its write-ahead log beside it: it is read through SQLite's shared
        memory (the files exist already). A closed store -- or an auditor's copy, possibly in a
        folder this user cannot write -- holds everything in the one file and is opened
        immutable, which writes nothing (no -wal / -shm file)."""
        if not self.path.exists():
            raise RecordStoreError(
                f"record store {self.path} does not exist (wrong --records path, or nothing recorded yet)"
            )
        if self.path.is_dir():
            raise RecordStoreError(f"record store {self.path}: is a directory, not a record store file")
        if not os.access(self.path, os.R_OK):
            raise RecordStoreError(f"record store {self.path}: not readable (permission denied)")
        quoted = urllib.parse.quote(str(self.path))
        wal = Path(f"{self.path}-wal")
        pending_log = wal.exists() and wal.stat().st_size > 0
        uri = f"file:{quoted}?mode=ro" if wal.exists() else f"file:{quoted}?mode=ro&immutable=1"
        try:
            try:
                db = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            except sqlite3.OperationalError:
                if pending_log or "immutable" in uri:
                    raise
                # an empty log that cannot be shared (read-only folder): the file holds it all
                db = sqlite3.connect(f"{uri}&immutable=1", uri=True, timeout=60, isolation_level=None)
                tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.Error as exc:
            if pending_log:  # its newest records are in the log: never read the file without them
                raise RecordStoreError(
                    f"record store {self.path}: its write-ahead log {wal.name} cannot be read "
                    f"read-only ({exc}); copy the store with 'sqlite3 {self.path.name} .backup COPY' "
                    "and read the copy"
                ) from None
            raise self._problem(exc) from None
        missing = {"records", "chain_head"} - tables
        if missing:
            db.close()
            raise RecordStoreError(
                f"record store {self.path}: not a record store (no table {', '.join(sorted(missing))})"
            )
        return db

    def _problem(self, exc: sqlite3.Error) -> RecordStoreError:
        """Given an SQLite error, return the one-line RecordStoreError naming the store."""
        text = str(exc)
        low = text.lower()
        if "not a database" in low or "malformed" in low or "corrupt" in low:
            why = f"damaged or not a record store ({text})"
        elif "readonly" in low or "read-only" in low:
            why = f"read-only ({text}): use a writable copy for this command, or a read command"
        elif "unable to open" in low:
            why = f"cannot open ({text}): check the path and the folder's permissions"
        elif "locked" in low or "busy" in low:
            why = f"busy ({text}): another sop process holds it; try again"
        elif "no such table" in low or "no such column" in low:
            why = f"not a record store of this version ({text})"
        else:
            why = text
        return RecordStoreError(f"record store {self.path}: {why}")

    # -- plumbing ---------------------------------------------------------------------------
    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        if self.readonly:
            raise RecordStoreError(f"record store {self.path} was opened read-only")
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- writing ----------------------------------------------------------------------------
    def append_record(self, rec: dict[str, Any]) -> Record:
        """Given a record dict (see :data:`RECORD_FIELDS`), append it to the chain and return it.

        ``record_id`` and ``created_at`` are filled in when missing, ``verdict`` is computed from
        ``duration_s``/``standard_s`` when not given. Findings with ``severity: high`` and
        ``incident: true`` open incidents; a host that is ``ok`` in this record closes the open
        incidents of this activity on that host whose code it no longer reports (check-mode
        records never open or close). Raise :class:`RecordStoreError` on a malformed record.
        """
        data = _record_defaults()
        data.update({k: v for k, v in rec.items() if k not in ("seq", "prev_hash", "hash")})
        data.setdefault("record_id", str(uuid.uuid4()))
        data.setdefault("created_at", iso(utcnow()))
        for key in ("started_at", "ended_at", "created_at"):
            data[key] = _store_time(key, data.get(key))
        if data.get("verdict") is None:
            data["verdict"] = verdict_for(data["duration_s"], data["standard_s"])
        data["check_mode"] = bool(data["check_mode"])
        if not data["run_id"]:
            data["run_id"] = data["record_id"]
        _validate(data)
        # Round-trip through JSON so the stored body is exactly what will be read back.
        data = json.loads(canonical_json(data))
        with self._tx() as db:
            head = db.execute("SELECT last_seq, last_hash FROM chain_head WHERE id = 1").fetchone()
            last_seq, prev_hash = (head[0], head[1]) if head else (0, GENESIS_HASH)
            seq = last_seq + 1
            data["seq"] = seq
            body = canonical_json({k: data[k] for k in RECORD_FIELDS})
            cols = tuple(data[k] if k != "check_mode" else int(data[k]) for k in _INDEXED)
            digest = _chain_hash(prev_hash, seq, cols, body)
            db.execute(
                "INSERT INTO records(seq, record_id, run_id, activity_id, started_at, status, via, "
                "check_mode, body, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (seq, *cols, body, prev_hash, digest),
            )
            db.execute(
                "INSERT INTO chain_head(id, last_seq, last_hash) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash",
                (seq, digest),
            )
            _apply_derived(db, data, seq)
        return Record(**data, prev_hash=prev_hash, hash=digest)

    def _update_incidents(self, db: sqlite3.Connection, data: dict[str, Any]) -> None:
        _update_incidents(db, data)

    def _derived_problem(self) -> str:
        """Rebuild the derived tables (newest run per host, incidents) from the records in
        memory and compare them with the stored ones; return the first difference, or ""."""
        mem = sqlite3.connect(":memory:")
        for stmt in _SCHEMA.split(";"):
            if "host_last" in stmt or "incidents" in stmt:
                mem.execute(stmt)
        for seq, body in self._db.execute("SELECT seq, body FROM records ORDER BY seq"):
            _apply_derived(mem, json.loads(body), seq)
        checks = (
            ("host_last", "activity_id, host, started_at, status, seq", "activity_id, host"),
            (
                "incidents",
                "incident_id, activity_id, host, code, severity, message, opened_at, opened_record_id, "
                "closed_at, closed_record_id, downtime_s",
                "incident_id",
            ),
        )
        for table, cols, order in checks:
            want = [tuple(r) for r in mem.execute(f"SELECT {cols} FROM {table} ORDER BY {order}")]  # noqa: S608
            got = [tuple(r) for r in self._db.execute(f"SELECT {cols} FROM {table} ORDER BY {order}")]  # noqa: S608
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
        mem.close()
        return ""

    def add_manual(
        self,
        activity_id: str,
        note: str,
        *,
        operator: str,
        attachments: list[Path] | None = None,
        started_at: datetime | None = None,
        ended_at: datetime | None = None,
        standard_s: float | None = None,
        status: str = "successful",
        scope: str = "",
    ) -> Record:
        """Record a manual activity (``sop log``): who, when, a note, and attachment files.

        Attachments are copied into the store by sha256 before the record is written; a missing
        or unreadable attachment raises :class:`RecordStoreError` and writes nothing.
        """
        if not note.strip():
            raise RecordStoreError("a manual record needs a note (--note TEXT)")
        paths = [Path(p) for p in attachments or []]
        for p in paths:
            if not p.is_file() or not os.access(p, os.R_OK):
                raise RecordStoreError(f"attachment {p}: not a readable file")
        refs = [dict(self.put_blob(p), name=p.name) for p in paths]
        end = ended_at or utcnow()
        start = started_at or end
        if end < start:
            raise RecordStoreError("a manual record cannot end before it starts")
        duration = (end - start).total_seconds() if started_at else None
        return self.append_record(
            {
                "activity_id": activity_id,
                "via": "sop-log",
                "trigger": "manual",
                "operator": operator,
                "started_at": iso(start),
                "ended_at": iso(end),
                "duration_s": duration,
                "standard_s": standard_s,
                "status": status,
                "scope": scope,
                "note": note,
                "attachments": [{"name": r["name"], "sha256": r["sha256"], "size": r["size"]} for r in refs],
            }
        )

    # -- blobs ------------------------------------------------------------------------------
    def blob_path(self, sha256: str) -> Path:
        """Return where the blob with this sha256 is (or would be) stored."""
        return self.dir / "blobs" / sha256[:2] / sha256

    def put_blob(self, source: Path | bytes) -> dict[str, Any]:
        """Store a file (or bytes) by its sha256; return ``{sha256, size, path}`` (path relative
        to the store directory). Writing goes to a temporary name and is renamed when complete."""
        tmpdir = self.dir / "blobs" / ".tmp"
        tmpdir.mkdir(parents=True, exist_ok=True)
        fd, tmpname = tempfile.mkstemp(dir=tmpdir)
        h = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(source, bytes):
                    out.write(source)
                    h.update(source)
                    size = len(source)
                else:
                    with Path(source).open("rb") as src:
                        for chunk in iter(lambda: src.read(1 << 20), b""):
                            out.write(chunk)
                            h.update(chunk)
                            size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = h.hexdigest()
            dest = self.blob_path(digest)
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                os.unlink(tmpname)
            else:
                os.chmod(tmpname, 0o440)
                os.replace(tmpname, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmpname)
            raise
        return {"sha256": digest, "size": size, "path": str(dest.relative_to(self.dir))}

    # -- reading ----------------------------------------------------------------------------
    @staticmethod
    def _row_to_record(row: sqlite3.Row) -> Record:
        data = json.loads(row["body"])
        return Record(**data, prev_hash=row["prev_hash"], hash=row["hash"])

    def count(self) -> int:
        """Return how many records the store holds."""
        return int(self._db.execute("SELECT count(*) FROM records").fetchone()[0])

    def get_record(self, key: str | int) -> Record:
        """Given a seq number, a record id or a unique record-id prefix, return the record.

        Raise :class:`RecordStoreError` when nothing (or more than one record) matches.
        """
        text = str(key)
        if text.isdigit():
            row = self._db.execute("SELECT * FROM records WHERE seq = ?", (int(text),)).fetchone()
            rows = [row] if row else []
        else:
            rows = self._db.execute(
                "SELECT * FROM records WHERE record_id LIKE ? ORDER BY seq LIMIT 2", (text + "%",)
            ).fetchall()
        if not rows:
            raise RecordStoreError(
                f"no record '{text}' (use a seq number or record id from 'sop records list')"
            )
        if len(rows) > 1:
            raise RecordStoreError(f"record id prefix '{text}' is ambiguous; give more characters")
        return self._row_to_record(rows[0])

    def list_records(
        self,
        *,
        activity_id: str | None = None,
        run_id: str | None = None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        include_check: bool = True,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> list[Record]:
        """Return records filtered by activity, run, status and start time (``since`` inclusive,
        ``until`` exclusive, store ISO form), oldest first unless ``newest_first``."""
        return list(
            self.iter_records(
                activity_id=activity_id,
                run_id=run_id,
                status=status,
                since=since,
                until=until,
                include_check=include_check,
                limit=limit,
                newest_first=newest_first,
            )
        )

    def iter_records(
        self,
        *,
        activity_id: str | None = None,
        run_id: str | None = None,
        status: str | None = None,
        since: str | None = None,
        until: str | None = None,
        include_check: bool = True,
        limit: int | None = None,
        newest_first: bool = False,
    ) -> Iterator[Record]:
        """Like :meth:`list_records` but yield records one by one (for exports of big stores)."""
        where, args = [], []
        for col, val in (("activity_id", activity_id), ("run_id", run_id), ("status", status)):
            if val is not None:
                where.append(f"{col} = ?")
                args.append(val)
        if since:
            where.append("started_at >= ?")
            args.append(since)
        if until:
            where.append("started_at < ?")
            args.append(until)
        if not include_check:
            where.append("check_mode = 0")
        sql = "SELECT * FROM records"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq DESC" if newest_first else " ORDER BY seq"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        for row in self._db.execute(sql, args):
            yield self._row_to_record(row)

    def iter_runs_desc(self, activity_id: str, *, until: str | None = None) -> Iterator[Record]:
        """Yield the records of one activity that may count as carried out (not check mode, not
        interrupted) started at or before ``until`` (store ISO form), newest start first."""
        sql = "SELECT * FROM records WHERE activity_id = ? AND check_mode = 0 AND status != 'interrupted'"
        args: list[Any] = [activity_id]
        if until:
            sql += " AND started_at <= ?"
            args.append(until)
        sql += " ORDER BY started_at DESC, seq DESC"
        for row in self._db.execute(sql, args):
            yield self._row_to_record(row)

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

    # -- verification -----------------------------------------------------------------------
    def verify(self) -> VerifyResult:
        """Recompute the hash chain from the first record; return the first problem found.

        Detects a record whose content or indexed columns were altered (hash mismatch), a
        record removed from the middle (gap in seq), reordered records (prev_hash does not
        match the previous record), and records removed from the end (chain head mismatch).
        """
        prev_hash = GENESIS_HASH
        expected = 1
        n = 0
        cur = self._db.execute(
            "SELECT seq, record_id, run_id, activity_id, started_at, status, via, check_mode, body, "
            "prev_hash, hash FROM records ORDER BY seq"
        )
        cur.row_factory = None
        for seq, rid, run, act, started, status, via, chk, body, stored_prev, stored_hash in cur:
            n += 1
            label = f"record #{seq} ({act}, {started}, id {rid[:8]})"
            if seq != expected:
                return VerifyResult(
                    False,
                    n,
                    prev_hash,
                    expected,
                    f"record #{expected} is missing (removed): "
                    f"the chain jumps from #{expected - 1} to #{seq}",
                )
            if stored_prev != prev_hash:
                return VerifyResult(
                    False,
                    n,
                    prev_hash,
                    seq,
                    f"{label} is out of place (reordered or a predecessor removed): "
                    f"its previous-hash does not match record #{seq - 1}",
                )
            digest = _chain_hash(prev_hash, seq, (rid, run, act, started, status, via, chk), body)
            if digest != stored_hash:
                return VerifyResult(
                    False, n, prev_hash, seq, f"{label} was altered: its content does not match its hash"
                )
            prev_hash = stored_hash
            expected += 1
        head = self._db.execute("SELECT last_seq, last_hash FROM chain_head WHERE id = 1").fetchone()
        head_seq, head_hash = (head[0], head[1]) if head else (0, GENESIS_HASH)
        if head_seq != expected - 1 or head_hash != prev_hash:
            return VerifyResult(
                False,
                n,
                prev_hash,
                expected,
                f"record #{expected} and later are missing (removed): the chain head says "
                f"#{head_seq} but the last record is #{expected - 1}",
            )
        derived = self._derived_problem()
        if derived:
            return VerifyResult(False, n, prev_hash, None, derived)
        return VerifyResult(True, n, prev_hash)

    # -- runs in progress -------------------------------------------------------------------
    def _lock_path(self, run_id: str) -> Path:
        return self.dir / "runs" / f"{run_id}.lock"

    def begin_run(
        self,
        run_id: str,
        *,
        via: str,
        trigger: str,
        operator: str,
        activities: list[str],
        playbook: str,
        inventory: str,
        check_mode: bool,
    ) -> int:
        """Register a run in progress and hold its liveness lock; return the lock's file descriptor.

        The lock (a shared ``flock`` on ``runs/<run_id>.lock``) is released by the kernel when
        every process holding it ends, including by ``kill -9``; :meth:`recover_interrupted`
        uses that to find runs that died. Registering an already registered run (the callback
        inside a ``sop run``) only adds this process as a holder and merges activities.
        """
        lock = self._lock_path(run_id)
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_SH)
        with self._tx() as db:
            row = db.execute("SELECT activities FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row:
                merged = sorted(set(json.loads(row[0])) | set(activities))
                db.execute("UPDATE runs SET activities = ? WHERE run_id = ?", (json.dumps(merged), run_id))
            else:
                db.execute(
                    "INSERT INTO runs(run_id, started_at, pid, hostname, via, trigger, operator, activities, "
                    "playbook, inventory, check_mode, state) VALUES (?,?,?,?,?,?,?,?,?,?,?, 'running')",
                    (
                        run_id,
                        iso(utcnow()),
                        os.getpid(),
                        socket.gethostname(),
                        via,
                        trigger,
                        operator,
                        json.dumps(sorted(set(activities))),
                        playbook,
                        inventory,
                        int(check_mode),
                    ),
                )
        return fd

    def add_run_activities(self, run_id: str, activities: list[str]) -> None:
        """Add activities seen so far to a registered run (so an interruption names them)."""
        with self._tx() as db:
            row = db.execute("SELECT activities FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row:
                merged = sorted(set(json.loads(row[0])) | set(activities))
                db.execute("UPDATE runs SET activities = ? WHERE run_id = ?", (json.dumps(merged), run_id))

    def end_run(
        self, run_id: str, *, lock_fd: int | None = None, artifacts: dict[str, Any] | None = None
    ) -> None:
        """Mark a run finished (its records are written), attach the kept artifacts, release lock."""
        with self._tx() as db:
            db.execute(
                "UPDATE runs SET state = 'finished', ended_at = ?, artifacts = coalesce(?, artifacts) "
                "WHERE run_id = ?",
                (iso(utcnow()), json.dumps(artifacts) if artifacts else None, run_id),
            )
        if lock_fd is not None:
            os.close(lock_fd)

    def set_run_artifacts(self, run_id: str, artifacts: dict[str, Any]) -> None:
        """Attach the kept raw artifacts (blob reference) to a run without changing its state."""
        with self._tx() as db:
            db.execute("UPDATE runs SET artifacts = ? WHERE run_id = ?", (json.dumps(artifacts), run_id))

    def get_run(self, run_id: str) -> RunInfo | None:
        """Return the bookkeeping row of a run, or None."""
        row = self._db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if not row:
            return None
        d = dict(row)
        d["activities"] = json.loads(d["activities"])
        d["check_mode"] = bool(d["check_mode"])
        d["artifacts"] = json.loads(d["artifacts"]) if d["artifacts"] else {}
        return RunInfo(**d)

    def recover_interrupted(self) -> list[Record]:
        """Find runs still marked running whose processes are all gone (killed, crashed, power
        loss) and append an *interrupted* record for each activity they had started. Return the
        records written."""
        written: list[Record] = []
        here = socket.gethostname()
        rows = self._db.execute("SELECT run_id FROM runs WHERE state = 'running' AND hostname = ?", (here,))
        for (run_id,) in rows.fetchall():
            lock = self._lock_path(run_id)
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # still alive
                written.extend(self.interrupt_run(run_id))
            finally:
                os.close(fd)
            with contextlib.suppress(FileNotFoundError):
                lock.unlink()
        return written

    def interrupt_run(self, run_id: str, note: str = "") -> list[Record]:
        """Mark a registered run interrupted and append an *interrupted* record for each of its
        activities that has no record yet. Return the records written (none when the run is not
        marked running or never started an activity)."""
        with self._tx() as db:
            row = db.execute(
                "SELECT * FROM runs WHERE run_id = ? AND state = 'running'", (run_id,)
            ).fetchone()
            if not row:
                return []
            db.execute(
                "UPDATE runs SET state = 'interrupted', ended_at = ? WHERE run_id = ?",
                (iso(utcnow()), run_id),
            )
        done = {r.activity_id for r in self.iter_records(run_id=run_id)}
        # a run that never started an SOP activity did no SOP work: nothing to record
        acts = [a for a in json.loads(row["activities"]) if a not in done]
        written = []
        for act in acts:
            written.append(
                self.append_record(
                    {
                        "run_id": run_id,
                        "activity_id": act,
                        "via": "recovery",
                        "trigger": row["trigger"],
                        "operator": row["operator"],
                        "started_at": row["started_at"],
                        "ended_at": row["started_at"],
                        "status": "interrupted",
                        "check_mode": bool(row["check_mode"]),
                        "inventory": row["inventory"],
                        "playbook": row["playbook"],
                        "note": note
                        or f"run {run_id} (pid {row['pid']}, {row['via']}) ended without writing its "
                        "records; marked interrupted by the next start",
                    }
                )
            )
        return written

    # -- export -----------------------------------------------------------------------------
    def export_jsonl(self, dest: Path, **filters: Any) -> int:
        """Write the records (filters as :meth:`iter_records`) as JSON lines to ``dest`` via a
        temporary file renamed when complete; return how many were written."""
        dest = Path(dest)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
        n = 0
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                for rec in self.iter_records(**filters):
                    out.write(canonical_json(rec.to_dict()) + "\n")
                    n += 1
            os.replace(tmp, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise
        return n


def _guard_sqlite(method: Any) -> Any:
    """Wrap a RecordStore method so an SQLite error becomes a one-line RecordStoreError naming
    the store (a damaged page found while reading, a read-only file while writing)."""
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def gen(self: RecordStore, *args: Any, **kwargs: Any) -> Any:
            try:
                yield from method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise self._problem(exc) from None

        return gen

    @functools.wraps(method)
    def call(self: RecordStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise self._problem(exc) from None

    return call


for _name in (
    "append_record",
    "add_manual",
    "count",
    "get_record",
    "iter_records",
    "iter_runs_desc",
    "last_host_runs",
    "list_incidents",
    "verify",
    "begin_run",
    "add_run_activities",
    "end_run",
    "set_run_artifacts",
    "get_run",
    "recover_interrupted",
    "interrupt_run",
    "export_jsonl",
):
    setattr(RecordStore, _name, _guard_sqlite(getattr(RecordStore, _name)))


def copy_store(src: Path, dest: Path) -> None:
    """Copy a store's database consistently (SQLite online backup) -- for tests and exports."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src) as s, sqlite3.connect(dest) as d:
        s.backup(d)
    blobs = src.parent / "blobs"
    if blobs.exists():
        shutil.copytree(blobs, dest.parent / "blobs", dirs_exist_ok=True)
