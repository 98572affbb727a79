"""ClamAV database header and clamscan report parsing (real formats)."""

from datetime import UTC, datetime

import pytest
from ansible.module_utils.court_security.clamav import database_age, parse_clamscan_log, parse_cvd_header


def header(fields: str) -> bytes:
    return fields.encode().ljust(512, b" ")


def test_cvd_header_uses_stime_when_present():
    raw = header("ClamAV-VDB:14 Nov 2026 09-22 +0000:27458:2070835:90:4c5d1f0e:sigdata:raynman:1794647340")
    h = parse_cvd_header(raw + b"\x1f\x8b binary tar follows")
    assert h["version"] == 27458
    assert h["signatures"] == 2070835
    assert h["functionality_level"] == 90
    assert h["build_epoch"] == 1794647340


def test_cvd_header_falls_back_to_the_build_time_text():
    h = parse_cvd_header(header("ClamAV-VDB:14 Nov 2026 09-22 +0000:62:6647427:90:md5:dsig:sigmgr"))
    assert datetime.fromisoformat(h["build_time"]) == datetime(2026, 11, 14, 9, 22, tzinfo=UTC)


@pytest.mark.parametrize("raw", [b"", b"PK\x03\x04zip", b"<html>mirror error page</html>"])
def test_not_a_database_is_refused(raw):
    with pytest.raises(ValueError):
        parse_cvd_header(raw)


def test_age_of_the_newest_database():
    now = 1_800_000_000.0
    assert database_age([{"epoch": now - 86400 * 5}, {"epoch": now - 86400 * 2}], now) == 2.0
    assert database_age([{"epoch": None}], now) is None
    assert database_age([], now) is None


def test_clamscan_report(fixture_text):
    r = parse_clamscan_log(fixture_text("clamscan.log"))
    assert r["meta"] == {"start": "2026-11-21T04:35:22Z", "end": "2026-11-21T04:35:31Z", "rc": "1"}
    assert r["infected"] == [
        {"path": "/var/www/html/uploads/eicar.com", "signature": "Court.Test.EICAR-Mirror.UNOFFICIAL"},
        {
            "path": "/var/www/html/uploads/surat: putusan.php",
            "signature": "YARA.Court_PHP_Webshell_EvalDecode.UNOFFICIAL",
        },
        {"path": "/var/www/html/index-spam.html", "signature": "YARA.Court_Gambling_Spam_Terms.UNOFFICIAL"},
    ]
    assert r["moved"] == [
        {"path": "/var/www/html/uploads/eicar.com", "to": "/var/lib/court-clamav/quarantine/eicar.com"}
    ]
    assert len(r["errors"]) == 2
    assert r["summary"]["scanned_files"] == 9
    assert r["summary"]["infected_files"] == 3
    assert r["summary"]["known_signatures"] == 12
    assert r["summary"]["engine_version"] == "1.4.6"


def test_older_capitalised_move_message_and_copy():
    text = "/w/a.php: X FOUND\n/w/a.php: Moved to '/q/a.php'\n"
    text += "/w/b.php: Y FOUND\n/w/b.php: copied to '/q/b.php'\n"
    r = parse_clamscan_log(text)
    assert r["moved"] == [{"path": "/w/a.php", "to": "/q/a.php"}, {"path": "/w/b.php", "to": "/q/b.php"}]


def test_clean_scan_and_crlf():
    text = "# court-clamscan start=x end=y rc=0\r\n\r\n"
    text += "----------- SCAN SUMMARY -----------\r\nInfected files: 0\r\n"
    r = parse_clamscan_log(text)
    assert r["infected"] == [] and r["summary"]["infected_files"] == 0 and r["meta"]["rc"] == "0"
