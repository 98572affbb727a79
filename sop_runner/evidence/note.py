"""C2SP signed notes (signed-note@v1) with Ed25519 keys, and tlog-cosignature/v1.

A note is UTF-8 text ending in a newline, a blank line, and signature lines
``— <key name> <base64(4-byte key ID || signature)>``. The key ID of an Ed25519 key is
``SHA-256(name || 0x0A || 0x01 || public key)[:4]``; a cosigner key (signature type 0x04)
uses ``0x04`` in its place and signs ``cosignature/v1\\ntime <t>\\n<note text>`` with the
timestamp ``t`` prefixed to the signature as a big-endian u64.

Keys travel as text:

- a *verifier key* ``<name>+<hex key ID>+<base64(type || public key)>`` (what an auditor pastes),
- a *signer key* ``PRIVATE+KEY+<name>+<hex key ID>+<base64(type || seed)>`` (kept 0600).

The Ed25519 arithmetic is the ``cryptography`` library's.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

from sop_runner.evidence import EvidenceError

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
_DASH = "\u2014 "
MAX_SIGNATURES = 100


class NoteError(EvidenceError):
    """A malformed note or key, or a signature that does not verify (one line)."""


def _b64decode(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError(f"{what}: not valid base64") from None


def _check_name(name: str) -> None:
    if not name or any(c.isspace() for c in name) or "+" in name:
        raise NoteError(f"key name {name!r}: must be non-empty, without spaces or '+'")


def key_id(name: str, alg: int, public: bytes) -> bytes:
    """Return the 4-byte key ID ``SHA-256(name || 0x0A || alg || public)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def _raw_public(pub: Ed25519PublicKey) -> bytes:
    return pub.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class Verifier:
    """A public key that checks signatures of one name: an Ed25519 note key or a cosigner key."""

    name: str
    alg: int
    public: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.alg, self.public)

    @property
    def vkey(self) -> str:
        """The verifier key text ``name+hexid+base64(alg||key)``."""
        blob = base64.b64encode(bytes([self.alg]) + self.public).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> Verifier:
        """Given a verifier key text, return the :class:`Verifier`; raise :class:`NoteError`."""
        parts = text.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteError("verifier key: expected <name>+<key id>+<key>")
        name, hexid, blob = parts
        _check_name(name)
        raw = _b64decode(blob, "verifier key")
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("verifier key: not an Ed25519 (type 0x01) or cosigner (type 0x04) key")
        v = cls(name, raw[0], raw[1:])
        if len(hexid) != 8 or v.key_id.hex() != hexid.lower():
            raise NoteError(f"verifier key {name}: key id {hexid} does not match the key")
        return v

    def _pub(self) -> Ed25519PublicKey:
        return Ed25519PublicKey.from_public_bytes(self.public)

    def verify(self, message: bytes, signature: bytes) -> bool:
        """Return whether ``signature`` (raw, without key ID) signs ``message``."""
        if self.alg == ALG_ED25519:
            msg, sig = message, signature
        else:
            if len(signature) != 8 + 64:
                return False
            (ts,) = struct.unpack(">Q", signature[:8])
            msg, sig = cosignature_message(message, ts), signature[8:]
        try:
            self._pub().verify(sig, msg)
        except InvalidSignature:
            return False
        return True


def cosignature_message(text: bytes, timestamp: int) -> bytes:
    """Return what a tlog-cosignature/v1 signs: header, time line, then the note text."""
    if not 0 <= timestamp < 2**63:
        raise NoteError(f"cosignature time {timestamp} is out of range")
    return b"cosignature/v1\ntime %d\n" % timestamp + text


