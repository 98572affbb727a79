#!/usr/bin/python
# -*- coding: utf-8 -*-
# SIPP-3: read SIPP's users, login history and audit trail for a period and analyse them.
"""sipp_user_activity module."""

from __future__ import annotations

DOCUMENTATION = r"""
module: sipp_user_activity
short_description: Analyse SIPP user activity (logins, audit-trail actions, source IPs) per user and role
description:
  - Reads C(sys_users) with their group, C(sys_login_history) and C(sys_audittrail) of a period from
    the SIPP database (read-only, PyMySQL) and returns per-user figures and flagged items
    (off-hours activity, failed-login bursts, one account from many IP addresses, shared
    accounts, accounts still active though unused).
  - The schema is probed at run time (C(information_schema.columns)) - the audit trail's and the
    login history's columns are matched by role among the spellings SIPP versions use, not
    assumed; the result's C(sources) says which tables and columns were read.
  - When C(sys_login_history) does not exist, logins are taken from the audit trail's LOGIN rows;
    a missing audit trail or login history is a finding (C(schema_findings)), never a failure.
  - Never changes anything (changed is always false); supports check mode.
options:
  login_unix_socket: {type: str, default: /run/mysqld/mysqld.sock, description: MariaDB socket.}
  login_host: {type: str, default: "", description: Host instead of the socket.}
  login_port: {type: int, default: 3306, description: Port with login_host.}
  login_user: {type: str, required: true, description: Read-only account.}
  login_password: {type: str, required: true, no_log: true, description: Its password (from vault).}
  database: {type: str, default: sipp, description: SIPP database name.}
  period_days: {type: int, default: 1, description: Period = from midnight this many days ago until now.}
  period_start: {type: str, default: "", description: Explicit start (YYYY-MM-DD[ HH:MM:SS]), overrides period_days.}
  period_end: {type: str, default: "", description: Explicit end (exclusive); default now.}
  queries: {type: dict, default: {}, description: "Override SQL for users, logins, audit (placeholders %(start)s, %(end)s)."}
  office_start: {type: str, default: "07:00", description: Office hours start.}
  office_end: {type: str, default: "17:00", description: Office hours end.}
  office_days: {type: list, elements: int, default: [0, 1, 2, 3, 4], description: Office weekdays (0 = Monday).}
  failed_burst_count: {type: int, default: 5, description: Failed logins that make a burst.}
  failed_burst_minutes: {type: int, default: 10, description: Window of a burst.}
  many_ip_count: {type: int, default: 4, description: Distinct IPs of one account that are flagged.}
  many_ip_hours: {type: int, default: 24, description: Window for many_ip_count.}
  dormant_days: {type: int, default: 90, description: Unused days after which an active account is flagged.}
  group_roles: {type: dict, default: {}, description: SIPP group name (lower case) -> Hakim/PP/JSP; others are "other".}
author: court IT
"""

RETURN = r"""
users: {description: one dict per user seen or known, type: list, returned: always}
flags: {description: flagged items (code, severity, username, role, message, details), type: list, returned: always}
totals: {description: totals and per-role figures, type: dict, returned: always}
period: {description: start and end analysed (server local time), type: dict, returned: always}
csv: {description: the per-user table as CSV text, type: str, returned: always}
sources: {description: "tables and columns read: users, logins (table or audit-trail LOGIN rows), audit, audit_columns, notes", type: dict, returned: always}
schema_findings: {description: optional tables or columns missing (code, severity, message), type: list, returned: always}
"""

import traceback
from datetime import datetime, timedelta

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import pymysql
    import pymysql.cursors

    HAS_PYMYSQL = True
    PYMYSQL_ERR = None
except ImportError:
    HAS_PYMYSQL = False
    PYMYSQL_ERR = traceback.format_exc()

from ansible.module_utils.sipp_activity import ActivityError, Settings, analyse, parse_dt, to_csv
from ansible.module_utils.sipp_schema import audit_query, login_query, read_schema

