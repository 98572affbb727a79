"""SIPP-3 analysis on rows shaped like SIPP's own tables (quirks included)."""

from datetime import datetime, timedelta

import pytest
import sipp_activity as sa

NOW = datetime(2026, 11, 21, 9, 0, 0)
START = datetime(2026, 11, 16)  # Monday
END = NOW
DAY = datetime(2026, 11, 20)  # Friday, the "anomaly day"

USERS = [
    {
        "username": "hakim.ahmad",
        "fullname": "Dr. Ahmad, S.H.",
        "group": "Hakim",
        "block": 0,
        "last_login": "2026-11-20 15:48:11",
    },
    {"username": "pp.rina", "fullname": "Rina, S.H.", "group": "PP", "block": "0", "last_login": DAY},
    {
        "username": "jsp.budi",
        "fullname": "Budi",
        "group": "JSP",
        "block": 0,
        "last_login": "2026-11-19 07:45:00",
    },
    {
        "username": "jsp.dewi",
        "fullname": "Dewi",
        "group": "JSP",
        "block": 0,
        "last_login": "2026-07-20 08:00:00",
    },
    {
        "username": "ptsp",
        "fullname": "Meja PTSP",
        "group": "Staff",
        "block": 0,
        "last_login": "2026-11-20 12:30:03",
    },
    {
        "username": "admin",
        "fullname": "Admin",
        "group": "Admin",
        "block": 0,
        "last_login": "2026-11-19 08:00:00.123456",
    },
    {
        "username": "pensiun",
        "fullname": "Pindah tugas",
        "group": "Hakim",
        "block": 1,
        "last_login": "0000-00-00 00:00:00",
    },
]


def session(user, ip, login, logout, agent="Mozilla/5.0 (Windows NT 10.0) Chrome/119", status="success"):
    return {
        "username": user,
        "login_time": login,
        "logout_time": logout,
        "ip_address": ip,
        "user_agent": agent,
        "status": status,
    }


def audit(user, ip, when, action="UPDATE", table="perkara"):
    return {"datetime": when, "ipaddress": ip, "username": user, "action": action, "tablename": table}


def normal_week():
    logins, trail = [], []
    for d in range(4):  # Mon-Thu, every user at their workstation
        day = START + timedelta(days=d)
        for n, user in enumerate(("hakim.ahmad", "pp.rina", "jsp.budi", "ptsp", "admin")):
            ip = f"192.168.30.{10 + n}"
            login = day.replace(hour=7, minute=45)
            logout = day.replace(hour=15, minute=20)
            logins.append(session(user, ip, login.strftime("%Y-%m-%d %H:%M:%S"), logout))
            trail.append(audit(user, ip, login, "LOGIN", "sys_users"))
            trail.append(audit(user, ip, login + timedelta(hours=2), "INSERT"))
            trail.append(audit(user, ip, logout, "LOGOUT", "sys_users"))
    # the odd typo followed by success is normal
    logins.append(session("pp.rina", "192.168.30.11", "2026-11-17 07:44:40", None, status="failed"))
    return logins, trail


def run(logins, trail, users=USERS, **kw):
    settings = sa.Settings(**kw)
    return sa.analyse(users, logins, trail, period_start=START, period_end=END, now=NOW, settings=settings)


def codes(result):
    return sorted((f["code"], f["username"]) for f in result["flags"])


def test_clean_period_has_no_flags_once_dormant_account_is_blocked():
    users = [dict(u, block=1) if u["username"] == "jsp.dewi" else u for u in USERS]
    result = run(*normal_week(), users=users)
    assert result["flags"] == []
    per_role = result["totals"]["per_role"]
    assert per_role["Hakim"]["logins"] == 4
    assert per_role["PP"]["actions"] == 4
    assert per_role["JSP"]["users"] == 2
    assert per_role["other"]["active_users"] == 2


def test_dormant_account_still_active_is_flagged():
    result = run(*normal_week())
    assert codes(result) == [("dormant_account", "jsp.dewi")]
    flag = result["flags"][0]
    assert flag["role"] == "JSP"
    assert flag["days_unused"] == 124


def test_off_hours_session_is_flagged_with_its_time():
    logins, trail = normal_week()
    logins.append(
        session(
            "pp.rina",
            "192.168.30.11",
            DAY.replace(hour=22, minute=14, second=9),
            DAY.replace(hour=22, minute=47, second=31),
        )
    )
    for m in range(6):
        trail.append(audit("PP.Rina ", "192.168.30.11", f"2026-11-20 22:{20 + m}:00", "update"))
    result = run(logins, trail)
    flags = [f for f in result["flags"] if f["code"] == "off_hours_activity"]
    assert [f["username"] for f in flags] == ["pp.rina"]
    assert flags[0]["events"] == 7  # the login and six actions
    assert flags[0]["first"] == "2026-11-20 22:14:09"
    row = next(r for r in result["users"] if r["username"] == "pp.rina")
    assert row["actions_by_type"] == {"INSERT": 4, "UPDATE": 6}


def test_weekend_counts_as_off_hours():
    logins, trail = normal_week()
    trail.append(audit("admin", "192.168.30.14", "2026-11-21 08:30:00"))
    result = run(logins, trail)
    assert ("off_hours_activity", "admin") in codes(result)


def test_failed_login_burst_from_a_foreign_pc():
    logins, trail = normal_week()
    t = DAY.replace(hour=10, minute=2, second=5)
    for i in range(12):
        logins.append(
            session(
                "jsp.budi",
                "192.168.30.213",
                t + timedelta(seconds=19 * i),
                None,
                agent="python-requests/2.31.0",
                status="failed",
            )
        )
    result = run(logins, trail)
    burst = [f for f in result["flags"] if f["code"] == "failed_login_burst"]
    assert len(burst) == 1
    assert burst[0]["failed"] == 12 and burst[0]["severity"] == "high"
    assert burst[0]["ip_addresses"] == ["192.168.30.213"]


