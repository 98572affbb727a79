"""What the deployment role relies on: `add-court --token-stdin` registers a court with the
token the operator keeps and a rerun changes nothing; `migrate` says whether it changed the
schema; the wheelhouse carries what the witness imports and nothing of Ansible."""

from __future__ import annotations

import importlib.util
import os
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

psycopg = pytest.importorskip("psycopg")
from central.admin import ensure_court, main  # noqa: E402
from sop_runner.evidence.note import Signer  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
TOKEN = "k" * 43


def test_add_court_with_a_given_token_is_idempotent(witness_db: dict[str, str]) -> None:
    vkey = Signer.generate("pn-c.example/sop").verifier.vkey
    args = ["add-court", "--court", "pn-c", "--vkey", vkey, "--token-stdin"]
    env = {"CENTRAL_ADMIN_DSN": witness_db["owner"]}
    runner = CliRunner()
    first = runner.invoke(main, args, input=TOKEN + "\n", env=env)
    assert first.exit_code == 0 and first.stdout.strip() == "pn-c: registered", first.output
    again = runner.invoke(main, args, input=TOKEN + "\n", env=env)
    assert again.exit_code == 0 and "(unchanged)" in again.stdout
    other = runner.invoke(main, args, input="x" * 43, env=env)
    assert other.exit_code == 1 and "registered with another token" in other.output
    assert "Traceback" not in other.output
    short = runner.invoke(main, [*args[:2], "pn-d", *args[3:]], input="short", env=env)
    assert short.exit_code == 1 and "has 5 characters; give at least 32" in short.output
    with psycopg.connect(witness_db["owner"]) as conn:
        assert conn.execute("SELECT court_id FROM courts").fetchall() == [("pn-c",)]
    with pytest.raises(ValueError, match="another key and token"):
        ensure_court(witness_db["owner"], "pn-c", Signer.generate("pn-c.example/sop").verifier.vkey, "y" * 40)


def test_migrate_says_whether_it_changed_the_schema(pg_cluster: dict[str, Any]) -> None:
    name = f"witness_migrate_{os.getpid()}"
    with psycopg.connect(pg_cluster["base"] + " dbname=postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
        conn.execute(f"CREATE DATABASE {name}_b")
    url = (
        f"postgresql+psycopg://owner@127.0.0.1:{pg_cluster['port']}/{name}?options=-c%20statement_timeout%3D0"
    )
    runner = CliRunner()
    first = runner.invoke(main, ["migrate", "--url", url])
    assert first.exit_code == 0 and first.stdout.strip() == "schema at revision 0001 (was empty)", (
        first.output
    )
    again = runner.invoke(main, ["migrate", "--url", url])
    assert again.exit_code == 0 and again.stdout.strip() == "schema at revision 0001 (unchanged)"
    bad = runner.invoke(
        main, ["migrate", "--url", url.replace(name, f"{name}_b"), "--service-role", "x; DROP"]
    )
    assert (
        bad.exit_code == 1 and "letters, digits and '_' only" in bad.output and "Traceback" not in bad.output
    )


def test_the_wheelhouse_holds_what_the_witness_imports_and_no_ansible() -> None:
    spec = importlib.util.spec_from_file_location(
        "build_wheelhouse", ROOT / "roles" / "central_witness" / "files" / "build_wheelhouse.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    reqs = mod.requirements(tomllib.loads((ROOT / "pyproject.toml").read_text()))
    names = {r.split("==")[0].split("[")[0].lower() for r in reqs}
    assert {"fastapi", "uvicorn", "psycopg", "psycopg-pool", "alembic", "sqlalchemy"} <= names
    assert {"click", "cryptography", "apprise"} <= names
    assert not names & {"ansible", "ansible-core", "ansible-runner", "netmiko", "matplotlib"}
    assert all("==" in r for r in reqs)  # pinned as in pyproject.toml
