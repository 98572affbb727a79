#!/usr/bin/env python3
"""Lab only: write realistic Apache access logs (combined format) for the court website stand-in.

Writes the live access.log (today, in place so Apache's open handle keeps appending) and the
logrotate rotations of the previous days (access.log.1 plain, access.log.2.gz ... gzipped, like
Debian's daily/delaycompress policy), each with the mtime of its rotation. Traffic: visitors on
IPv4 and IPv6 with office-hour peaks, search and social bots, uptime checks, and the internet's
background noise (a stray .env probe, TLS bytes on port 80, an empty request). --burst adds an
attack about an hour ago: a Nikto scan, sqlmap, a wp-login brute force and a burst of 503s.
Usage: gen_access_log.py --dir /var/log/apache2 --days 14 --seed 7 [--burst]
"""

import argparse
import gzip
import os
import random
from datetime import datetime, timedelta

AGENTS = [
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; 23106RN0DA Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/130.0.6723.58 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/486.0.0.66.70;]",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15",
]
BOTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "WhatsApp/2.23.20.0",
]
PAGES = [
    ("/", 30),
    ("/berita/jadwal-sidang-pekan-ini", 12),
    ("/berita/pelayanan-ptsp-jam-operasional", 8),
    ("/berita/sidang-keliling-kecamatan", 6),
    ("/berita/laporan-realisasi-anggaran", 3),
    ("/profil.html", 6),
    ("/uploads/2026/jadwal-sidang.pdf", 5),
    ("/uploads/2026/sidang-keliling.pdf", 2),
    ("/rss.xml", 2),
    ("/assets/style.css", 10),
    ("/favicon.ico", 6),
    ("/berita/e-court-gugatan-online", 3),
]
REFERERS = [
    "-",
    "-",
    "https://www.google.com/",
    "https://www.google.co.id/",
    "http://m.facebook.com/",
    "https://{d}/",
]
# Hourly weights in local time (WIB office hours peak, quiet nights).
HOURLY = [1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 15, 13, 10, 13, 14, 12, 9, 6, 5, 5, 4, 3, 2, 1]
NOISE = [
    "/.env",
    "/wp-login.php",
    "/phpmyadmin/",
    "/.git/config",
    "/xmlrpc.php",
    "/cgi-bin/luci",
    "/boaform/admin/formLogin",
]
SIZES = {"/": 5400, "/assets/style.css": 160, "/favicon.ico": 196, "/rss.xml": 2900, "/profil.html": 470}


def client(rng):
    if rng.random() < 0.25:
        return "2001:db8:%x:%x::%x" % (
            rng.randint(0x100, 0xFFF),
            rng.randint(1, 0xFFFF),
            rng.randint(1, 0xFFFF),
        )
    return "100.%d.%d.%d" % (rng.randint(64, 127), rng.randint(0, 255), rng.randint(1, 254))


def fmt(ip, when, request, status, size, referer="-", agent="-"):
    esc = lambda s: s.replace("\\", "\\\\").replace('"', '\\"')  # noqa: E731 - Apache's own escaping
    return '%s - - [%s] "%s" %d %s "%s" "%s"\n' % (
        ip,
        when.strftime("%d/%b/%Y:%H:%M:%S %z"),
        request,
        status,
        size if size else "-",
        esc(referer),
        esc(agent),
    )


def day_lines(rng, start, end, domain):
    """Lines between start and end (local aware datetimes), sorted by time."""
    out = []
    visitors = [client(rng) for _ in range(160)]
    t = start
    while t < end:
        hour_end = min(t.replace(minute=0, second=0) + timedelta(hours=1), end)
        n = int(HOURLY[t.hour] * rng.uniform(2.0, 3.5))
        for _ in range(n):
            when = t + (hour_end - t) * rng.random()
            r = rng.random()
            if r < 0.12:
                agent, ip = rng.choice(BOTS), client(rng)
                path = rng.choice(
                    ["/", "/sitemap.xml", "/robots.txt", "/berita/sidang-keliling-kecamatan", "/profil.html"]
                )
                out.append(
                    (when, fmt(ip, when, "GET %s HTTP/1.1" % path, 200, SIZES.get(path, 3100), "-", agent))
                )
                continue
            if r < 0.16:
                out.append(
                    (
                        when,
                        fmt(rng.choice(visitors), when, "GET / HTTP/1.1", 301, 240, "-", rng.choice(AGENTS)),
                    )
                )
                continue
            ip, agent = rng.choice(visitors), rng.choice(AGENTS)
            path = rng.choices([p for p, _w in PAGES], [w for _p, w in PAGES])[0]
            status = (
                404
                if path == "/favicon.ico"
                else (304 if path.endswith(".css") and rng.random() < 0.5 else 200)
            )
            size = 0 if status == 304 else SIZES.get(path, 3800 if path.startswith("/berita") else 740)
            ref = rng.choice(REFERERS).format(d=domain)
            out.append((when, fmt(ip, when, "GET %s HTTP/2.0" % path, status, size, ref, agent)))
        for minute in range(0, 60, 5):  # the court's uptime monitor
            when = t.replace(minute=minute, second=7)
            if t <= when < hour_end:
                out.append(
                    (when, fmt("100.100.1.10", when, "HEAD / HTTP/1.1", 200, 0, "-", "Uptime-Kuma/1.23.13"))
                )
        t = hour_end
    # the internet's background noise, a little every day
    span = (end - start).total_seconds()
    for _ in range(rng.randint(1, 3)):
        when = start + timedelta(seconds=span * rng.random())
        out.append(
            (
                when,
                fmt(
                    client(rng),
                    when,
                    "GET %s HTTP/1.1" % rng.choice(NOISE),
                    404,
                    196,
                    "-",
                    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36",
                ),
            )
        )
    when = start + timedelta(seconds=span * rng.random())
    out.append(
        (when, fmt(client(rng), when, "\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03", 400, 483))
    )
    when = start + timedelta(seconds=span * rng.random())
    out.append((when, fmt(client(rng), when, "-", 408, 0)))
    when = start + timedelta(seconds=span * rng.random())
    out.append((when, fmt(client(rng), when, "GET / HTTP/1.1", 200, 5400, "-", "Mozilla/5.0 zgrab/0.x")))
    return out


