"""The checkpoint a monthly report prints: the latest one the witness cosigned (checked with
the court's and the witness's keys), else the court's own latest checkpoint (checked with the
court's key), else none (the court has no key yet)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sop_runner.evidence import EvidenceError
from sop_runner.evidence.checkpoint import cosignature_time, open_checkpoint
from sop_runner.evidence.keys import court_keys, key_dir
from sop_runner.evidence.log import read_latest
from sop_runner.evidence.note import NoteError, parse_note
from sop_runner.evidence.outbox import WitnessConfig, read_witnessed
from sop_runner.records import RecordStore


@dataclass(frozen=True)
class ReportCheckpoint:
    """What the report says about the log's checkpoint."""

    origin: str
    size: int
    root: str
    witness: str | None = None
    witnessed_at: datetime | None = None
    #: the signed note itself (embedded in the signed PDF)
    note: str = ""


def report_checkpoint(store: RecordStore, inventory_dir: Path | None = None) -> ReportCheckpoint | None:
    """Return the checkpoint to print for this store, or None when there is none to trust
    (the witness's settings from the environment or ``inventory_dir``'s ``witness.yml``)."""
    try:
        courts = court_keys(key_dir(store.path))
    except EvidenceError:
        return None
    try:
        cfg = WitnessConfig.from_env(inventory_dir=inventory_dir)
        saved = read_witnessed(store, courts, cfg.key) if cfg else None
    except EvidenceError:
        saved = None
    if saved and cfg:
        cp, text = saved
        sig = parse_note(text).signature_by(cfg.key)
        when = datetime.fromtimestamp(cosignature_time(sig), UTC) if sig else None
        return ReportCheckpoint(
            cp.origin, cp.size, base64.b64encode(cp.root).decode(), cfg.key.name, when, note=text
        )
    try:
        text = read_latest(store)
        cp, _ = open_checkpoint(text, courts[0])
    except (EvidenceError, NoteError):
        return None
    return ReportCheckpoint(cp.origin, cp.size, base64.b64encode(cp.root).decode(), note=text)
