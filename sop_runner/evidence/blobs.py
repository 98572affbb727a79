"""The kept files the hash chain only names: a record's run artifacts (``artifacts``) and its
attachments are stored by sha256 beside the database; the chain covers their hashes, not the
files. :func:`verify_blobs` checks every file a record names is there and still has its hash."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sop_runner.records import RecordStore, sha256_file


@dataclass(frozen=True)
class BlobVerdict:
    """How many kept files were checked and the first problem found."""

    ok: bool
    checked: int
    problem: str = ""
    seq: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def verify_blobs(store: RecordStore) -> BlobVerdict:
    """Check every artifact and attachment the records name against its sha256 and size."""
    seen: set[str] = set()
    checked = 0
    for rec in store.iter_records():
        refs: list[tuple[str, str, Path, int | None]] = []
        if rec.artifacts.get("sha256"):
            digest = rec.artifacts["sha256"]
            rel = rec.artifacts.get("path")
            path = store.dir / rel if rel else store.blob_path(digest)
            refs.append(("run artifacts", digest, path, rec.artifacts.get("size")))
        for att in rec.attachments:
            refs.append(
                (
                    f"attachment {att.get('name', '?')}",
                    att["sha256"],
                    store.blob_path(att["sha256"]),
                    att.get("size"),
                )
            )
        for what, digest, path, size in refs:
            if digest in seen:
                continue
            label = f"record #{rec.seq} ({rec.activity_id}, {rec.started_at})"
            if not path.is_file():
                return BlobVerdict(False, checked, f"{label}: its {what} {path} is missing", rec.seq)
            if (size is not None and path.stat().st_size != size) or sha256_file(path) != digest:
                return BlobVerdict(
                    False, checked, f"{label}: its {what} {path} was altered (sha256 differs)", rec.seq
                )
            seen.add(digest)
            checked += 1
    return BlobVerdict(True, checked)
