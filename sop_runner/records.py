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

The parts live in :mod:`sop_runner.store` (chain, incidents, runs, blobs); this module
assembles them and is the one to import from.

Times are ISO-8601 strings in UTC with a ``Z`` suffix (``2026-11-21T04:30:00.123456Z``);
they sort lexically. Statuses: :data:`STATUSES`. Verdict against the SOP's Mutu Baku "Waktu":
``memenuhi`` / ``tidak memenuhi`` / ``None`` (no time standard, e.g. "relatif").
"""

from __future__ import annotations

import functools
import inspect
import os
import shutil
import sqlite3
import urllib.parse
from datetime import datetime
from pathlib import Path
from typing import Any

from sop_runner import private
from sop_runner.store.base import (
    SCHEMA,
    RecordStoreError,
    canonical_json,
    iso,
    parse_iso,
    sha256_file,
    utcnow,
)
from sop_runner.store.blobs import BlobsMixin
from sop_runner.store.chain import (
    _INDEXED,
    GENESIS_HASH,
    MEMENUHI,
    RECORD_FIELDS,
    SCHEMA_VERSION,
    SEVERITIES,
    STATUSES,
    TIDAK_MEMENUHI,
    TRIGGERS,
    VIAS,
    Record,
    VerifyResult,
    _chain_hash,
    verdict_for,
)
from sop_runner.store.incidents import Incident, IncidentsMixin
from sop_runner.store.runs import RunInfo, RunsMixin

_SCHEMA = SCHEMA

__all__ = [
    "GENESIS_HASH",
    "MEMENUHI",
    "RECORD_FIELDS",
    "SCHEMA_VERSION",
    "SEVERITIES",
    "STATUSES",
    "TIDAK_MEMENUHI",
    "TRIGGERS",
    "VIAS",
    "_INDEXED",
    "Incident",
    "Record",
    "RecordStore",
    "RecordStoreError",
    "RunInfo",
    "VerifyResult",
    "_chain_hash",
    "canonical_json",
    "copy_store",
    "iso",
    "parse_iso",
    "sha256_file",
    "utcnow",
    "verdict_for",
]


class RecordStore(RunsMixin, IncidentsMixin, BlobsMixin):
    """The maintenance record store at ``path`` (an SQLite file; blobs live beside it).

    Opening creates the directory (0700) and the database file (0600) when missing, then the
    schema; a store left wider by an older version is narrowed to those modes. Writers
    serialise through SQLite's ``BEGIN IMMEDIATE`` so concurrent processes (two ticks, a callback
    and a ``sop log``) append safely; readers never block writers (WAL).
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
                # 0700 / 0600 from creation: its WAL and shared-memory files take the database
                # file's mode (sop_runner.private)
                private.make_dir(self.dir)
                private.create_file(self.path)
                private.tighten(self.dir, private.DIR_MODE)
                private.tighten(self.path, private.FILE_MODE)
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
    private.make_dir(dest.parent)
    private.create_file(dest)
    with sqlite3.connect(src) as s, sqlite3.connect(dest) as d:
        s.backup(d)
    blobs = src.parent / "blobs"
    if blobs.exists():
        shutil.copytree(blobs, dest.parent / "blobs", dirs_exist_ok=True)
