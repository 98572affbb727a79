"""The access-log parser against real-world line shapes, and the F.3 analysis."""

import gzip
import os
from datetime import UTC, datetime, timedelta

import pytest
from ansible.module_utils.court_web.accesslog import analyze, iter_log_files, parse_line, read_records

REAL_LINES = {
    "ipv4": '203.0.113.7 - - [20/Nov/2026:10:01:02 +0700] "GET /berita/sidang-keliling HTTP/1.1" 200 5123 '
    '"https://www.google.com/" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
    'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"',
    "ipv6": '2001:db8:85a3::8a2e:370:7334 - - [20/Nov/2026:10:01:03 +0700] "GET / HTTP/2.0" 200 9000 "-" '
    '"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"',
    "tls_on_80": "198.51.100.9 - - [20/Nov/2026:10:01:04 +0700] "
    '"\\x16\\x03\\x01\\x02\\x00\\x01\\x00\\x01\\xfc\\x03\\x03\\x8c" 400 483 "-" "-"',
    "dash_request": '198.51.100.10 - - [20/Nov/2026:10:01:05 +0700] "-" 408 0 "-" "-"',
    "escaped_quote_agent": '192.0.2.1 - - [20/Nov/2026:10:01:06 +0700] "GET /index.php HTTP/1.1" 200 10 "-" '
    '"Mozilla/5.0 \\"evil\\" [bracket] (x)"',
    "raw_quote_agent": '192.0.2.2 - - [20/Nov/2026:10:01:07 +0700] "GET / HTTP/1.1" 200 10 "-" '
    '"Mozilla/5.0 "quoted" agent [x]"',
    "vhost": 'court.test:443 2001:db8::1 - admin [20/Nov/2026:10:01:08 +0700] "POST /login HTTP/1.1" 302 - '
    '"https://court.test/login" "curl/8.5.0"',
    "http09": '192.0.2.3 - - [20/Nov/2026:10:01:09 +0700] "GET /" 200 100 "-" "-"',
    "common": '192.0.2.4 - - [20/Nov/2026:10:01:10 +0700] "GET /robots.txt HTTP/1.0" 404 196',
    "space_in_path": '192.0.2.5 - - [20/Nov/2026:10:01:11 +0700] "GET /a b HTTP/1.1" 400 226 "-" "-"',
    "response_time_suffix": '192.0.2.6 - - [20/Nov/2026:10:01:12 +0700] "GET /x HTTP/1.1" 200 5 "-" "ua" '
    "1234",
}


def test_ipv4_combined():
    r = parse_line(REAL_LINES["ipv4"])
    assert r["client"] == "203.0.113.7" and r["method"] == "GET" and r["path"] == "/berita/sidang-keliling"
    assert r["status"] == 200 and r["bytes"] == 5123 and r["referer"] == "https://www.google.com/"
    assert r["agent"].endswith("Safari/537.36")
    assert r["time"] == datetime(2026, 11, 20, 3, 1, 2, tzinfo=UTC)


def test_ipv6_client():
    r = parse_line(REAL_LINES["ipv6"])
    assert (
        r["client"] == "2001:db8:85a3::8a2e:370:7334" and r["protocol"] == "HTTP/2.0" and r["referer"] is None
    )


@pytest.mark.parametrize("key,status", [("tls_on_80", 400), ("dash_request", 408), ("space_in_path", 400)])
def test_invalid_requests_are_kept(key, status):
    r = parse_line(REAL_LINES[key])
    assert r is not None and r["valid_request"] is False and r["method"] is None and r["status"] == status


def test_tls_bytes_kept_literally():
    assert parse_line(REAL_LINES["tls_on_80"])["request"].startswith("\\x16\\x03\\x01")


def test_dash_fields():
    r = parse_line(REAL_LINES["dash_request"])
    assert r["bytes"] == 0 and r["agent"] is None and r["referer"] is None and r["user"] is None


def test_escaped_quotes_and_brackets_in_agent():
    assert parse_line(REAL_LINES["escaped_quote_agent"])["agent"] == 'Mozilla/5.0 "evil" [bracket] (x)'


def test_raw_quotes_in_agent():
    r = parse_line(REAL_LINES["raw_quote_agent"])
    assert r["agent"] == 'Mozilla/5.0 "quoted" agent [x]' and r["status"] == 200


def test_vhost_combined_with_user_and_dash_bytes():
    r = parse_line(REAL_LINES["vhost"])
    assert r["vhost"] == "court.test:443" and r["client"] == "2001:db8::1" and r["user"] == "admin"
    assert r["bytes"] == 0 and r["method"] == "POST"


