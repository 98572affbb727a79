"""What every part of the record store shares: the schema, the error, times and hashing
helpers, and the connection plumbing (:class:`StoreBase`)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

SCHEMA = """
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


class StoreBase:
    """The connection to the store's SQLite file and the transaction helper the parts share."""

    path: Path
    dir: Path
    readonly: bool
    _db: sqlite3.Connection

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    def __enter__(self) -> Self:
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
