"""The SIPP stand-in on the running lab: HTTP, login, online users, the database and its documents."""

from __future__ import annotations

import hashlib
import http.cookiejar
import json
import re
import shutil
import subprocess
import urllib.error
import urllib.parse
import urllib.request

import pytest
from labkit import SIPP_URL, podman_exec, scalar, sql, vault

pytestmark = pytest.mark.lab

SIPP_TABLES = [
    "sys_users",
    "sys_groups",
    "sys_user_group",
    "sys_audittrail",
    "sys_login_history",
    "hakim_pn",
    "panitera_pn",
    "jurusita",
    "perkara",
    "perkara_putusan",
    "perkara_jadwal_sidang",
    "perkara_hakim_pn",
    "perkara_panitera_pn",
    "perkara_jurusita",
    "pihak",
    "perkara_pihak1",
    "perkara_pihak2",
    "perkara_dokumen",
]


class Browser:
    """A cookie-keeping HTTP client for the SIPP pages."""

    def __init__(self) -> None:
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", "court-lab-test/1.0")]

    def get(self, page: str) -> tuple[int, str, str]:
        try:
            with self.opener.open(f"{SIPP_URL}/{page}", timeout=15) as r:
                return r.status, r.geturl(), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode()

    def login(self, username: str, password: str) -> tuple[int, str, str]:
        status, _, body = self.get("login.php")
        assert status == 200
        token = re.search(r'name="csrf" value="([0-9a-f]+)"', body)
        assert token, "login form has no CSRF token"
        data = urllib.parse.urlencode(
            {"csrf": token.group(1), "username": username, "password": password}
        ).encode()
        try:
            with self.opener.open(f"{SIPP_URL}/login.php", data=data, timeout=15) as r:
                return r.status, r.geturl(), r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.geturl(), e.read().decode()

    def session_id(self) -> str:
        return next(c.value for c in self.jar if c.name == "SIPPSESSID")


def test_sipp_answers_over_http_with_a_login_form():
    status, _, body = Browser().get("login.php")
    assert status == 200
    assert '<form method="post" action="login.php" id="login">' in body
    assert 'name="username"' in body and 'type="password"' in body


def test_pages_need_a_login():
    status, url, body = Browser().get("perkara.php")
    assert status == 200 and url.endswith("/login.php") and 'id="login"' in body


def test_configuration_is_never_served():
    status, _, _ = Browser().get("application/config/database.php")
    assert status == 403


def test_seeded_user_logs_in_shows_online_and_logs_out():
    b = Browser()
    status, url, body = b.login("operator", vault()["vault_lab_sipp_user_password"])
    assert status == 200 and url.endswith("/index.php"), body[:500]
    assert "Yusuf Pamungkas" in body and "(Admin)" in body
    sid = b.session_id()
    rows = sql(
        f"SELECT u.username, o.current_page, o.host_address, o.user_agent FROM sys_user_online o "
        f"JOIN sys_users u ON u.userid = o.userid WHERE o.session_id = '{sid}'"
    )
    assert rows and rows[0][0] == "operator" and rows[0][3] == "court-lab-test/1.0"
    # the page refreshes the row: current_page follows the user
    status, _, body = b.get("jadwal_sidang.php")
    assert status == 200 and 'id="jadwal"' in body
    assert scalar(f"SELECT current_page FROM sys_user_online WHERE session_id = '{sid}'") == "Jadwal Sidang"
    status, _, body = b.get("perkara.php?cari=PN+Kln")
    assert status == 200 and re.search(r"\d+/(Pdt|Pid)\.[A-Za-z.]+/\d{4}/PN Kln", body)
    assert (
        scalar("SELECT status FROM sys_login_history WHERE username = 'operator' ORDER BY id DESC LIMIT 1")
        == "success"
    )
    assert (
        scalar(
            "SELECT action FROM sys_audittrail WHERE username = 'operator' AND action = 'LOGIN' "
            "ORDER BY id DESC LIMIT 1"
        )
        == "LOGIN"
    )
    status, url, _ = b.get("logout.php")
    assert url.endswith("/login.php")
    assert scalar(f"SELECT COUNT(*) FROM sys_user_online WHERE session_id = '{sid}'") == "0"
    assert (
        scalar(
            "SELECT logout_time IS NOT NULL FROM sys_login_history WHERE username = 'operator' "
            "ORDER BY id DESC LIMIT 1"
        )
        == "1"
    )


def test_wrong_password_is_refused_and_recorded():
    before = int(
        scalar("SELECT COUNT(*) FROM sys_login_history WHERE username = 'operator' AND status = 'failed'")
    )
    status, _, body = Browser().login("operator", "not-the-password")
    assert status == 401 and 'id="error"' in body
    after = int(
        scalar("SELECT COUNT(*) FROM sys_login_history WHERE username = 'operator' AND status = 'failed'")
    )
    assert after == before + 1


def test_every_sipp_table_has_rows():
    for table in SIPP_TABLES:
        assert int(scalar(f"SELECT COUNT(*) FROM `{table}`")) > 0, table
    groups = {r[0] for r in sql("SELECT name FROM sys_groups")}
    assert {"Hakim", "PP", "JSP", "Staff"} <= groups
    numbers = [r[0] for r in sql("SELECT nomor_perkara FROM perkara")]
    assert all(
        re.fullmatch(r"\d+/(Pdt\.G|Pdt\.G\.S|Pdt\.P|Pid\.B|Pid\.Sus|Pid\.C)/20\d\d/PN Kln", n)
        for n in numbers
    )


def test_uploaded_documents_are_valid_pdfs_matching_the_database(tmp_path):
    rows = sql("SELECT file_path, ukuran, sha256 FROM perkara_dokumen ORDER BY RAND() LIMIT 3")
    on_disk = int(
        podman_exec(
            "courtlab-sipp", "sh", "-c", "find /var/www/html/SIPP/uploads -name '*.pdf' | wc -l"
        ).stdout
    )
    assert on_disk == int(scalar("SELECT COUNT(*) FROM perkara_dokumen"))
    for rel, size, digest in rows:
        data = subprocess.run(
            ["podman", "exec", "courtlab-sipp", "cat", f"/var/www/html/SIPP/{rel}"],
            capture_output=True,
            check=True,
            env=__import__("labkit").env(),
        ).stdout
        assert data.startswith(b"%PDF-1.4") and data.rstrip().endswith(b"%%EOF")
        assert len(data) == int(size) and hashlib.sha256(data).hexdigest() == digest
        if shutil.which("pdfinfo"):
            (tmp_path / "d.pdf").write_bytes(data)
            info = subprocess.run(["pdfinfo", str(tmp_path / "d.pdf")], capture_output=True, text=True)
            assert info.returncode == 0 and re.search(r"^Pages:\s+1$", info.stdout, re.M), info.stderr


def test_manifest_names_the_seeded_anomalies():
    manifest = json.loads(podman_exec("courtlab-sipp", "cat", "/var/lib/sipp-lab/scenario.json").stdout)
    assert manifest["profile"] == "anomalies"
    codes = {a["code"] for a in manifest["anomalies"]}
    assert codes == {
        "off_hours_activity",
        "failed_login_burst",
        "many_ip_addresses",
        "shared_account",
        "dormant_account",
    }
