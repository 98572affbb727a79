# -*- coding: utf-8 -*-
"""Apache/nginx access logs and the F.3 visitor analysis.

Given the log directory and base name, ``iter_log_files`` yields the live file and its logrotate
rotations (``access.log``, ``access.log.1``, ``access.log.2.gz`` ...; also dated rotations
``access.log-20261120[.gz]``), oldest first. ``parse_line`` turns one line into a dict or None;
``read_records`` reads files (a truncated or non-gzip ``.gz`` is read as far as it can be and
named in ``stats["problems"]``); ``analyze`` builds the *Log Aktivitas pengunjung* summary, the
suspicious list and the findings.

Line shapes understood: common, combined, vhost_combined (``%v:%p`` in front), nginx "main"
(a trailing ``"$http_x_forwarded_for"``), X-Forwarded-For addresses logged in front of the
client (comma or space separated, several hops), agents with escaped or raw quotes, extra
trailing fields (response times), invalid requests (TLS bytes on port 80, ``"-"``). A run of NUL
bytes (a power cut while the file grew) splits a line: the text after it is the next line.

Every regular expression used on a line is free of backtracking (possessive quantifiers and
bounded repeats), so parsing is linear in the line length; a 60 KB junk line costs as much as
60 KB of ordinary lines.
"""

from __future__ import annotations

import gzip
import ipaddress
import os
import re
import statistics
import zlib
from collections import Counter, defaultdict, deque
from datetime import datetime, timedelta, timezone
from urllib.parse import unquote, unquote_plus

MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}

# A quoted Apache field: Apache escapes '"' and '\' inside it (\" and \\) and non-printables as
# \xhh. Possessive quantifiers: the two alternatives are disjoint, so nothing is ever retried.
_QF = r'"((?:[^"\\]++|\\.)*+)"'
_TIMEF = r'(\d\d/[A-Za-z]{3}/\d{4}:\d\d:\d\d:\d\d[ \t]*+[+-]\d{4})'
# Fast path: everything before the first '[' is the address part.
_HEAD = re.compile(r'([^\[]*+)\[' + _TIMEF + r'\][ \t]++' + _QF + r'[ \t]++(\d{3}|-)[ \t]++(\d++|-)')
# Slow path (a '[' in the address part, e.g. a bracketed IPv6 with port): find the time first.
_TIME_AT = re.compile(r'\[' + _TIMEF + r'\]')
_AFTER_TIME = re.compile(r'[ \t]++' + _QF + r'[ \t]++(\d{3}|-)[ \t]++(\d++|-)')
# The most common line (combined, vhost_combined, nginx main) in one match: head, referer, agent.
_COMBINED = re.compile(
    r'([^\[]*+)\[' + _TIMEF + r'\][ \t]++' + _QF + r'[ \t]++(\d{3}|-)[ \t]++(\d++|-)'
    r'[ \t]++' + _QF + r'[ \t]++' + _QF
)
_TAIL2 = re.compile(r'[ \t]++' + _QF + r'[ \t]++' + _QF)
_TAIL_REF = re.compile(r'[ \t]++' + _QF + r'[ \t]++"')
# nginx "main": a last quoted field holding X-Forwarded-For ("-" or addresses).
_XFF_FIELD = re.compile(r'[ \t]++"([-0-9A-Fa-f.:\[\], \t]{1,400}|unknown)"[ \t]*+$')
_XFF_VALUE = re.compile(r'[-0-9A-Fa-f.:\[\], \t]{1,400}|unknown')
_TIME = re.compile(r'(\d{2})/(\w{3})/(\d{4}):(\d{2}):(\d{2}):(\d{2})\s*([+-])(\d{2})(\d{2})$')
_REQUEST = re.compile(r'([A-Z][A-Z_-]{1,19}) (\S++)(?: (HTTP/\d(?:\.\d)?))?')
_ROTATION = re.compile(r'^\.(\d+)(\.gz)?$|^-(\d{8,10})(\.gz)?$')
_PORT4 = re.compile(r'^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$')
_PORT6 = re.compile(r'^\[([0-9A-Fa-f:.]+)\](?::\d{1,5})?$')
_HOSTNAME = re.compile(r'^(?=[^:]*[A-Za-z_])[A-Za-z0-9_.-]{1,253}(?::\d{1,5})?$')

