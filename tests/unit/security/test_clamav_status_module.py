"""court_clamav_status: database discovery, signature age and findings on a real directory."""

import os
import time

import court_clamav_status as mod


def cvd(path, stime: int) -> None:
    head = f"ClamAV-VDB:14 Nov 2026 09-22 +0000:27458:2070835:90:md5:dsig:builder:{stime}".encode()
    path.write_bytes(head.ljust(512, b" ") + b"\x1f\x8bpayload")


def test_official_mirror_and_local_databases(tmp_path):
    now = int(time.time())
    cvd(tmp_path / "daily.cld", now - 86400 * 2)
    cvd(tmp_path / "main.cvd", now - 86400 * 300)
    (tmp_path / "court-mirror.hdb").write_text("44d88612fea8a8f36de82e1278abb02f:68:X\n")
    os.utime(tmp_path / "court-mirror.hdb", (now - 86400 * 10, now - 86400 * 10))
    (tmp_path / "court-webshell.yara").write_text("rule x { condition: false }\n")
    (tmp_path / "freshclam.dat").write_bytes(b"\x00" * 90)
    entries = mod.collect_databases(str(tmp_path), ["court-mirror.hdb"], True, None)
    kinds = {e["name"]: e["kind"] for e in entries}
    assert kinds == {
        "court-mirror.hdb": "mirror",
        "court-webshell.yara": "local",
        "daily.cld": "official",
        "main.cvd": "official",
    }
    managed = [e for e in entries if e["kind"] != "local"]
    assert mod.database_age(managed, now) == 2.0
    # an unchanged mirror file is as fresh as the last successful check
    entries = mod.collect_databases(str(tmp_path), ["court-mirror.hdb"], False, float(now - 3600))
    mirror = next(e for e in entries if e["name"] == "court-mirror.hdb")
    assert mirror["epoch"] == now - 3600


def test_findings_stale_missing_and_infected():
    scan = {
        "meta": {"rc": "1"},
        "infected": [{"path": "/w/a.php", "signature": "YARA.X"}],
        "moved": [{"path": "/w/a.php", "to": "/q/a.php"}],
        "errors": [],
        "summary": {},
    }
    entries = [{"name": "court-mirror.hdb", "kind": "mirror", "epoch": 1.0}]
    f = mod.findings_for(entries, 10.0, scan, 3, False, True, True)
    assert [x["code"] for x in f] == ["clamav_signatures_stale", "clamav_infected_file"]
    assert "dikarantina ke /q/a.php" in f[1]["message"] and f[1]["incident"] is True
    f = mod.findings_for([], None, scan, 3, True, False, False)
    assert [x["code"] for x in f] == ["clamav_no_signatures", "clamav_no_scan"]
    clean = {"meta": {"rc": "0"}, "infected": [], "moved": [], "errors": [], "summary": {}}
    assert mod.findings_for(entries, 0.1, clean, 3, False, False, True) == []
