# -*- coding: utf-8 -*-
"""Apache/nginx access logs (combined and vhost_combined) and the F.3 visitor analysis.

Given the log directory and base name, ``iter_log_files`` yields the live file and its logrotate
rotations (``access.log``, ``access.log.1``, ``access.log.2.gz`` ...; also dated rotations
``access.log-20261120[.gz]``), oldest first. ``parse_line`` turns one line into a dict or None;
``analyze`` builds the *Log Aktivitas pengunjung* summary, the suspicious list and the findings.
"""

from __future__ import annotations

import gzip
import os
import re
import statistics
from collections import Counter, defaultdict, deque
from datetime import datetime, timedelta, timezone

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}

# A quoted Apache field: Apache escapes '"' and '\' inside it (\" and \\) and non-printables as \xhh.
_Q = r'"((?:[^"\\]|\\.)*)"'
_LINE = re.compile(
    r'^(?P<pre>.*?)\[(?P<time>[^\]]+)\]\s+' + _Q.replace("(", "(?P<request>", 1)
    + r'\s+(?P<status>\d{3}|-)\s+(?P<bytes>\d+|-)'
    r'(?:\s+' + _Q.replace("(", "(?P<referer>", 1) + r'\s+' + _Q.replace("(", "(?P<agent>", 1) + r')?(?P<rest>.*)$'
)
# Fallback for loggers that do not escape quotes inside the user agent: the agent is everything
# between the first quote after the referer and the final quote of the line.
_LOOSE_TAIL = re.compile(r'^\s+"(?P<ref>[^"]*)"\s+"(?P<ua>.*)"\s*$')
_TIME = re.compile(r'^(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})\s*([+-])(\d{2})(\d{2})$')
_REQUEST = re.compile(r'^([A-Z][A-Z_-]{1,19}) (\S+)(?: (HTTP/\d(?:\.\d)?))?$')
_ROTATION = re.compile(r'^\.(\d+)(\.gz)?$|^-(\d{8,10})(\.gz)?$')

# Probe paths seen from scanners against PHP sites (WordPress, Joomla, phpMyAdmin, leaked secrets).
SCANNER_PATHS = re.compile(
    r'(?i)(/wp-login\.php|/xmlrpc\.php|/wp-admin|/wp-content/plugins/|/wp-includes/|/wp-config|'
    r'/\.env\b|/\.git/|/\.svn/|/\.aws/|/\.ssh/|/\.ds_store|/phpmyadmin|/pma/|/myadmin|/mysqladmin|'
    r'/phpinfo\.php|/vendor/phpunit|/cgi-bin/|/boaform|/hnap1|/actuator|/solr/|/console/|'
    r'/administrator/index\.php|/config\.php\.bak|/backup\.(?:zip|sql|tar)|/shell\.php|/wso\.php|'
    r'/alfa\.php|/owa/|/autodiscover|/\.well-known/security\.txt\.php|/etc/passwd|\.\./|'
    r'union(?:\s|%20|\+)+select|<script|%3cscript)'
)
SCANNER_AGENTS = re.compile(
    r'(?i)(sqlmap|nikto|nmap|masscan|zgrab|wpscan|nuclei|dirbuster|gobuster|ffuf|feroxbuster|'
    r'acunetix|netsparker|openvas|w3af|jorgee|fimap|havij|hydra|censysinspect|l9explore|httpx)'
)
BOT_AGENTS = re.compile(
    r'(?i)([a-z][\w.-]*(?:bot|crawler|spider|slurp|externalhit)\b|bingpreview|curl|wget|python-requests|whatsapp|uptime-kuma)'
)
LOGIN_PATHS = re.compile(
    r'(?i)^/(?:wp-login\.php|xmlrpc\.php|administrator(?:/index\.php)?|user/login|login(?:\.php)?|'
    r'admin(?:/login)?(?:\.php)?|auth/login|index\.php\?option=com_users)'
)