# Probe paths of scanners against PHP sites (WordPress, Joomla, phpMyAdmin, admin panels). The
# WordPress folders /wp-admin, /wp-includes and /wp-content are *not* probes by themselves: staff
# edit in /wp-admin and every page loads assets from the other two (see ``_wp_probe``).
SCANNER_PATHS = re.compile(
    r'(?i)(/xmlrpc\.php|/wp-config|/wp-admin/(?:install|setup-config|upgrade)\.php|'
    r'/\.svn/|/\.aws/|/\.ssh/|/\.ds_store|/phpmyadmin|/pma/|/myadmin|/mysqladmin|'
    r'/phpinfo\.php|/vendor/phpunit|/cgi-bin/|/boaform|/hnap1|/actuator|/solr/|/console/|'
    r'/administrator/index\.php|/owa/|/autodiscover|/\.well-known/security\.txt\.php|'
    r'<script|%3cscript)'
)
# Sensitive files: secrets, version-control folders, shell histories, backup archives.
SENSITIVE_PATHS = re.compile(
    r'(?i)(/\.ht(?:passwd|access|digest)\b|/\.env(?:\.[\w-]{1,20})?(?:$|[/?#])|/\.git(?:/|$)|/\.svn/|/\.hg/|'
    r'/\.?[\w-]{0,20}_history$|/\.(?:npmrc|pgpass|my\.cnf|netrc)$|/id_(?:rsa|dsa|ecdsa|ed25519)$|'
    r'/wp-config\.php[._~-]|/wp-config\.(?:bak|old|save|txt|orig)$|/config\.php\.(?:bak|old|save|txt)$|'
    r'/(?:backup|backups|bak|db|database|dump|site|www|wwwroot|html|public_html|web|wordpress|wp|data|'
    r'sql|old|htdocs|files)[\w.-]{0,40}\.(?:zip|tar|tar\.gz|tgz|tar\.bz2|gz|rar|7z|sql|sql\.gz|bak)$|'
    r'/[\w.-]{1,60}\.sql(?:\.gz|\.zip)?$)'
)
TRAVERSAL = re.compile(
    r'(?i)(\.\.[/\\]|[/\\]\.\.(?:$|[/\\?])|/etc/(?:passwd|shadow|hosts|group)\b|'
    r'(?:c:|%systemroot%)[/\\]+(?:windows|winnt|boot\.ini)|\bwin\.ini\b|\bboot\.ini\b|/proc/self/)'
)
SQLI = re.compile(
    r'(?i)(\bunion(?:\s++|/\*\*/)(?:all(?:\s++|/\*\*/))?(?:distinct\s++)?select\b|'
    r'\b(?:sleep|benchmark|pg_sleep|extractvalue|updatexml|load_file)\s*+\(|'
    r'\bwaitfor\s++delay\b|\binformation_schema\b|\bselect\s++[\w*,\s()@]{1,80}?\s++from\s++\w|'
    r'[\'"]\s*+(?:and|or|&&|\|\|)\s++[\'"]?\w{1,20}[\'"]?\s*+(?:=|<|>|like)|'
    r'\b(?:and|or)\s++\(?\d{1,10}\s*+(?:=|<|>)\s*+\d{1,10}\b|'
    r'[\'"]\s*+(?:--|#|/\*)|\border\s++by\s++\d{1,3}\s*+(?:--|#))'
)
RFI = re.compile(
    r'(?i)((?:^|[?&;])[\w.\[\]-]{1,40}=\s*+(?:php|data|expect|phar|zip|file|glob|input)://|'
    r'(?:^|[?&;])(?:page|file|include|inc|incl|path|template|tpl|dir|mod|module|load|doc|document|'
    r'folder|root|pg|conf|style|view|content|layout|lang|show|site|cat)=\s*+(?:https?|ftp)://|'
    r'=(?:https?|ftp)://[^&?]{1,200}\?{1,2}$)'
)
SHELL_NAMES = re.compile(
    r'(?i)/(?:shell|wso|alfa|alfashell|c99|r57|b374k|indoxploit|mini|up|upl|uploader|cmd|webshell|'
    r'adminer|bypass|marijuana|leaf|priv8|x|xx|z|0x|1|404|ws|wp-tmp)\.ph(?:p\d?|tml|ar)$'
)
SHELL_QUERY = re.compile(
    r'(?i)(?:^|&)(?:cmd|exec|command|execute|shell|c|run|system|passthru|eval)=|'
    r'\b(?:exec|system|passthru|shell_exec|popen|proc_open|eval|assert|base64_decode)\s*+\('
)
PHP_FILE = re.compile(r'(?i)\.ph(?:p\d?|tml|ar|ps)$')
UPLOAD_DIRS = re.compile(r'(?i)/(?:wp-content/uploads|uploads|upload|images|image|media|files|tmp|temp|cache)/')
STATIC_ASSET = re.compile(
    r'(?i)\.(?:css|js|mjs|map|png|jpe?g|gif|svg|webp|avif|ico|woff2?|ttf|eot|otf|mp4|webm|mp3|pdf)$'
)
# Log4Shell: ${jndi:...}, also hidden in lookups (${${lower:j}${::-n}di:...}, ${env:X:-j}).
_LOOKUP = re.compile(r'\$\{([^${}]{0,80})\}')


def _lookup_value(m):
    inner = m.group(1)
    if ":" not in inner:
        return m.group(0)
    tail = inner.rsplit(":", 1)[1].lstrip("-")
    return tail if len(tail) <= 3 else m.group(0)


def has_jndi(text):
    """Does ``text`` carry a Log4Shell lookup (${jndi:...}), plainly or obfuscated?"""
    low = text.lower()
    for _ in range(6):
        if "${jndi:" in low:
            return True
        new = _LOOKUP.sub(_lookup_value, low)
        if new == low:
            return False
        low = new
    return "${jndi:" in low
