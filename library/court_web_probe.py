#!/usr/bin/python
"""Ansible module: F.1 website availability, freshness, TLS expiry, HTTPS redirect, headers."""

from __future__ import annotations

DOCUMENTATION = r"""
module: court_web_probe
short_description: Check a court website as a visitor sees it (F.1)
description:
  - Requests each URL (no redirect following) and measures the response time.
  - Checks that the plain-HTTP URL redirects to HTTPS, the TLS certificate's remaining days, the
    basic security headers, and the newest publication date from the sitemap and/or RSS/Atom feed.
  - Reads only; returns findings in the SOP record's shape.
options:
  url: {description: Main HTTPS URL of the site., type: str, required: true}
  extra_urls: {description: More URLs that must answer 2xx., type: list, elements: str, default: []}
  http_url: {description: Plain-HTTP URL that must redirect to https (empty skips)., type: str, default: ""}
  sitemap_url: {description: Sitemap URL (empty skips)., type: str, default: ""}
  feed_url: {description: RSS/Atom URL (empty skips)., type: str, default: ""}
  max_age_days: {description: Newest post older than this is a finding., type: int, default: 30}
  max_response_ms: {description: Slower answers are a finding., type: int, default: 3000}
  cert_warn_days: {description: Certificate expiring within this many days is a warning., type: int, default: 21}
  cert_critical_days: {description: Within this many days it is high., type: int, default: 7}
  required_headers: {description: Security headers the HTTPS answer must carry., type: list, elements: str,
                     default: [strict-transport-security, x-content-type-options, x-frame-options, referrer-policy]}
  validate_certs: {description: Validate the certificate chain for the requests., type: bool, default: true}
  timeout: {description: Per-request timeout in seconds., type: int, default: 15}
"""

RETURN = r"""
website: {description: Measurements and findings., returned: always, type: dict}
"""

from datetime import UTC, datetime
from urllib.parse import urlsplit

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.court_web.content import feed_dates
from ansible.module_utils.court_web.webclient import certificate, fetch


