# -*- coding: utf-8 -*-
# SIPP schema probing for SIPP-1 (online users, SIPP version) and SIPP-3 (audit trail, login
# history): what the installed SIPP version really has, read from information_schema at run time.
"""Probe a SIPP database's schema instead of assuming one SIPP version's table and column names.

SIPP installations differ by version, and not every table name the lab uses is confirmed in
public SIPP material. Everything here works from ``information_schema.columns`` of the SIPP
database (``read_schema``) and says which source it used:

Online users (SIPP-1), first that exists:

1. ``sys_user_online`` (or the configured table): distinct ``userid`` whose last-visit column
   (``last_visit``, ``last_activity``, ``lastvisit``, ``last_access``, ``updated_at``) lies in
   the window;
2. the application's session table, CodeIgniter's database session driver ``ci_sessions``
   (``id``, ``ip_address``, ``timestamp`` as Unix time, ``data``): sessions touched in the
   window whose data carries a ``userid``;
3. recent authenticated activity: distinct usernames with an audit-trail row in the window.

None of them -> no figure and a finding, never a crash.

Audit trail (SIPP-3): the columns are matched by role (time, IP, user, action, table) among the
known spellings; a missing optional column is read as NULL and named in ``notes``; a missing
table or required column gives no query and a note.

SIPP's own version: from the application's configuration files (``application/config/*.php``:
``$config['sipp_version']``, ``['versi_sipp']``, ``['app_version']``, ``['version']``) or from a
``sys_config``-like table (name/value rows whose name is a version key). Its source is recorded.
"""

from __future__ import annotations

import os
import re

ONLINE_TIME_COLUMNS = ("last_visit", "last_activity", "lastvisit", "last_access", "updated_at")
SESSION_TABLES = ("ci_sessions", "sys_sessions", "sessions")
AUDIT_TABLES = ("sys_audittrail", "sys_audit_trail", "audittrail")
LOGIN_TABLES = ("sys_login_history",)
AUDIT_COLUMNS = {
    "datetime": ("datetime", "waktu", "tanggal_waktu", "tanggal", "tgl", "created_at", "log_time", "time"),
    "ipaddress": ("ipaddress", "ip_address", "ip", "host_address", "client_ip"),
    "username": ("username", "user_name", "nama_user", "user"),
    "action": ("action", "aksi", "activity", "aktivitas", "event"),
    "tablename": ("tablename", "table_name", "nama_tabel", "tabel", "modul", "module"),
}
AUDIT_REQUIRED = ("datetime", "username", "action")
LOGIN_COLUMNS = {
    "username": ("username", "user_name"),
    "login_time": ("login_time", "waktu_login", "tanggal_login", "login_at"),
    "logout_time": ("logout_time", "waktu_logout", "tanggal_logout", "logout_at"),
    "ip_address": ("ip_address", "ipaddress", "ip", "host_address"),
    "user_agent": ("user_agent", "browser", "agent"),
    "status": ("status", "keterangan_status", "result"),
}
LOGIN_REQUIRED = ("username", "login_time")
VERSION_KEYS = ("sipp_version", "versi_sipp", "app_version", "versi_aplikasi", "version", "versi")
CONFIG_FILES = ("application/config/config.php", "application/config/sipp.php", "application/config/version.php",
                "application/config/constants.php")
_CONFIG_RE = re.compile(
    r"""\$config\s*\[\s*['"](%s)['"]\s*\]\s*=\s*['"]([^'"]{1,40})['"]""" % "|".join(VERSION_KEYS), re.I
)
_DEFINE_RE = re.compile(r"""define\s*\(\s*['"](SIPP_VERSION|VERSI_SIPP|APP_VERSION)['"]\s*,\s*['"]([^'"]{1,40})['"]""",
                        re.I)
_SESSION_USER_RE = re.compile(r'(?:^|;|\})"?(?:userid|user_id|id_user)"?\|(?:i:(\d+);|s:\d+:"(\d+)";)')
_NAME_RE = re.compile(r"^[A-Za-z0-9_$]+$")


class SchemaError(ValueError):
    """A name that cannot be used in SQL as it is (not a plain MariaDB name)."""


def quote(name: str) -> str:
    """Return a plain MariaDB identifier in backquotes; raise SchemaError for anything else."""
    if not _NAME_RE.match(name or ""):
        raise SchemaError(f"{name!r} is not a plain MariaDB name")
    return f"`{name}`"


