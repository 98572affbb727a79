"""What a court sends the central witness: its checkpoint, a consistency proof from the size
the witness last cosigned, and the records' hashes in between (with the records themselves when
the court's privacy level is ``records``)."""

from __future__ import annotations

import base64
from typing import Any

from sop_runner.evidence import EvidenceError
from sop_runner.evidence.checkpoint import Checkpoint
from sop_runner.evidence.log import LEAVES, _LeafFile, current_tree, evidence_dir
from sop_runner.evidence.merkle import consistency_proof, root_of
from sop_runner.records import RecordStore


def build_push(
    store: RecordStore,
    checkpoint: str,
    cp: Checkpoint,
    old_size: int,
    *,
    with_records: bool = False,
    leaves: list[bytes] | None = None,
) -> dict[str, Any]:
    """Return the push body for checkpoint ``cp`` (its signed text ``checkpoint``) extending the
    witnessed size ``old_size``. ``leaves`` are the store's leaf hashes when the caller has
    them (at least ``cp.size``; they are then trusted to be the checkpoint's). Raise
    :class:`EvidenceError` when the store does not hold the checkpoint's tree."""
    if not 0 <= old_size <= cp.size:
        raise EvidenceError(f"the witness has size {old_size}, beyond the checkpoint's {cp.size}")
    if leaves is None:
        current_tree(store)
        leaves = _LeafFile(evidence_dir(store) / LEAVES).read(0, cp.size)
        if len(leaves) != cp.size or root_of(leaves) != cp.root:
            raise EvidenceError(f"the store does not hold the tree of the checkpoint (size {cp.size})")
    leaves = leaves[: cp.size]
    hashes = dict(store.iter_hashes(after=old_size, upto=cp.size))
    out = []
    for seq in range(old_size + 1, cp.size + 1):
        item: dict[str, Any] = {"seq": seq, "hash": hashes[seq]}
        if with_records:
            item["record"] = store.get_record(seq).to_dict()
        out.append(item)
    return {
        "checkpoint": checkpoint,
        "old_size": old_size,
        "consistency": [base64.b64encode(h).decode() for h in consistency_proof(old_size, leaves)],
        "leaves": out,
    }
