"""A throwaway PostgreSQL cluster: initdb in a temporary directory, postgres on a free
loopback port (TCP on 127.0.0.1 only, its socket in the same directory), trust authentication;
stopped and removed on exit. As root the cluster runs as the ``postgres`` user (postgres
refuses to run as root). Used by the witness tests and the witness benchmark."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def pg_bindir() -> Path | None:
    """Return the newest /usr/lib/postgresql/*/bin holding initdb, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def cluster(bindir: Path) -> Iterator[dict[str, Any]]:
    """Start a cluster; yield ``{"base": libpq DSN without dbname, "port": …}``."""
    tmp = Path(tempfile.mkdtemp(prefix="sop-central-pg-"))
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid}
    data, port = tmp / "data", free_port()
    try:
        subprocess.run(
            [bindir / "initdb", "-D", data, "-U", "owner", "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True,
            capture_output=True,
            **run_as,
        )
        opts = f"-h 127.0.0.1 -p {port} -k {tmp} -c fsync=off -c full_page_writes=off"
        subprocess.run(
            [bindir / "pg_ctl", "-D", data, "-o", opts, "-l", tmp / "log", "-w", "start"],
            check=True,
            capture_output=True,
            **run_as,
        )
        yield {"base": f"host=127.0.0.1 port={port} user=owner", "port": port}
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], capture_output=True, **run_as
            )
        shutil.rmtree(tmp, ignore_errors=True)