@dataclass(frozen=True)
class Signer:
    """A private key that signs notes (type 0x01) or cosigns checkpoints (type 0x04)."""

    name: str
    alg: int
    seed: bytes

    @classmethod
    def generate(cls, name: str, alg: int = ALG_ED25519) -> Signer:
        """Return a new random key for ``name``."""
        _check_name(name)
        key = Ed25519PrivateKey.generate()
        seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        return cls(name, alg, seed)

    @property
    def _key(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    def private_key(self) -> Ed25519PrivateKey:
        """Return the key as a ``cryptography`` object (to sign what is not a note: the PDF)."""
        return self._key

    @property
    def verifier(self) -> Verifier:
        return Verifier(self.name, self.alg, _raw_public(self._key.public_key()))

    @property
    def skey(self) -> str:
        """The signer key text ``PRIVATE+KEY+name+hexid+base64(alg||seed)``."""
        blob = base64.b64encode(bytes([self.alg]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.verifier.key_id.hex()}+{blob}"

    @classmethod
    def parse(cls, text: str) -> Signer:
        """Given a signer key text, return the :class:`Signer`; raise :class:`NoteError`."""
        parts = text.strip().split("+", 4)
        if len(parts) != 5 or parts[:2] != ["PRIVATE", "KEY"]:
            raise NoteError("signer key: expected PRIVATE+KEY+<name>+<key id>+<key>")
        name, hexid, blob = parts[2:]
        _check_name(name)
        raw = _b64decode(blob, "signer key")
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("signer key: not an Ed25519 (type 0x01) or cosigner (type 0x04) key")
        s = cls(name, raw[0], raw[1:])
        if s.verifier.key_id.hex() != hexid.lower():
            raise NoteError(f"signer key {name}: key id {hexid} does not match the key")
        return s

    def sign(self, text: bytes, *, timestamp: int | None = None) -> bytes:
        """Return the raw signature of ``text`` (for a cosigner: timestamp || signature)."""
        if self.alg == ALG_ED25519:
            return self._key.sign(text)
        if timestamp is None:
            raise NoteError("a cosignature needs a timestamp")
        return struct.pack(">Q", timestamp) + self._key.sign(cosignature_message(text, timestamp))


@dataclass(frozen=True)
class Signature:
    """One signature line of a note."""

    name: str
    key_id: bytes
    signature: bytes

    @property
    def line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode()
        return f"{_DASH}{self.name} {blob}\n"


@dataclass(frozen=True)
class Note:
    """The text of a note and its signature lines (none verified by parsing alone)."""

    text: str
    signatures: tuple[Signature, ...]

    def render(self) -> str:
        """Return the note as it is written to a file."""
        return self.text + "\n" + "".join(s.line for s in self.signatures)

    def with_signature(self, sig: Signature) -> Note:
        """Return this note with ``sig`` added (an existing line of the same key is replaced)."""
        kept = tuple(s for s in self.signatures if (s.name, s.key_id) != (sig.name, sig.key_id))
        return Note(self.text, (*kept, sig))

    def signature_by(self, verifier: Verifier) -> Signature | None:
        """Return the signature line of this verifier's name and key ID, if any."""
        for s in self.signatures:
            if s.name == verifier.name and s.key_id == verifier.key_id:
                return s
        return None

    def verify(self, verifier: Verifier) -> Signature:
        """Check the signature of ``verifier`` on this note; return it.

        Raise :class:`NoteError` when the note has no line of that key or the line does not
        verify (a failed known-key signature rejects the note).
        """
        sig = self.signature_by(verifier)
        if sig is None:
            raise NoteError(f"the note carries no signature of {verifier.name} (key {verifier.key_id.hex()})")
        if not verifier.verify(self.text.encode(), sig.signature):
            raise NoteError(f"the signature of {verifier.name} does not match the note (altered?)")
        return sig


def sign_note(text: str, signer: Signer, *, timestamp: int | None = None) -> Note:
    """Return a note of ``text`` signed by ``signer``; raise :class:`NoteError` on bad text."""
    _check_text(text)
    raw = signer.sign(text.encode(), timestamp=timestamp)
    return Note(text, (Signature(signer.name, signer.verifier.key_id, raw),))


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    if "\n\n" in text:
        raise NoteError("note text must not contain a blank line")
    if any(ord(c) < 0x20 and c != "\n" for c in text):
        raise NoteError("note text must not contain control characters")


def parse_note(data: str | bytes) -> Note:
    """Given a note as written, return its :class:`Note`; raise :class:`NoteError` if malformed."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("note: not UTF-8") from None
    split = data.rfind("\n\n")
    if split < 0:
        raise NoteError("note: no blank line before the signatures")
    text, sigpart = data[: split + 1], data[split + 2 :]
    _check_text(text)
    if not sigpart.endswith("\n"):
        raise NoteError("note: the last signature line does not end with a newline")
    lines = sigpart[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"note: more than {MAX_SIGNATURES} signatures")
    sigs = []
    for line in lines:
        if not line.startswith(_DASH):
            raise NoteError(f"note: malformed signature line {line[:40]!r}")
        name, _, blob = line[len(_DASH) :].rpartition(" ")
        _check_name(name)
        raw = _b64decode(blob, f"note signature of {name}")
        if len(raw) < 5:
            raise NoteError(f"note: signature of {name} is too short")
        sigs.append(Signature(name, raw[:4], raw[4:]))
    return Note(text, tuple(sigs))