DEFAULTS = {
    "top": 10,
    "scanner_min_probes": 20,
    "bruteforce_min_attempts": 20,
    "bruteforce_window_minutes": 10,
    "error_burst_min": 20,
    "error_burst_window_minutes": 5,
    "spike_factor": 8.0,
    "spike_min_requests": 300,
    "suspicious_limit": 50,
    "ignore_agents": [],
}


def parse_time(text):
    """Given Apache's ``21/Nov/2026:04:33:00 +0700``, return an aware datetime or None."""
    m = _TIME.match(text.strip())
    if not m or m.group(2) not in MONTHS:
        return None
    day, mon, year, hh, mm, ss, sign, oh, om = m.groups()
    offset = timedelta(hours=int(oh), minutes=int(om))
    if sign == "-":
        offset = -offset
    try:
        return datetime(int(year), MONTHS[mon], int(day), int(hh), int(mm), int(ss),
                        tzinfo=timezone(offset))
    except ValueError:
        return None


def _unescape(value):
    return value.replace('\\"', '"').replace("\\\\", "\\")


def parse_line(line):
    """Given one access-log line, return a dict (client, time, method, path, protocol, status, bytes,
    referer, agent, valid_request, vhost) or None when the line is not an access-log line."""
    line = line.rstrip("\r\n")
    m = _LINE.match(line)
    if not m:
        return None
    pre = m.group("pre").split()
    if len(pre) == 3:
        vhost, (client, _ident, user) = None, pre
    elif len(pre) == 4:
        vhost, client, _ident, user = pre
    else:
        return None
    when = parse_time(m.group("time"))
    if when is None:
        return None
    request = _unescape(m.group("request"))
    referer, agent = m.group("referer"), m.group("agent")
    rest = m.group("rest")
    if referer is None:
        # common log format (no referer/agent), or an agent with raw quotes: retry loosely
        tail = _LOOSE_TAIL.match(line[m.end("bytes"):])
        if tail:
            referer, agent, rest = tail.group("ref"), tail.group("ua"), ""
        else:
            referer, agent = "-", "-"
    elif '"' in rest:
        # the agent carried raw (unescaped) quotes: the agent runs to the last quote of the line
        tail = _LOOSE_TAIL.match(line[m.end("bytes"):])
        if tail:
            referer, agent = tail.group("ref"), tail.group("ua")
    rm = _REQUEST.match(request)
    if rm:
        method, path, protocol = rm.group(1), rm.group(2), rm.group(3) or "HTTP/0.9"
    else:
        method, path, protocol = None, None, None
    status = m.group("status")
    size = m.group("bytes")
    return {
        "vhost": vhost,
        "client": client,
        "user": None if user == "-" else user,
        "time": when,
        "request": request,
        "valid_request": rm is not None,
        "method": method,
        "path": path,
        "protocol": protocol,
        "status": int(status) if status != "-" else 0,
        "bytes": int(size) if size != "-" else 0,
        "referer": None if referer in (None, "-") else _unescape(referer),
        "agent": None if agent in (None, "-") else _unescape(agent),
    }


def iter_log_files(directory, basename):
    """Given a log directory and the live file's name, return the paths of the live file and its
    rotations, oldest first (``.N[.gz]`` counts back in time; ``-YYYYMMDD`` counts forward)."""
    found = []
    try:
        names = os.listdir(directory)
    except OSError:
        return []
    for name in names:
        if name == basename:
            found.append(((2, 0), name))
            continue
        if not name.startswith(basename):
            continue
        m = _ROTATION.match(name[len(basename):])
        if not m:
            continue
        if m.group(1) is not None:
            found.append(((0, -int(m.group(1))), name))
        else:
            found.append(((1, int(m.group(3))), name))
    return [os.path.join(directory, name) for _key, name in sorted(found)]


def open_log(path):
    """Open a plain or gzipped log as text (undecodable bytes are kept as escapes)."""
    if path.endswith(".gz"):
        return gzip.open(path, "rt", encoding="utf-8", errors="backslashreplace")
    return open(path, "r", encoding="utf-8", errors="backslashreplace")


