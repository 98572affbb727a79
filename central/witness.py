"""The witness's decisions, on one psycopg connection (one transaction per push).

A push carries the court's signed checkpoint, the size the court believes was witnessed last,
an RFC 9162 consistency proof from that size, and the leaves in between (each record's chain
hash, and the record itself when the court's privacy level is ``records``). The witness

1. checks the signature with the court's registered key and the origin;
2. answers a checkpoint it already cosigned with the same cosignature (a resend changes
   nothing);
3. checks the consistency proof from the last witnessed checkpoint *and* that the leaves sent
   extend its stored tree to exactly the new root;
4. on any mismatch keeps the refused checkpoint and a ``high`` finding, and raises the alarm;
5. otherwise stores the leaves and the cosigned checkpoint and returns the cosignature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from sop_runner.evidence.checkpoint import cosign, open_checkpoint
from sop_runner.evidence.merkle import CompactRange, ProofError, leaf_hash, verify_consistency
from sop_runner.evidence.note import NoteError, Signer, Verifier, parse_note


class WitnessError(Exception):
    """A push the witness does not accept: ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, code: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.extra = extra or {}


@dataclass(frozen=True)
class Court:
    court_id: str
    origin: str
    verifier: Verifier
    privacy: str


@dataclass
class Push:
    """One push as received (already parsed from JSON)."""

    checkpoint: str
    old_size: int
    consistency: list[bytes] = field(default_factory=list)
    leaves: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Any) -> Push:
        """Parse the request body; raise :class:`WitnessError` (400) on a malformed one."""
        try:
            if not isinstance(data, dict):
                raise TypeError("expected an object")
            push = cls(
                checkpoint=str(data["checkpoint"]),
                old_size=int(data["old_size"]),
                consistency=[base64.b64decode(p, validate=True) for p in data.get("consistency", [])],
                leaves=list(data.get("leaves", [])),
            )
            for leaf in push.leaves:
                if not isinstance(leaf, dict) or not isinstance(leaf.get("seq"), int):
                    raise TypeError("each leaf needs an integer seq")
                if len(bytes.fromhex(leaf["hash"])) != 32:
                    raise ValueError("each leaf hash is 32 bytes of hex")
                record = leaf.get("record")
                if record is not None and (
                    not isinstance(record, dict)
                    or record.get("seq") != leaf["seq"]
                    or record.get("hash") != leaf["hash"]
                ):
                    raise ValueError(f"record #{leaf['seq']} does not carry that seq and hash")
        except (KeyError, TypeError, ValueError, binascii.Error) as exc:
            raise WitnessError(400, "malformed", f"malformed push: {exc}") from None
        return push


def token_digest(token: str) -> str:
    """Return how a court token is stored (its SHA-256, hex)."""
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(conn: psycopg.Connection[Any], token: str) -> Court:
    """Return the court whose token this is; raise :class:`WitnessError` (401) otherwise."""
    digest = token_digest(token)
    row = conn.execute(
        "SELECT court_id, origin, vkey, privacy, token_sha256 FROM courts WHERE token_sha256 = %s", (digest,)
    ).fetchone()
    if row is None or not hmac.compare_digest(row[4], digest):
        raise WitnessError(401, "unauthenticated", "unknown court token")
    return Court(row[0], row[1], Verifier.parse(row[2]), row[3])


def _finding(conn: psycopg.Connection[Any], court: Court, code: str, message: str) -> None:
    conn.execute(
        "INSERT INTO findings (court_id, severity, code, message) VALUES (%s, 'high', %s, %s)",
        (court.court_id, code, message),
    )


Alarm = Callable[[str, str], None]


def _refuse(
    conn: psycopg.Connection[Any], court: Court, note: str, code: str, reason: str, alarm: Alarm | None
) -> WitnessError:
    conn.execute(
        "INSERT INTO refused (court_id, note, reason) VALUES (%s, %s, %s)", (court.court_id, note, reason)
    )
    _finding(conn, court, code, f"{court.court_id}: {reason}")
    conn.commit()  # the evidence stays even though the push fails
    if alarm:
        alarm(f"Witness refused a checkpoint of {court.court_id}", reason)
    return WitnessError(409, code, reason)


def _last(conn: psycopg.Connection[Any], court: Court) -> tuple[int, bytes, str, list[bytes]] | None:
    row = conn.execute(
        "SELECT size, root, cosigned, compact_range FROM checkpoints WHERE court_id = %s "
        "ORDER BY size DESC LIMIT 1",
        (court.court_id,),
    ).fetchone()
    return (row[0], bytes(row[1]), row[2], [bytes(h) for h in row[3]]) if row else None


