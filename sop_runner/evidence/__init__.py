"""Evidence that survives its keeper: a Merkle log over the record store, signed checkpoints,
inclusion and consistency proofs, cosignatures (see docs/EVIDENCE.md).

- :mod:`~sop_runner.evidence.merkle` -- RFC 6962/9162 tree hashing and proofs;
- :mod:`~sop_runner.evidence.note` -- C2SP signed notes, Ed25519 keys, cosignatures;
- :mod:`~sop_runner.evidence.checkpoint` -- C2SP tlog-checkpoint;
- :mod:`~sop_runner.evidence.keys` -- the court key beside the record store;
- :mod:`~sop_runner.evidence.log` -- the store's records as a Merkle log: checkpoint, prove,
  verify against an older checkpoint;
- :mod:`~sop_runner.evidence.cli` -- ``sop keys …`` and ``sop records checkpoint/prove``.
"""


class EvidenceError(Exception):
    """An evidence problem the user can act on (one line)."""
