"""Report rendering: Chromium's sandbox on (never --no-sandbox; unprivileged when sop is root),
no JavaScript, no network, private output. Real headless Chromium and pdftotext."""

from __future__ import annotations

import http.server
import os
import pwd
import shutil
import stat
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sop_runner.reports import browser
from sop_runner.reports.errors import ReportError

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("chromium") is None,
    reason="needs chromium and poppler-utils (./court setup installs them)",
)


@pytest.fixture
def listener() -> Iterator[tuple[int, list[str]]]:
    """A loopback HTTP server that records every request it gets."""
    seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            seen.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    yield server.server_address[1], seen
    server.shutdown()


def _pdftext(pdf: Path) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def test_sandbox_flag_is_never_given() -> None:
    assert not any("sandbox" in f for f in browser.CHROMIUM_FLAGS)


def test_hostile_page_runs_no_script_and_fetches_nothing(
    tmp_path: Path, listener: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port, seen = listener
    html = tmp_path / "hostile.html"
    html.write_text(
        "<!doctype html><html><head><title>t</title>"
        f'<link rel="stylesheet" href="http://127.0.0.1:{port}/style.css"></head><body>'
        '<p id="p">TANPA-SKRIP</p>'
        '<script>document.getElementById("p").textContent = "SKRIP-JALAN";'
        f'fetch("http://127.0.0.1:{port}/fetch");</script>'
        f'<img src="http://127.0.0.1:{port}/img.png"><img src="http://example.invalid/x.png">'
        f'<iframe src="http://127.0.0.1:{port}/frame"></iframe></body></html>',
        encoding="utf-8",
    )
    calls: list[dict[str, Any]] = []
    real_run = subprocess.run

    def spy(cmd: list[str], **kwargs: Any) -> Any:
        calls.append({"cmd": cmd, **kwargs})
        return real_run(cmd, **kwargs)

    monkeypatch.setattr(browser.subprocess, "run", spy)
    pdf = browser.html_to_pdf(html, tmp_path / "out" / "hostile.pdf")
    text = _pdftext(pdf)
    assert "TANPA-SKRIP" in text and "SKRIP-JALAN" not in text
    assert seen == []
    [call] = [c for c in calls if c["cmd"][0] == browser.find_chromium()]
    assert "--no-sandbox" not in call["cmd"]
    if os.geteuid() == 0:  # as root: rendered by the unprivileged user, not root
        assert call["user"] == pwd.getpwnam(browser.RENDER_USER).pw_uid
        assert call["extra_groups"] == []
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
    assert stat.S_IMODE(pdf.parent.stat().st_mode) == 0o700


def test_policy_goes_first_into_head() -> None:
    out = browser.with_policy(b'<html><HEAD lang="id"><script>x()</script></head></html>')
    assert out.index(b"Content-Security-Policy") < out.index(b"<script>")
    assert browser.with_policy(b"<p>no head</p>").startswith(b"<head><meta http-equiv")


@pytest.mark.skipif(os.geteuid() != 0, reason="only root drops privileges")
def test_root_never_renders_as_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    html = tmp_path / "a.html"
    html.write_text("<p>x</p>")
    monkeypatch.setenv("SOP_CHROMIUM_USER", "root")
    with pytest.raises(ReportError, match="is root"):
        browser.html_to_pdf(html, tmp_path / "a.pdf")
    monkeypatch.setenv("SOP_CHROMIUM_USER", "no-such-user-sop")
    with pytest.raises(ReportError, match="does not exist"):
        browser.html_to_pdf(html, tmp_path / "a.pdf")
    assert not (tmp_path / "a.pdf").exists()
