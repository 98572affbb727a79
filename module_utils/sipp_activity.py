# -*- coding: utf-8 -*-
# SIPP-3 user activity analysis: pure functions over rows read from SIPP's tables, shared by the
# sipp_user_activity module and its unit tests. No database access here.
"""Analyse SIPP login history and audit trail rows per user and role, and flag anomalies.

Rows come from ``sys_users`` (+ ``sys_user_group``/``sys_groups``), ``sys_login_history`` and
``sys_audittrail`` as dicts. Real SIPP data has quirks this code accepts: datetimes as
``datetime`` objects or strings (with or without fractional seconds), MySQL zero dates
(``0000-00-00 00:00:00``), NULL logout times (a session that simply expired), actions in any
case (``LOGIN``, ``Login``), status words in Indonesian or English, usernames with stray
whitespace or upper case, and login attempts for usernames that do not exist.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta

ROLES = ("Hakim", "PP", "JSP", "other")
DEFAULT_GROUP_ROLES = {
    "hakim": "Hakim",
    "pp": "PP",
    "panitera pengganti": "PP",
    "jsp": "JSP",
    "jurusita pengganti": "JSP",
    "jurusita": "JSP",
}
FAILED_WORDS = ("fail", "gagal", "salah", "invalid", "denied", "ditolak", "wrong")
SUCCESS_WORDS = ("success", "sukses", "berhasil", "ok", "1")
LOGIN_ACTIONS = ("login",)
LOGOUT_ACTIONS = ("logout",)
CSV_FIELDS = (
    "username",
    "fullname",
    "role",
    "group",
    "blocked",
    "logins",
    "failed_logins",
    "actions",
    "ip_addresses",
    "first_activity",
    "last_activity",
    "last_login",
    "off_hours_events",
    "flags",
)


class ActivityError(ValueError):
    """Raised for settings the analysis cannot work with (bad office hours, bad dates)."""


def parse_dt(value: object) -> datetime | None:
    """Given a value from a DATETIME/TIMESTAMP/VARCHAR column, return a naive datetime or None.

    Accepts datetime/date objects, ``YYYY-MM-DD HH:MM:SS[.ffffff]``, ``YYYY-MM-DDTHH:MM:SS`` and
    ``YYYY-MM-DD``; zero dates, empty strings and NULL give None. Raise ActivityError for text
    that is none of these.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return datetime.combine(value, time())
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).strip()
    if not text or text.startswith("0000-00-00"):
        return None
    text = text.replace("T", " ")
    if "." in text:
        text = text.split(".", 1)[0]
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ActivityError(f"unreadable date/time {value!r}")


def parse_hhmm(value: str, what: str) -> time:
    """Given ``HH:MM``, return a time. Raise ActivityError naming ``what`` otherwise."""
    try:
        hh, mm = str(value).split(":")
        return time(int(hh), int(mm))
    except (ValueError, TypeError):
        raise ActivityError(f"{what} must be HH:MM, got {value!r}") from None


