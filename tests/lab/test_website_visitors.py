"""F.3 against the lab's website stand-in: each planted compromise is a high finding that opens
an incident, the attack burst is on the suspicious list, and the clean site gives no finding."""

import pytest
from labkit import podman_exec
from webkit import activity, codes, set_site

pytestmark = [pytest.mark.lab, pytest.mark.lab_web]


@pytest.fixture(scope="module", autouse=True)
def clean_site_around():
    set_site()
    # a fresh integrity baseline of the clean site
    podman_exec("courtlab-web", "rm", "-f", "/var/lib/court-sop/website/baseline.json")
    yield
    set_site()


def _incidents(out):
    return {f["code"] for f in out["findings"] if f["severity"] == "high" and f.get("incident")}


def test_clean_site_has_no_findings():
    out = activity("website_visitors", "F.3")
    assert out["findings"] == [] and out["requests"] > 100 and out["log_files"] >= 10
    assert out["log_unparsed"] == 0 and out["pages_scanned"] >= 5


def test_gambling_spam_page():
    set_site(lab_web_plant_spam_page=True)
    assert _incidents(activity("website_visitors", "F.3")) == {"web_spam_content"}


def test_hidden_links_in_served_pages():
    set_site(lab_web_plant_hidden_links=True)
    out = activity("website_visitors", "F.3")
    assert {"web_spam_page", "web_hidden_links", "web_spam_content"} <= _incidents(out)


def test_webshell_in_uploads():
    set_site(lab_web_plant_webshell=True)
    out = activity("website_visitors", "F.3")
    assert {"web_php_in_uploads", "web_webshell"} <= _incidents(out)
    assert "web_php_changed" in codes(out)


def test_attack_burst_in_access_log():
    set_site(lab_web_attack_burst=True)
    out = activity("website_visitors", "F.3")
    # the burst's sqlmap run and Nikto's ../../etc/passwd are caught by payload too (issue 19)
    assert codes(out) == {
        "web_scanner", "web_bruteforce", "web_5xx_burst", "web_traffic_spike", "web_sqli", "web_traversal",
    }  # fmt: skip
    kinds = {s["kind"] for s in out["suspicious"]}
    assert {"scanner", "bruteforce", "error_burst", "traffic_spike"} <= kinds
    assert any(s.get("client") == "2001:db8:bad:1::66" for s in out["suspicious"])


def test_restored_site_is_clean_again():
    set_site()
    assert activity("website_visitors", "F.3")["findings"] == []
