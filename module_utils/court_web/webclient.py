# -*- coding: utf-8 -*-
"""Small HTTP(S) client for the website checks: one request with timing, no redirect following
unless asked, optional certificate validation, and the server certificate's validity dates."""

from __future__ import annotations

import os
import socket
import ssl
import tempfile
import time
from datetime import datetime, timezone
from urllib.error import HTTPError, URLError
from urllib.parse import urlsplit
from urllib.request import HTTPRedirectHandler, HTTPSHandler, Request, build_opener

USER_AGENT = "court-sop-website-check/1.0"


class _NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def ssl_context(validate):
    ctx = ssl.create_default_context()
    if not validate:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def fetch(url, timeout=15, validate_certs=True, follow_redirects=False, max_bytes=8 << 20, user_agent=USER_AGENT):
    """Given a URL, return {status, headers, body (bytes), elapsed_ms, url, error}. Network and
    TLS errors are returned in ``error`` (status 0), HTTP errors keep their status and body."""
    handlers = [HTTPSHandler(context=ssl_context(validate_certs))]
    if not follow_redirects:
        handlers.append(_NoRedirect())
    opener = build_opener(*handlers)
    req = Request(url, headers={"User-Agent": user_agent, "Accept": "*/*"})
    start = time.monotonic()
    try:
        resp = opener.open(req, timeout=timeout)
    except HTTPError as exc:  # 3xx (not followed), 4xx, 5xx
        body = exc.read(max_bytes) if exc.fp else b""
        return {"status": exc.code, "headers": {k.lower(): v for k, v in exc.headers.items()}, "body": body,
                "elapsed_ms": round((time.monotonic() - start) * 1000), "url": url, "error": None}
    except (URLError, OSError, ssl.SSLError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return {"status": 0, "headers": {}, "body": b"", "elapsed_ms": round((time.monotonic() - start) * 1000),
                "url": url, "error": str(reason)}
    with resp:
        body = resp.read(max_bytes)
        return {"status": resp.status, "headers": {k.lower(): v for k, v in resp.headers.items()}, "body": body,
                "elapsed_ms": round((time.monotonic() - start) * 1000), "url": resp.geturl(), "error": None}


def decode(body, headers):
    charset = "utf-8"
    ctype = headers.get("content-type", "")
    if "charset=" in ctype:
        charset = ctype.split("charset=", 1)[1].split(";")[0].strip() or "utf-8"
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _decode_der(der):
    """Return (not_before, not_after, subject, issuer) of a DER certificate."""
    try:
        from cryptography import x509  # type: ignore

        cert = x509.load_der_x509_certificate(der)
        nb = getattr(cert, "not_valid_before_utc", None) or cert.not_valid_before.replace(tzinfo=timezone.utc)
        na = getattr(cert, "not_valid_after_utc", None) or cert.not_valid_after.replace(tzinfo=timezone.utc)
        return nb, na, cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
    except ImportError:
        pass
    # stdlib fallback (targets without python3-cryptography): the ssl module's own decoder
    fd, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(ssl.DER_cert_to_PEM_cert(der))
        info = ssl._ssl._test_decode_cert(path)  # pylint: disable=protected-access
    finally:
        os.unlink(path)

    def when(text):
        return datetime.fromtimestamp(ssl.cert_time_to_seconds(text), tz=timezone.utc)

    def name(seq):
        return ",".join("%s=%s" % kv for rdn in seq for kv in rdn)

    return when(info["notBefore"]), when(info["notAfter"]), name(info.get("subject", ())), name(info.get("issuer", ()))


def certificate(url, timeout=15):
    """Given an https URL, return {not_before, not_after, subject, issuer, valid (chain+name), error}."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or 443
    out = {"host": host, "port": port}
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            with ssl_context(False).wrap_socket(sock, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as exc:
        out["error"] = str(exc)
        return out
    nb, na, subject, issuer = _decode_der(der)
    out.update({"not_before": nb, "not_after": na, "subject": subject, "issuer": issuer, "error": None})
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            with ssl_context(True).wrap_socket(sock, server_hostname=host):
                out["valid"] = True
    except ssl.SSLCertVerificationError as exc:
        out["valid"] = False
        out["verify_error"] = exc.verify_message or str(exc)
    except (OSError, ssl.SSLError) as exc:
        out["valid"] = False
        out["verify_error"] = str(exc)
    return out
