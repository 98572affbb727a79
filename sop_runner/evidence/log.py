"""The record store as a Merkle log: checkpoints, inclusion proofs, verification.

Leaf ``i`` of the tree is record ``#i+1``: its leaf input is the 32 bytes of the record's
chain hash (which covers the record's content and, through ``prev_hash``, every record
before it). ``<store dir>/evidence/`` keeps

- ``leaves.bin`` -- the leaf hashes, 32 bytes each, only ever appended;
- ``tree.json`` -- the compact range (at most log2(n) subtree roots) of those leaves, so a
  new checkpoint hashes only the records added since the last one;
- ``latest.checkpoint`` -- the newest signed checkpoint.

None of these files is trusted when verifying: :func:`verify_against` recomputes everything
from the records and uses ``leaves.bin`` only to *name* the first differing record, and only
after checking that its prefix hashes to the checkpoint's signed root.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sop_runner import private
from sop_runner.evidence import EvidenceError
from sop_runner.evidence.checkpoint import Checkpoint, sign_checkpoint
from sop_runner.evidence.merkle import (
    CompactRange,
    ProofError,
    inclusion_proof,
    leaf_hash,
    root_of,
    verify_inclusion,
)
from sop_runner.evidence.note import Note, Signer
from sop_runner.records import RecordStore, RecordStoreError

LEAVES = "leaves.bin"
TREE = "tree.json"
LATEST = "latest.checkpoint"


def evidence_dir(store: RecordStore) -> Path:
    """Return the evidence directory beside the store."""
    return store.dir / "evidence"


def record_leaf(record_hash: str) -> bytes:
    """Return the leaf hash of a record with this chain hash (hex)."""
    return leaf_hash(bytes.fromhex(record_hash))


def _store_leaves(store: RecordStore, *, after: int = 0, upto: int | None = None) -> Iterator[bytes]:
    expected = after + 1
    for seq, digest in store.iter_hashes(after=after, upto=upto):
        if seq != expected:
            raise EvidenceError(
                f"record #{expected} is missing (the store jumps to #{seq}); run 'sop records verify'"
            )
        expected += 1
        yield leaf_hash(bytes.fromhex(digest))


class _LeafFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def size(self) -> int:
        try:
            return self.path.stat().st_size // 32
        except FileNotFoundError:
            return 0

    def read(self, start: int, count: int) -> list[bytes]:
        with self.path.open("rb") as fh:
            fh.seek(start * 32)
            data = fh.read(count * 32)
        return [data[i : i + 32] for i in range(0, len(data) - len(data) % 32, 32)]

    def append(self, start: int, leaves: list[bytes]) -> None:
        private.make_dir(self.path.parent)
        with os.fdopen(private.open_fd(self.path, os.O_WRONLY | os.O_APPEND), "ab") as fh:
            fh.truncate(start * 32)
            fh.write(b"".join(leaves))
            fh.flush()
            os.fsync(fh.fileno())


def _load_range(evdir: Path, size: int, leaves: _LeafFile) -> CompactRange:
    try:
        data = json.loads((evdir / TREE).read_text(encoding="utf-8"))
        if data["size"] == size:
            return CompactRange(size, [bytes.fromhex(h) for h in data["hashes"]])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    rng = CompactRange()
    if size:
        rng.extend(leaves.read(0, size))
    return rng


def _save_range(evdir: Path, rng: CompactRange) -> None:
    private.write_atomic(
        evdir / TREE, json.dumps({"size": rng.size, "hashes": [h.hex() for h in rng.hashes]})
    )


@contextlib.contextmanager
def _tree_lock(store: RecordStore) -> Iterator[Path]:
    """Hold the evidence directory's lock: two ticks (or a tick and a push) extend the saved
    tree and replace the latest checkpoint one after the other; yield the directory."""
    evdir = evidence_dir(store)
    try:
        private.make_dir(evdir)
        lock = os.fdopen(private.open_fd(evdir / ".lock", os.O_WRONLY | os.O_APPEND), "a")
    except OSError as exc:
        raise EvidenceError(f"evidence directory {evdir}: {exc.strerror}") from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield evdir


def current_tree(store: RecordStore) -> CompactRange:
    """Bring the saved tree up to the store's newest record and return its compact range.

    Raise :class:`EvidenceError` when the store no longer holds the record the saved tree ends
    with (history below it was rewritten or cut): a checkpoint is never signed over that.
    """
    with _tree_lock(store) as evdir:
        return _extend_saved_tree(store, evdir)


def _extend_saved_tree(store: RecordStore, evdir: Path) -> CompactRange:
    leaves = _LeafFile(evdir / LEAVES)
    have = leaves.size()
    if have:
        last = list(store.iter_hashes(after=have - 1, upto=have))
        if not last or record_leaf(last[0][1]) != leaves.read(have - 1, 1)[0]:
            raise EvidenceError(
                f"the store no longer holds record #{have} as it was when last checkpointed "
                "(records rewritten or removed); run 'sop records verify --checkpoint FILE'"
            )
    rng = _load_range(evdir, have, leaves)
    new = list(_store_leaves(store, after=have))
    if new:
        leaves.append(have, new)
        rng.extend(new)
        _save_range(evdir, rng)
    return rng


def write_checkpoint(store: RecordStore, signer: Signer) -> tuple[Checkpoint, Note]:
    """Sign a checkpoint over every record in the store, save it as the latest, return it."""
    with _tree_lock(store) as evdir:  # the latest checkpoint never goes back to a smaller tree
        rng = _extend_saved_tree(store, evdir)
        cp = Checkpoint(signer.name, rng.size, rng.root())
        note = sign_checkpoint(cp, signer)
        private.write_atomic(evdir / LATEST, note.render())
    return cp, note


def read_latest(store: RecordStore) -> str:
    """Return the text of the latest checkpoint written for this store."""
    try:
        return (evidence_dir(store) / LATEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise EvidenceError("no checkpoint written yet (run 'sop records checkpoint')") from None


@dataclass(frozen=True)
class InclusionProof:
    """Record ``seq`` (leaf ``seq - 1``) in the tree of ``size`` records, with its audit path."""

    seq: int
    size: int
    record_hash: str
    path: list[bytes] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "leaf_index": self.seq - 1,
            "tree_size": self.size,
            "record_hash": self.record_hash,
            "leaf_hash": record_leaf(self.record_hash).hex(),
            "proof": [base64.b64encode(p).decode() for p in self.path],
        }

    def check(self, cp: Checkpoint) -> None:
        """Raise :class:`EvidenceError` unless this proof leads to the checkpoint's root."""
        if cp.size != self.size:
            raise EvidenceError(
                f"the proof is for a tree of {self.size} records, the checkpoint has {cp.size}"
            )
        try:
            verify_inclusion(self.seq - 1, self.size, record_leaf(self.record_hash), self.path, cp.root)
        except ProofError as exc:
            raise EvidenceError(f"record #{self.seq}: {exc}") from None


