"""F.1 and F.4 against the lab's website stand-in: the clean site has no finding; a certificate
expiring in 5 days, a site without a new post for 60 days and a domain expiring soon are found."""

import pytest
from webkit import activity, codes, set_site

pytestmark = [pytest.mark.lab, pytest.mark.lab_web]


@pytest.fixture(scope="module", autouse=True)
def clean_site_after():
    yield
    set_site()


def test_clean_site_has_no_findings():
    set_site()
    f1 = activity("website_check", "F.1")
    assert f1["findings"] == [] and f1["akses_website_tersedia"] is True
    assert f1["https_redirect"] is True and f1["tls_days_left"] > 300 and f1["newest_post_age_days"] <= 1
    f4 = activity("website_expiry", "F.4")
    assert f4["findings"] == [] and {s["kind"] for s in f4["services"]} == {"domain", "hosting", "connection"}
    assert [s["source"] for s in f4["services"] if s["kind"] == "domain"] == ["rdap"]


def test_certificate_expiring_in_5_days():
    set_site(lab_web_cert_days=5)
    f1 = activity("website_check", "F.1")
    assert codes(f1) == {"web_tls_expiring"} and 3 <= f1["tls_days_left"] <= 5
    assert f1["findings"][0]["severity"] == "high"


def test_no_new_post_for_60_days():
    set_site(lab_web_stale_days=60)
    f1 = activity("website_check", "F.1")
    assert codes(f1) == {"web_content_stale"} and f1["newest_post_age_days"] >= 60


def test_domain_expiring_from_rdap():
    set_site(lab_web_domain_expires_days=10)
    f4 = activity("website_expiry", "F.4")
    assert codes(f4) == {"web_service_expiring_domain"}