def read_schema(cur, database: str) -> dict[str, list[str]]:
    """Given a DB-API cursor (dict or tuple rows) and the database name, return
    {table name (lower case): [column names in order]} from information_schema.columns."""
    cur.execute(
        "SELECT table_name AS t, column_name AS c FROM information_schema.columns "
        "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
        (database,),
    )
    schema: dict[str, list[str]] = {}
    for row in cur.fetchall():
        t, c = (row["t"], row["c"]) if isinstance(row, dict) else (row[0], row[1])
        schema.setdefault(str(t).lower(), []).append(str(c))
    return schema


def pick(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    """Return the first candidate present among ``columns`` (case-insensitive), as spelt there."""
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand in lower:
            return lower[cand]
    return None


def first_table(schema: dict[str, list[str]], names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n.lower() in schema), None)


def _select(table: str, columns: dict[str, str | None], time_key: str) -> str:
    parts = [f"{quote(col)} AS {quote(key)}" if col else f"NULL AS {quote(key)}" for key, col in columns.items()]
    t = quote(columns[time_key])  # type: ignore[arg-type]
    return f"SELECT {', '.join(parts)} FROM {quote(table)} WHERE {t} >= %(start)s AND {t} < %(end)s"


def mapped_query(schema, tables, wanted, required, time_key, what):
    """Build the period query of a table whose columns are matched by role. Return
    (sql or None, {role: column or None}, table or None, notes)."""
    table = first_table(schema, tables)
    if table is None:
        return None, {}, None, [f"tabel {what} ({', '.join(tables)}) tidak ada di database"]
    cols = schema[table.lower()]
    mapping = {key: pick(cols, cands) for key, cands in wanted.items()}
    missing = [k for k in required if mapping[k] is None]
    if missing:
        return None, mapping, table, [
            f"tabel {table} tidak punya kolom {', '.join(missing)} (kolom yang ada: {', '.join(cols)})"
        ]
    notes = [f"kolom {k} tidak ada di {table}: dibaca kosong" for k, v in mapping.items() if v is None]
    return _select(table, mapping, time_key), mapping, table, notes


def audit_query(schema: dict[str, list[str]]):
    """The audit-trail query of the period with columns probed, not assumed."""
    return mapped_query(schema, AUDIT_TABLES, AUDIT_COLUMNS, AUDIT_REQUIRED, "datetime", "audit trail")


def login_query(schema: dict[str, list[str]]):
    """The login-history query of the period (None when the table does not exist)."""
    return mapped_query(schema, LOGIN_TABLES, LOGIN_COLUMNS, LOGIN_REQUIRED, "login_time", "riwayat login")


def _rows(cur, sql: str, args=None) -> list[dict]:
    cur.execute(sql, args)
    out = []
    for row in cur.fetchall():
        out.append(row if isinstance(row, dict) else dict(zip([d[0] for d in cur.description], row, strict=False)))
    return out


def _groups_by(cur, schema: dict[str, list[str]], key: str, values: list) -> dict:
    """Map userids (key='userid') or usernames (key='username') to their SIPP group name."""
    if not values or not {"sys_users", "sys_user_group", "sys_groups"} <= set(schema):
        return {}
    marks = ", ".join(["%s"] * len(values))
    rows = _rows(
        cur,
        "SELECT u.userid AS userid, u.username AS username, COALESCE(g.name, '') AS grp FROM sys_users u "
        "LEFT JOIN sys_user_group ug ON ug.userid = u.userid LEFT JOIN sys_groups g ON g.groupid = ug.groupid "
        f"WHERE u.{key} IN ({marks})",
        tuple(values),
    )
    out: dict = {}
    for r in rows:
        k = r[key] if key == "userid" else str(r[key]).strip().lower()
        out.setdefault(int(k) if key == "userid" else k, r["grp"] or "")
    return out


def session_userids(data) -> int | None:
    """Given a CodeIgniter session ``data`` value (PHP session encoding, e.g.
    ``__ci_last_regenerate|i:1732000000;userid|s:2:"12";``), return the userid or None."""
    if data is None:
        return None
    if isinstance(data, (bytes, bytearray)):
        data = bytes(data).decode("utf-8", "replace")
    m = _SESSION_USER_RE.search(str(data))
    if not m:
        return None
    return int(m.group(1) or m.group(2))


