"""Spam keywords, hidden links, webshell signatures, sitemap/RSS/Atom dates, and the file scan."""

import json
import threading
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from ansible.module_utils.court_web.content import (
    feed_dates,
    find_keywords,
    find_webshell,
    hidden_external_links,
)
from ansible.module_utils.court_web.integrity import compare, is_php, scan_files, walk
from ansible.module_utils.court_web.rdap import assess, fetch_rdap, rdap_expiry


def test_keywords_found_across_markup_and_entities():
    page = "<p>Situs <b>SLOT&nbsp;GACOR</b> hari ini &amp; judi\n online</p>"
    assert find_keywords(page.replace("&nbsp;", " ")) == ["judi online", "slot gacor"]


def test_court_words_are_not_spam():
    assert find_keywords("Slot waktu sidang keliling; jadwal sidang online di e-Court") == []


def test_hidden_external_links_only():
    page = (
        '<div style="display:none"><a href="https://slot.invalid/">x</a><a href="/internal">y</a></div>'
        '<a href="https://ok.invalid/">visible</a>'
        '<span style="position:absolute;left:-9999px"><a href="https://togel.invalid/">t</a></span>'
        '<p hidden><a href="https://judi.invalid/">j</a></p>'
    )
    urls = [h["url"] for h in hidden_external_links(page, "https://court.test/")]
    assert urls == ["https://slot.invalid/", "https://togel.invalid/", "https://judi.invalid/"]


def test_hidden_block_closes():
    page = '<div style="display: none"><br></div><a href="https://ok.invalid/">visible</a>'
    assert hidden_external_links(page, "https://court.test/") == []


@pytest.mark.parametrize(
    "src",
    [
        "<?php @eval($_POST['c']); ?>",
        "<?php eval(base64_decode('ZWNobyAxOw==')); ?>",
        "<?php $_GET['f']($_GET['a']); ?>",
        "<?php system($_REQUEST['cmd']);",
        "<?php /* WSO 2.5 */ $x=1;",
    ],
)
def test_webshell_signatures(src):
    assert find_webshell(src)


def test_ordinary_php_is_not_a_webshell():
    assert (
        find_webshell("<?php $stmt = db()->prepare('SELECT 1'); echo htmlspecialchars($_GET['q'] ?? '');")
        is None
    )


def test_sitemap_rss_atom_dates():
    sitemap = (
        '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>https://c.test/a</loc><lastmod>2026-11-20T10:00:00+07:00</lastmod></url>"
        "<url><loc>https://c.test/b</loc><lastmod>2026-10-01</lastmod></url><url><loc>https://c.test/c</loc></url>"
        "</urlset>"
    )
    kind, items = feed_dates(sitemap)
    assert (
        kind == "urlset" and items[0][1] == datetime(2026, 11, 20, 3, 0, tzinfo=UTC) and items[2][1] is None
    )
    rss = (
        "<rss version='2.0'><channel><item><link>https://c.test/a</link>"
        "<pubDate>Fri, 20 Nov 2026 10:00:00 +0700</pubDate></item></channel></rss>"
    )
    assert feed_dates(rss)[1] == [("https://c.test/a", datetime(2026, 11, 20, 3, 0, tzinfo=UTC))]
    atom = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="https://c.test/x"/>'
        "<updated>2026-11-19T00:00:00Z</updated><published>2026-11-18T00:00:00Z</published></entry></feed>"
    )
    assert feed_dates(atom)[1] == [("https://c.test/x", datetime(2026, 11, 18, tzinfo=UTC))]
    with pytest.raises(ValueError):
        feed_dates("<html><body>not a feed</body></html>")


def test_is_php_double_extension():
    assert is_php("a.php") and is_php("x.PHTML") and is_php("img.php.jpg") and not is_php("doc.pdf")


def test_file_scan_and_baseline(tmp_path):
    root = tmp_path / "www"
    (root / "uploads" / "2026").mkdir(parents=True)
    (root / "index.php").write_text("<?php echo 'ok';")
    (root / "uploads" / "2026" / "a.pdf").write_bytes(b"%PDF-1.4")
    (root / ".htaccess").write_text("Options -Indexes")
    base = walk(str(root))
    assert scan_files(str(root), base, ["uploads"]) == []
    (root / "uploads" / "2026" / "thumb.php").write_text("<?php @eval($_POST['c']);")
    (root / ".cache.php").write_text("<?php echo 1;")
    (root / "promo.html").write_text("<h1>Slot Gacor maxwin</h1>")
    (root / "index.php").write_text("<?php echo 'changed';")
    now = walk(str(root))
    codes = sorted(f["code"] for f in scan_files(str(root), now, ["uploads"]))
    assert codes == ["web_hidden_file", "web_php_in_uploads", "web_spam_content", "web_webshell"]
    added, changed, removed = compare(base, now)
    assert added == [".cache.php", "promo.html", "uploads/2026/thumb.php"] and changed == ["index.php"]
    assert removed == []


class _Rdap(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        if self.path == "/domain/pn-contoh.test":
            body = json.dumps(
                {
                    "objectClassName": "domain",
                    "events": [{"eventAction": "expiration", "eventDate": "2027-01-15T00:00:00Z"}],
                    "entities": [
                        {"roles": ["registrar"], "vcardArray": ["vcard", [["fn", {}, "text", "Registrar X"]]]}
                    ],
                }
            ).encode()
            self.send_response(200)
        else:
            body = b'{"errorCode": 404}'
            self.send_response(404)
        self.send_header("Content-Type", "application/rdap+json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def rdap_server():
    srv = HTTPServer(("127.0.0.1", 0), _Rdap)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_port}/"
    srv.shutdown()


def test_rdap_lookup_against_local_server(rdap_server):
    expires, registrar = rdap_expiry(fetch_rdap(rdap_server, "PN-Contoh.test."))
    assert expires.date() == date(2027, 1, 15) and registrar == "Registrar X"
    with pytest.raises(ValueError, match="tidak dapat dihubungi"):
        fetch_rdap(rdap_server, "unknown.test")


@pytest.mark.parametrize(
    "expires,severity",
    [("2026-12-31", None), ("2026-12-01", "warning"), ("2026-11-25", "high"), ("2026-11-01", "high")],
)
def test_expiry_windows(expires, severity):
    left, finding = assess({"name": "x", "kind": "hosting", "expires": expires}, date(2026, 11, 21), 30, 7)
    assert left == (date.fromisoformat(expires) - date(2026, 11, 21)).days
    assert (finding or {}).get("severity") == severity
