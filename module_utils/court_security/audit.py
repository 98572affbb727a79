"""D.4 security-hole audit: turn collected host data into findings ("Security sistem").

``evaluate`` is pure: the module collects (apt simulation, reboot flag, Lynis report, listening
sockets, sshd -T, web probes, versions) and this decides severity, code and the Indonesian
message. Codes are stable; the weakened-host test compares them exactly.
"""

from __future__ import annotations

import re
from datetime import date

# End of (security) support. Debian/Ubuntu: end of LTS / standard support; PHP: upstream end of
# security support (distribution packages may carry back-ported fixes longer: see message).
DEFAULT_EOL = {
    "debian": {
        "9": "2022-06-30",
        "10": "2024-06-30",
        "11": "2026-08-31",
        "12": "2028-06-30",
        "13": "2030-06-30",
    },
    "ubuntu": {"18.04": "2023-05-31", "20.04": "2025-05-31", "22.04": "2027-06-01", "24.04": "2029-05-31"},
    "centos": {"6": "2020-11-30", "7": "2024-06-30", "8": "2021-12-31"},
    "rocky": {"8": "2029-05-31", "9": "2032-05-31"},
    "php": {
        "5.6": "2018-12-31",
        "7.0": "2019-01-10",
        "7.1": "2019-12-01",
        "7.2": "2020-11-30",
        "7.3": "2021-12-06",
        "7.4": "2022-11-28",
        "8.0": "2023-11-26",
        "8.1": "2025-12-31",
        "8.2": "2026-12-31",
        "8.3": "2027-12-31",
        "8.4": "2028-12-31",
    },
}

_VERSION_IN_BANNER = re.compile(r"[A-Za-z][\w.-]*/\d")


def _f(severity: str, code: str, message: str, **extra) -> dict:
    out = {"severity": severity, "code": code, "message": message}
    out.update(extra)
    return out


def eol_status(
    product: str, version: str | None, table: dict, today: date, warn_days: int
) -> tuple[str, str] | None:
    """Return ("past"|"soon", eol date) or None when supported or unknown."""
    if not version:
        return None
    dates = table.get(product, {})
    key = (
        version
        if version in dates
        else ".".join(version.split(".")[:2])
        if product == "php"
        else version.split(".")[0]
    )
    if key not in dates:
        return None
    eol = date.fromisoformat(dates[key])
    if today > eol:
        return "past", dates[key]
    if (eol - today).days <= warn_days:
        return "soon", dates[key]
    return None


