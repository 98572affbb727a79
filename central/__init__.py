"""The central witness (Mahkamah Agung side): receives each court's new record hashes (or
records) and signed checkpoint, checks the court's signature and that the checkpoint only
appends to the last one it witnessed, cosigns it (C2SP tlog-cosignature/v1), and refuses and
keeps forks. PostgreSQL holds the logs; the database itself refuses UPDATE and DELETE on them.

- :mod:`central.witness` -- the checks and the writes, on one psycopg connection;
- :mod:`central.app` -- the HTTP API (FastAPI), one bearer token per court;
- :mod:`central.admin` -- register a court, migrate the schema (Alembic), serve (uvicorn, TLS);
- ``central/migrations`` -- the Alembic migrations.
"""
