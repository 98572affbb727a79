"""What an insider with root on the court server does to the record store (used by the witness
unit tests and the lab tests against courtlab-central): rewrite one record and recompute the
whole chain, or delete the newest records; either way the saved Merkle tree is cleared, so the
court's own tooling signs the new history without complaint."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sop_runner.records import GENESIS_HASH, RecordStore, _chain_hash


def _clear_saved_tree(store_path: Path) -> None:
    for name in ("leaves.bin", "tree.json"):
        (store_path.parent / "evidence" / name).unlink(missing_ok=True)


def rewrite_record(store_path: Path, seq: int, *, clear_tree: bool = True) -> None:
    """Turn record ``seq`` into a success (column and body) and recompute every hash after it
    (``clear_tree=False``: a careless insider who leaves the saved Merkle tree as it was)."""
    db = sqlite3.connect(store_path)
    db.execute(
        "UPDATE records SET status = 'successful', "
        "body = replace(body, '\"failed\"', '\"successful\"') WHERE seq = ?",
        (seq,),
    )
    prev = GENESIS_HASH
    for s, rid, run, act, started, status, via, chk, body in db.execute(
        "SELECT seq, record_id, run_id, activity_id, started_at, status, via, check_mode, body FROM records "
        "ORDER BY seq"
    ).fetchall():
        digest = _chain_hash(prev, s, (rid, run, act, started, status, via, chk), body)
        db.execute("UPDATE records SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, s))
        prev = digest
    db.execute("UPDATE chain_head SET last_hash = ?", (prev,))
    db.commit()
    db.close()
    if clear_tree:
        _clear_saved_tree(store_path)


def delete_newest(store_path: Path, keep: int) -> None:
    """Delete every record after #``keep`` and move the chain head back to it."""
    db = sqlite3.connect(store_path)
    db.execute("DELETE FROM records WHERE seq > ?", (keep,))
    db.execute(
        "UPDATE chain_head SET last_seq = ?, last_hash = (SELECT hash FROM records WHERE seq = ?)",
        (keep, keep),
    )
    db.commit()
    db.close()
    _clear_saved_tree(store_path)


def add_records(store: RecordStore, n: int) -> None:
    """Append ``n`` SIPP-2 records to ``store``; the fourth record of the store is a failure."""
    for _ in range(n):
        i = store.count()
        store.append_record(
            {
                "activity_id": "SIPP-2",
                "started_at": f"2026-11-{1 + i % 28:02d}T01:00:00Z",
                "ended_at": f"2026-11-{1 + i % 28:02d}T01:05:00Z",
                "status": "failed" if i == 3 else "successful",
            }
        )
