"""D.4 findings from collected data: the compliant host and a deliberately weakened one."""

from datetime import date

from ansible.module_utils.court_security.audit import eol_status, evaluate

POLICY = {
    "apt_lists_max_age_days": 7,
    "lynis_expected": True,
    "lynis_min_index": 65,
    "expected_ports": [22, 80],
    "clamav_max_age_days": 3,
    "eol": None,
    "eol_warn_days": 90,
}
TODAY = date(2026, 11, 21)


def compliant() -> dict:
    return {
        "apt": {"updates": [], "lists_age_days": 0.5},
        "reboot_required": False,
        "lynis": {"hardening_index": 70, "warnings": []},
        "sockets": [
            {"address": "0.0.0.0", "port": 22, "process": "sshd", "loopback": False},
            {"address": "*", "port": 80, "process": "apache2", "loopback": False},
            {"address": "127.0.0.1", "port": 3306, "process": "mariadbd", "loopback": True},
        ],
        "sshd": {"permitrootlogin": "without-password", "passwordauthentication": "no"},
        "clamav": {"age_days": 0.2},
        "web": [
            {
                "kind": "banner",
                "url": "http://127.0.0.1/",
                "status": 200,
                "body": "",
                "headers": {"server": "Apache"},
            },
            {"kind": "git", "url": "http://127.0.0.1/.git/HEAD", "status": 404, "body": "Not Found"},
            {"kind": "env", "url": "http://127.0.0.1/.env", "status": 404, "body": ""},
            {
                "kind": "admin",
                "name": "phpMyAdmin",
                "marker": "phpMyAdmin",
                "url": "u",
                "status": 404,
                "body": "",
            },
            {"kind": "listing", "url": "http://127.0.0.1/uploads/", "status": 403, "body": "Forbidden"},
        ],
        "os_id": "debian",
        "os_version": "12",
        "php_version": "8.3.14",
    }


def codes(findings):
    return sorted(f["code"] for f in findings)


def test_compliant_host_has_no_finding():
    assert evaluate(compliant(), POLICY, TODAY) == []


def test_weakened_host_gives_exactly_the_expected_codes():
    d = compliant()
    d["sshd"]["passwordauthentication"] = "yes"
    d["sockets"].append({"address": "0.0.0.0", "port": 8099, "process": "python3", "loopback": False})
    d["clamav"]["age_days"] = 10.0
    d["web"][1] = {
        "kind": "git",
        "url": "http://127.0.0.1/.git/HEAD",
        "status": 200,
        "body": "ref: refs/heads/main\n",
    }
    assert codes(evaluate(d, POLICY, TODAY)) == [
        "clamav_signatures_stale",
        "ssh_password_auth_enabled",
        "unexpected_open_port",
        "web_git_exposed",
    ]


def test_git_path_answered_by_a_cms_catch_all_is_not_exposed():
    d = compliant()
    d["web"][1] = {"kind": "git", "url": "u", "status": 200, "body": "<html>Beranda Pengadilan</html>"}
    assert evaluate(d, POLICY, TODAY) == []


def test_updates_reboot_lynis_banners_listing():
    d = compliant()
    d["apt"] = {
        "updates": [
            {"name": "openssl", "security": True},
            {"name": "tzdata", "security": False},
        ],
        "lists_age_days": 30,
    }
    d["reboot_required"] = True
    d["reboot_packages"] = ["linux-image-6.1.0-41-amd64"]
    d["lynis"] = {
        "hardening_index": 58,
        "warnings": [{"id": "PKGS-7392", "text": "Found vulnerable packages."}],
    }
    d["web"][0]["headers"] = {"server": "Apache/2.4.62 (Debian)", "x-powered-by": "PHP/8.2.35"}
    d["web"][4] = {
        "kind": "listing",
        "url": "u",
        "status": 200,
        "body": "<html><head><title>Index of /uploads</title>",
    }
    d["web"][3] = {
        "kind": "admin",
        "name": "phpMyAdmin",
        "marker": "phpMyAdmin",
        "url": "u",
        "status": 200,
        "body": "<title>phpMyAdmin</title>",
    }
    f = evaluate(d, POLICY, TODAY)
    assert codes(f) == sorted(
        [
            "security_updates_pending",
            "updates_pending",
            "apt_lists_stale",
            "reboot_required",
            "lynis_hardening_low",
            "lynis_warning",
            "web_server_version_banner",
            "web_php_version_banner",
            "web_directory_listing",
            "web_admin_exposed",
        ]
    )
    sev = {x["code"]: x["severity"] for x in f}
    assert sev["security_updates_pending"] == "high" and sev["web_admin_exposed"] == "high"
    assert sev["updates_pending"] == "info"


def test_end_of_life():
    assert eol_status("php", "7.4.33", {"php": {"7.4": "2022-11-28"}}, TODAY, 90) == ("past", "2022-11-28")
    d = compliant()
    d["os_id"], d["os_version"], d["php_version"] = "debian", "11", "8.2.35"
    f = evaluate(d, POLICY, TODAY)
    assert codes(f) == ["os_eol", "php_eol_soon"]
    assert {x["code"]: x["severity"] for x in f} == {"os_eol": "high", "php_eol_soon": "warning"}
    d["os_id"], d["os_version"], d["php_version"] = "ubuntu", "22.04", "5.6.40"
    assert codes(evaluate(d, POLICY, TODAY)) == ["php_eol"]
    d["os_id"], d["php_version"] = "slackware", None
    assert evaluate(d, POLICY, TODAY) == []
