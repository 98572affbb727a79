"""A throwaway PostgreSQL cluster for the central witness tests.

initdb in a temporary directory, postgres on a free loopback port (TCP on 127.0.0.1 only,
its socket in the same directory), trust authentication, stopped and removed at the end of the
session. As root the cluster runs as the ``postgres`` user (postgres refuses to run as root).
The witness schema is migrated once (Alembic) into a template; each test gets a fresh copy.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip(
    "psycopg", reason="the central witness needs psycopg (pip install -e '.[test]')"
)
pytest.importorskip("fastapi", reason="the central witness needs fastapi (pip install -e '.[test]')")
pytest.importorskip("alembic", reason="the central witness needs alembic (pip install -e '.[test]')")

SERVICE_ROLE = "sop_witness"


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[dict[str, Any]]:
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL binaries absent (/usr/lib/postgresql/*/bin): apt-get install postgresql")
    tmp = Path(tempfile.mkdtemp(prefix="sop-central-pg-"))
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid}
    data, port = tmp / "data", _free_port()
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
    try:
        base = f"host=127.0.0.1 port={port} user=owner"
        with psycopg.connect(base + " dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE witness_template")
        from central.admin import migrate

        migrate(f"postgresql+psycopg://owner@127.0.0.1:{port}/witness_template", SERVICE_ROLE)
        with psycopg.connect(base + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f"ALTER ROLE {SERVICE_ROLE} LOGIN")
        yield {"base": base, "port": port}
    finally:
        subprocess.run(
            [bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop"], capture_output=True, **run_as
        )
        shutil.rmtree(tmp, ignore_errors=True)


_counter = itertools.count()


@pytest.fixture
def witness_db(pg_cluster: dict[str, Any]) -> dict[str, str]:
    """A fresh migrated database: ``owner`` (the migration's role) and ``service`` DSNs."""
    name = f"witness_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(pg_cluster["base"] + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE witness_template")
    return {
        "owner": f"{pg_cluster['base']} dbname={name}",
        "service": f"host=127.0.0.1 port={pg_cluster['port']} user={SERVICE_ROLE} dbname={name}",
    }
