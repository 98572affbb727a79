"""sipp_http_probe against a real HTTP server on 127.0.0.1 (rendered page, raw PHP, errors)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

MODULE = Path(__file__).resolve().parents[3] / "library" / "sipp_http_probe.py"
LOGIN = b'<html><form method="post" action="login.php" id="login"><input name="password"></form></html>'
PAGES = {
    "/SIPP/": (200, LOGIN),
    "/raw/": (200, b"<?php require 'lib.php'; ?><form><input name='password'></form>"),
    "/blank/": (200, b"<html><body>Database error</body></html>"),
    "/down/": (502, b"Bad Gateway"),
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server API
        status, body = PAGES.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def probe(tmp_path, **args):
    args.setdefault("marker", "(?is)<form[^>]*>.*name=[\"']password[\"']")
    path = tmp_path / "args.json"
    path.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    proc = subprocess.run(
        [sys.executable, str(MODULE), str(path)], capture_output=True, text=True, timeout=60
    )
    return json.loads(proc.stdout)


def test_rendered_login_page_is_ok(base, tmp_path):
    r = probe(tmp_path, url=f"{base}/SIPP/")
    assert r["ok"] is True and r["rendered"] is True and r["status"] == 200
    assert r["changed"] is False and r["error"] == "" and r["bytes"] == len(LOGIN)
    assert 0 <= r["elapsed_ms"] < 5000


def test_raw_php_means_php_is_not_running(base, tmp_path):
    r = probe(tmp_path, url=f"{base}/raw/")
    assert r["ok"] is False and "PHP is not running" in r["error"]


def test_page_without_the_login_form_is_not_rendered(base, tmp_path):
    r = probe(tmp_path, url=f"{base}/blank/")
    assert r["ok"] is False and r["status"] == 200 and "not rendered" in r["error"]


def test_http_error_status(base, tmp_path):
    r = probe(tmp_path, url=f"{base}/down/")
    assert r["ok"] is False and r["status"] == 502 and r["error"].startswith("HTTP 502")


def test_no_answer(tmp_path):
    r = probe(tmp_path, url="http://127.0.0.1:9/SIPP/", timeout=2)
    assert r["ok"] is False and r["status"] is None and r["error"].startswith("no answer from")


def test_bad_marker_is_one_clear_error(base, tmp_path):
    r = probe(tmp_path, url=f"{base}/SIPP/", marker="(")
    assert r["failed"] is True and r["msg"].startswith("marker is not a valid regular expression")
