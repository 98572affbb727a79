"""SIPP-1 / F.1 checks as a visitor sees them: does a URL answer, how long is the TLS certificate
valid. Only GET requests and a TLS handshake; nothing is sent that changes anything."""

from __future__ import annotations

import socket
import ssl
import urllib.error
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlsplit


def _context(verify: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def answers(url: str, timeout: float, *, verify: bool = True) -> int:
    """GET ``url``; return the HTTP status. Raise AssertionError when it does not answer within
    ``timeout`` seconds or answers with a status of 400 or more."""
    req = urllib.request.Request(url, headers={"User-Agent": "sop-comply"}, method="GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=_context(verify)) as resp:
            status = int(resp.status)
    except urllib.error.HTTPError as exc:
        status = int(exc.code)
    except (urllib.error.URLError, OSError, ssl.SSLError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AssertionError(f"{url} does not answer ({reason})") from None
    assert status < 400, f"{url} answers HTTP {status}"
    return status


def certificate_days_left(url: str, timeout: float, now: datetime) -> float:
    """Return how many days the certificate presented at ``url`` stays valid (negative: expired).
    The handshake does not verify the chain: this check is about the validity period."""
    from cryptography import x509

    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as sock,
            _context(False).wrap_socket(sock, server_hostname=host) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as exc:
        raise AssertionError(f"no TLS handshake with {host}:{port} ({exc})") from None
    assert der, f"{host}:{port} presented no certificate"
    cert = x509.load_der_x509_certificate(der)
    return (cert.not_valid_after_utc - now.astimezone(UTC)).total_seconds() / 86400


def certificate_valid_for(days_left: float, min_days: float, url: str) -> None:
    """The certificate stays valid for more than ``min_days``."""
    if days_left < 0:
        raise AssertionError(f"TLS certificate of {url} expired {-days_left:.0f} days ago")
    assert days_left > min_days, (
        f"TLS certificate of {url} expires in {days_left:.0f} days (more than {min_days:g} required)"
    )
