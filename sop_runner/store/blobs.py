"""Blobs: attachments and kept artifacts stored by sha256 beside the database."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from sop_runner import private
from sop_runner.store.base import StoreBase


class BlobsMixin(StoreBase):
    """Storing and finding blobs."""

    def blob_path(self, sha256: str) -> Path:
        """Return where the blob with this sha256 is (or would be) stored."""
        return self.dir / "blobs" / sha256[:2] / sha256

    def put_blob(self, source: Path | bytes) -> dict[str, Any]:
        """Store a file (or bytes) by its sha256; return ``{sha256, size, path}`` (path relative
        to the store directory). Writing goes to a temporary name and is renamed when complete."""
        tmpdir = private.make_dir(self.dir / "blobs" / ".tmp")
        fd, tmpname = tempfile.mkstemp(dir=tmpdir)  # 0600 from creation
        h = hashlib.sha256()
        size = 0
        try:
            with os.fdopen(fd, "wb") as out:
                if isinstance(source, bytes):
                    out.write(source)
                    h.update(source)
                    size = len(source)
                else:
                    with Path(source).open("rb") as src:
                        for chunk in iter(lambda: src.read(1 << 20), b""):
                            out.write(chunk)
                            h.update(chunk)
                            size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            digest = h.hexdigest()
            dest = self.blob_path(digest)
            private.make_dir(dest.parent)
            if dest.exists():
                os.unlink(tmpname)
            else:
                os.chmod(tmpname, private.BLOB_MODE)  # narrower still: read-only for the owner
                os.replace(tmpname, dest)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmpname)
            raise
        return {"sha256": digest, "size": size, "path": str(dest.relative_to(self.dir))}
