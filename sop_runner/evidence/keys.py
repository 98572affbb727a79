"""The court key: an Ed25519 signer key kept 0600 beside the record store.

The key directory is ``--key-dir``, else ``$SOP_KEY_DIR``, else ``<record store dir>/keys``. It
holds ``court.key`` (the C2SP signer key text, mode 0600), ``court.pub`` (the verifier key an
auditor pastes) and ``retired/`` (public keys of rotated keys and the checkpoint each signed last).
Creating and rotating the key are records in the store.
"""

from __future__ import annotations

import os
import socket
import stat
from dataclasses import dataclass
from pathlib import Path

from sop_runner import private
from sop_runner.evidence import EvidenceError
from sop_runner.evidence.log import write_checkpoint
from sop_runner.evidence.note import NoteError, Signer, Verifier
from sop_runner.records import Record, RecordStore, iso, utcnow

KEY_FILE = "court.key"
PUB_FILE = "court.pub"
KEY_ACTIVITY = "EVIDENCE-KEY"


def key_dir(store_path: Path, override: str | os.PathLike[str] | None = None) -> Path:
    """Return the key directory for the store at ``store_path``."""
    if override:
        return Path(override).expanduser().absolute()
    if os.environ.get("SOP_KEY_DIR"):
        return Path(os.environ["SOP_KEY_DIR"]).expanduser().absolute()
    return Path(store_path).expanduser().absolute().parent / "keys"


def default_name() -> str:
    """Return the default log name (checkpoint origin): ``<this host's FQDN>/sop-records``."""
    return f"{socket.getfqdn()}/sop-records"


def load_signer(kdir: Path) -> Signer:
    """Return the court key in ``kdir``; raise :class:`EvidenceError` when missing, readable by
    others, or malformed."""
    path = kdir / KEY_FILE
    try:
        st = path.stat()
    except FileNotFoundError:
        raise EvidenceError(f"no court key in {kdir} (create one with 'sop keys init')") from None
    if stat.S_IMODE(st.st_mode) & 0o077:
        raise EvidenceError(
            f"court key {path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}; chmod 600)"
        )
    try:
        return Signer.parse(path.read_text(encoding="ascii"))
    except (NoteError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"court key {path}: {exc}") from None


def load_verifier(kdir: Path) -> Verifier:
    """Return the court's public key from ``kdir/court.pub``."""
    path = kdir / PUB_FILE
    try:
        return Verifier.parse(path.read_text(encoding="ascii"))
    except FileNotFoundError:
        raise EvidenceError(f"no court public key in {kdir} (create one with 'sop keys init')") from None
    except (NoteError, UnicodeDecodeError) as exc:
        raise EvidenceError(f"court public key {path}: {exc}") from None


def court_keys(kdir: Path) -> list[Verifier]:
    """Return the court's current public key and those it rotated away from (newest first is
    not implied): what the court's own checkpoints may be signed with."""
    keys = [load_verifier(kdir)]
    for pub in sorted((kdir / "retired").glob("*.pub")):
        try:
            keys.append(Verifier.parse(pub.read_text(encoding="ascii")))
        except (NoteError, OSError, UnicodeDecodeError):
            continue
    return keys


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _write_public(path: Path, text: str) -> None:
    private.write_atomic(path, text + "\n", mode=0o644)


def _key_record(store: RecordStore, operator: str, note: str) -> Record:
    now = iso(utcnow())
    return store.append_record(
        {
            "activity_id": KEY_ACTIVITY,
            "via": "sop-log",
            "trigger": "manual",
            "operator": operator,
            "started_at": now,
            "ended_at": now,
            "status": "successful",
            "note": note,
        }
    )


@dataclass(frozen=True)
class KeyChange:
    """What ``sop keys init`` did: the new key, its record, and the retired key (on rotation)."""

    signer: Signer
    record: Record
    retired: Verifier | None = None


def init_key(
    store: RecordStore, kdir: Path, *, name: str | None, operator: str, rotate: bool = False
) -> KeyChange:
    """Create the court key in ``kdir`` (or, with ``rotate``, replace it) and record that.

    On rotation the new key keeps the old key's name, the record naming both keys is written,
    and a checkpoint over it is signed with the *old* key and kept in ``retired/`` so the
    change of key is vouched for by the key it replaces. Raise :class:`EvidenceError` when a key
    exists and ``rotate`` is not set, or there is none to rotate.
    """
    exists = (kdir / KEY_FILE).exists()
    if exists and not rotate:
        raise EvidenceError(f"a court key already exists in {kdir} (use --rotate to replace it)")
    if rotate and not exists:
        raise EvidenceError(f"no court key in {kdir} to rotate (run 'sop keys init' first)")
    try:
        kdir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise EvidenceError(f"key directory {kdir}: {exc.strerror}") from None
    if not rotate:
        try:
            signer = Signer.generate(name or default_name())
        except NoteError as exc:
            raise EvidenceError(str(exc)) from None
        _write_private(kdir / KEY_FILE, signer.skey)
        _write_public(kdir / PUB_FILE, signer.verifier.vkey)
        rec = _key_record(store, operator, f"court key created: {signer.verifier.vkey}")
        return KeyChange(signer, rec)
    old = load_signer(kdir)
    if name and name != old.name:
        raise EvidenceError(f"a rotated key keeps the log name {old.name!r} (got {name!r})")
    new = Signer.generate(old.name)
    rec = _key_record(
        store, operator, f"court key rotated: {old.verifier.vkey} replaced by {new.verifier.vkey}"
    )
    _, note = write_checkpoint(store, old)
    retired = kdir / "retired"
    retired.mkdir(mode=0o700, exist_ok=True)
    oid = old.verifier.key_id.hex()
    _write_public(retired / f"{oid}.pub", old.verifier.vkey)
    private.write_atomic(retired / f"{oid}.last.checkpoint", note.render())
    staged = kdir / (KEY_FILE + ".new")
    staged.unlink(missing_ok=True)
    _write_private(staged, new.skey)
    os.replace(staged, kdir / KEY_FILE)
    _write_public(kdir / PUB_FILE, new.verifier.vkey)
    return KeyChange(new, rec, old.verifier)