def test_spread_out_failures_are_no_burst():
    logins, trail = normal_week()
    for i in range(6):
        logins.append(
            session(
                "jsp.budi",
                "192.168.30.12",
                START + timedelta(days=i % 4, hours=8, minutes=i),
                None,
                status="Password salah",
            )
        )
    result = run(logins, trail)
    assert "failed_login_burst" not in [c for c, _ in codes(result)]


def test_burst_against_unknown_username():
    logins, trail = normal_week()
    for i in range(8):
        logins.append(
            session("administrator", "192.168.30.99", DAY.replace(hour=3, minute=i), None, status="gagal")
        )
    result = run(logins, trail)
    flag = next(f for f in result["flags"] if f["code"] == "failed_login_burst")
    assert flag["username"] == "administrator" and flag["known_user"] is False


def test_many_ip_addresses_in_one_day_sequential_sessions():
    logins, trail = normal_week()
    for n, (hh, mm) in enumerate([(8, 5), (9, 40), (11, 15), (13, 2), (14, 30), (15, 48)]):
        login = DAY.replace(hour=hh, minute=mm, second=11)
        logins.append(session("hakim.ahmad", f"192.168.30.{200 + n}", login, login + timedelta(minutes=9)))
    result = run(logins, trail)
    assert ("many_ip_addresses", "hakim.ahmad") in codes(result)
    assert ("shared_account", "hakim.ahmad") not in codes(result)


def test_shared_account_overlapping_sessions_without_logout_times():
    logins, trail = normal_week()
    agents = ["Mozilla/5.0 Chrome/119", "Mozilla/5.0 Firefox/120", "Mozilla/5.0 Edg/119"]
    spans = [((7, 58), (15, 40)), ((8, 10), (12, 5)), ((12, 30), (15, 55))]
    for n, ((h1, m1), (h2, m2)) in enumerate(spans):
        ip = f"192.168.30.{11 + n}"
        # real SIPP often has no logout time: the session end comes from the audit trail
        logins.append(session("ptsp", ip, DAY.replace(hour=h1, minute=m1), None, agent=agents[n]))
        trail.append(audit("ptsp", ip, DAY.replace(hour=h2, minute=m2), "INSERT"))
    result = run(logins, trail)
    flag = next(f for f in result["flags"] if f["code"] == "shared_account")
    assert flag["username"] == "ptsp"
    assert flag["overlapping_sessions"] == 2
    assert ("many_ip_addresses", "ptsp") not in codes(result)


def test_logins_fall_back_to_audit_trail_without_login_history():
    _, trail = normal_week()
    result = run([], trail)
    assert result["totals"]["logins"] == 20
    assert result["totals"]["actions"] == 20


def test_rows_outside_the_period_are_ignored():
    logins, trail = normal_week()
    trail.append(audit("admin", "10.0.0.1", "2026-11-01 23:00:00"))
    result = run(logins, trail)
    assert "10.0.0.1" not in next(r for r in result["users"] if r["username"] == "admin")["ip_addresses"]


def test_csv_has_one_row_per_user_and_readable_fields():
    result = run(*normal_week())
    text = sa.to_csv(result)
    lines = text.splitlines()
    assert lines[0].startswith("username,fullname,role,group,blocked")
    assert len(lines) == 1 + len(result["users"])
    assert any(line.startswith("jsp.dewi,Dewi,JSP,JSP,tidak") and "dormant_account" in line for line in lines)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-20 22:14:09", datetime(2026, 11, 20, 22, 14, 9)),
        ("2026-11-20T22:14:09.123456", datetime(2026, 11, 20, 22, 14, 9)),
        (b"2026-11-20 22:14", datetime(2026, 11, 20, 22, 14)),
        ("0000-00-00 00:00:00", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_dt_real_formats(value, expected):
    assert sa.parse_dt(value) == expected


def test_bad_settings_give_one_clear_error():
    with pytest.raises(sa.ActivityError, match="office_end 07:00 must be after office_start 17:00"):
        sa.Settings(office_start="17:00", office_end="07:00")
    with pytest.raises(sa.ActivityError, match="office_start must be HH:MM"):
        sa.Settings(office_start="seven")
    with pytest.raises(sa.ActivityError, match="unreadable date/time"):
        sa.parse_dt("20/11/2026")


@pytest.mark.parametrize(
    ("status", "failed"),
    [
        ("failed", True),
        ("Password salah", True),
        ("gagal", True),
        ("0", True),
        ("success", False),
        ("Login berhasil", False),
        ("1", False),
    ],
)
def test_status_words(status, failed):
    assert sa.is_failed(status) is failed


def test_failed_logins_worded_in_the_audit_trail_count_without_login_history():
    # a SIPP version without sys_login_history writes failed attempts to the audit trail
    _logins, trail = normal_week()
    for i in range(6):
        trail.append(
            audit("hakim.ahmad", "10.9.9.9", DAY.replace(hour=10, minute=i), "LOGIN GAGAL", "sys_users")
        )
    trail.append(audit("pp.rina", "192.168.30.11", DAY.replace(hour=9), "login_failed", "sys_users"))
    result = run([], trail)
    hakim = next(u for u in result["users"] if u["username"] == "hakim.ahmad")
    assert hakim["failed_logins"] == 6 and hakim["logins"] == 4 and hakim["actions"] == 4
    assert ("failed_login_burst", "hakim.ahmad") in codes(result)
    assert next(u for u in result["users"] if u["username"] == "pp.rina")["failed_logins"] == 1