def iso(dt):
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            extra_urls=dict(type="list", elements="str", default=[]),
            http_url=dict(type="str", default=""),
            sitemap_url=dict(type="str", default=""),
            feed_url=dict(type="str", default=""),
            max_age_days=dict(type="int", default=30),
            max_response_ms=dict(type="int", default=3000),
            cert_warn_days=dict(type="int", default=21),
            cert_critical_days=dict(type="int", default=7),
            required_headers=dict(
                type="list",
                elements="str",
                default=[
                    "strict-transport-security",
                    "x-content-type-options",
                    "x-frame-options",
                    "referrer-policy",
                ],
            ),
            validate_certs=dict(type="bool", default=True),
            timeout=dict(type="int", default=15),
        ),
        supports_check_mode=True,
    )
    p = module.params
    for key in ("url", "http_url", "sitemap_url", "feed_url"):
        if p[key] and urlsplit(p[key]).scheme not in ("http", "https"):
            module.fail_json(msg="%s %r is not an http(s) URL" % (key, p[key]))
    now = datetime.now(UTC)
    findings = []
    out = {"url": p["url"], "checked_at": iso(now), "urls": []}
    fetch_args = dict(timeout=p["timeout"], validate_certs=p["validate_certs"])

    main_resp = None
    for url in [p["url"]] + p["extra_urls"]:
        resp = fetch(url, **fetch_args)
        up = 200 <= resp["status"] < 400
        out["urls"].append(
            {
                "url": url,
                "status": resp["status"],
                "response_ms": resp["elapsed_ms"],
                "up": up,
                "error": resp["error"],
            }
        )
        if main_resp is None:
            main_resp = resp
        if not up:
            findings.append(
                {
                    "severity": "high",
                    "incident": True,
                    "code": "web_down",
                    "url": url,
                    "message": "Website tidak dapat diakses: %s (%s)"
                    % (url, resp["error"] or "HTTP %s" % resp["status"]),
                }
            )
        elif resp["elapsed_ms"] > p["max_response_ms"]:
            findings.append(
                {
                    "severity": "warning",
                    "code": "web_slow",
                    "url": url,
                    "message": "Website lambat: %s menjawab dalam %d ms (batas %d ms)"
                    % (url, resp["elapsed_ms"], p["max_response_ms"]),
                }
            )
    out["available"] = all(u["up"] for u in out["urls"])
    out["response_ms"] = out["urls"][0]["response_ms"]

    if p["http_url"]:
        resp = fetch(p["http_url"], **fetch_args)
        location = resp["headers"].get("location", "")
        out["https_redirect"] = resp["status"] in (301, 302, 303, 307, 308) and location.lower().startswith(
            "https://"
        )
        out["http_status"] = resp["status"]
        if not out["https_redirect"]:
            findings.append(
                {
                    "severity": "warning",
                    "code": "web_no_https_redirect",
                    "message": "HTTP tidak dialihkan ke HTTPS: %s menjawab %s %s"
                    % (p["http_url"], resp["error"] or "HTTP %s" % resp["status"], location),
                }
            )

    if urlsplit(p["url"]).scheme == "https":
        cert = certificate(p["url"], timeout=p["timeout"])
        if cert.get("error"):
            findings.append(
                {
                    "severity": "high",
                    "code": "web_tls_error",
                    "message": "Sertifikat TLS tidak dapat dibaca dari %s: %s" % (p["url"], cert["error"]),
                }
            )
        else:
            days = int((cert["not_after"] - now).total_seconds() // 86400)
            out["tls"] = {
                "not_after": iso(cert["not_after"]),
                "days_left": days,
                "subject": cert["subject"],
                "issuer": cert["issuer"],
                "trusted": cert.get("valid", False),
            }
            if days < 0:
                findings.append(
                    {
                        "severity": "high",
                        "incident": True,
                        "code": "web_tls_expired",
                        "message": "Sertifikat TLS sudah kedaluwarsa sejak %s" % iso(cert["not_after"]),
                    }
                )
            elif days <= p["cert_critical_days"]:
                findings.append(
                    {
                        "severity": "high",
                        "code": "web_tls_expiring",
                        "message": "Sertifikat TLS kedaluwarsa dalam %d hari (%s)"
                        % (days, iso(cert["not_after"])),
                    }
                )
            elif days <= p["cert_warn_days"]:
                findings.append(
                    {
                        "severity": "warning",
                        "code": "web_tls_expiring",
                        "message": "Sertifikat TLS kedaluwarsa dalam %d hari (%s)"
                        % (days, iso(cert["not_after"])),
                    }
                )
            if p["validate_certs"] and not cert.get("valid"):
                findings.append(
                    {
                        "severity": "warning",
                        "code": "web_tls_untrusted",
                        "message": "Sertifikat TLS tidak tepercaya: %s" % cert.get("verify_error", "?"),
                    }
                )

    if main_resp is not None and main_resp["status"]:
        missing = [
            h
            for h in p["required_headers"]
            if h.lower() not in main_resp["headers"]
            and not (
                h.lower() == "x-frame-options"
                and "frame-ancestors" in main_resp["headers"].get("content-security-policy", "")
            )
        ]
        out["security_headers_missing"] = missing
        if missing:
            findings.append(
                {
                    "severity": "warning",
                    "code": "web_security_headers",
                    "message": "Header keamanan tidak ada: %s" % ", ".join(missing),
                }
            )

    newest = None
    sources = {}
    for key in ("sitemap_url", "feed_url"):
        if not p[key]:
            continue
        resp = fetch(p[key], follow_redirects=True, **fetch_args)
        if resp["status"] != 200:
            findings.append(
                {
                    "severity": "warning",
                    "code": "web_feed_unavailable",
                    "message": "%s tidak tersedia: %s"
                    % (p[key], resp["error"] or "HTTP %s" % resp["status"]),
                }
            )
            continue
        try:
            kind, items = feed_dates(resp["body"])
        except (ValueError, SyntaxError) as exc:
            findings.append(
                {
                    "severity": "warning",
                    "code": "web_feed_invalid",
                    "message": "%s tidak dapat dibaca: %s" % (p[key], exc),
                }
            )
            continue
        dates = [d for _u, d in items if d is not None]
        src_newest = max(dates) if dates else None
        sources[key] = {"kind": kind, "items": len(items), "newest": iso(src_newest)}
        if src_newest and (newest is None or src_newest > newest):
            newest = src_newest
    out["freshness_sources"] = sources
    if sources:
        out["newest_post"] = iso(newest)
        out["newest_post_age_days"] = int((now - newest).total_seconds() // 86400) if newest else None
        out["content_fresh"] = newest is not None and out["newest_post_age_days"] <= p["max_age_days"]
        if not out["content_fresh"]:
            findings.append(
                {
                    "severity": "warning",
                    "code": "web_content_stale",
                    "message": "Konten tidak diperbarui: tulisan terbaru %s (%s hari, batas %d hari)"
                    % (iso(newest) or "tidak ada tanggal", out["newest_post_age_days"], p["max_age_days"]),
                }
            )
    out["findings"] = findings
    module.exit_json(changed=False, website=out)


if __name__ == "__main__":
    main()