def evaluate(data: dict, policy: dict, today: date) -> list[dict]:
    """Given collected host data and the audit policy, return the D.4 findings."""
    out: list[dict] = []
    # --- pending updates and reboot
    apt = data.get("apt")
    if apt is not None:
        sec = [p for p in apt["updates"] if p["security"]]
        if sec:
            names = ", ".join(p["name"] for p in sec[:10]) + (" …" if len(sec) > 10 else "")
            out.append(
                _f(
                    "high",
                    "security_updates_pending",
                    f"{len(sec)} pembaruan keamanan belum dipasang: {names}",
                )
            )
        other = len(apt["updates"]) - len(sec)
        if other:
            out.append(_f("info", "updates_pending", f"{other} pembaruan paket lain tersedia"))
        age = apt.get("lists_age_days")
        if age is None or age > policy["apt_lists_max_age_days"]:
            when = "tidak ada" if age is None else f"berumur {age:.0f} hari"
            out.append(
                _f(
                    "warning",
                    "apt_lists_stale",
                    f"Daftar paket apt {when}: pembaruan keamanan tidak terlihat (apt-get update)",
                )
            )
    if data.get("reboot_required"):
        pkgs = ", ".join(data.get("reboot_packages", [])[:5])
        out.append(
            _f(
                "warning",
                "reboot_required",
                "Server perlu di-restart untuk menyelesaikan pembaruan" + (f" ({pkgs})" if pkgs else ""),
            )
        )
    # --- Lynis
    lynis = data.get("lynis")
    if lynis is None:
        if policy.get("lynis_expected"):
            out.append(_f("warning", "lynis_report_missing", "Laporan Lynis tidak ada"))
    else:
        idx = lynis.get("hardening_index")
        if idx is not None and idx < policy["lynis_min_index"]:
            out.append(
                _f(
                    "warning",
                    "lynis_hardening_low",
                    f"Indeks hardening Lynis {idx} < {policy['lynis_min_index']}",
                )
            )
        for w in lynis.get("warnings", []):
            out.append(_f("warning", "lynis_warning", f"Lynis {w['id']}: {w['text']}", test_id=w["id"]))
    # --- ports
    expected = {int(p) for p in policy["expected_ports"]}
    for s in data.get("sockets", []):
        if not s["loopback"] and s["port"] not in expected:
            out.append(
                _f(
                    "high",
                    "unexpected_open_port",
                    f"Port {s['port']}/tcp terbuka di {s['address']} ({s['process'] or 'proses tidak diketahui'}) di luar daftar yang diizinkan",
                    port=s["port"],
                )
            )
    # --- SSH
    ssh = data.get("sshd") or {}
    if ssh.get("permitrootlogin") == "yes":
        out.append(_f("high", "ssh_root_password_login", "SSH: root boleh login dengan kata sandi"))
    if ssh.get("passwordauthentication") == "yes":
        out.append(_f("high", "ssh_password_auth_enabled", "SSH: login dengan kata sandi aktif"))
    # --- antivirus signatures
    av = data.get("clamav")
    if av is not None:
        if av.get("age_days") is None:
            out.append(
                _f(
                    "warning",
                    "clamav_no_signatures",
                    "ClamAV: tidak ada basis data tanda tangan yang diperbarui",
                )
            )
        elif av["age_days"] > policy["clamav_max_age_days"]:
            out.append(
                _f(
                    "warning",
                    "clamav_signatures_stale",
                    f"ClamAV: tanda tangan berumur {av['age_days']:.1f} hari (batas {policy['clamav_max_age_days']:g})",
                )
            )
    # --- web
    for probe in data.get("web", []):
        url, status, body, headers = (
            probe["url"],
            probe.get("status"),
            probe.get("body", ""),
            probe.get("headers", {}),
        )
        kind = probe["kind"]
        if kind == "git" and status == 200 and (body.startswith("ref:") or "[core]" in body):
            out.append(_f("high", "web_git_exposed", f"Repositori .git terbuka untuk umum: {url}"))
        elif kind == "env" and status == 200 and re.search(r"^[A-Z_]+=", body, re.M):
            out.append(_f("high", "web_env_exposed", f"Berkas .env (rahasia aplikasi) terbuka: {url}"))
        elif (
            kind == "admin"
            and status in (200, 401)
            and (status == 401 or probe.get("marker", "").lower() in body.lower())
        ):
            sev = "high" if status == 200 else "warning"
            out.append(
                _f(
                    sev,
                    "web_admin_exposed",
                    f"Halaman admin {probe.get('name', '')} dapat diakses: {url} (HTTP {status})",
                )
            )
        elif kind == "listing" and status == 200 and "<title>Index of" in body:
            out.append(_f("warning", "web_directory_listing", f"Directory listing aktif: {url}"))
        elif kind == "banner":
            server = headers.get("server", "")
            if _VERSION_IN_BANNER.search(server):
                out.append(
                    _f(
                        "warning",
                        "web_server_version_banner",
                        f"Header Server membuka versi: {server} ({url})",
                    )
                )
            powered = headers.get("x-powered-by", "")
            if powered:
                out.append(
                    _f(
                        "warning",
                        "web_php_version_banner",
                        f"Header X-Powered-By membuka versi: {powered} ({url})",
                    )
                )
    # --- end of life
    eol = policy.get("eol") or DEFAULT_EOL
    os_id, os_ver = data.get("os_id"), data.get("os_version")
    st = eol_status(os_id or "", os_ver, eol, today, policy["eol_warn_days"])
    if st:
        sev, code = ("high", "os_eol") if st[0] == "past" else ("warning", "os_eol_soon")
        out.append(_f(sev, code, f"Sistem operasi {os_id} {os_ver}: dukungan keamanan berakhir {st[1]}"))
    php = data.get("php_version")
    st = eol_status("php", php, eol, today, policy["eol_warn_days"])
    if st:
        sev, code = ("high", "php_eol") if st[0] == "past" else ("warning", "php_eol_soon")
        out.append(
            _f(
                sev,
                code,
                f"PHP {php}: dukungan keamanan upstream berakhir {st[1]} (paket distribusi bisa masih di-patch)",
            )
        )
    return out