SCANNER_AGENTS = re.compile(
    r'(?i)(sqlmap|nikto|nmap|masscan|zgrab|wpscan|nuclei|dirbuster|gobuster|ffuf|feroxbuster|'
    r'acunetix|netsparker|openvas|w3af|jorgee|fimap|havij|hydra|censysinspect|l9explore|httpx)'
)
# Bots: the word that names the bot ends in one of these (Googlebot, bingbot, AhrefsBot ...); the
# name is the run of word characters before it, found by a backwards scan (no regex backtracking).
_BOT_WORD = re.compile(r'(?i)(?:bot|crawler|spider|slurp|externalhit)\b')
_BOT_TOOLS = re.compile(r'(?i)\b(bingpreview|curl|wget|python-requests|whatsapp|uptime-kuma)')
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
_AGENT_CACHE: dict[str, tuple[str | None, str | None]] = {}


def bot_name(agent):
    """Given a user agent, return the bot or tool it names in lower case, or None."""
    m = _BOT_WORD.search(agent)
    if m:
        start = m.start()
        while start > 0 and agent[start - 1] in _NAME_CHARS:
            start -= 1
        while start < m.start() and not agent[start].isalpha():
            start += 1
        if start < m.start() or m.group(0).lower() != "bot":
            return agent[start: m.end()].lower()
    t = _BOT_TOOLS.search(agent)
    return t.group(1).lower() if t else None


def agent_kind(agent):
    """Given a user agent, return (scanner tool or None, bot name or None); cached, agents repeat."""
    hit = _AGENT_CACHE.get(agent)
    if hit is None:
        sa = SCANNER_AGENTS.search(agent)
        hit = (sa.group(1).lower() if sa else None, bot_name(agent))
        if len(_AGENT_CACHE) > 5000:
            _AGENT_CACHE.clear()
        _AGENT_CACHE[agent] = hit
    return hit


# Login forms: matched on the path without the query, after '//' is folded, at any folder depth
# (/wp-login.php, //wp-login.php, /blog/wp-login.php ...). The key groups one login URL.
LOGIN_PATHS = re.compile(
    r'(?i)(?:^|/)(?:wp-login\.php|xmlrpc\.php)$|'
    r'^/(?:administrator(?:/index\.php)?|user/login|login(?:\.php)?|admin(?:/login)?(?:\.php)?|auth/login)/?$'
)
LOGIN_QUERY = re.compile(r'(?i)^/(?:index\.php)?\?option=com_users')

DEFAULTS = {
    "top": 10,
    "scanner_min_probes": 20,
    "bruteforce_min_attempts": 20,
    "bruteforce_window_minutes": 10,
    "distributed_min_attempts": 60,
    "distributed_min_clients": 10,
    "attack_min_requests": 1,
    "error_burst_min": 20,
    "error_burst_window_minutes": 5,
    "spike_factor": 8.0,
    "spike_min_requests": 300,
    "suspicious_limit": 50,
    "ignore_agents": [],
    "trusted_networks": [],
    "trusted_proxies": [],
}

# What each attack class is called in findings (Indonesian, as the report) and its severity.
ATTACK_CLASSES = {
    "webshell": ("high", "web_webshell_request", "Kemungkinan webshell aktif (file PHP unggahan menjawab 200 atas perintah)"),
    "sensitive_exposed": ("high", "web_sensitive_exposed", "File sensitif terlayani (jawaban 200)"),
    "log4shell": ("warning", "web_log4shell", "Percobaan Log4Shell (${jndi:)"),
    "sqli": ("warning", "web_sqli", "Percobaan injeksi SQL"),
    "traversal": ("warning", "web_traversal", "Percobaan path traversal / pembacaan file sistem"),
    "rfi": ("warning", "web_rfi", "Percobaan remote file inclusion"),
}

_TIME_CACHE: dict[str, datetime | None] = {}
_TZ_CACHE: dict[str, timezone] = {}
_HOUR_CACHE: dict[str, datetime] = {}


def utc_hour(when, text=None):
    """Given an aware datetime (and the log's time text it came from, used as a cache key: lines
    share minutes), return the start of its hour in UTC."""
    key = text[:17] + text[-5:] if text else None
    hour = _HOUR_CACHE.get(key) if key else None
    if hour is None:
        hour = when.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
        if key:
            if len(_HOUR_CACHE) > 20000:
                _HOUR_CACHE.clear()
            _HOUR_CACHE[key] = hour
    return hour


def parse_time(text):
    """Given Apache's ``21/Nov/2026:04:33:00 +0700``, return an aware datetime or None."""
    cached = _TIME_CACHE.get(text)
    if cached is not None or text in _TIME_CACHE:
        return cached
    m = _TIME.match(text.strip())
    result = None
    if m and m.group(2) in MONTHS:
        day, mon, year, hh, mm, ss, sign, oh, om = m.groups()
        tz = _TZ_CACHE.get(sign + oh + om)
        if tz is None:
            offset = timedelta(hours=int(oh), minutes=int(om))
            # one tzinfo object per offset: datetimes sharing it compare without utcoffset calls
            tz = _TZ_CACHE[sign + oh + om] = timezone(-offset if sign == "-" else offset)
        try:
            result = datetime(int(year), MONTHS[mon], int(day), int(hh), int(mm), int(ss), tzinfo=tz)
        except ValueError:
            result = None
    if len(_TIME_CACHE) > 20000:
        _TIME_CACHE.clear()
    _TIME_CACHE[text] = result
    return result


def _unescape(value):
    if "\\" not in value:
        return value
    return value.replace('\\"', '"').replace("\\\\", "\\")