def read_records(paths, since=None, until=None, history_since=None):
    """Given log paths, yield (record, in_period) for every parsed line at or after ``history_since``
    (or ``since``). Returns counters through the ``stats`` dict yielded last as (None, stats)."""
    stats = {"files": [], "lines": 0, "parsed": 0, "unparsed": 0, "unparsed_examples": []}
    floor = history_since or since
    for path in paths:
        if floor is not None:
            try:
                mtime = datetime.fromtimestamp(os.path.getmtime(path), tz=timezone.utc)
            except OSError:
                continue
            if mtime < floor:
                continue
        stats["files"].append(path)
        with open_log(path) as handle:
            for line in handle:
                if not line.strip():
                    continue
                stats["lines"] += 1
                rec = parse_line(line)
                if rec is None:
                    stats["unparsed"] += 1
                    if len(stats["unparsed_examples"]) < 3:
                        stats["unparsed_examples"].append(line.strip()[:200])
                    continue
                stats["parsed"] += 1
                if floor is not None and rec["time"] < floor:
                    continue
                if until is not None and rec["time"] > until:
                    continue
                yield rec, since is None or rec["time"] >= since
    yield None, stats


def is_probe(rec):
    target = rec["path"] if rec["valid_request"] else rec["request"]
    return bool(target and SCANNER_PATHS.search(target))


def _sliding_max(times, window):
    """Given sorted datetimes, return (max count within ``window``, start of that window)."""
    best, best_start = 0, None
    q = deque()
    for t in times:
        q.append(t)
        while q and t - q[0] > window:
            q.popleft()
        if len(q) > best:
            best, best_start = len(q), q[0]
    return best, best_start


