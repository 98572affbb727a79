"""``sop records push``: send the central witness everything it has not cosigned yet.

The court's side of the witness protocol (see ``central/``):

- the witness is ``$SOP_WITNESS_URL`` (HTTPS), the court's token is in
  ``$SOP_WITNESS_TOKEN_FILE``, the witness's cosigner key is ``$SOP_WITNESS_KEY`` (verifier key
  text or a file holding it) and ``$SOP_WITNESS_CA`` optionally names the CA bundle that signed
  the witness's certificate; ``$SOP_WITNESS_PRIVACY=records`` sends the records themselves, not
  only their hashes. Without ``$SOP_WITNESS_URL`` the same settings come from ``witness.yml`` in
  the inventory folder (keys ``url, token_file, key, ca, privacy``; paths relative to the file);
- records go in batches: for each batch the court signs a checkpoint at the batch's end and
  sends it with a consistency proof from the last cosigned size and the records' hashes;
- every cosigned checkpoint is checked (court and witness signatures) and saved as
  ``<store dir>/evidence/witnessed.checkpoint`` before the next batch, so a cut connection
  loses nothing: the next push resumes from there. A resend of a batch the witness already
  cosigned gets the same cosignature back (Ed25519 signatures are deterministic, so the
  checkpoint text is identical);
- a failed request is retried with exponential backoff; a witness that stays unreachable ends
  the push with one line, never an exception in the maintenance run.
"""

from __future__ import annotations

import json
import os
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sop_runner.evidence import EvidenceError
from sop_runner.evidence.checkpoint import Checkpoint, cosignature_time, open_checkpoint, sign_checkpoint
from sop_runner.evidence.log import LEAVES, _LeafFile, current_tree, evidence_dir
from sop_runner.evidence.merkle import leaf_hash, root_of
from sop_runner.evidence.note import Note, NoteError, Signer, Verifier, parse_note
from sop_runner.evidence.push import build_push
from sop_runner.private import write_atomic
from sop_runner.records import RecordStore

WITNESSED = "witnessed.checkpoint"
BATCH = 500
#: the court's witness settings in its inventory folder (when ``SOP_WITNESS_URL`` is not set)
WITNESS_FILE = "witness.yml"
_FILE_KEYS = {
    "url": "SOP_WITNESS_URL",
    "token_file": "SOP_WITNESS_TOKEN_FILE",
    "key": "SOP_WITNESS_KEY",
    "ca": "SOP_WITNESS_CA",
    "privacy": "SOP_WITNESS_PRIVACY",
}
_FILE_PATHS = ("token_file", "ca")


@dataclass(frozen=True)
class WitnessConfig:
    """Where the witness is and how the court talks to it."""

    url: str
    token: str
    key: Verifier
    cafile: str | None = None
    with_records: bool = False
    timeout: float = 30.0

    @classmethod
    def from_env(
        cls, env: dict[str, str] | None = None, inventory_dir: Path | None = None
    ) -> WitnessConfig | None:
        """Return the configuration from ``SOP_WITNESS_*``, else from ``witness.yml`` in
        ``inventory_dir``; None when no witness is configured. Raise :class:`EvidenceError`
        when it is configured incompletely or wrongly."""
        env = dict(os.environ) if env is None else env
        if env.get("SOP_WITNESS_URL") or inventory_dir is None:
            return cls._from_settings(env, lambda name: name)
        path = inventory_dir / WITNESS_FILE
        by_env = {v: k for k, v in _FILE_KEYS.items()}
        return cls._from_settings(_file_settings(path), lambda name: f"{path}: {by_env[name]}")

    @classmethod
    def _from_settings(cls, env: dict[str, str], name: Callable[[str], str]) -> WitnessConfig | None:
        url = env.get("SOP_WITNESS_URL", "")
        if not url:
            return None
        if not url.startswith("https://"):
            raise EvidenceError(f"{name('SOP_WITNESS_URL')}={url}: the witness is reached over https:// only")
        missing = [name(k) for k in ("SOP_WITNESS_TOKEN_FILE", "SOP_WITNESS_KEY") if not env.get(k)]
        if missing:
            raise EvidenceError(f"{name('SOP_WITNESS_URL')} is set but {', '.join(missing)} is not")
        token_file = env["SOP_WITNESS_TOKEN_FILE"]
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise EvidenceError(f"{name('SOP_WITNESS_TOKEN_FILE')} {token_file}: {exc.strerror}") from None
        key_text = env["SOP_WITNESS_KEY"]
        try:
            if Path(key_text).is_file():
                key_text = Path(key_text).read_text(encoding="ascii")
            key = Verifier.parse(key_text)
        except (OSError, UnicodeDecodeError, NoteError) as exc:
            raise EvidenceError(f"{name('SOP_WITNESS_KEY')}: {exc}") from None
        privacy = env.get("SOP_WITNESS_PRIVACY", "hashes")
        if privacy not in ("hashes", "records"):
            raise EvidenceError(f"{name('SOP_WITNESS_PRIVACY')}={privacy}: expected hashes or records")
        return cls(url.rstrip("/"), token, key, env.get("SOP_WITNESS_CA") or None, privacy == "records")


