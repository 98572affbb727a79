"""SIPP-1 "Akses SIPP tersedia" and F.1 "Akses website": SIPP and the court website answer as a
visitor sees them (from the control node), and the website's TLS certificate is valid for more
than the configured days."""

from __future__ import annotations

import pytest

from sop_runner.comply import web


@pytest.mark.sop("SIPP-1")
@pytest.mark.sop_SIPP
@pytest.mark.targets("sipp_servers")
@pytest.mark.severity("high")
def test_SIPP1_sipp_answers(target):
    """SIPP's URL answers (HTTP status below 400) within the timeout."""
    url = target.var("sipp_url") or f"http://{target.var('ansible_host', default=target.name)}/SIPP"
    web.answers(url, target.threshold("http_timeout_s"), verify=True)


@pytest.mark.sop("F.1")
@pytest.mark.sop_F
@pytest.mark.targets("web_servers")
@pytest.mark.severity("high")
def test_F1_website_answers(target):
    """The website's URL answers (HTTP status below 400) within the timeout."""
    url = target.var("website_check_url") or f"https://{target.name}/"
    verify = bool(target.var("website_check_validate_certs", "website_check", True))
    web.answers(url, target.threshold("http_timeout_s"), verify=verify)


@pytest.mark.sop("F.1")
@pytest.mark.sop_F
@pytest.mark.targets("web_servers")
@pytest.mark.severity("high")
def test_F1_tls_certificate_valid(target):
    """The certificate the website presents is valid for more than the configured days."""
    url = target.var("website_check_url") or f"https://{target.name}/"
    if not url.startswith("https://"):
        pytest.skip(f"not applicable: {url} is not https")
    days = web.certificate_days_left(url, target.threshold("http_timeout_s"), target.now)
    web.certificate_valid_for(days, target.threshold("tls_min_days"), url)