QUERIES = {
    "users": (
        "SELECT u.username, u.fullname, u.block, u.last_login, g.name AS `group` "
        "FROM sys_users u LEFT JOIN sys_user_group ug ON ug.userid = u.userid "
        "LEFT JOIN sys_groups g ON g.groupid = ug.groupid"
    ),
    "logins": (
        "SELECT username, login_time, logout_time, ip_address, user_agent, status "
        "FROM sys_login_history WHERE login_time >= %(start)s AND login_time < %(end)s"
    ),
    "audit": (
        "SELECT `datetime`, ipaddress, username, action, tablename "
        "FROM sys_audittrail WHERE `datetime` >= %(start)s AND `datetime` < %(end)s"
    ),
}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            login_unix_socket=dict(type="str", default="/run/mysqld/mysqld.sock"),
            login_host=dict(type="str", default=""),
            login_port=dict(type="int", default=3306),
            login_user=dict(type="str", required=True),
            login_password=dict(type="str", required=True, no_log=True),
            database=dict(type="str", default="sipp"),
            period_days=dict(type="int", default=1),
            period_start=dict(type="str", default=""),
            period_end=dict(type="str", default=""),
            queries=dict(type="dict", default={}),
            office_start=dict(type="str", default="07:00"),
            office_end=dict(type="str", default="17:00"),
            office_days=dict(type="list", elements="int", default=[0, 1, 2, 3, 4]),
            failed_burst_count=dict(type="int", default=5),
            failed_burst_minutes=dict(type="int", default=10),
            many_ip_count=dict(type="int", default=4),
            many_ip_hours=dict(type="int", default=24),
            dormant_days=dict(type="int", default=90),
            group_roles=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not HAS_PYMYSQL:
        module.fail_json(msg=missing_required_lib("PyMySQL (python3-pymysql)"), exception=PYMYSQL_ERR)
    unknown = sorted(set(p["queries"]) - set(QUERIES))
    if unknown:
        module.fail_json(msg=f"queries: unknown key(s) {', '.join(unknown)}; use users, logins, audit")
    try:
        settings = Settings(
            office_start=p["office_start"],
            office_end=p["office_end"],
            office_days=p["office_days"],
            failed_burst_count=p["failed_burst_count"],
            failed_burst_minutes=p["failed_burst_minutes"],
            many_ip_count=p["many_ip_count"],
            many_ip_hours=p["many_ip_hours"],
            dormant_days=p["dormant_days"],
            group_roles={k.lower(): v for k, v in p["group_roles"].items()} or None,
        )
        now = datetime.now().replace(microsecond=0)
        if p["period_start"]:
            start = parse_dt(p["period_start"])
        else:
            if p["period_days"] < 1:
                raise ActivityError(f"period_days must be at least 1, got {p['period_days']}")
            start = datetime.combine(now.date() - timedelta(days=p["period_days"]), datetime.min.time())
        end = parse_dt(p["period_end"]) if p["period_end"] else now
        if start is None or end is None:
            raise ActivityError("period_start/period_end must be dates (YYYY-MM-DD[ HH:MM:SS])")
    except ActivityError as exc:
        module.fail_json(msg=str(exc))

    queries = dict(QUERIES, **p["queries"])
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
    args = {"start": start, "end": end}
    try:
        conn = pymysql.connect(**connect)
    except pymysql.err.MySQLError as exc:
        module.fail_json(
            msg=f"cannot connect to database {p['database']} as {p['login_user']}: {exc.args[-1]}"
        )
    sources = {"users": "sys_users + sys_user_group + sys_groups", "logins": None, "audit": None,
               "audit_columns": {}, "notes": []}
    try:
        with conn.cursor() as cur:
            cur.execute("SET SESSION TRANSACTION READ ONLY")
            schema = read_schema(cur, p["database"])
            cur.execute(queries["users"])
            users = list(cur.fetchall())
            logins, audit = [], []
            if "logins" in p["queries"]:
                cur.execute(queries["logins"], args)
                logins = list(cur.fetchall())
                sources["logins"] = "query from the queries option"
            else:
                sql, _mapping, table, notes = login_query(schema)
                sources["notes"] += notes
                if sql:
                    cur.execute(sql, args)
                    logins = list(cur.fetchall())
                    sources["logins"] = table
            if "audit" in p["queries"]:
                cur.execute(queries["audit"], args)
                audit = list(cur.fetchall())
                sources["audit"] = "query from the queries option"
            else:
                sql, mapping, table, notes = audit_query(schema)
                sources["notes"] += notes
                sources["audit_columns"] = mapping
                if sql:
                    cur.execute(sql, args)
                    audit = list(cur.fetchall())
                    sources["audit"] = table
            if sources["logins"] is None and sources["audit"]:
                sources["logins"] = f"{sources['audit']} (aksi LOGIN)"
    except pymysql.err.MySQLError as exc:
        module.fail_json(msg=f"reading SIPP activity from {p['database']} failed: {exc.args[-1]}")
    finally:
        conn.close()
    schema_findings = []
    if sources["audit"] is None:
        schema_findings.append({"severity": "warning", "code": "sipp_audit_unavailable",
                                "message": "Audit trail SIPP tidak terbaca: " + "; ".join(sources["notes"])})
    elif sources["notes"]:
        schema_findings.append({"severity": "info", "code": "sipp_schema_differs",
                                "message": "Skema SIPP berbeda dari yang umum: " + "; ".join(sources["notes"])})

    try:
        result = analyse(users, logins, audit, period_start=start, period_end=end, now=now, settings=settings)
    except ActivityError as exc:
        module.fail_json(msg=f"SIPP data not understood: {exc}")
    module.exit_json(changed=False, csv=to_csv(result), sources=sources, schema_findings=schema_findings, **result)


if __name__ == "__main__":
    main()
