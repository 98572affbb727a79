"""A throwaway PostgreSQL cluster for the central witness tests (see :mod:`.pgcluster`),
stopped at the end of the session. The witness schema is migrated once (Alembic) into a
template; each test gets a fresh copy. Skipped only when the PostgreSQL binaries are absent.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from typing import Any

import pytest

from .pgcluster import cluster, pg_bindir

psycopg = pytest.importorskip(
    "psycopg", reason="the central witness needs psycopg (pip install -e '.[test]')"
)
pytest.importorskip("fastapi", reason="the central witness needs fastapi (pip install -e '.[test]')")
pytest.importorskip("alembic", reason="the central witness needs alembic (pip install -e '.[test]')")

SERVICE_ROLE = "sop_witness"


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[dict[str, Any]]:
    bindir = pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries absent (/usr/lib/postgresql/*/bin): apt-get install postgresql")
    with cluster(bindir) as pg:
        with psycopg.connect(pg["base"] + " dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE witness_template")
        from central.admin import migrate

        migrate(f"postgresql+psycopg://owner@127.0.0.1:{pg['port']}/witness_template", SERVICE_ROLE)
        with psycopg.connect(pg["base"] + " dbname=postgres", autocommit=True) as conn:
            conn.execute(f"ALTER ROLE {SERVICE_ROLE} LOGIN")
        yield pg


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
