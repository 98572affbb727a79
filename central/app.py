"""The witness's HTTP API (FastAPI). Every call carries ``Authorization: Bearer <court token>``.

- ``POST /v1/checkpoints`` -- a push (see :mod:`central.witness`); 200 with the cosignature,
  409 with ``{"error": "stale", "witnessed_size": N}`` or ``{"error": "fork"|"mismatch"}``.
- ``GET /v1/checkpoints/latest`` -- the court's last witnessed (cosigned) checkpoint.
- ``GET /v1/leaves?start=S&end=E`` -- the record hashes the witness holds for the court.

Connections come from a pool opened with the application (its lifespan); the witness serves
HTTPS only (see :mod:`central.admin`).
"""

# no "from __future__ import annotations": FastAPI reads these annotations at runtime

import contextlib
import os
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import psycopg
from fastapi import Body, Depends, FastAPI, Header, Request
from fastapi.responses import JSONResponse
from psycopg_pool import ConnectionPool

from central.witness import Court, Push, WitnessError, authenticate, leaf_page, witness, witnessed
from sop_runner.evidence.note import Signer


@dataclass(frozen=True)
class Settings:
    """Where the database is, the witness's cosigner key, and where alarms go."""

    dsn: str
    key: Signer
    apprise_urls: tuple[str, ...] = ()
    pool_size: int = 8

    @classmethod
    def from_env(cls) -> "Settings":
        """Read ``CENTRAL_DSN``, ``CENTRAL_WITNESS_KEY`` (a key file) and ``CENTRAL_APPRISE_URLS``."""
        try:
            dsn = os.environ["CENTRAL_DSN"]
            key = Signer.parse(Path(os.environ["CENTRAL_WITNESS_KEY"]).read_text(encoding="ascii"))
        except KeyError as exc:
            raise SystemExit(f"central: {exc.args[0]} is not set") from None
        urls = tuple(u for u in os.environ.get("CENTRAL_APPRISE_URLS", "").split() if u)
        return cls(dsn, key, urls)


def apprise_alarm(urls: tuple[str, ...]) -> Callable[[str, str], None] | None:
    """Return a function sending an alarm to these Apprise URLs (None when there are none)."""
    if not urls:
        return None

    def send(title: str, body: str) -> None:
        import apprise

        ap = apprise.Apprise()
        for u in urls:
            ap.add(u)
        ap.notify(title=title, body=body)

    return send


def create_app(settings: Settings) -> FastAPI:
    """Return the witness application for these settings."""
    pool = ConnectionPool(settings.dsn, min_size=1, max_size=settings.pool_size, open=False)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pool.open(wait=True, timeout=30)
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="SOP records witness", docs_url=None, redoc_url=None, lifespan=lifespan)
    alarm = apprise_alarm(settings.apprise_urls)

    def connection() -> Iterator[psycopg.Connection[Any]]:
        with pool.connection() as conn:
            yield conn

    Conn = Annotated[psycopg.Connection[Any], Depends(connection)]

    def court(conn: Conn, authorization: Annotated[str, Header()] = "") -> Court:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise WitnessError(401, "unauthenticated", "missing 'Authorization: Bearer <court token>'")
        found = authenticate(conn, token.strip())
        conn.rollback()
        return found

    @app.exception_handler(WitnessError)
    async def _witness_error(_: Request, exc: WitnessError) -> JSONResponse:
        return JSONResponse({"error": exc.code, "detail": exc.message, **exc.extra}, status_code=exc.status)

    @app.post("/v1/checkpoints")
    def post_checkpoint(
        body: Annotated[dict[str, Any], Body()], conn: Conn, who: Annotated[Court, Depends(court)]
    ) -> dict[str, Any]:
        return witness(conn, who, Push.from_json(body), settings.key, alarm=alarm)

    @app.get("/v1/checkpoints/latest")
    def latest(conn: Conn, who: Annotated[Court, Depends(court)]) -> dict[str, Any]:
        return witnessed(conn, who)

    @app.get("/v1/leaves")
    def leaves(conn: Conn, who: Annotated[Court, Depends(court)], start: int, end: int) -> dict[str, Any]:
        return leaf_page(conn, who, start, end)

    return app
