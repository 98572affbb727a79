"""SIPP schema probing (SIPP-1 online users and version, SIPP-3 audit-trail columns) against the
shapes different SIPP versions have: a fake DB-API cursor answers information_schema and the
queries the probe builds, and records what it was asked."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import ansible.module_utils
import pytest
import sipp_schema as ss

ROOT = Path(__file__).resolve().parents[3]
if str(ROOT / "module_utils") not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(str(ROOT / "module_utils"))
sys.path.insert(0, str(ROOT / "library"))
import sipp_schema_probe  # noqa: E402

STANDARD = {
    "sys_users": ["userid", "username", "fullname", "block", "last_login"],
    "sys_groups": ["groupid", "name"],
    "sys_user_group": ["userid", "groupid"],
    "sys_user_online": ["id", "session_id", "userid", "host_address", "login_time", "last_visit"],
    "sys_login_history": ["id", "userid", "username", "login_time", "logout_time", "ip_address", "user_agent",
                          "status"],
    "sys_audittrail": ["id", "datetime", "ipaddress", "username", "tablename", "action", "title"],
}  # fmt: skip
LEGACY = {
    "sys_users": STANDARD["sys_users"],
    "sys_groups": STANDARD["sys_groups"],
    "sys_user_group": STANDARD["sys_user_group"],
    "ci_sessions": ["id", "ip_address", "timestamp", "data"],
    "sys_audittrail": ["id", "waktu", "ip_address", "username", "aksi", "keterangan"],
    "sys_config": ["id", "name", "value"],
}
GROUPS = [
    {"userid": 1, "username": "hakim.ahmad", "grp": "Hakim"},
    {"userid": 2, "username": "pp.rina", "grp": "PP"},
    {"userid": 3, "username": "jsp.budi", "grp": "JSP"},
]


class Cursor:
    """Answers by the table a query reads; ``answers`` maps a table name to rows."""

    def __init__(self, schema: dict[str, list[str]], answers: dict[str, list[dict]]):
        self.schema, self.answers, self.queries = schema, answers, []
        self._rows: list = []
        self.description = None

    def execute(self, sql, args=None):
        self.queries.append((sql, args))
        if "information_schema.columns" in sql:
            self._rows = [{"t": t.upper() if t == "sys_users" else t, "c": c}
                          for t, cols in self.schema.items() for c in cols]  # fmt: skip
            return
        if "LEFT JOIN sys_user_group" in sql:
            key = "userid" if "u.userid IN" in sql else "username"
            self._rows = [g for g in GROUPS if g[key] in args]
            return
        table = re.search(r"FROM `(\w+)`", sql).group(1)
        self._rows = self.answers.get(table, [])

    def fetchall(self):
        return self._rows


def test_schema_is_read_per_table_in_lower_case():
    cur = Cursor(STANDARD, {})
    schema = ss.read_schema(cur, "sipp")
    assert schema["sys_users"] == STANDARD["sys_users"] and cur.queries[0][1] == ("sipp",)


def test_online_users_from_sys_user_online():
    cur = Cursor(STANDARD, {"sys_user_online": [{"userid": 1}, {"userid": 2}, {"userid": 3}]})
    out = ss.count_online(cur, ss.read_schema(cur, "sipp"), 15)
    assert out == {"source": "sys_user_online", "users": 3, "per_group": {"Hakim": 1, "PP": 1, "JSP": 1},
                   "notes": []}  # fmt: skip
    sql, args = cur.queries[1]
    assert "`last_visit` >= NOW() - INTERVAL %s MINUTE" in sql and args == (15,)


def test_online_users_from_the_codeigniter_session_table():
    sessions = [
        {"data": b'__ci_last_regenerate|i:1732000000;userid|s:1:"2";username|s:7:"pp.rina";'},
        {"data": "__ci_last_regenerate|i:1732000001;userid|i:3;"},
        {"data": "__ci_last_regenerate|i:1732000002;"},  # the login page, nobody logged in
        {"data": 'userid|s:1:"2";'},  # the same user in a second browser
    ]
    cur = Cursor(LEGACY, {"ci_sessions": sessions})
    out = ss.count_online(cur, ss.read_schema(cur, "sipp"), 15)
    assert out["source"] == "ci_sessions" and out["users"] == 2 and out["per_group"] == {"PP": 1, "JSP": 1}
    assert out["notes"] == ["tabel sys_user_online tidak ada"]
    assert "UNIX_TIMESTAMP(NOW() - INTERVAL %s MINUTE)" in cur.queries[1][0]


def test_online_users_from_recent_audit_activity_when_no_session_table():
    schema = {k: v for k, v in LEGACY.items() if k != "ci_sessions"}
    cur = Cursor(schema, {"sys_audittrail": [{"username": " Hakim.Ahmad "}, {"username": "pp.rina"}]})
    out = ss.count_online(cur, ss.read_schema(cur, "sipp"), 30)
    assert out["source"] == "sys_audittrail (aktivitas 30 menit terakhir)"
    assert out["users"] == 2 and out["per_group"] == {"Hakim": 1, "PP": 1}
    assert "`waktu` >= NOW() - INTERVAL %s MINUTE" in cur.queries[1][0]


def test_no_source_of_online_users_is_a_finding_not_a_crash():
    schema = {"sys_users": STANDARD["sys_users"]}
    cur = Cursor(schema, {})
    out = ss.count_online(cur, ss.read_schema(cur, "sipp"), 15)
    assert out["source"] is None and out["users"] is None
    found = sipp_schema_probe.probe_findings(out, {"version": "4.5.1", "source": "file:x"}, 15)
    assert [f["code"] for f in found] == ["sipp_online_unknown"]
    assert "sys_user_online tidak ada" in found[0]["message"]


def test_audit_columns_are_probed_not_assumed():
    sql, mapping, table, notes = ss.audit_query(ss.read_schema(Cursor(LEGACY, {}), "sipp"))
    assert table == "sys_audittrail"
    assert mapping == {
        "datetime": "waktu",
        "ipaddress": "ip_address",
        "username": "username",
        "action": "aksi",
        "tablename": None,
    }
    assert sql == (
        "SELECT `waktu` AS `datetime`, `ip_address` AS `ipaddress`, `username` AS `username`, "
        "`aksi` AS `action`, NULL AS `tablename` FROM `sys_audittrail` "
        "WHERE `waktu` >= %(start)s AND `waktu` < %(end)s"
    )
    assert notes == ["kolom tablename tidak ada di sys_audittrail: dibaca kosong"]


def test_audit_standard_columns_and_missing_tables():
    sql, mapping, _t, notes = ss.audit_query(STANDARD)
    assert mapping["datetime"] == "datetime" and notes == [] and "`tablename` AS `tablename`" in sql
    assert ss.login_query(LEGACY)[0] is None
    assert ss.login_query(LEGACY)[3] == ["tabel riwayat login (sys_login_history) tidak ada di database"]
    sql, _m, _t, notes = ss.audit_query({"sys_audittrail": ["id", "waktu", "ip"]})
    assert sql is None and notes[0].startswith("tabel sys_audittrail tidak punya kolom username, action")


def test_version_from_the_application_config(tmp_path):
    conf = tmp_path / "application" / "config"
    conf.mkdir(parents=True)
    (conf / "config.php").write_text(
        "<?php\n$config['base_url'] = '';\n$config[\"sipp_version\"] = '4.5.1';\n", encoding="utf-8"
    )
    cur = Cursor(LEGACY, {})
    assert ss.sipp_version(cur, LEGACY, str(tmp_path)) == {
        "version": "4.5.1",
        "source": "file:" + str(conf / "config.php"),
    }


def test_version_from_sys_config_when_no_file(tmp_path):
    cur = Cursor(
        LEGACY, {"sys_config": [{"k": "version", "v": "3.2.0-8"}, {"k": "VERSI_SIPP", "v": "3.2.0-9"}]}
    )
    out = ss.sipp_version(cur, LEGACY, str(tmp_path))
    assert out == {"version": "3.2.0-9", "source": "db:sys_config.value (VERSI_SIPP)"}


def test_version_unknown_is_an_info_finding(tmp_path):
    cur = Cursor(STANDARD, {})
    version = ss.sipp_version(cur, STANDARD, str(tmp_path))
    assert version == {"version": None, "source": None}
    online = {"source": "sys_user_online", "users": 0, "per_group": {}, "notes": []}
    assert [f["code"] for f in sipp_schema_probe.probe_findings(online, version, 15)] == [
        "sipp_version_unknown"
    ]


@pytest.mark.parametrize("name", ["sys_user_online; DROP TABLE x", "a`b", ""])
def test_names_that_are_not_plain_are_refused(name):
    with pytest.raises(ss.SchemaError):
        ss.quote(name)


def test_session_data_shapes():
    assert ss.session_userids('userid|s:2:"12";') == 12
    assert ss.session_userids("a|i:1;userid|i:7;") == 7
    assert ss.session_userids("foo_userid|i:7;") is None
    assert ss.session_userids(None) is None