def _file_settings(path: Path) -> dict[str, str]:
    """Return the settings in a ``witness.yml`` as ``SOP_WITNESS_*`` names ({} when there is
    none); paths are relative to the file, a verifier key may be given as a file too."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise EvidenceError(f"{path}: cannot read ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict) or set(data) - set(_FILE_KEYS):
        raise EvidenceError(f"{path}: expected a mapping of {', '.join(_FILE_KEYS)}")
    out = {}
    for key, value in data.items():
        if value is None:
            continue
        text = str(value)
        if key in _FILE_PATHS or (key == "key" and "+" not in text):
            text = str(path.parent / Path(text).expanduser())
        out[_FILE_KEYS[key]] = text
    return out


class _Transient(Exception):
    """A failure worth retrying (connection refused or cut, timeout, 5xx)."""


def _request(
    cfg: WitnessConfig, method: str, path: str, body: dict[str, Any] | None = None
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        cfg.url + path,
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {cfg.token}", "Content-Type": "application/json"},
    )
    ctx = ssl.create_default_context(cafile=cfg.cafile)
    try:
        with urllib.request.urlopen(req, timeout=cfg.timeout, context=ctx) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise _Transient(f"the witness answered {exc.code}") from None
        try:
            return exc.code, json.loads(exc.read())
        except ValueError:
            return exc.code, {"error": "http", "detail": f"HTTP {exc.code}"}
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, ssl.SSLCertVerificationError):
            raise EvidenceError(
                f"witness {cfg.url}: its certificate does not verify ({reason.verify_message})"
            ) from None
        raise _Transient(f"witness {cfg.url} unreachable: {reason}") from None


@dataclass
class PushResult:
    """What a push achieved: the witnessed size before and after, and batches sent."""

    before: int
    after: int
    size: int
    batches: int = 0
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "ok": self.ok}


def _open_any(text: str, courts: Sequence[Verifier]) -> tuple[Checkpoint, Note]:
    """Open a checkpoint signed by any of the court's keys (current or rotated)."""
    problem = "no court key given"
    for court in courts:
        try:
            return open_checkpoint(text, court)
        except NoteError as exc:
            problem = str(exc)
    raise NoteError(problem)


def read_witnessed(
    store: RecordStore, courts: Sequence[Verifier], witness: Verifier
) -> tuple[Checkpoint, str] | None:
    """Return the last cosigned checkpoint saved for this store (checked with one of the
    court's keys and the witness's key), or None."""
    try:
        text = (evidence_dir(store) / WITNESSED).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        cp, note = _open_any(text, courts)
        note.verify(witness)
    except NoteError as exc:
        raise EvidenceError(f"{evidence_dir(store) / WITNESSED}: {exc}") from None
    return cp, text


