"""Headless Chromium: the one place in the reports package that spawns a process.

Reports are built from data that came off the network (web logs, device output, SIPP user
names), so Chromium renders them with its sandbox on, JavaScript and network off:

- **never ``--no-sandbox``**: when ``sop`` runs as root (the systemd timer), Chromium runs as an
  unprivileged user (``nobody``, or ``$SOP_CHROMIUM_USER``) -- Chromium's namespace sandbox
  needs no privilege, and a root Chromium would refuse to start with its sandbox anyway;
- it reads a private copy of the page and writes its output into a throw-away folder that only
  that user can enter (its profile, cache and temporary files live there too); the store and
  the report folder stay unreadable to it, and the result is copied back into place ``0600``;
- the copy carries a Content-Security-Policy that forbids every script and every fetch
  (``default-src 'none'``; inline CSS and ``data:`` images only), and host names resolve to
  nothing: a hostile string in a web log cannot run code or call out when rendered.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sop_runner import private
from sop_runner.reports.errors import ReportError

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    # no name resolves; the report needs none
    "--host-resolver-rules=MAP * ~NOTFOUND",
)
#: Who renders when sop runs as root (a user without a login or files of its own).
RENDER_USER = "nobody"
#: Put first in the page's <head>: no script runs, nothing is fetched.
CSP = (
    "default-src 'none'; script-src 'none'; connect-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; font-src data:; frame-src 'none'; form-action 'none'; base-uri 'none'"
)
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
TIMEOUT_S = 120
_HEAD = re.compile(rb"<head(\s[^>]*)?>", re.IGNORECASE)


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


def render_user() -> pwd.struct_passwd | None:
    """Return the unprivileged account Chromium runs as when this process is root (None when it
    is not root: Chromium then runs as this user). Raise ReportError if the account is missing."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("SOP_CHROMIUM_USER") or RENDER_USER
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        raise ReportError(f"user {name} (renders reports when sop runs as root) does not exist") from None
    if account.pw_uid == 0:
        raise ReportError(f"SOP_CHROMIUM_USER={name} is root: reports are rendered unprivileged")
    return account


def with_policy(html: bytes) -> bytes:
    """Return the page with :data:`CSP_META` as the first element of its <head> (a head is
    added when the page has none)."""
    meta = CSP_META.encode()
    m = _HEAD.search(html)
    if m:
        return html[: m.end()] + meta + html[m.end() :]
    return b"<head>" + meta + b"</head>" + html


@contextlib.contextmanager
def _sandbox_dir(account: pwd.struct_passwd | None) -> Iterator[Path]:
    """Yield a fresh folder only the rendering user can enter (0700, owned by it)."""
    with tempfile.TemporaryDirectory(prefix="sop-chromium-") as tmp:
        if account is not None:
            os.chown(tmp, account.pw_uid, account.pw_gid)
        yield Path(tmp)


def _render(html: Path, output: Path, args: list[str], check_pdf: bool) -> Path:
    """Render a private, policy-carrying copy of ``html`` with Chromium (``args`` get ``{out}``
    and ``{url}`` filled in) as the unprivileged user, then write the result to ``output``
    (0600). Raise ReportError on failure."""
    account = render_user()
    try:
        page_bytes = with_policy(html.read_bytes())
    except OSError as exc:
        raise ReportError(f"cannot read {html}: {exc.strerror}") from None
    chromium = find_chromium()
    with _sandbox_dir(account) as work:
        page, out = work / "page.html", work / ("out" + output.suffix)
        page.write_bytes(page_bytes)
        if account is not None:
            os.chown(page, account.pw_uid, account.pw_gid)
        filled = [a.format(out=out, url=page.as_uri()) for a in args]
        cmd = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={work / 'profile'}", *filled]
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "TMPDIR": str(work),
            "XDG_CONFIG_HOME": str(work / "config"),
            "XDG_CACHE_HOME": str(work / "cache"),
            "LANG": os.environ.get("LANG", "C.UTF-8"),
        }
        try:
            proc = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                timeout=TIMEOUT_S,
                check=False,
                env=env,
                cwd=work,
                user=account.pw_uid if account else None,
                group=account.pw_gid if account else None,
                extra_groups=[] if account else None,
            )
        except subprocess.TimeoutExpired as exc:
            raise ReportError(f"chromium did not finish within {TIMEOUT_S} s writing {output}") from exc
        except OSError as exc:
            raise ReportError(f"cannot start {chromium}: {exc.strerror}") from None
        data = out.read_bytes() if out.is_file() else b""
    if proc.returncode != 0 or not data:
        lines = [ln for ln in (proc.stderr or "").splitlines() if "dbus" not in ln.lower() and ln.strip()]
        raise ReportError(
            f"chromium failed to write {output} (rc={proc.returncode}): {(lines[-1:] or ['no output'])[0]}"
        )
    if check_pdf and not data.startswith(b"%PDF-"):
        raise ReportError(f"chromium wrote something that is not a PDF for {html}")
    return private.write_atomic(output, data)


def html_to_pdf(html: Path, pdf: Path) -> Path:
    """Given a self-contained HTML file, print it to `pdf` (A4 from the page CSS) atomically."""
    return _render(html, pdf, ["--no-pdf-header-footer", "--print-to-pdf={out}", "{url}"], check_pdf=True)


def screenshot(html: Path, png: Path, width: int = 1280, height: int = 2400) -> Path:
    """Given an HTML file, write a PNG screenshot of its first `height` pixels to `png`."""
    args = [f"--window-size={width},{height}", "--screenshot={out}", "{url}"]
    return _render(html, png, args, check_pdf=False)
