"""The hash chain: records appended, read back and verified.

Every record holds the hash of the previous one (:func:`_chain_hash` over the previous hash, the
sequence number, the indexed columns and the canonical JSON body); :meth:`ChainMixin.verify`
names the first record altered, removed or reordered, and the first derived row edited.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sop_runner.store.base import RecordStoreError, StoreBase, canonical_json, iso, parse_iso, utcnow
from sop_runner.store.incidents import DerivedReplay, apply_derived

STATUSES = ("successful", "failed", "partial", "unreachable", "interrupted")
TRIGGERS = ("manual", "schedule", "catch-up")
VIAS = ("sop-run", "ansible-playbook", "awx", "sop-log", "sop-report", "sop-comply", "recovery")
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


class ChainMixin(StoreBase):
    """Appending, reading and verifying the records."""

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
            apply_derived(db, data, seq)
        return Record(**data, prev_hash=prev_hash, hash=digest)

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

    def iter_hashes(self, *, after: int = 0, upto: int | None = None) -> Iterator[tuple[int, str]]:
        """Yield ``(seq, hash)`` of the records with ``after < seq <= upto``, in seq order
        (the leaves of the evidence Merkle tree; see :mod:`sop_runner.evidence`)."""
        sql = "SELECT seq, hash FROM records WHERE seq > ?"
        args: list[int] = [after]
        if upto is not None:
            sql += " AND seq <= ?"
            args.append(upto)
        cur = self._db.execute(sql + " ORDER BY seq", args)
        cur.row_factory = None
        yield from cur

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

    def verify(self) -> VerifyResult:
        """Recompute the hash chain from the first record; return the first problem found.

        Detects a record whose content or indexed columns were altered (hash mismatch), a
        record removed from the middle (gap in seq), reordered records (prev_hash does not
        match the previous record), records removed from the end (chain head mismatch), and a
        row of the derived tables (last run per host, incidents) edited outside the chain.
        """
        prev_hash = GENESIS_HASH
        expected = 1
        n = 0
        cur = self._db.execute(
            "SELECT seq, record_id, run_id, activity_id, started_at, status, via, check_mode, body, "
            "prev_hash, hash FROM records ORDER BY seq"
        )
        cur.row_factory = None
        replay = DerivedReplay()  # the derived tables, rebuilt as the chain is read
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
            replay.add(seq, body)
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
        derived = replay.problem(self._db)
        if derived:
            return VerifyResult(False, n, prev_hash, None, derived)
        return VerifyResult(True, n, prev_hash)

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
