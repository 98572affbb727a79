"""Runs in progress: who is running what, their liveness locks, and the *interrupted* records
written for runs that died (kill -9, power loss) by the next start."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sop_runner import private
from sop_runner.store.base import iso, utcnow
from sop_runner.store.chain import ChainMixin, Record


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


class RunsMixin(ChainMixin):
    """Bookkeeping of runs in progress (mutable, not evidence)."""

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
        private.make_dir(lock.parent)
        fd = private.open_fd(lock, os.O_RDWR)
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

    @contextlib.contextmanager
    def recorded_run(
        self,
        run_id: str,
        *,
        via: str,
        trigger: str,
        operator: str,
        activities: list[str],
        playbook: str,
        inventory: str,
        check_mode: bool = False,
    ) -> Iterator[None]:
        """The lifecycle of a run whose records ``sop`` writes itself (``sop comply``): register it
        (liveness lock) before the work, mark it finished after the body appended its records;
        when the body raises, the run is marked interrupted (an *interrupted* record for each
        activity without one) and the error goes on. A kill -9 inside is found by
        :meth:`recover_interrupted` as for playbook runs."""
        fd = self.begin_run(
            run_id,
            via=via,
            trigger=trigger,
            operator=operator,
            activities=activities,
            playbook=playbook,
            inventory=inventory,
            check_mode=check_mode,
        )
        try:
            yield
        except BaseException as exc:
            self.interrupt_run(run_id, note=f"{playbook} stopped before writing its records: {exc!r}"[:300])
            os.close(fd)
            raise
        self.end_run(run_id, lock_fd=fd)

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
            fd = private.open_fd(lock, os.O_RDWR)
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