def test_http09_and_common_format():
    assert parse_line(REAL_LINES["http09"])["protocol"] == "HTTP/0.9"
    r = parse_line(REAL_LINES["common"])
    assert r["status"] == 404 and r["agent"] is None


def test_trailing_field_allowed():
    assert parse_line(REAL_LINES["response_time_suffix"])["agent"] == "ua"


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "garbage",
        '1.2.3.4 - - [99/Foo/2026:00:00:00 +0000] "GET / HTTP/1.1" 200 1',
        "[error] [client 1.2.3.4] File does not exist",
    ],
)
def test_junk_is_rejected(junk):
    assert parse_line(junk) is None


def _line(ip, when, path="/", status=200, method="GET", agent="Mozilla/5.0"):
    return '{} - - [{}] "{} {} HTTP/1.1" {} 100 "-" "{}"\n'.format(
        ip,
        when.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        method,
        path,
        status,
        agent,
    )


def test_rotations_order_and_gzip(tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    (tmp_path / "access.log").write_text(_line("192.0.2.1", now - timedelta(hours=1)))
    (tmp_path / "access.log.1").write_text(_line("192.0.2.2", now - timedelta(hours=30)))
    with gzip.open(tmp_path / "access.log.2.gz", "wt") as f:
        f.write(_line("192.0.2.3", now - timedelta(hours=50)))
    with gzip.open(tmp_path / "access.log.10.gz", "wt") as f:
        f.write(_line("192.0.2.4", now - timedelta(days=9)))
    (tmp_path / "access.log.bak").write_text("ignored")
    (tmp_path / "error.log").write_text("ignored")
    names = [os.path.basename(p) for p in iter_log_files(str(tmp_path), "access.log")]
    assert names == ["access.log.10.gz", "access.log.2.gz", "access.log.1", "access.log"]
    recs = [r for r, _ in read_records(iter_log_files(str(tmp_path), "access.log")) if r]
    assert [r["client"] for r in recs] == ["192.0.2.4", "192.0.2.3", "192.0.2.2", "192.0.2.1"]


def test_dated_rotations(tmp_path):
    for n in ("access.log", "access.log-20261119.gz", "access.log-20261120"):
        (tmp_path / n).write_text("")
    names = [os.path.basename(p) for p in iter_log_files(str(tmp_path), "access.log")]
    assert names == ["access.log-20261119.gz", "access.log-20261120", "access.log"]


def _records(lines, since):
    out = []
    for ln in lines:
        r = parse_line(ln)
        out.append((r, r["time"] >= since))
    return out


def _quiet_history(now, days=3, per_hour=20):
    lines = []
    for h in range(days * 24, 0, -1):
        for i in range(per_hour):
            lines.append(_line(f"192.0.2.{i % 50 + 1}", now - timedelta(hours=h, minutes=i)))
    return lines


def test_clean_traffic_has_no_findings():
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    lines = _quiet_history(now)
    lines.append(_line("198.51.100.99", now - timedelta(hours=2), "/.env", 404))
    res = analyze(_records(lines, now - timedelta(hours=24)))
    assert res["findings"] == []
    assert res["suspicious"][0]["client"] == "198.51.100.99" and res["suspicious"][0]["probes"] == 1
    assert res["status_mix"]["2xx"] == 23 * 20 + 1  # the 24h boundary keeps one line of hour 24


def test_attack_burst_is_detected():
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    lines = _quiet_history(now)
    t0 = now - timedelta(hours=1)
    for i in range(400):
        path = ["/wp-login.php", "/.env", "/phpmyadmin/", "/.git/config", "/xmlrpc.php"][i % 5]
        lines.append(
            _line("2001:db8:bad::1", t0 + timedelta(seconds=i), path, 404, agent="Mozilla/5.00 (Nikto/2.5.0)")
        )
    for i in range(60):
        lines.append(_line("203.0.113.66", t0 + timedelta(seconds=5 * i), "/wp-login.php", 200, "POST"))
    for i in range(30):
        lines.append(_line("192.0.2.9", t0 + timedelta(seconds=3 * i), "/berita", 503))
    codes = {f["code"] for f in analyze(_records(lines, now - timedelta(hours=24)))["findings"]}
    assert codes == {"web_scanner", "web_bruteforce", "web_5xx_burst", "web_traffic_spike"}


def test_ignored_agents_are_left_out():
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    lines = [
        _line("127.0.0.1", now - timedelta(minutes=i % 50), "/.env", 404, agent="court-sop-archiver/1.0")
        for i in range(100)
    ]
    res = analyze(_records(lines, now - timedelta(hours=24)), {"ignore_agents": ["court-sop-"]})
    assert res["requests"] == 0 and res["findings"] == []