def count_online(cur, schema: dict[str, list[str]], minutes: int, online_table: str = "sys_user_online") -> dict:
    """Return {"source", "users", "per_group" {group name: distinct users}, "notes"}; source
    None when no source exists (users and per_group are then None). The window ends at the
    database server's NOW() (the times in SIPP's tables are its local times)."""
    minutes = int(minutes)
    notes: list[str] = []
    table = online_table.lower()
    if table in schema:
        cols = schema[table]
        tcol = pick(cols, ONLINE_TIME_COLUMNS)
        ucol = pick(cols, ("userid", "user_id", "id_user"))
        if tcol and ucol:
            rows = _rows(
                cur,
                f"SELECT DISTINCT {quote(ucol)} AS userid FROM {quote(online_table)} "
                f"WHERE {quote(tcol)} >= NOW() - INTERVAL %s MINUTE",
                (minutes,),
            )
            ids = [int(r["userid"]) for r in rows if r["userid"] is not None]
            return _result(online_table, ids, _groups_by(cur, schema, "userid", ids), notes)
        notes.append(f"tabel {online_table} tanpa kolom userid/waktu kunjungan (kolom: {', '.join(cols)})")
    else:
        notes.append(f"tabel {online_table} tidak ada")
    session = first_table(schema, SESSION_TABLES)
    if session:
        cols = schema[session.lower()]
        tcol, dcol = pick(cols, ("timestamp", "last_activity")), pick(cols, ("data", "user_data"))
        if tcol and dcol:
            rows = _rows(
                cur,
                f"SELECT {quote(dcol)} AS data FROM {quote(session)} "
                f"WHERE {quote(tcol)} >= UNIX_TIMESTAMP(NOW() - INTERVAL %s MINUTE)",
                (minutes,),
            )
            ids = sorted({u for u in (session_userids(r["data"]) for r in rows) if u is not None})
            return _result(session, ids, _groups_by(cur, schema, "userid", ids), notes)
        notes.append(f"tabel sesi {session} tanpa kolom timestamp/data")
    sql, mapping, audit, audit_notes = audit_query(schema)
    if sql is not None and audit is not None:
        rows = _rows(
            cur,
            f"SELECT DISTINCT {quote(mapping['username'])} AS username FROM {quote(audit)} "
            f"WHERE {quote(mapping['datetime'])} >= NOW() - INTERVAL %s MINUTE",
            (minutes,),
        )
        names = sorted({str(r["username"]).strip().lower() for r in rows if r["username"]})
        return _result(f"{audit} (aktivitas {minutes} menit terakhir)", names,
                       _groups_by(cur, schema, "username", names), notes)
    notes += audit_notes
    return {"source": None, "users": None, "per_group": None, "notes": notes}


def _result(source: str, keys: list, groups: dict, notes: list[str]) -> dict:
    per_group: dict[str, int] = {}
    for k in keys:
        g = groups.get(k, "")
        per_group[g] = per_group.get(g, 0) + 1
    return {"source": source, "users": len(keys), "per_group": per_group, "notes": notes}


def version_from_files(app_path: str) -> tuple[str | None, str | None]:
    """Return (version, file) from SIPP's configuration files, or (None, None)."""
    for rel in CONFIG_FILES:
        path = os.path.join(app_path, rel)
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                text = fh.read(200_000)
        except OSError:
            continue
        m = _CONFIG_RE.search(text) or _DEFINE_RE.search(text)
        if m:
            return m.group(2).strip(), path
    return None, None


def version_from_db(cur, schema: dict[str, list[str]]) -> tuple[str | None, str | None]:
    """Return (version, "table.column") from a name/value configuration table, or (None, None)."""
    for table in ("sys_config", "sys_configs", "config", "sys_setting", "sys_settings"):
        cols = schema.get(table)
        if not cols:
            continue
        name = pick(cols, ("name", "nama", "key", "config_name", "variable"))
        value = pick(cols, ("value", "nilai", "val", "config_value"))
        if not name or not value:
            continue
        marks = ", ".join(["%s"] * len(VERSION_KEYS))
        rows = _rows(
            cur,
            f"SELECT {quote(name)} AS k, {quote(value)} AS v FROM {quote(table)} WHERE LOWER({quote(name)}) IN ({marks})",
            VERSION_KEYS,
        )
        order = {k: i for i, k in enumerate(VERSION_KEYS)}
        rows = sorted((r for r in rows if r["v"]), key=lambda r: order.get(str(r["k"]).lower(), 99))
        if rows:
            return str(rows[0]["v"]).strip(), f"{table}.{value} ({rows[0]['k']})"
    return None, None


def sipp_version(cur, schema: dict[str, list[str]], app_path: str) -> dict:
    """Return {"version", "source"}: the configuration files first, then the database."""
    version, path = version_from_files(app_path) if app_path else (None, None)
    if version:
        return {"version": version, "source": "file:" + path}
    version, where = version_from_db(cur, schema)
    if version:
        return {"version": version, "source": "db:" + where}
    return {"version": None, "source": None}