def norm_user(value: object) -> str:
    """Return a username as SIPP compares it: stripped, lower case ('' for NULL)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip().lower()


def role_of(group: object, group_roles: dict[str, str] | None = None) -> str:
    """Given a SIPP group name, return Hakim, PP, JSP or other (mapping by lower-case name)."""
    mapping = {k.strip().lower(): v for k, v in (group_roles or DEFAULT_GROUP_ROLES).items()}
    name = norm_user(group)
    return mapping.get(name, "other")


def is_failed(status: object) -> bool:
    """Given a login-history status (``failed``, ``gagal``, ``0``, ``success``, …), say if it failed."""
    text = norm_user(status)
    if text in ("0", "f", "n", "no", "false"):
        return True
    if text in SUCCESS_WORDS or text == "":
        return False
    return any(w in text for w in FAILED_WORDS)


def _failed_login_action(action: str) -> bool:
    """Is this audit-trail action a failed login ("login gagal", "login_failed")?"""
    return "login" in action and action not in LOGIN_ACTIONS and is_failed(action)


class Settings:
    """Thresholds and office hours of the analysis (all from role variables)."""

    def __init__(
        self,
        *,
        office_start: str = "07:00",
        office_end: str = "17:00",
        office_days: list[int] | None = None,
        failed_burst_count: int = 5,
        failed_burst_minutes: int = 10,
        many_ip_count: int = 4,
        many_ip_hours: int = 24,
        dormant_days: int = 90,
        session_default_minutes: int = 30,
        group_roles: dict[str, str] | None = None,
    ) -> None:
        self.office_start = parse_hhmm(office_start, "office_start")
        self.office_end = parse_hhmm(office_end, "office_end")
        if self.office_end <= self.office_start:
            raise ActivityError(f"office_end {office_end} must be after office_start {office_start}")
        self.office_days = list(range(5)) if office_days is None else [int(d) for d in office_days]
        if any(d < 0 or d > 6 for d in self.office_days):
            raise ActivityError("office_days are weekday numbers 0 (Monday) … 6 (Sunday)")
        for name, val in (
            ("failed_burst_count", failed_burst_count),
            ("failed_burst_minutes", failed_burst_minutes),
            ("many_ip_count", many_ip_count),
            ("many_ip_hours", many_ip_hours),
            ("dormant_days", dormant_days),
        ):
            if int(val) < 1:
                raise ActivityError(f"{name} must be at least 1, got {val}")
        self.failed_burst_count = int(failed_burst_count)
        self.failed_burst = timedelta(minutes=int(failed_burst_minutes))
        self.many_ip_count = int(many_ip_count)
        self.many_ip_window = timedelta(hours=int(many_ip_hours))
        self.dormant = timedelta(days=int(dormant_days))
        self.session_default = timedelta(minutes=int(session_default_minutes))
        self.group_roles = group_roles or DEFAULT_GROUP_ROLES

    def off_hours(self, when: datetime) -> bool:
        """Say whether ``when`` lies outside office days/hours."""
        if when.weekday() not in self.office_days:
            return True
        return not (self.office_start <= when.time() < self.office_end)


def _flag(code: str, severity: str, username: str, role: str, message: str, **detail: object) -> dict:
    return {
        "code": code,
        "severity": severity,
        "username": username,
        "role": role,
        "message": message,
        **detail,
    }


def analyse(
    users: list[dict],
    logins: list[dict],
    audit: list[dict],
    *,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    settings: Settings,
) -> dict:
    """Given user rows (username, fullname, group, block, last_login), login-history rows
    (username, login_time, logout_time, ip_address, user_agent, status) and audit-trail rows
    (datetime, ipaddress, username, action, tablename) of the period [period_start, period_end),
    return ``{"users": [...], "flags": [...], "totals": {...}}``.

    When ``logins`` is empty but the audit trail has LOGIN actions (SIPP versions without
    sys_login_history), logins are taken from the audit trail; failed attempts there are LOGIN
    actions with a failure word ("LOGIN GAGAL", "login_failed").
    """
    if period_end <= period_start:
        raise ActivityError(f"period end {period_end} is not after its start {period_start}")

    known: dict[str, dict] = {}
    for row in users:
        name = norm_user(row.get("username"))
        if not name:
            continue
        known[name] = {
            "username": name,
            "fullname": str(row.get("fullname") or "").strip(),
            "group": str(row.get("group") or "").strip(),
            "role": role_of(row.get("group"), settings.group_roles),
            "blocked": str(row.get("block") or "0").strip() not in ("0", "", "N", "n", "false", "False"),
            "last_login": parse_dt(row.get("last_login")),
        }

    def in_period(t: datetime | None) -> bool:
        return t is not None and period_start <= t < period_end

    # Normalise the login attempts (from the history table or, failing that, the audit trail).
    attempts: list[dict] = []
    for row in logins:
        t = parse_dt(row.get("login_time"))
        if not in_period(t):
            continue
        attempts.append(
            {
                "username": norm_user(row.get("username")),
                "time": t,
                "end": parse_dt(row.get("logout_time")),
                "ip": str(row.get("ip_address") or "").strip(),
                "agent": str(row.get("user_agent") or "").strip(),
                "failed": is_failed(row.get("status")),
            }
        )
    events: list[dict] = []
    for row in audit:
        t = parse_dt(row.get("datetime"))
        if not in_period(t):
            continue
        events.append(
            {
                "username": norm_user(row.get("username")),
                "time": t,
                "ip": str(row.get("ipaddress") or "").strip(),
                "action": norm_user(row.get("action")),
                "table": str(row.get("tablename") or "").strip(),
            }
        )
    if not logins:
        for ev in events:
            # "LOGIN"; a failed attempt as the audit trail words it ("LOGIN GAGAL", "login_failed")
            failed = _failed_login_action(ev["action"])
            if ev["action"] in LOGIN_ACTIONS or failed:
                attempts.append(
                    {
                        "username": ev["username"],
                        "time": ev["time"],
                        "end": None,
                        "ip": ev["ip"],
                        "agent": "",
                        "failed": failed,
                    }
                )
    attempts.sort(key=lambda a: a["time"])
    events.sort(key=lambda e: e["time"])

    # Estimate the end of sessions without a logout: the last audit event from the same user
    # and IP before that IP's next login (within 12 h), else login + session_default.
    by_user_events: dict[str, list[dict]] = defaultdict(list)
    for ev in events:
        by_user_events[ev["username"]].append(ev)
    ok_sessions: dict[str, list[dict]] = defaultdict(list)
    for a in attempts:
        if not a["failed"]:
            ok_sessions[a["username"]].append(a)
    for name, sessions in ok_sessions.items():
        for i, s in enumerate(sessions):
            if s["end"] is not None and s["end"] >= s["time"]:
                continue
            later = [t["time"] for t in sessions[i + 1 :] if t["ip"] == s["ip"]]
            limit = min([s["time"] + timedelta(hours=12), *later])
            last = [
                e["time"]
                for e in by_user_events.get(name, [])
                if e["ip"] == s["ip"] and s["time"] <= e["time"] < limit
            ]
            s["end"] = max(last) if last else s["time"] + settings.session_default

    stats: dict[str, dict] = {}

    def entry(name: str) -> dict:
        if name not in stats:
            base = known.get(name) or {
                "username": name,
                "fullname": "",
                "group": "",
                "role": "other",
                "blocked": False,
                "last_login": None,
            }
            stats[name] = {
                **base,
                "known": name in known,
                "logins": 0,
                "failed_logins": 0,
                "actions": 0,
                "actions_by_type": defaultdict(int),
                "ip_addresses": set(),
                "first_activity": None,
                "last_activity": None,
                "off_hours_events": 0,
                "off_hours_first": None,
            }
        return stats[name]

    def touch(st: dict, t: datetime, ip: str) -> None:
        if ip:
            st["ip_addresses"].add(ip)
        st["first_activity"] = t if st["first_activity"] is None else min(st["first_activity"], t)
        st["last_activity"] = t if st["last_activity"] is None else max(st["last_activity"], t)
        if settings.off_hours(t):
            st["off_hours_events"] += 1
            if st["off_hours_first"] is None:
                st["off_hours_first"] = t

    for name in known:  # every account appears in the log, active or not
        entry(name)
    for a in attempts:
        st = entry(a["username"])
        if a["failed"]:
            st["failed_logins"] += 1
            continue
        st["logins"] += 1
        touch(st, a["time"], a["ip"])
    for ev in events:
        st = entry(ev["username"])
        if ev["action"] in LOGIN_ACTIONS or ev["action"] in LOGOUT_ACTIONS or _failed_login_action(ev["action"]):
            continue  # logins are counted from the attempts; a late logout alone is no activity
        st["actions"] += 1
        st["actions_by_type"][ev["action"].upper() or "?"] += 1
        touch(st, ev["time"], ev["ip"])

    flags: list[dict] = []
    # Off-hours activity (successful logins and audit-trail actions).
    for name, st in sorted(stats.items()):
        if st["off_hours_events"]:
            flags.append(
                _flag(
                    "off_hours_activity",
                    "warning",
                    name,
                    st["role"],
                    f"{name} ({st['role']}) aktif di luar jam kerja: {st['off_hours_events']} kejadian, "
                    f"pertama {st['off_hours_first']:%Y-%m-%d %H:%M}",
                    events=st["off_hours_events"],
                    first=st["off_hours_first"].isoformat(sep=" "),
                )
            )
    # Failed-login bursts: N failures within the window, per username (sliding window).
    failures: dict[str, list[dict]] = defaultdict(list)
    for a in attempts:
        if a["failed"]:
            failures[a["username"]].append(a)
    for name, rows in sorted(failures.items()):
        best: list[dict] = []
        j = 0
        for i in range(len(rows)):
            while rows[i]["time"] - rows[j]["time"] > settings.failed_burst:
                j += 1
            if i - j + 1 > len(best):
                best = rows[j : i + 1]
        if len(best) >= settings.failed_burst_count:
            role = entry(name)["role"]
            ips = sorted({r["ip"] for r in best if r["ip"]})
            flags.append(
                _flag(
                    "failed_login_burst",
                    "high",
                    name,
                    role,
                    f"{len(best)} login gagal untuk {name or '(kosong)'} dalam "
                    f"{int((best[-1]['time'] - best[0]['time']).total_seconds() // 60) + 1} menit "
                    f"sejak {best[0]['time']:%Y-%m-%d %H:%M:%S} dari {', '.join(ips) or '?'}",
                    failed=len(best),
                    first=best[0]["time"].isoformat(sep=" "),
                    ip_addresses=ips,
                    known_user=name in known,
                )
            )
    # One account from many IP addresses within the window.
    for name, sessions in sorted(ok_sessions.items()):
        best_ips: set[str] = set()
        j = 0
        for i in range(len(sessions)):
            while sessions[i]["time"] - sessions[j]["time"] > settings.many_ip_window:
                j += 1
            ips = {s["ip"] for s in sessions[j : i + 1] if s["ip"]}
            if len(ips) > len(best_ips):
                best_ips = ips
        if len(best_ips) >= settings.many_ip_count:
            st = entry(name)
            flags.append(
                _flag(
                    "many_ip_addresses",
                    "warning",
                    name,
                    st["role"],
                    f"{name} ({st['role']}) login dari {len(best_ips)} alamat IP berbeda dalam "
                    f"{int(settings.many_ip_window.total_seconds() // 3600)} jam",
                    ip_addresses=sorted(best_ips),
                )
            )
    # Shared accounts: overlapping sessions from different workstations or browsers.
    for name, sessions in sorted(ok_sessions.items()):
        pairs = []
        for i, s in enumerate(sessions):
            for t in sessions[i + 1 :]:
                if t["time"] >= s["end"]:
                    continue
                if t["ip"] != s["ip"] or (t["agent"] and s["agent"] and t["agent"] != s["agent"]):
                    pairs.append((s, t))
        if pairs:
            st = entry(name)
            ips = sorted({x["ip"] for p in pairs for x in p if x["ip"]})
            flags.append(
                _flag(
                    "shared_account",
                    "warning",
                    name,
                    st["role"],
                    f"akun {name} ({st['role']}) dipakai bersamaan: {len(pairs)} sesi tumpang tindih "
                    f"dari {', '.join(ips)}",
                    overlapping_sessions=len(pairs),
                    ip_addresses=ips,
                    first=pairs[0][1]["time"].isoformat(sep=" "),
                )
            )
    # Dormant accounts: still active (not blocked) but unused for dormant_days.
    for name, info in sorted(known.items()):
        if info["blocked"]:
            continue
        st = stats.get(name)
        if st and (st["logins"] or st["actions"]):
            continue
        last = info["last_login"]
        if last is None or now - last >= settings.dormant:
            days = None if last is None else (now - last).days
            entry(name)
            flags.append(
                _flag(
                    "dormant_account",
                    "warning",
                    name,
                    info["role"],
                    f"akun {name} ({info['role']}) masih aktif tetapi tidak dipakai "
                    + ("sejak dibuat" if days is None else f"{days} hari (login terakhir {last:%Y-%m-%d})"),
                    days_unused=days,
                )
            )

    flagged: dict[str, list[str]] = defaultdict(list)
    for f in flags:
        flagged[f["username"]].append(f["code"])
    rows = []
    for name, st in sorted(stats.items(), key=lambda kv: (ROLES.index(kv[1]["role"]), kv[0])):
        rows.append(
            {
                "username": name,
                "fullname": st["fullname"],
                "role": st["role"],
                "group": st["group"],
                "known": st["known"],
                "blocked": st["blocked"],
                "logins": st["logins"],
                "failed_logins": st["failed_logins"],
                "actions": st["actions"],
                "actions_by_type": dict(sorted(st["actions_by_type"].items())),
                "ip_addresses": sorted(st["ip_addresses"]),
                "first_activity": st["first_activity"].isoformat(sep=" ") if st["first_activity"] else None,
                "last_activity": st["last_activity"].isoformat(sep=" ") if st["last_activity"] else None,
                "last_login": st["last_login"].isoformat(sep=" ") if st["last_login"] else None,
                "off_hours_events": st["off_hours_events"],
                "flags": sorted(set(flagged.get(name, []))),
            }
        )
    per_role = {r: {"users": 0, "active_users": 0, "logins": 0, "actions": 0} for r in ROLES}
    for r in rows:
        pr = per_role[r["role"]]
        pr["users"] += 1 if r["known"] else 0
        pr["active_users"] += 1 if (r["logins"] or r["actions"]) else 0
        pr["logins"] += r["logins"]
        pr["actions"] += r["actions"]
    return {
        "period": {"start": period_start.isoformat(sep=" "), "end": period_end.isoformat(sep=" ")},
        "users": rows,
        "flags": flags,
        "totals": {
            "users": len(known),
            "active_users": sum(1 for r in rows if r["logins"] or r["actions"]),
            "logins": sum(r["logins"] for r in rows),
            "failed_logins": sum(r["failed_logins"] for r in rows),
            "actions": sum(r["actions"] for r in rows),
            "per_role": per_role,
            "flags": len(flags),
        },
    }


def to_csv(result: dict) -> str:
    """Given analyse()'s result, return the per-user table as CSV text (one row per user)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in result["users"]:
        flat = dict(row)
        flat["ip_addresses"] = " ".join(row["ip_addresses"])
        flat["flags"] = " ".join(row["flags"])
        flat["blocked"] = "ya" if row["blocked"] else "tidak"
        writer.writerow({k: ("" if flat.get(k) is None else flat.get(k)) for k in CSV_FIELDS})
    return out.getvalue()