def _address(item):
    """Given one address token ('203.0.113.5', '203.0.113.5:5123', '[2001:db8::1]:443'), return an
    ip_address or None when it is not an address."""
    m = _PORT4.match(item)
    if m:
        item = m.group(1)
    else:
        m6 = _PORT6.match(item)
        if m6:
            item = m6.group(1)
    try:
        return ipaddress.ip_address(item)
    except ValueError:
        return None


def parse_networks(values):
    """Given CIDR strings (or addresses), return ip_network objects; ValueError names a bad one."""
    nets = []
    for v in values or []:
        try:
            nets.append(ipaddress.ip_network(str(v).strip(), strict=False))
        except ValueError:
            raise ValueError("%r is not a network (CIDR) or address" % v) from None
    return nets


# Addresses that are always one of our own hops when they appear in X-Forwarded-For: RFC 1918,
# carrier-grade NAT, loopback, link-local and IPv6 unique-local. (ipaddress's is_private also
# counts the documentation ranges, which are public for this purpose.)
OWN_HOPS = [ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
    "::1/128", "fc00::/7", "fe80::/10")]


def _in(addr, nets):
    return any(addr.version == n.version and addr in n for n in nets)


def real_client(chain, trusted_proxies=()):
    """Given the addresses of one request in hop order (X-Forwarded-For items, then the address
    that connected), return the real client: walking from the nearest hop back, the first address
    that is not a proxy of ours (private, loopback or link-local, or in ``trusted_proxies``). A
    client can write anything into its own X-Forwarded-For; only what our proxies appended counts.
    When every hop is ours (staff on the LAN behind the reverse proxy), the first one."""
    items = [c for c in chain if c and c not in ("-", "unknown")]
    if not items:
        return "-"
    if len(items) == 1:
        return _strip_port(items[0])
    for item in reversed(items):
        addr = _address(item)
        if addr is None:
            return item
        if _in(addr, OWN_HOPS) or _in(addr, trusted_proxies):
            continue
        return str(addr)
    return _strip_port(items[0])


def _strip_port(item):
    m = _PORT4.match(item) or _PORT6.match(item)
    return m.group(1) if m else item


_XFF_CACHE: dict[str, bool] = {}


def _is_xff(value):
    """Is this the value of an X-Forwarded-For field ("-", "unknown" or addresses)? Cached:
    the same proxies and clients repeat."""
    hit = _XFF_CACHE.get(value)
    if hit is None:
        hit = _XFF_CACHE[value] = _xff_value(value.strip())
        if len(_XFF_CACHE) > 20000:
            _XFF_CACHE.clear()
    return hit


def _xff_value(value):
    if value in ("-", "unknown"):
        return True
    if not _XFF_VALUE.fullmatch(value):
        return False
    items = _split_hosts(value)
    return bool(items) and all(i == "unknown" or _address(i) is not None for i in items)


def _split_hosts(text):
    return text.replace(",", " ").split()


_CLIENT_CACHE: dict[str, str] = {}
_CLIENT_CACHE_OWNER: list = [()]
_WHEN_CACHE: dict[str, tuple[datetime, datetime]] = {}


def _when(when_text):
    """Given the log's time text, return (aware datetime, its hour in UTC), cached; None when the
    text is no time."""
    wh = _WHEN_CACHE.get(when_text)
    if wh is None:
        when = parse_time(when_text)
        if when is None:
            return None
        if len(_WHEN_CACHE) > 20000:
            _WHEN_CACHE.clear()
        wh = _WHEN_CACHE[when_text] = (when, utc_hour(when, when_text))
    return wh


def _fast_record(line, m):
    """The common line (one client, nothing after the agent, no escapes) without the general
    path's checks; None sends the line down the general path."""
    end = m.end()
    rest = len(line) - end
    if rest and (rest > 2 or line[end:].strip()):
        return None
    pre, when_text, request, status, size, referer, agent = m.groups()
    tokens = pre.split()
    if len(tokens) != 3 or "\\" in request or "\\" in agent or "\\" in referer:
        return None
    wh = _WHEN_CACHE.get(when_text) or _when(when_text)
    if wh is None:
        return None
    rm = _REQUEST.fullmatch(request)
    if rm is not None:
        method, path, protocol = rm.groups()
    else:
        method = path = protocol = None
    user = tokens[2]
    return {
        "vhost": None,
        "client": tokens[0],
        "forwarded_for": None,
        "user": None if user == "-" else user,
        "time": wh[0],
        "hour": wh[1],
        "request": request,
        "valid_request": rm is not None,
        "method": method,
        "path": path,
        "protocol": (protocol or "HTTP/0.9") if rm is not None else None,
        "status": int(status) if status != "-" else 0,
        "bytes": int(size) if size != "-" else 0,
        "referer": None if referer == "-" else referer,
        "agent": None if agent in ("-", "") else agent,
    }


_PRE_CACHE: dict[str, tuple] = {}
_NO_PRE = (None, (), None)


