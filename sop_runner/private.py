"""Private files: everything the record store keeps is readable by its owner only, from the
first byte -- the one place that creates the store's folders and files.

Records, kept artifacts and reports name SIPP users, IP addresses and hosts (personal data under
UU 27/2022), so folders are created ``0700`` and files ``0600`` (blobs ``0400``: never rewritten)
*by the call that creates them* (``mkdir(mode)``, ``open(O_CREAT, mode)``), never widened and
narrowed afterwards: a process killed at any moment (``kill -9``, power loss) leaves nothing
readable by other local users. The process umask is not changed (ansible-playbook, started by
``sop run``, must behave as when an operator starts it).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600
BLOB_MODE = 0o400


def make_dir(path: Path) -> Path:
    """Create ``path`` and any missing parents, each ``0700`` from its creation; return it.
    An existing folder is left as it is."""
    missing: list[Path] = []
    p = Path(path)
    while not p.exists() and p != p.parent:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(d, DIR_MODE)
    return Path(path)


def create_file(path: Path, mode: int = FILE_MODE) -> None:
    """Create ``path`` empty with ``mode`` unless it exists (a file a library opens later, such as
    an SQLite database, then keeps that mode)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, mode)
    os.close(fd)


def open_fd(path: Path, flags: int, mode: int = FILE_MODE) -> int:
    """``os.open`` creating ``path`` with ``mode`` (0600) when it does not exist."""
    return os.open(path, flags | os.O_CREAT | os.O_CLOEXEC, mode)


def write_atomic(path: Path, data: bytes | str, mode: int = FILE_MODE) -> Path:
    """Replace ``path`` with ``data`` through a temporary file created ``mode`` (0600) in the same
    folder (created ``0700`` when missing), synced, then renamed: a reader sees the old or the
    new file, never a part, and no moment exists in which it is readable by others."""
    make_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            if mode != FILE_MODE:
                os.fchmod(out.fileno(), mode)
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def tighten(path: Path, mode: int) -> None:
    """Narrow an existing file or folder this user owns to ``mode`` when it grants more (stores
    made by versions before this rule); never widens, never touches other users' files."""
    with contextlib.suppress(OSError):
        st = path.stat()
        if st.st_uid == os.getuid() and stat.S_IMODE(st.st_mode) & ~mode:
            os.chmod(path, stat.S_IMODE(st.st_mode) & mode)
