"""Checkpoints (C2SP tlog-checkpoint): the signed statement "this log has N entries and root R".

The note text is three lines and optional extension lines::

    <origin>
    <tree size, decimal>
    <base64 root hash>

signed by the log's key (here: the court key). A witness adds a tlog-cosignature line to the
same note. :func:`open_checkpoint` checks the log signature and returns the parsed checkpoint.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from sop_runner.evidence.note import (
    ALG_COSIGNATURE_V1,
    Note,
    NoteError,
    Signature,
    Signer,
    Verifier,
    parse_note,
    sign_note,
)


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: origin (names the log), size, root hash, extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """Return the checkpoint's note text (what is signed)."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint note text; raise :class:`NoteError` when it is not one."""
        lines = text.split("\n")
        if len(lines) < 4 or lines[-1] != "":
            raise NoteError("checkpoint: expected origin, tree size and root hash lines")
        origin, size_s, root_s, *ext = lines[:-1]
        if not origin:
            raise NoteError("checkpoint: empty origin line")
        if not size_s.isdigit() or (size_s != "0" and size_s.startswith("0")):
            raise NoteError(f"checkpoint: tree size {size_s!r} is not a decimal number")
        try:
            root = base64.b64decode(root_s, validate=True)
        except (binascii.Error, ValueError):
            raise NoteError("checkpoint: root hash is not base64") from None
        if len(root) != 32:
            raise NoteError("checkpoint: root hash is not 32 bytes")
        if any(not e for e in ext):
            raise NoteError("checkpoint: empty extension line")
        return cls(origin, int(size_s), root, tuple(ext))


def sign_checkpoint(cp: Checkpoint, signer: Signer) -> Note:
    """Return the checkpoint as a note signed by the log key ``signer``."""
    return sign_note(cp.text(), signer)


def open_checkpoint(data: str | bytes, log_key: Verifier) -> tuple[Checkpoint, Note]:
    """Given a signed checkpoint and the log's verifier key, return (checkpoint, note).

    Raise :class:`NoteError` when the note is malformed, not signed by that key, altered, or
    its origin is not the key's name.
    """
    note = parse_note(data)
    note.verify(log_key)
    cp = Checkpoint.from_text(note.text)
    if cp.origin != log_key.name:
        raise NoteError(f"checkpoint origin {cp.origin!r} is not the log {log_key.name!r}")
    return cp, note


def cosign(note: Note, witness: Signer, timestamp: int) -> Signature:
    """Return the tlog-cosignature/v1 line of ``witness`` over the checkpoint ``note``."""
    if witness.alg != ALG_COSIGNATURE_V1:
        raise NoteError(f"witness key {witness.name} is not a cosigner key (type 0x04)")
    raw = witness.sign(note.text.encode(), timestamp=timestamp)
    return Signature(witness.name, witness.verifier.key_id, raw)


def cosignature_time(sig: Signature) -> int:
    """Return the timestamp a cosignature carries."""
    if len(sig.signature) != 72:
        raise NoteError(f"cosignature of {sig.name}: wrong length")
    return int.from_bytes(sig.signature[:8], "big")