def _pre_fields(pre):
    """Given what a line holds before its time ('[vhost] client [, proxy...] ident user '),
    return (vhost, hosts in hop order, user), or _NO_PRE when it is not that. Cached: the same
    proxies and staff addresses repeat."""
    tokens = pre.split()
    if len(tokens) < 3:
        head = _NO_PRE
    else:
        hosts = _split_hosts(" ".join(tokens[:-2])) if len(tokens) > 3 else [tokens[0]]
        vhost = hosts.pop(0) if len(hosts) >= 2 and _HOSTNAME.match(hosts[0]) else None
        head = (vhost, tuple(hosts), tokens[-1])
    if len(_PRE_CACHE) > 20000:
        _PRE_CACHE.clear()
    _PRE_CACHE[pre] = head
    return head


def parse_line(line, trusted_proxies=(), _combined=None):
    """Given one access-log line, return a dict (client, forwarded_for, time, method, path,
    protocol, status, bytes, referer, agent, valid_request, vhost, user) or None when the line is
    not an access-log line. ``trusted_proxies``: networks (ip_network) of our own public proxies."""
    if _combined is not None:  # read_records matched already and the fast path declined
        m = _combined
    else:
        if "\x00" in line:
            line = line[line.rfind("\x00") + 1:]
        m = _COMBINED.match(line)
        if m is not None:
            fast = _fast_record(line, m)
            if fast is not None:
                return fast
    line = line.rstrip("\r\n")
    referer = agent = None
    if m:
        pre, when_text, request, status, size, referer, agent = m.groups()
        end = tail = m.end()
    else:
        tail = None
        m = _HEAD.match(line)
        if m:
            pre, when_text, request, status, size = m.groups()
            end = m.end()
        else:
            t = _TIME_AT.search(line)
            if not t:
                return None
            a = _AFTER_TIME.match(line, t.end())
            if not a:
                return None
            pre, when_text = line[: t.start()], t.group(1)
            request, status, size = a.groups()
            end = a.end()
    head = _PRE_CACHE.get(pre) or _pre_fields(pre)
    if head is _NO_PRE:
        return None
    vhost, hosts, user = head
    wh = _when(when_text)
    if wh is None:
        return None
    when = wh[0]
    forwarded = None
    if tail is not None or end < len(line):
        t2 = _TAIL2.match(line, end) if tail is None else m
        if t2:
            referer, agent = t2.group(t2.lastindex - 1), t2.group(t2.lastindex)
            suffix = line[t2.end():]
            if '"' in suffix:
                x = _XFF_FIELD.match(suffix)
                if x and _is_xff(x.group(1)):
                    forwarded = x.group(1)
                else:
                    # an agent with raw (unescaped) quotes runs to the last quote of the line,
                    # less an nginx X-Forwarded-For field after it
                    agent = line[t2.start(t2.lastindex): line.rfind('"')]
                    cut = agent.rfind('"')
                    if cut >= 0:
                        head = agent[:cut].rstrip(" \t")
                        value = agent[cut + 1:]
                        if head.endswith('"') and head != agent[:cut] and _is_xff(value):
                            forwarded, agent = value, head[:-1]
        else:
            r = _TAIL_REF.match(line, end)
            if r:
                referer = r.group(1)
                close = line.rfind('"')
                if close >= r.end():
                    agent = line[r.end(): close]
    if forwarded is not None and forwarded.strip() not in ("-", "unknown"):
        chain = _split_hosts(forwarded) + list(hosts)
    else:
        forwarded = None
        chain = hosts
    if len(chain) == 1:
        client = chain[0]
    else:
        forwarded = ", ".join(chain)
        if trusted_proxies is not _CLIENT_CACHE_OWNER[0]:
            # the cache holds answers for one set of proxies only
            _CLIENT_CACHE.clear()
            _CLIENT_CACHE_OWNER[0] = trusted_proxies
        client = _CLIENT_CACHE.get(forwarded)
        if client is None:
            client = real_client(chain, trusted_proxies)
            if len(_CLIENT_CACHE) > 20000:
                _CLIENT_CACHE.clear()
            _CLIENT_CACHE[forwarded] = client
    rm = _REQUEST.fullmatch(request) if request else None
    if rm:
        method, path, protocol = rm.group(1), _unescape(rm.group(2)), rm.group(3) or "HTTP/0.9"
    else:
        method, path, protocol = None, None, None
    return {
        "vhost": vhost,
        "client": client,
        "forwarded_for": forwarded,
        "user": None if user == "-" else user,
        "time": when,
        "hour": wh[1],
        "request": _unescape(request),
        "valid_request": rm is not None,
        "method": method,
        "path": path,
        "protocol": protocol,
        "status": int(status) if status != "-" else 0,
        "bytes": int(size) if size != "-" else 0,
        "referer": None if referer in (None, "-") else _unescape(referer),
        "agent": None if agent in (None, "-", "") else _unescape(agent),
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


def _decode(raw):
    return raw.decode("utf-8", errors="backslashreplace")


def iter_lines(path, problems):
    """Given a log path, yield its lines as text. A ``.gz`` that is truncated (still being
    compressed, disk full) or corrupt is read up to the damage; a ``.gz`` that is not gzip at all
    is read as plain text. Each such condition is appended to ``problems`` as a dict (file,
    problem, lines_read) and reading goes on with the next file."""
    count = 0
    try:
        handle = open(path, "rb")
    except OSError as exc:
        problems.append({"file": path, "problem": "tidak dapat dibuka: %s" % (exc.strerror or exc),
                         "lines_read": 0})
        return
    with handle:
        magic = handle.read(2)
        handle.seek(0)
        if not path.endswith(".gz") or magic != b"\x1f\x8b":
            if path.endswith(".gz") and magic:
                problems.append({"file": path, "problem": "bukan file gzip; dibaca sebagai teks biasa",
                                 "lines_read": None})
            with open(path, encoding="utf-8", errors="backslashreplace") as text:
                for line in text:  # text mode: decoded and split in C
                    count += 1
                    yield line
            if problems and problems[-1]["file"] == path:
                problems[-1]["lines_read"] = count
            return
        decomp = zlib.decompressobj(31)
        pending = b""
        problem = None
        while problem is None:
            chunk = handle.read(1 << 16)
            if not chunk:
                if not decomp.eof:
                    problem = "gzip terpotong (file belum selesai dikompresi atau disk penuh)"
                break
            while chunk:
                if decomp.eof:
                    if not chunk.strip(b"\x00"):
                        break  # zero padding after the last member
                    decomp = zlib.decompressobj(31)  # the next member of a concatenated gzip
                try:
                    data = decomp.decompress(chunk)
                except zlib.error as exc:
                    problem = "gzip rusak (%s)" % exc
                    break
                cut = data.rfind(b"\n")
                if cut < 0:
                    pending += data
                else:
                    # decode the block's whole lines at once (a newline byte is never inside a
                    # UTF-8 character), then split them: no Python call per line
                    parts = _decode(pending + data[:cut]).split("\n")
                    pending = data[cut + 1:]
                    count += len(parts)
                    yield from parts
                chunk = decomp.unused_data if decomp.eof else b""
        if pending:
            count += 1
            yield _decode(pending)
        if problem:
            problems.append({"file": path, "problem": problem, "lines_read": count})


def read_records(paths, since=None, until=None, history_since=None, trusted_proxies=()):
    """Given log paths, yield (record, in_period) for every parsed line at or after ``history_since``
    (or ``since``). Returns counters through the ``stats`` dict yielded last as (None, stats):
    files, lines, parsed, unparsed (with examples), problems (files read only in part) and
    nul_runs (file -> runs of NUL bytes found)."""
    stats = {"files": [], "lines": 0, "parsed": 0, "unparsed": 0, "unparsed_examples": [],
             "problems": [], "nul_runs": {}}
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
        lines = parsed = 0
        combined = _COMBINED.match
        for line in iter_lines(path, stats["problems"]):
            if "\x00" in line:
                # a power cut left NUL bytes where lines were; what follows them is a new line
                pieces = [p for p in line.split("\x00") if p.strip()]
                stats["nul_runs"][path] = stats["nul_runs"].get(path, 0) + 1
            elif len(line) < 3 and not line.strip():
                continue
            else:
                pieces = (line,)
            for piece in pieces:
                lines += 1
                m = combined(piece)
                rec = _fast_record(piece, m) if m is not None else None
                if rec is None:
                    rec = parse_line(piece, trusted_proxies, m)
                if rec is None:
                    stats["unparsed"] += 1
                    if len(stats["unparsed_examples"]) < 3:
                        stats["unparsed_examples"].append(piece.strip()[:200])
                    continue
                parsed += 1
                when = rec["time"]
                if floor is not None and when < floor:
                    continue
                if until is not None and when > until:
                    continue
                yield rec, since is None or when >= since
        stats["lines"] += lines
        stats["parsed"] += parsed
    yield None, stats


def _decoded(text):
    """URL-decode up to three times (double- and triple-encoded payloads), '+' as a space."""
    for _ in range(3):
        if "%" not in text and "+" not in text:
            break
        new = unquote_plus(text, errors="replace") if "%" in text or "+" in text else text
        if new == text:
            break
        text = new
    return text


def _wp_probe(path, status):
    """WordPress folders are probes only when what was asked does not exist and is no asset
    (readme.txt of a plugin the site lacks, a PHP file under wp-includes)."""
    low = path.lower()
    if not (low.startswith("/wp-content/") or low.startswith("/wp-includes/")):
        return False
    if status not in (403, 404):
        return False
    return not STATIC_ASSET.search(low)


_CLASSIFY_CACHE: dict[tuple, tuple[tuple[str, ...], bool]] = {}


def classify(rec):
    """Given one record, return (attack classes, is_probe). Classes: webshell (a PHP file in an
    upload folder, or a known webshell name, answering 200 to a command), sensitive_exposed (a
    secret or backup file answered 200), log4shell (``${jndi:`` in any field), sqli, traversal,
    rfi. Probes are requests a normal visitor never makes (the attack classes included)."""
    target = rec["path"] if rec["valid_request"] else rec["request"]
    key = (target, rec["status"], rec["method"])
    hit = _CLASSIFY_CACHE.get(key)
    if hit is None:
        hit = _classify_target(target, rec["status"], rec["method"])
        if len(_CLASSIFY_CACHE) > 20000:
            _CLASSIFY_CACHE.clear()
        _CLASSIFY_CACHE[key] = hit
    classes, probe = hit
    for field in (rec["request"], rec["agent"], rec["referer"], rec["user"], rec["forwarded_for"]):
        if field and ("$" in field or "%24" in field):  # ${, $%7B or %24{ ... (checked below)
            if has_jndi(_decoded(field)):
                return ("log4shell",) + classes, True
    return classes, probe


def _classify_target(target, status, method):
    classes = []
    probe = False
    if not target:
        return (), False
    qpos = target.find("?")
    raw_path, raw_query = (target, "") if qpos < 0 else (target[:qpos], target[qpos + 1:])
    path = unquote(unquote(raw_path)) if "%" in raw_path else raw_path
    query = _decoded(raw_query) if raw_query else ""
    full = path + ("?" + query if query else "")
    if SHELL_NAMES.search(path) or (PHP_FILE.search(path) and UPLOAD_DIRS.search(path)):
        probe = True
        command = (raw_query and SHELL_QUERY.search(query)) or method == "POST"
        if command and status == 200:
            classes.append("webshell")
    if SENSITIVE_PATHS.search(path):
        probe = True
        if status == 200:
            classes.append("sensitive_exposed")
    if TRAVERSAL.search(full):
        classes.append("traversal")
        probe = True
    if ("(" in full or "'" in full or '"' in full or " " in full or "/**/" in full) and SQLI.search(full):
        classes.append("sqli")
        probe = True
    if query and "://" in query and RFI.search(query):
        classes.append("rfi")
        probe = True
    if not probe and (SCANNER_PATHS.search(target) or _wp_probe(path, status)
                      or (status == 404 and "wp-login.php" in path.lower())):
        probe = True
    return tuple(classes), probe


def is_probe(rec):
    return classify(rec)[1]


def login_key(rec):
    """Given a POST record, return the login URL it targets (path without query, '//' folded) or
    None when it is no login form."""
    path = rec["path"]
    if not path:
        return None
    if LOGIN_QUERY.match(path):
        return path.split("&")[0].lower()
    path = path.split("?", 1)[0]
    while "//" in path:
        path = path.replace("//", "/")
    return path.lower() if LOGIN_PATHS.search(path) else None


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


def _sliding_clients(events, window):
    """Given sorted (time, client) pairs, return (max attempts within ``window``, distinct clients
    in that window, its start)."""
    best = (0, 0, None)
    q = deque()
    clients = Counter()
    for t, c in events:
        q.append((t, c))
        clients[c] += 1
        while t - q[0][0] > window:
            _t, old = q.popleft()
            clients[old] -= 1
            if not clients[old]:
                del clients[old]
        if len(q) > best[0]:
            best = (len(q), len(clients), q[0][0])
    return best


def _clip(text, n=160):
    return text if len(text) <= n else text[: n - 3] + "..."


def analyze(records, options=None):
    """Given (record, in_period) pairs from ``read_records``, return the F.3 result dict:
    summary numbers, top clients, status mix, suspicious list and findings. Clients in
    ``trusted_networks`` (the court's own networks) count as traffic and are never suspicious."""
    opt = dict(DEFAULTS)
    opt.update({k: v for k, v in (options or {}).items() if v is not None})
    ignore = [a.lower() for a in opt["ignore_agents"]]
    trusted = parse_networks(opt["trusted_networks"])
    trusted_cache = {}
    # plain dicts, not Counters: most clients are new, and Counter's __missing__ is a Python call
    per_client = {}
    per_client_bytes = {}
    status_mix = Counter()
    hourly_history = Counter()
    hourly_period = Counter()
    probes = defaultdict(list)
    scanner_agents = defaultdict(set)
    logins = defaultdict(list)
    login_urls = defaultdict(list)
    attacks = {name: {"count": 0, "clients": Counter(), "examples": []} for name in ATTACK_CLASSES}
    client_attacks = defaultdict(Counter)
    errors = []
    invalid = Counter()
    bots = Counter()
    pages = Counter()
    total = 0
    trusted_requests = 0
    first = last = prev_when = None
    status_counts = {}
    stats = {}
    for rec, in_period in records:
        if rec is None:
            stats = in_period
            continue
        hour = rec.get("hour") or utc_hour(rec["time"])
        hourly_history[hour] += 1
        if not in_period:
            continue
        agent = rec["agent"] or ""
        if ignore and any(a in agent.lower() for a in ignore):
            continue
        total += 1
        hourly_period[hour] += 1
        when = rec["time"]
        if when is not prev_when:  # lines of the same second share one datetime object
            prev_when = when
            if first is None or when < first:
                first = when
            if last is None or when > last:
                last = when
        client = rec["client"]
        per_client[client] = per_client.get(client, 0) + 1
        per_client_bytes[client] = per_client_bytes.get(client, 0) + rec["bytes"]
        status = rec["status"]
        status_counts[status] = status_counts.get(status, 0) + 1
        if status >= 500:
            errors.append(when)
        if status == 200 and rec["method"] == "GET":
            path = rec["path"]
            pages[path.split("?", 1)[0] if "?" in path else path] += 1
        scanner, bot = _AGENT_CACHE.get(agent) or agent_kind(agent)
        if bot:
            bots[bot] += 1
        if trusted:
            own = trusted_cache.get(client)
            if own is None:
                addr = _address(client)
                own = trusted_cache[client] = bool(addr is not None and _in(addr, trusted))
            if own:
                trusted_requests += 1
                continue
        if not rec["valid_request"]:
            invalid[client] += 1
        if scanner:
            scanner_agents[client].add(scanner)
        key = login_key(rec) if rec["method"] == "POST" else None
        if key:
            logins[client].append(rec["time"])
            login_urls[key].append((rec["time"], client))
        classes, probe = classify(rec)
        if probe and not key:
            probes[client].append(rec["time"])
        for name in classes:
            a = attacks[name]
            a["count"] += 1
            a["clients"][client] += 1
            client_attacks[client][name] += 1
            if len(a["examples"]) < 3:
                a["examples"].append("%s %s -> %s" % (client, _clip(rec["request"]), rec["status"] or "-"))

    for status, n in status_counts.items():
        status_mix["%dxx" % (status // 100) if status else "-"] += n
    suspicious = []
    findings = []
    for client in sorted(set(probes) | set(scanner_agents) | set(invalid) | set(client_attacks),
                         key=lambda c: -(len(probes.get(c, [])) + invalid.get(c, 0))):
        times = sorted(probes.get(client, []))
        entry = {
            "client": client,
            "kind": "scanner" if times or client in scanner_agents else "invalid_request",
            "probes": len(times),
            "invalid_requests": invalid.get(client, 0),
            "agents": sorted(scanner_agents.get(client, [])),
            "attacks": dict(sorted(client_attacks.get(client, {}).items())),
            "requests": per_client.get(client, 0),
            "first": _iso(times[0]) if times else None,
            "last": _iso(times[-1]) if times else None,
        }
        suspicious.append(entry)
        if len(times) >= opt["scanner_min_probes"] or (client in scanner_agents and per_client.get(client, 0) >= opt["scanner_min_probes"]):
            findings.append({
                "severity": "warning",
                "code": "web_scanner",
                "message": "Pemindaian kerentanan dari %s: %d permintaan probe (%s)%s" % (
                    client, len(times), ", ".join(entry["agents"]) or "tanpa agen pemindai",
                    "" if not times else " antara %s dan %s" % (entry["first"], entry["last"])),
                "client": client,
            })
    for name, (severity, code, title) in ATTACK_CLASSES.items():
        a = attacks[name]
        if a["count"] < max(1, opt["attack_min_requests"]):
            continue
        top = ", ".join("%s (%d)" % (c, n) for c, n in a["clients"].most_common(3))
        finding = {
            "severity": severity,
            "code": code,
            "message": "%s: %d permintaan dari %d alamat (%s); contoh: %s" % (
                title, a["count"], len(a["clients"]), top, "; ".join(a["examples"])),
            "clients": [c for c, _n in a["clients"].most_common(10)],
        }
        if severity == "high":
            finding["incident"] = True  # a working webshell or a served secret: handle as an incident
        findings.append(finding)
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
    for url, events in sorted(login_urls.items()):
        count, distinct, start = _sliding_clients(sorted(events, key=lambda e: e[0]), window)
        if count >= opt["distributed_min_attempts"] and distinct >= opt["distributed_min_clients"]:
            suspicious.append({"kind": "bruteforce_distributed", "url": url, "attempts": len(events),
                               "max_in_window": count, "clients_in_window": distinct,
                               "first": _iso(start)})
            findings.append({
                "severity": "high",
                "code": "web_bruteforce_distributed",
                "message": "Brute force tersebar ke %s: %d POST dari %d alamat berbeda dalam %d menit mulai %s" % (
                    url, count, distinct, opt["bruteforce_window_minutes"], _iso(start)),
                "url": url,
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
    for problem in stats.get("problems", []):
        read = problem["lines_read"]
        findings.append({
            "severity": "warning",
            "code": "web_log_unreadable",
            "message": "Log %s %s; %s baris terbaca dan dianalisis, file lain tetap dibaca" % (
                problem["file"], problem["problem"], "tidak ada" if not read else read),
            "file": problem["file"],
        })
    for path, runs in sorted(stats.get("nul_runs", {}).items()):
        findings.append({
            "severity": "info",
            "code": "web_log_nul_bytes",
            "message": "Log %s berisi %d deret byte NUL (server mati mendadak saat menulis log); "
                       "baris sebelum deret itu mungkin hilang" % (path, runs),
            "file": path,
        })
    return {
        "requests": total,
        "unique_clients": len(per_client),
        "trusted_requests": trusted_requests,
        "first": _iso(first),
        "last": _iso(last),
        "bytes": sum(per_client_bytes.values()),
        "status_mix": dict(sorted(status_mix.items())),
        "top_clients": [{"client": c, "requests": n, "bytes": per_client_bytes[c]}
                        for c, n in Counter(per_client).most_common(opt["top"])],
        "top_pages": [{"path": p, "hits": n} for p, n in pages.most_common(opt["top"])],
        "bots": dict(bots.most_common(opt["top"])),
        "typical_requests_per_hour": median,
        "attacks": {name: a["count"] for name, a in attacks.items()},
        "suspicious": suspicious[: opt["suspicious_limit"]],
        "suspicious_total": len(suspicious),
        "findings": findings,
        "files": stats.get("files", []),
        "lines": stats.get("lines", 0),
        "parsed": stats.get("parsed", 0),
        "unparsed": stats.get("unparsed", 0),
        "unparsed_examples": stats.get("unparsed_examples", []),
        "log_problems": stats.get("problems", []),
    }