def _iso(dt):
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def analyze(records, options=None):
    """Given (record, in_period) pairs from ``read_records``, return the F.3 result dict:
    summary numbers, top clients, status mix, suspicious list and findings."""
    opt = dict(DEFAULTS)
    opt.update({k: v for k, v in (options or {}).items() if v is not None})
    ignore = [a.lower() for a in opt["ignore_agents"]]
    per_client = Counter()
    per_client_bytes = Counter()
    status_mix = Counter()
    hourly_history = Counter()
    hourly_period = Counter()
    probes = defaultdict(list)
    scanner_agents = defaultdict(set)
    logins = defaultdict(list)
    errors = []
    invalid = Counter()
    bots = Counter()
    pages = Counter()
    total = 0
    first = last = None
    stats = {}
    for rec, in_period in records:
        if rec is None:
            stats = in_period
            continue
        hour = rec["time"].astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
        hourly_history[hour] += 1
        if not in_period:
            continue
        agent = rec["agent"] or ""
        if ignore and any(a in agent.lower() for a in ignore):
            continue
        total += 1
        hourly_period[hour] += 1
        first = rec["time"] if first is None or rec["time"] < first else first
        last = rec["time"] if last is None or rec["time"] > last else last
        client = rec["client"]
        per_client[client] += 1
        per_client_bytes[client] += rec["bytes"]
        status_mix["%dxx" % (rec["status"] // 100) if rec["status"] else "-"] += 1
        if not rec["valid_request"]:
            invalid[client] += 1
        sa = SCANNER_AGENTS.search(agent)
        if sa:
            scanner_agents[client].add(sa.group(1).lower())
        bot = BOT_AGENTS.search(agent)
        if bot:
            bots[bot.group(1).lower()] += 1
        if rec["method"] == "POST" and rec["path"] and LOGIN_PATHS.match(rec["path"]):
            logins[client].append(rec["time"])
        elif is_probe(rec):
            probes[client].append(rec["time"])
        if rec["status"] >= 500:
            errors.append(rec["time"])
        if rec["valid_request"] and rec["status"] == 200 and rec["method"] == "GET":
            pages[rec["path"].split("?")[0]] += 1

    suspicious = []
    findings = []
    for client in sorted(set(probes) | set(scanner_agents) | set(invalid),
                         key=lambda c: -(len(probes.get(c, [])) + invalid.get(c, 0))):
        times = sorted(probes.get(client, []))
        entry = {
            "client": client,
            "kind": "scanner" if times or client in scanner_agents else "invalid_request",
            "probes": len(times),
            "invalid_requests": invalid.get(client, 0),
            "agents": sorted(scanner_agents.get(client, [])),
            "requests": per_client[client],
            "first": _iso(times[0]) if times else None,
            "last": _iso(times[-1]) if times else None,
        }
        suspicious.append(entry)
        if len(times) >= opt["scanner_min_probes"] or (client in scanner_agents and per_client[client] >= opt["scanner_min_probes"]):
            findings.append({
                "severity": "warning",
                "code": "web_scanner",
                "message": "Pemindaian kerentanan dari %s: %d permintaan probe (%s)%s" % (
                    client, len(times), ", ".join(entry["agents"]) or "tanpa agen pemindai",
                    "" if not times else " antara %s dan %s" % (entry["first"], entry["last"])),
                "client": client,
            })
    window = timedelta(minutes=opt["bruteforce_window_minutes"])
    for client, times in sorted(logins.items()):
        count, start = _sliding_max(sorted(times), window)
        if count >= opt["bruteforce_min_attempts"]:
            suspicious.append({"client": client, "kind": "bruteforce", "attempts": len(times),
                               "max_in_window": count, "first": _iso(start)})
            findings.append({
                "severity": "high",
                "code": "web_bruteforce",
                "message": "Percobaan login berulang (brute force) dari %s: %d POST ke halaman login dalam %d menit" % (
                    client, count, opt["bruteforce_window_minutes"]),
                "client": client,
            })
    err_count, err_start = _sliding_max(sorted(errors), timedelta(minutes=opt["error_burst_window_minutes"]))
    if err_count >= opt["error_burst_min"]:
        suspicious.append({"kind": "error_burst", "errors": err_count, "first": _iso(err_start)})
        findings.append({
            "severity": "warning",
            "code": "web_5xx_burst",
            "message": "Lonjakan galat server: %d respons 5xx dalam %d menit mulai %s" % (
                err_count, opt["error_burst_window_minutes"], _iso(err_start)),
        })
    baseline_hours = [c for h, c in hourly_history.items() if h not in hourly_period] or list(hourly_history.values())
    median = statistics.median(baseline_hours) if baseline_hours else 0
    threshold = max(opt["spike_min_requests"], opt["spike_factor"] * median)
    spikes = sorted((h, c) for h, c in hourly_period.items() if c >= threshold)
    for hour, count in spikes:
        suspicious.append({"kind": "traffic_spike", "hour": _iso(hour), "requests": count,
                           "typical_per_hour": median})
    if spikes:
        hour, count = max(spikes, key=lambda x: x[1])
        findings.append({
            "severity": "warning",
            "code": "web_traffic_spike",
            "message": "Lonjakan lalu lintas: %d permintaan pada jam %s (biasanya %s per jam)" % (
                count, _iso(hour), round(median, 1)),
        })
    return {
        "requests": total,
        "unique_clients": len(per_client),
        "first": _iso(first),
        "last": _iso(last),
        "bytes": sum(per_client_bytes.values()),
        "status_mix": dict(sorted(status_mix.items())),
        "top_clients": [{"client": c, "requests": n, "bytes": per_client_bytes[c]}
                        for c, n in per_client.most_common(opt["top"])],
        "top_pages": [{"path": p, "hits": n} for p, n in pages.most_common(opt["top"])],
        "bots": dict(bots.most_common(opt["top"])),
        "typical_requests_per_hour": median,
        "suspicious": suspicious[: opt["suspicious_limit"]],
        "suspicious_total": len(suspicious),
        "findings": findings,
        "files": stats.get("files", []),
        "lines": stats.get("lines", 0),
        "parsed": stats.get("parsed", 0),
        "unparsed": stats.get("unparsed", 0),
        "unparsed_examples": stats.get("unparsed_examples", []),
    }