def _save_witnessed(store: RecordStore, text: str) -> None:
    write_atomic(evidence_dir(store) / WITNESSED, text)


def push(
    store: RecordStore,
    signer: Signer,
    cfg: WitnessConfig,
    *,
    batch: int = BATCH,
    attempts: int = 6,
    backoff: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    court_keys: Sequence[Verifier] = (),
) -> PushResult:
    """Send the witness every record it has not cosigned, in batches; return what was done.

    ``court_keys`` are the court's earlier (rotated) keys, which may have signed the checkpoint
    the witness cosigned last.

    Raise :class:`EvidenceError` for what retrying cannot fix (bad configuration, a certificate
    that does not verify). A refused fork or an unreachable witness is reported in the result.
    """
    courts = [signer.verifier, *court_keys]
    saved = read_witnessed(store, courts, cfg.key)
    witnessed = saved[0].size if saved else 0
    rng = current_tree(store)
    result = PushResult(witnessed, witnessed, rng.size)
    if saved and (rng.size < witnessed or (rng.size == witnessed and rng.root() != saved[0].root)):
        _show_rewritten(store, signer, cfg, rng.size, rng.root(), witnessed, attempts, backoff, sleep, result)
        return result
    if witnessed >= rng.size:
        return result
    leaves = _LeafFile(evidence_dir(store) / LEAVES).read(0, rng.size)
    if len(leaves) != rng.size or root_of(leaves) != rng.root():
        raise EvidenceError("the saved tree does not match the store; run 'sop records verify'")
    while witnessed < rng.size:
        end = min(witnessed + batch, rng.size)
        cp = Checkpoint(signer.name, end, root_of(leaves[:end]))
        note = sign_checkpoint(cp, signer).render()
        body = build_push(store, note, cp, witnessed, with_records=cfg.with_records, leaves=leaves)
        code, answer = _retrying(cfg, "POST", "/v1/checkpoints", body, attempts, backoff, sleep, result)
        if code is None:
            return result
        if code == 409 and answer.get("error") == "stale":
            resynced = _resync(store, courts, cfg, attempts, backoff, sleep, result)
            if resynced is None:
                return result
            witnessed = resynced
            continue
        if code != 200:
            detail = answer.get("detail", answer) if isinstance(answer, dict) else answer
            why = answer.get("error", "error") if isinstance(answer, dict) else "error"
            result.problem = f"the witness refused records #{witnessed + 1} to #{end} ({why}): {detail}"
            return result
        try:
            cosigned = parse_note(answer["cosigned"])
            cosigned.verify(signer.verifier)
            cosigned.verify(cfg.key)
        except (NoteError, KeyError, TypeError) as exc:
            result.problem = f"the witness's answer does not verify: {exc}"
            return result
        if Checkpoint.from_text(cosigned.text) != cp:
            result.problem = "the witness cosigned another checkpoint than the one sent"
            return result
        _save_witnessed(store, answer["cosigned"])
        witnessed = result.after = end
        result.batches += 1
    return result


def _show_rewritten(
    store: RecordStore,
    signer: Signer,
    cfg: WitnessConfig,
    size: int,
    root: bytes,
    witnessed: int,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    result: PushResult,
) -> None:
    """The store no longer holds the log the witness cosigned (records removed, or rewritten
    without a new one): sign what it holds now and show it to the witness, which keeps it as a
    refused checkpoint and raises the alarm. The result carries the problem either way."""
    note = sign_checkpoint(Checkpoint(signer.name, size, root), signer).render()
    body = {"checkpoint": note, "old_size": witnessed, "consistency": [], "leaves": []}
    code, answer = _retrying(cfg, "POST", "/v1/checkpoints", body, attempts, backoff, sleep, result)
    lost = (
        f"the store holds {size} records and no longer the {witnessed} the witness cosigned "
        f"(see 'sop records verify --checkpoint {evidence_dir(store) / WITNESSED}')"
    )
    if code is None:
        result.problem = f"{lost}; {result.problem}"
        return
    why = answer.get("error", "error") if isinstance(answer, dict) else "error"
    detail = answer.get("detail", answer) if isinstance(answer, dict) else answer
    result.problem = f"{lost}; the witness refused it ({why}): {detail}"


