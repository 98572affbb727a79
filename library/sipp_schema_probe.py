#!/usr/bin/python
# -*- coding: utf-8 -*-
# SIPP-1: online users and SIPP's own version, from whatever this SIPP version's schema has.
"""sipp_schema_probe module."""

from __future__ import annotations

DOCUMENTATION = r"""
module: sipp_schema_probe
short_description: Probe the SIPP schema at run time; count online users and read SIPP's version
description:
  - Reads C(information_schema.columns) of the SIPP database (read-only, PyMySQL), then counts the
    users online in the last I(online_minutes) from the first source that exists -
    C(sys_user_online) (or I(online_table)), the application's session table (CodeIgniter
    C(ci_sessions)), or recent audit-trail activity - and says which source it used.
  - Reads SIPP's own version from its configuration files below I(app_path) or from a
    C(sys_config)-like name/value table, and says where.
  - A database without an optional table gives a finding, never a failure. Never changes anything.
options:
  login_unix_socket: {type: str, default: /run/mysqld/mysqld.sock, description: MariaDB socket.}
  login_host: {type: str, default: "", description: Host instead of the socket.}
  login_port: {type: int, default: 3306, description: Port with login_host.}
  login_user: {type: str, required: true, description: Read-only account.}
  login_password: {type: str, required: true, no_log: true, description: Its password (from vault).}
  database: {type: str, default: sipp, description: SIPP database name.}
  online_minutes: {type: int, default: 15, description: A user seen within this many minutes is online.}
  online_table: {type: str, default: sys_user_online, description: Preferred online-users table.}
  app_path: {type: str, default: /var/www/html/SIPP, description: SIPP's folder (its application/config is read).}
author: court IT
"""

RETURN = r"""
online: {description: "source (table used, or null), users, per_group {SIPP group: users}, notes", type: dict, returned: always}
sipp_version: {description: "version and source (file:<path> or db:<table.column>), null when not found", type: dict, returned: always}
tables: {description: the SIPP tables the probe relied on and whether they exist, type: dict, returned: always}
findings: {description: what could not be found (code, severity, message), type: list, returned: always}
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import pymysql
    import pymysql.cursors

    HAS_PYMYSQL = True
    PYMYSQL_ERR = None
except ImportError:
    HAS_PYMYSQL = False
    PYMYSQL_ERR = traceback.format_exc()

from ansible.module_utils.sipp_schema import (
    AUDIT_TABLES,
    LOGIN_TABLES,
    SESSION_TABLES,
    SchemaError,
    count_online,
    quote,
    read_schema,
    sipp_version,
)


def probe_findings(online: dict, version: dict, minutes: int) -> list[dict]:
    """The findings of a probe: no source of online users (warning), version not found (info),
    online users read from a fallback (info, so the report says it)."""
    out = []
    if online["source"] is None:
        out.append({
            "severity": "warning",
            "code": "sipp_online_unknown",
            "message": "Jumlah pengguna online tidak dapat dihitung: " + "; ".join(online["notes"]),
        })
    elif online["notes"]:
        out.append({
            "severity": "info",
            "code": "sipp_online_fallback",
            "message": "Pengguna online (%d menit) dihitung dari %s: %s" % (
                minutes, online["source"], "; ".join(online["notes"])),
        })
    if not version["version"]:
        out.append({
            "severity": "info",
            "code": "sipp_version_unknown",
            "message": "Versi SIPP tidak ditemukan di konfigurasi aplikasi maupun di database",
        })
    return out


def main():
    module = AnsibleModule(
        argument_spec=dict(
            login_unix_socket=dict(type="str", default="/run/mysqld/mysqld.sock"),
            login_host=dict(type="str", default=""),
            login_port=dict(type="int", default=3306),
            login_user=dict(type="str", required=True),
            login_password=dict(type="str", required=True, no_log=True),
            database=dict(type="str", default="sipp"),
            online_minutes=dict(type="int", default=15),
            online_table=dict(type="str", default="sys_user_online"),
            app_path=dict(type="str", default="/var/www/html/SIPP"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not HAS_PYMYSQL:
        module.fail_json(msg=missing_required_lib("PyMySQL (python3-pymysql)"), exception=PYMYSQL_ERR)
    if p["online_minutes"] < 1:
        module.fail_json(msg=f"online_minutes must be at least 1, got {p['online_minutes']}")
    try:
        quote(p["online_table"])
        quote(p["database"])
    except SchemaError as exc:
        module.fail_json(msg=str(exc))
    connect = dict(
        user=p["login_user"],
        password=p["login_password"],
        database=p["database"],
        charset="utf8mb4",
        cursorclass=pymysql.cursors.DictCursor,
        connect_timeout=10,
    )
    if p["login_host"]:
        connect.update(host=p["login_host"], port=p["login_port"])
    else:
        connect["unix_socket"] = p["login_unix_socket"]
    try:
        conn = pymysql.connect(**connect)
    except pymysql.err.MySQLError as exc:
        module.fail_json(msg=f"cannot connect to database {p['database']} as {p['login_user']}: {exc.args[-1]}")
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            schema = read_schema(cur, p["database"])
            online = count_online(cur, schema, p["online_minutes"], p["online_table"])
            version = sipp_version(cur, schema, p["app_path"])
    except pymysql.err.MySQLError as exc:
        module.fail_json(msg=f"probing the SIPP schema of {p['database']} failed: {exc.args[-1]}")
    finally:
        conn.close()
    tables = {
        name: name in schema
        for name in (p["online_table"].lower(), *SESSION_TABLES, *AUDIT_TABLES, *LOGIN_TABLES, "sys_config")
    }
    module.exit_json(
        changed=False,
        online=online,
        sipp_version=version,
        tables=tables,
        findings=probe_findings(online, version, p["online_minutes"]),
    )


if __name__ == "__main__":
    main()