def burst_lines(rng, at):
    out = []
    probes = [
        "/wp-login.php",
        "/xmlrpc.php",
        "/.env",
        "/.git/config",
        "/phpmyadmin/index.php",
        "/pma/",
        "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php",
        "/wp-config.php.bak",
        "/backup.sql",
        "/cgi-bin/test.cgi",
        "/admin/config.php",
        "/shell.php",
        "/../../etc/passwd",
    ]
    nikto = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:%06d)"
    for i in range(450):
        when = at + timedelta(seconds=i * 0.8)
        out.append(
            (
                when,
                fmt(
                    "2001:db8:bad:1::66",
                    when,
                    "GET %s HTTP/1.1" % probes[i % len(probes)],
                    rng.choice([404, 404, 403]),
                    196,
                    "-",
                    nikto % i,
                ),
            )
        )
    for i in range(120):
        when = at + timedelta(minutes=7, seconds=i * 2)
        req = (
            "GET /berita/jadwal-sidang-pekan-ini?id=1%%27%%20UNION%%20SELECT%%20NULL%%2C%d--%%20- HTTP/1.1"
            % i
        )
        out.append(
            (when, fmt("100.72.13.9", when, req, 404, 210, "-", "sqlmap/1.8.4#stable (https://sqlmap.org)"))
        )
    for i in range(150):
        when = at + timedelta(minutes=12, seconds=i * 3)
        path = "/wp-login.php" if i % 3 else "/administrator/index.php"
        out.append(
            (
                when,
                fmt(
                    "100.91.4.20",
                    when,
                    "POST %s HTTP/1.1" % path,
                    200 if i % 3 else 404,
                    3100,
                    "https://example.invalid/wp-login.php",
                    "Mozilla/5.0 (Windows NT 10.0; rv:109.0) Gecko/20100101",
                ),
            )
        )
    for i in range(60):
        when = at + timedelta(minutes=14, seconds=i * 4)
        out.append(
            (
                when,
                fmt(
                    client(rng),
                    when,
                    "GET /berita/jadwal-sidang-pekan-ini HTTP/2.0",
                    503,
                    299,
                    "-",
                    rng.choice(AGENTS),
                ),
            )
        )
    return out


def write(path, lines, mtime, compress):
    tmp = path + ".tmp"
    data = "".join(line for _when, line in sorted(lines, key=lambda x: x[0])).encode()
    if compress:
        with gzip.open(tmp, "wb") as f:
            f.write(data)
    else:
        with open(tmp, "wb") as f:
            f.write(data)
    os.chmod(tmp, 0o640)
    os.replace(tmp, path)
    os.utime(path, (mtime, mtime))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default="/var/log/apache2")
    ap.add_argument("--name", default="access.log")
    ap.add_argument("--days", type=int, default=14)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--domain", default="pn-contoh.test")
    ap.add_argument("--burst", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    now = datetime.now().astimezone()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    base = os.path.join(args.dir, args.name)
    for name in os.listdir(args.dir):
        if name.startswith(args.name + ".") and not name.endswith(".tmp"):
            os.unlink(os.path.join(args.dir, name))
    for n in range(args.days, 0, -1):
        start, end = midnight - timedelta(days=n), midnight - timedelta(days=n - 1)
        lines = day_lines(rng, start, end, args.domain)
        write("%s.%d%s" % (base, n, ".gz" if n > 1 else ""), lines, end.timestamp() + 60 * 25, n > 1)
    today = day_lines(rng, midnight, now - timedelta(minutes=1), args.domain)
    if args.burst:
        at = now - timedelta(minutes=75)
        burst = burst_lines(rng, at)
        # a burst that falls before midnight belongs to yesterday's file
        today += [x for x in burst if x[0] >= midnight]
        if any(x[0] < midnight for x in burst):
            path = base + ".1"
            with open(path, "a") as f:
                f.writelines(line for when, line in burst if when < midnight)
            os.utime(path, (midnight.timestamp() + 60 * 25,) * 2)
    data = "".join(line for _when, line in sorted(today, key=lambda x: x[0]))
    # in place: Apache holds the live file open in append mode
    with open(base, "a+") as f:
        f.seek(0)
        f.truncate()
        f.write(data)
    os.chmod(base, 0o640)


if __name__ == "__main__":
    main()
