"""The witness log: courts, leaves, witnessed and refused checkpoints, findings.

The log tables refuse UPDATE, DELETE and TRUNCATE by a trigger (for every role, the owner
included) and the service role is granted only SELECT and INSERT on them.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import context, op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LOG_TABLES = ("leaves", "checkpoints", "refused", "findings")


def _service_role() -> str:
    role = context.config.attributes.get("service_role") or context.config.get_main_option("service_role")
    role = role or "sop_witness"
    if not role.replace("_", "").isalnum():
        raise ValueError(f"service role {role!r}: letters, digits and '_' only")
    return role


def upgrade() -> None:
    role = _service_role()
    op.execute(
        f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE {role} NOLOGIN;
          END IF;
        END $$;
        """
    )
    op.execute(
        """
        CREATE TABLE courts (
            court_id text PRIMARY KEY CHECK (court_id ~ '^[A-Za-z0-9._-]+$'),
            origin text NOT NULL UNIQUE,
            vkey text NOT NULL,
            token_sha256 text NOT NULL UNIQUE CHECK (length(token_sha256) = 64),
            privacy text NOT NULL DEFAULT 'hashes' CHECK (privacy IN ('hashes', 'records')),
            registered_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE leaves (
            court_id text NOT NULL REFERENCES courts,
            seq bigint NOT NULL CHECK (seq >= 1),
            record_hash bytea NOT NULL CHECK (length(record_hash) = 32),
            record jsonb,
            received_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (court_id, seq)
        );
        CREATE TABLE checkpoints (
            court_id text NOT NULL REFERENCES courts,
            size bigint NOT NULL CHECK (size >= 0),
            root bytea NOT NULL CHECK (length(root) = 32),
            note text NOT NULL,
            cosigned text NOT NULL,
            compact_range bytea[] NOT NULL,
            witnessed_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (court_id, size)
        );
        CREATE TABLE refused (
            id bigserial PRIMARY KEY,
            court_id text NOT NULL REFERENCES courts,
            note text NOT NULL,
            reason text NOT NULL,
            received_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE TABLE findings (
            id bigserial PRIMARY KEY,
            court_id text REFERENCES courts,
            severity text NOT NULL CHECK (severity IN ('info', 'warning', 'high')),
            code text NOT NULL,
            message text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION '% on % refused: the witness log is append-only', TG_OP, TG_TABLE_NAME
            USING ERRCODE = 'insufficient_privilege';
        END $$;
        """
    )
    for table in LOG_TABLES:
        op.execute(
            f"""
            CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION refuse_change();
            CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
            REVOKE ALL ON {table} FROM PUBLIC;
            GRANT SELECT, INSERT ON {table} TO {role};
            """
        )
    op.execute(
        f"""
        REVOKE ALL ON courts FROM PUBLIC;
        GRANT SELECT ON courts TO {role};
        GRANT USAGE ON SEQUENCE refused_id_seq, findings_id_seq TO {role};
        """
    )


def downgrade() -> None:
    raise RuntimeError("the witness log is evidence: its schema is never downgraded")
