"""``python -m central``: migrate the schema, create the witness key, register a court, serve.

    python -m central migrate --url postgresql+psycopg://owner@host/witness [--service-role R]
    python -m central witness-key --name witness.example/ma --out /etc/sop-central/witness.key
    python -m central witness-vkey --key /etc/sop-central/witness.key   (print its verifier key)
    python -m central add-court --dsn … --court pn-x --vkey 'pn-x.example/sop+…' [--privacy records]
                                [--token-stdin]   (register with a given token; a rerun changes nothing)
    python -m central set-court-key --dsn … --court pn-x --vkey 'pn-x.example/sop+…'   (after a rotation)
    python -m central courts --dsn …       (the courts silent longest first)
    python -m central serve --host 0.0.0.0 --port 8443 --certfile … --keyfile …

``--dsn`` of the admin commands defaults to ``$CENTRAL_ADMIN_DSN`` (a role that may write
``courts``: the schema's owner). ``serve`` reads ``CENTRAL_DSN``, ``CENTRAL_WITNESS_KEY``,
``CENTRAL_APPRISE_URLS`` and serves HTTPS only: it refuses to start without a certificate and key.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
import psycopg

from central.witness import token_digest
from sop_runner.evidence.note import ALG_COSIGNATURE_V1, NoteError, Signer, Verifier

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def migrate(url: str, service_role: str = "sop_witness") -> tuple[str | None, str | None]:
    """Bring the database at the SQLAlchemy ``url`` to the newest schema (Alembic); return the
    schema revision before and after."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    def revision() -> str | None:
        engine = create_engine(url, poolclass=pool.NullPool)
        try:
            with engine.connect() as conn:
                return MigrationContext.configure(conn).get_current_revision()
        finally:
            engine.dispose()

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolation
    cfg.attributes["service_role"] = service_role
    before = revision()
    command.upgrade(cfg, "head")
    return before, revision()


def register_court(dsn: str, court_id: str, vkey: str, privacy: str = "hashes") -> str:
    """Register a court with its verifier key; return its new bearer token (shown once)."""
    token = secrets.token_urlsafe(32)
    ensure_court(dsn, court_id, vkey, token, privacy, existing_ok=False)
    return token


MIN_TOKEN = 32


def ensure_court(
    dsn: str, court_id: str, vkey: str, token: str, privacy: str = "hashes", *, existing_ok: bool = True
) -> bool:
    """Register a court with its verifier key and the given bearer token; return True when it
    was added, False when it is registered exactly so already (``existing_ok``).

    Raise :class:`ValueError` for a token shorter than :data:`MIN_TOKEN` characters or a court
    registered with another key, token or privacy level (a key change is ``set-court-key``)."""
    verifier = Verifier.parse(vkey)
    if len(token) < MIN_TOKEN:
        raise ValueError(f"the token of {court_id} has {len(token)} characters; give at least {MIN_TOKEN}")
    digest = token_digest(token)
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT origin, vkey, token_sha256, privacy FROM courts WHERE court_id = %s", (court_id,)
        ).fetchone()
        if row is not None and existing_ok:
            differs = [
                what
                for what, have, want in (
                    ("key", row[1], verifier.vkey),
                    ("token", row[2], digest),
                    ("privacy level", row[3], privacy),
                )
                if have != want
            ]
            if not differs:
                return False
            raise ValueError(
                f"court {court_id} is registered with another {' and '.join(differs)} "
                "(a rotated key: set-court-key)"
            )
        conn.execute(
            "INSERT INTO courts (court_id, origin, vkey, token_sha256, privacy) VALUES (%s, %s, %s, %s, %s)",
            (court_id, verifier.name, verifier.vkey, digest, privacy),
        )
    return True


@click.group("central", no_args_is_help=True)
def main() -> None:
    """The central witness of the court records."""


def set_court_key(dsn: str, court_id: str, vkey: str) -> str:
    """Register a court's rotated key (same log name); record the change as a finding.

    Return the previous verifier key. Raise :class:`ValueError` for an unknown court or a key
    of another log name."""
    verifier = Verifier.parse(vkey)
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT origin, vkey FROM courts WHERE court_id = %s FOR UPDATE", (court_id,)
        ).fetchone()
        if row is None:
            raise ValueError(f"unknown court {court_id!r}")
        if row[0] != verifier.name:
            raise ValueError(f"court {court_id} signs as {row[0]!r}; the new key is for {verifier.name!r}")
        conn.execute("UPDATE courts SET vkey = %s WHERE court_id = %s", (verifier.vkey, court_id))
        conn.execute(
            "INSERT INTO findings (court_id, severity, code, message) VALUES (%s, 'info', 'key-rotated', %s)",
            (court_id, f"court key {row[1]} replaced by {verifier.vkey}"),
        )
    return str(row[1])


@dataclass(frozen=True)
class CourtRow:
    """One court as the centre sees it."""

    court: str
    privacy: str
    size: int
    witnessed_at: datetime | None
    refused: int