def prove(store: RecordStore, seq: int, cp: Checkpoint) -> InclusionProof:
    """Return the inclusion proof of record ``seq`` in the tree of checkpoint ``cp``, checked
    against its root; raise :class:`EvidenceError` when the store cannot prove it."""
    if not 1 <= seq <= cp.size:
        raise EvidenceError(f"record #{seq} is not covered by the checkpoint (records #1 to #{cp.size})")
    current_tree(store)
    leaves = _LeafFile(evidence_dir(store) / LEAVES).read(0, cp.size)
    if len(leaves) < cp.size:
        raise EvidenceError(f"the store holds fewer records than the checkpoint covers ({cp.size})")
    rec = store.get_record(seq)
    proof = InclusionProof(seq, cp.size, rec.hash, inclusion_proof(seq - 1, leaves))
    proof.check(cp)
    return proof


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking a store against a checkpoint."""

    ok: bool
    count: int
    size: int
    problem: str = ""
    first_bad: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "checkpoint_size": self.size,
            "problem": self.problem,
            "first_bad_seq": self.first_bad,
        }


#: From this checkpoint size on, the tree is hashed in a second process beside the chain check.
PARALLEL_FROM = 50_000


def _prefix_root(store: RecordStore | str, size: int) -> tuple[bytes | None, int]:
    """Return the root over the first ``size`` records (fewer when the store has fewer) and how
    many were hashed; ``(None, 0)`` when the records are not numbered 1, 2, 3, …"""
    own = isinstance(store, str)
    st = RecordStore(store, readonly=True) if isinstance(store, str) else store
    try:
        rng = CompactRange()
        rng.extend(_store_leaves(st, upto=size))
        return rng.root(), rng.size
    except EvidenceError:
        return None, 0
    finally:
        if own:
            st.close()


def _label(store: RecordStore, seq: int) -> str:
    try:
        rec = store.get_record(seq)
    except RecordStoreError:
        return f"record #{seq}"
    return f"record #{seq} ({rec.activity_id}, {rec.started_at}, id {rec.record_id[:8]})"


def verify_against(
    store: RecordStore, cp: Checkpoint, elsewhere: Callable[[int], list[bytes] | None] | None = None
) -> Verdict:
    """Check the store against an older checkpoint: the chain must be intact and its first
    ``cp.size`` records must hash to ``cp.root``. On a mismatch name the first differing
    record, comparing with the leaf hashes saved beside the store or, when those were rewritten
    too, with those ``elsewhere(size)`` returns (the witness's copy); either is used only when
    it hashes to the checkpoint's signed root."""
    if cp.size >= PARALLEL_FROM:  # the tree in a second process while this one checks the chain
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            tree = pool.submit(_prefix_root, str(store.path), cp.size)
            chain = store.verify()
            root, k = tree.result()
    else:
        chain = store.verify()
        root, k = _prefix_root(store, cp.size)
    if not chain.ok and chain.first_bad_seq is not None:
        return Verdict(False, chain.count, cp.size, chain.problem, chain.first_bad_seq)
    # the chain links hold (or only derived state disagrees): the checkpoint names the record
    n = chain.count
    if n >= cp.size and k == cp.size and root == cp.root:
        return Verdict(True, n, cp.size) if chain.ok else Verdict(False, n, cp.size, chain.problem)
    saved = _LeafFile(evidence_dir(store) / LEAVES)
    old = saved.read(0, cp.size) if saved.size() >= cp.size else []
    if (len(old) != cp.size or root_of(old) != cp.root) and elsewhere is not None:
        old = elsewhere(cp.size) or []
    if len(old) == cp.size and root_of(old) == cp.root:
        for i, leaf in enumerate(_store_leaves(store, upto=k)):
            if leaf != old[i]:
                return Verdict(
                    False,
                    n,
                    cp.size,
                    f"{_label(store, i + 1)} is not the record the checkpoint covers "
                    "(altered, removed or reordered, and the chain recomputed from there)",
                    i + 1,
                )
    if n < cp.size:
        return Verdict(
            False,
            n,
            cp.size,
            f"record #{n + 1} and later are missing: the checkpoint covers {cp.size} records, "
            f"the store ends at #{n} (newest records removed)",
            n + 1,
        )
    return Verdict(
        False,
        n,
        cp.size,
        f"the first {cp.size} records do not match the checkpoint (history rewritten); the saved "
        "tree does not match it either, so the first changed record cannot be named here",
    )