def _retrying(
    cfg: WitnessConfig,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    result: PushResult,
) -> tuple[int | None, Any]:
    delay = backoff
    for attempt in range(1, attempts + 1):
        try:
            return _request(cfg, method, path, body)
        except _Transient as exc:
            if attempt == attempts:
                result.problem = (
                    f"{exc} (after {attempts} tries); nothing is lost: the next push resumes "
                    f"from record #{result.after + 1}"
                )
                return None, None
            sleep(delay)
            delay = min(delay * 2, 300.0)
    return None, None


def _resync(
    store: RecordStore,
    courts: Sequence[Verifier],
    cfg: WitnessConfig,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], None],
    result: PushResult,
) -> int | None:
    """The witness has another size than saved here: fetch its cosigned checkpoint, check it
    against this store, save it, and return its size."""
    code, answer = _retrying(cfg, "GET", "/v1/checkpoints/latest", None, attempts, backoff, sleep, result)
    if code is None:
        return None
    if code != 200 or not answer.get("cosigned"):
        result.problem = f"the witness did not give its latest checkpoint: {answer}"
        return None
    try:
        cp, note = _open_any(answer["cosigned"], courts)
        note.verify(cfg.key)
    except NoteError as exc:
        result.problem = f"the witness's latest checkpoint does not verify: {exc}"
        return None
    leaves = _LeafFile(evidence_dir(store) / LEAVES).read(0, cp.size)
    if len(leaves) != cp.size or root_of(leaves) != cp.root:
        result.problem = f"this store does not hold the log the witness cosigned at size {cp.size}"
        return None
    _save_witnessed(store, answer["cosigned"])
    result.after = cp.size
    return cp.size


def witness_leaves(cfg: WitnessConfig, size: int) -> list[bytes] | None:
    """Return the leaf hashes of records #1..#size as the witness holds them (None when the
    witness cannot give them all: down, or refused -- its certificate, our token). The caller
    checks them against a signed root."""
    out: list[bytes] = []
    while len(out) < size:
        try:
            code, answer = _request(cfg, "GET", f"/v1/leaves?start={len(out) + 1}&end={size}")
        except (_Transient, EvidenceError):
            return None
        hashes = answer.get("hashes") if code == 200 and isinstance(answer, dict) else None
        if not hashes:
            return None
        try:
            out.extend(leaf_hash(bytes.fromhex(h)) for h in hashes)
        except (ValueError, TypeError):
            return None
    return out[:size]


@dataclass(frozen=True)
class Status:
    """How far the witness is behind the store."""

    records: int
    witnessed: int
    witnessed_at: str | None
    witness: str | None

    @property
    def lag(self) -> int:
        return self.records - self.witnessed

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "lag": self.lag}


def status(store: RecordStore, courts: Sequence[Verifier], cfg: WitnessConfig | None) -> Status:
    """Return the store's size and its last witnessed checkpoint (size, time, witness)."""
    n = store.count()
    saved = read_witnessed(store, courts, cfg.key) if cfg else None
    if saved is None:
        return Status(n, 0, None, cfg.key.name if cfg else None)
    cp, text = saved
    sig = parse_note(text).signature_by(cfg.key) if cfg else None
    when = None
    if sig:
        when = datetime.fromtimestamp(cosignature_time(sig), UTC).isoformat().replace("+00:00", "Z")
    return Status(n, cp.size, when, cfg.key.name if cfg else None)