def court_overview(dsn: str) -> list[CourtRow]:
    """Return every court with its last witnessed size and time and its refused checkpoints,
    the courts silent longest first (never witnessed before all)."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            """
            SELECT c.court_id, c.privacy, last.size, last.witnessed_at,
                   (SELECT count(*) FROM refused r WHERE r.court_id = c.court_id)
            FROM courts c
            LEFT JOIN LATERAL (
                SELECT size, witnessed_at FROM checkpoints k WHERE k.court_id = c.court_id
                ORDER BY size DESC LIMIT 1
            ) last ON true
            ORDER BY last.witnessed_at ASC NULLS FIRST, c.court_id
            """
        ).fetchall()
    return [CourtRow(r[0], r[1], r[2] or 0, r[3], r[4]) for r in rows]


_DSN = click.option(
    "--dsn",
    envvar="CENTRAL_ADMIN_DSN",
    required=True,
    help="libpq connection string of a role that may write 'courts' (default: $CENTRAL_ADMIN_DSN).",
)


@main.command("migrate")
@click.option("--url", required=True, help="SQLAlchemy URL of the database (postgresql+psycopg://…).")
@click.option("--service-role", default="sop_witness", show_default=True)
def migrate_cmd(url: str, service_role: str) -> None:
    """Create or upgrade the witness schema; say whether anything changed."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        before, after = migrate(url, service_role)
    except (SQLAlchemyError, ValueError) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    if before == after:
        click.echo(f"schema at revision {after} (unchanged)")
    else:
        click.echo(f"schema at revision {after} (was {before or 'empty'})")


@main.command("witness-key")
@click.option("--name", required=True, help="Witness name, e.g. witness.example/ma.")
@click.option("--out", type=click.Path(path_type=Path), required=True)
def witness_key_cmd(name: str, out: Path) -> None:
    """Create the witness's cosigner key (mode 0600) and print its verifier key."""
    try:
        signer = Signer.generate(name, ALG_COSIGNATURE_V1)
    except NoteError as exc:
        raise click.ClickException(str(exc)) from None
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(signer.skey + "\n")
    click.echo(signer.verifier.vkey)


@main.command("witness-vkey")
@click.option("--key", "key_file", type=click.Path(path_type=Path, dir_okay=False), required=True)
def witness_vkey_cmd(key_file: Path) -> None:
    """Print the verifier key of the witness key in KEY (what the courts configure)."""
    try:
        click.echo(Signer.parse(key_file.read_text(encoding="ascii")).verifier.vkey)
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        raise click.ClickException(f"{key_file}: {getattr(exc, 'strerror', None) or exc}") from None


@main.command("add-court")
@_DSN
@click.option("--court", "court_id", required=True)
@click.option("--vkey", required=True, help="The court's verifier key (sop keys show).")
@click.option("--privacy", type=click.Choice(["hashes", "records"]), default="hashes", show_default=True)
@click.option(
    "--token-stdin",
    is_flag=True,
    help="Take the court's token from standard input; a court already registered so is left as it is.",
)
def add_court_cmd(dsn: str, court_id: str, vkey: str, privacy: str, token_stdin: bool) -> None:
    """Register a court; print its token (give it to the court, it is not stored)."""
    try:
        if not token_stdin:
            click.echo(register_court(dsn, court_id, vkey, privacy))
            return
        token = sys.stdin.read().strip()
        added = ensure_court(dsn, court_id, vkey, token, privacy)
    except (NoteError, ValueError, psycopg.Error) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    click.echo(f"{court_id}: {'registered' if added else 'already registered (unchanged)'}")


@main.command("set-court-key")
@_DSN
@click.option("--court", "court_id", required=True)
@click.option("--vkey", required=True, help="The court's new verifier key (after 'sop keys init --rotate').")
def set_court_key_cmd(dsn: str, court_id: str, vkey: str) -> None:
    """Register a court's rotated key; the change is kept as a finding."""
    try:
        old = set_court_key(dsn, court_id, vkey)
    except (NoteError, ValueError, psycopg.Error) as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    click.echo(f"{court_id}: {old} -> {vkey}")


@main.command("courts")
@_DSN
def courts_cmd(dsn: str) -> None:
    """List the courts, the silent longest first: last witnessed record and time, forks refused."""
    try:
        rows = court_overview(dsn)
    except psycopg.Error as exc:
        raise click.ClickException(str(exc).splitlines()[0]) from None
    for r in rows:
        when = r.witnessed_at.isoformat(timespec="seconds") if r.witnessed_at else "never"
        click.echo(f"{r.court}\t{r.privacy}\t#{r.size}\t{when}\trefused {r.refused}")


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8443, show_default=True)
@click.option("--certfile", type=click.Path(exists=True, dir_okay=False), required=True)
@click.option("--keyfile", type=click.Path(exists=True, dir_okay=False), required=True)
def serve_cmd(host: str, port: int, certfile: str, keyfile: str) -> None:
    """Serve the witness over HTTPS (uvicorn)."""
    import uvicorn

    from central.app import Settings, create_app

    uvicorn.run(
        create_app(Settings.from_env()), host=host, port=port, ssl_certfile=certfile, ssl_keyfile=keyfile
    )
