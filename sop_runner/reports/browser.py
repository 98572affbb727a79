"""Headless Chromium: the one place in the reports package that spawns a process.

HTML reports are self-contained (inline CSS and SVG, no network resources), so Chromium is run
with every background-network feature off and a fresh, empty profile directory per call.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sop_runner.reports.errors import ReportError

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
)
TIMEOUT_S = 120


def find_chromium() -> str:
    """Return the path of the Chromium binary ($SOP_CHROMIUM first). Raise ReportError if none."""
    configured = os.environ.get("SOP_CHROMIUM")
    if configured:
        if shutil.which(configured):
            return configured
        raise ReportError(f"SOP_CHROMIUM={configured} is not an executable; point it at chromium")
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise ReportError(
        "chromium not found: install the 'chromium' package (./court setup) or set SOP_CHROMIUM"
    )


def _run(args: list[str], output: Path) -> None:
    """Run Chromium with the fixed flags and a throw-away profile; Raise ReportError on failure."""
    with tempfile.TemporaryDirectory(prefix="sop-chromium-") as profile:
        cmd = [find_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"chromium did not finish within {TIMEOUT_S} s writing {output}") from exc
    if proc.returncode != 0 or not output.exists() or output.stat().st_size == 0:
        tail = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
        raise ReportError(f"chromium failed to write {output} (rc={proc.returncode}): {tail[0]}")


def html_to_pdf(html: Path, pdf: Path) -> Path:
    """Given a self-contained HTML file, print it to `pdf` (A4 from the page CSS) atomically."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    tmp = pdf.with_name(f".{pdf.name}.tmp-{os.getpid()}")
    try:
        _run(["--no-pdf-header-footer", f"--print-to-pdf={tmp}", html.resolve().as_uri()], tmp)
        if not tmp.read_bytes().startswith(b"%PDF-"):
            raise ReportError(f"chromium wrote something that is not a PDF for {html}")
        tmp.replace(pdf)
    finally:
        tmp.unlink(missing_ok=True)
    return pdf


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 2400) -> Path:
    """Given an HTML file, write a PNG screenshot of its first `height` pixels to `png`."""
    png.parent.mkdir(parents=True, exist_ok=True)
    tmp = png.with_name(f".{png.name}.tmp-{os.getpid()}.png")
    try:
        _run([f"--window-size={width},{height}", f"--screenshot={tmp}", html.resolve().as_uri()], tmp)
        tmp.replace(png)
    finally:
        tmp.unlink(missing_ok=True)
    return png