def witness(
    conn: psycopg.Connection[Any],
    court: Court,
    push: Push,
    key: Signer,
    *,
    alarm: Alarm | None = None,
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """Check and cosign one push of ``court``; return ``{size, cosigned, cosignature}``.

    Raise :class:`WitnessError`: 422 for a checkpoint not signed by the court, 409 ``stale``
    when the court's idea of the witnessed size is out of date (it resends from the size given),
    409 ``fork``/``mismatch`` when the checkpoint does not extend the witnessed log (kept, with a
    finding and the alarm).
    """
    try:
        cp, note = open_checkpoint(push.checkpoint, court.verifier)
    except NoteError as exc:
        raise WitnessError(422, "signature", f"checkpoint of {court.court_id}: {exc}") from None
    conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (court.court_id,))
    done = conn.execute(
        "SELECT root, cosigned FROM checkpoints WHERE court_id = %s AND size = %s", (court.court_id, cp.size)
    ).fetchone()
    if done is not None:
        if bytes(done[0]) == cp.root:
            conn.rollback()
            return {
                "size": cp.size,
                "cosigned": done[1],
                "cosignature": parse_note(done[1]).signatures[-1].line,
            }
        raise _refuse(
            conn,
            court,
            push.checkpoint,
            "fork",
            f"a second root for tree size {cp.size}: the court's log was rewritten (fork)",
            alarm,
        )
    last = _last(conn, court)
    last_size, last_root, _, last_range = last if last else (0, CompactRange().root(), "", [])
    if cp.size < last_size:
        stored = conn.execute(
            "SELECT record_hash FROM leaves WHERE court_id = %s AND seq <= %s ORDER BY seq",
            (court.court_id, cp.size),
        ).fetchall()
        prefix = CompactRange()
        prefix.extend(leaf_hash(bytes(r[0])) for r in stored)
        if prefix.root() == cp.root:
            conn.rollback()
            raise WitnessError(
                409,
                "stale",
                f"size {cp.size} is older than the witnessed {last_size}",
                {"witnessed_size": last_size},
            )
        raise _refuse(
            conn,
            court,
            push.checkpoint,
            "fork",
            f"tree size {cp.size} is smaller than the witnessed {last_size}",
            alarm,
        )
    if push.old_size != last_size:
        conn.rollback()
        raise WitnessError(
            409,
            "stale",
            f"the witness has size {last_size}, the push starts at {push.old_size}: resend from {last_size}",
            {"witnessed_size": last_size},
        )
    try:
        verify_consistency(last_size, cp.size, last_root, cp.root, push.consistency)
    except ProofError as exc:
        raise _refuse(
            conn,
            court,
            push.checkpoint,
            "fork",
            f"checkpoint size {cp.size} does not extend the witnessed size {last_size}: {exc}",
            alarm,
        ) from None
    seqs = [leaf["seq"] for leaf in push.leaves]
    if seqs != list(range(last_size + 1, cp.size + 1)):
        conn.rollback()
        raise WitnessError(
            400, "leaves", f"the push must carry records #{last_size + 1} to #{cp.size} in order"
        )
    rng = CompactRange(last_size, last_range)
    rng.extend(leaf_hash(bytes.fromhex(leaf["hash"])) for leaf in push.leaves)
    if rng.root() != cp.root:
        raise _refuse(
            conn,
            court,
            push.checkpoint,
            "mismatch",
            f"the records sent do not hash to the checkpoint of size {cp.size}",
            alarm,
        )
    keep = court.privacy == "records"
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO leaves (court_id, seq, record_hash, record) VALUES (%s, %s, %s, %s)",
            [
                (
                    court.court_id,
                    leaf["seq"],
                    bytes.fromhex(leaf["hash"]),
                    json.dumps(leaf["record"]) if keep and leaf.get("record") is not None else None,
                )
                for leaf in push.leaves
            ],
        )
    sig = cosign(note, key, int(now()))
    cosigned = note.with_signature(sig).render()
    conn.execute(
        "INSERT INTO checkpoints (court_id, size, root, note, cosigned, compact_range) "
        "VALUES (%s, %s, %s, %s, %s, %s)",
        (court.court_id, cp.size, cp.root, push.checkpoint, cosigned, rng.hashes),
    )
    conn.commit()
    return {"size": cp.size, "cosigned": cosigned, "cosignature": sig.line}


def witnessed(conn: psycopg.Connection[Any], court: Court) -> dict[str, Any]:
    """Return the court's last witnessed checkpoint (size 0 and no note when none)."""
    last = _last(conn, court)
    conn.rollback()
    if last is None:
        return {"size": 0, "cosigned": None}
    return {"size": last[0], "cosigned": last[2]}


MAX_PAGE = 10_000


def leaf_page(conn: psycopg.Connection[Any], court: Court, start: int, end: int) -> dict[str, Any]:
    """Return the record hashes #start..#end (inclusive, at most :data:`MAX_PAGE`) the witness
    holds for ``court``: what the court compares its store with after a refused fork."""
    if start < 1 or end < start:
        raise WitnessError(400, "range", f"records #{start} to #{end}: give 1 <= start <= end")
    end = min(end, start + MAX_PAGE - 1)
    rows = conn.execute(
        "SELECT seq, record_hash FROM leaves WHERE court_id = %s AND seq BETWEEN %s AND %s ORDER BY seq",
        (court.court_id, start, end),
    ).fetchall()
    conn.rollback()
    return {"start": start, "hashes": [bytes(r[1]).hex() for r in rows]}


__all__ = [
    "Court",
    "Push",
    "WitnessError",
    "authenticate",
    "leaf_page",
    "token_digest",
    "witness",
    "witnessed",
]
