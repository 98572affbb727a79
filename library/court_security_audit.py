#!/usr/bin/python
"""Ansible module: D.4 security-hole audit of one Linux server. Read-only."""

from __future__ import annotations

DOCUMENTATION = r"""
module: court_security_audit
short_description: Pending security updates, reboot flag, Lynis report, open ports, SSH, antivirus age, exposed web admin paths, EOL
description:
  - Collects with read-only commands (apt-get -s, ss, sshd -T, php -r) and HTTP GETs to the given
    base URLs, parses the Lynis report file, and returns findings with severity. Changes nothing.
options:
  apt: {description: Simulate an upgrade to list pending (security) updates., type: bool, default: true}
  apt_lists_max_age_days: {description: Package lists older than this give a finding., type: float, default: 7}
  lynis_report: {description: Lynis report file to parse (if it exists)., type: path, default: /var/log/lynis-report.dat}
  lynis_expected: {description: A missing report is a finding., type: bool, default: true}
  lynis_min_index: {description: Hardening index below this is a finding., type: int, default: 65}
  expected_ports: {description: TCP ports that may listen on non-loopback addresses., type: list, elements: int, default: [22, 80, 443]}
  web_base_urls: {description: Base URLs of the local web server(s) to probe., type: list, elements: str, default: []}
  admin_paths: {description: "Admin pages: list of {name, path, marker}.", type: list, elements: dict, default: []}
  listing_paths: {description: Paths checked for directory listing., type: list, elements: str, default: []}
  clamav_database_dir: {description: ClamAV database directory (empty = no antivirus check)., type: str, default: ""}
  clamav_update_databases: {description: Custom-URL databases kept fresh by updates., type: list, elements: str, default: []}
  clamav_last_update_file: {description: File touched after a successful update., type: str, default: ""}
  clamav_max_age_days: {description: Signature age limit., type: float, default: 3}
  eol: {description: End-of-life table {product: {version: date}}; empty uses the built-in one., type: dict, default: {}}
  eol_warn_days: {description: Warn this many days before end of life., type: int, default: 90}
  timeout: {description: HTTP timeout in seconds., type: int, default: 10}
"""

RETURN = r"""
data: {description: Collected data (updates, reboot, lynis, sockets, sshd subset, web probes, versions)., type: dict, returned: always}
findings: {description: D.4 findings., type: list, returned: always}
"""

import os
import time
import urllib.error
import urllib.request
from datetime import date

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.court_security.audit import evaluate
from ansible.module_utils.court_security.clamav import OFFICIAL_DATABASES, database_age, parse_cvd_header
from ansible.module_utils.court_security.inventory import parse_os_release
from ansible.module_utils.court_security.lynis import parse_lynis_report
from ansible.module_utils.court_security.packages import parse_apt_simulation
from ansible.module_utils.court_security.ports import parse_ss_listening


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: D401 - keep the 30x as the answer
        return None


def http_get(url: str, timeout: int) -> dict:
    opener = urllib.request.build_opener(_NoRedirect)
    req = urllib.request.Request(url, headers={"User-Agent": "court-sop-audit/1"})
    try:
        with opener.open(req, timeout=timeout) as resp:
            body = resp.read(65536).decode("utf-8", errors="replace")
            return {
                "status": resp.status,
                "body": body,
                "headers": {k.lower(): v for k, v in resp.headers.items()},
            }
    except urllib.error.HTTPError as exc:
        body = exc.read(65536).decode("utf-8", errors="replace") if exc.fp else ""
        return {
            "status": exc.code,
            "body": body,
            "headers": {k.lower(): v for k, v in (exc.headers or {}).items()},
        }
    except (urllib.error.URLError, OSError) as exc:
        return {"status": None, "error": str(getattr(exc, "reason", exc))}


def lists_age_days() -> float | None:
    d = "/var/lib/apt/lists"
    try:
        times = [
            os.path.getmtime(os.path.join(d, f))
            for f in os.listdir(d)
            if f.endswith(("Packages", "Release", "InRelease", ".lz4", ".gz", ".xz"))
        ]
    except OSError:
        return None
    return round((time.time() - max(times)) / 86400, 2) if times else None


def clamav_age(db_dir: str, names: list[str], last_update_file: str) -> float | None:
    entries = []
    last_ok = (
        os.path.getmtime(last_update_file) if last_update_file and os.path.isfile(last_update_file) else 0
    )
    if not os.path.isdir(db_dir):
        return None
    for name in os.listdir(db_dir):
        path = os.path.join(db_dir, name)
        base, ext = os.path.splitext(name)
        if ext in (".cvd", ".cld") and base in OFFICIAL_DATABASES:
            with open(path, "rb") as fh:
                try:
                    entries.append({"epoch": parse_cvd_header(fh.read(512))["build_epoch"]})
                except ValueError:
                    continue
        elif name in names:
            entries.append({"epoch": max(os.path.getmtime(path), last_ok)})
    return database_age(entries, time.time())


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "apt": {"type": "bool", "default": True},
            "apt_lists_max_age_days": {"type": "float", "default": 7},
            "lynis_report": {"type": "path", "default": "/var/log/lynis-report.dat"},
            "lynis_expected": {"type": "bool", "default": True},
            "lynis_min_index": {"type": "int", "default": 65},
            "expected_ports": {"type": "list", "elements": "int", "default": [22, 80, 443]},
            "web_base_urls": {"type": "list", "elements": "str", "default": []},
            "admin_paths": {"type": "list", "elements": "dict", "default": []},
            "listing_paths": {"type": "list", "elements": "str", "default": []},
            "clamav_database_dir": {"type": "str", "default": ""},
            "clamav_update_databases": {"type": "list", "elements": "str", "default": []},
            "clamav_last_update_file": {"type": "str", "default": ""},
            "clamav_max_age_days": {"type": "float", "default": 3},
            "eol": {"type": "dict", "default": {}},
            "eol_warn_days": {"type": "int", "default": 90},
            "timeout": {"type": "int", "default": 10},
        },
        supports_check_mode=True,
    )
    p = module.params
    data: dict = {}

    if p["apt"] and module.get_bin_path("apt-get"):
        rc, out, err = module.run_command(
            ["apt-get", "-s", "-o", "Debug::NoLocking=1", "dist-upgrade"],
            environ_update={"LC_ALL": "C", "DEBIAN_FRONTEND": "noninteractive"},
        )
        if rc != 0:
            module.fail_json(msg=f"apt-get -s dist-upgrade failed (rc={rc}): {err.strip()[:300]}")
        data["apt"] = {"updates": parse_apt_simulation(out), "lists_age_days": lists_age_days()}

    data["reboot_required"] = os.path.exists("/run/reboot-required") or os.path.exists(
        "/var/run/reboot-required"
    )
    if os.path.exists("/run/reboot-required.pkgs"):
        with open("/run/reboot-required.pkgs", encoding="utf-8", errors="replace") as fh:
            data["reboot_packages"] = sorted({line.strip() for line in fh if line.strip()})

    if os.path.isfile(p["lynis_report"]):
        with open(p["lynis_report"], encoding="utf-8", errors="replace") as fh:
            try:
                data["lynis"] = parse_lynis_report(fh.read())
            except ValueError as exc:
                module.fail_json(msg=f"Lynis report {p['lynis_report']} unreadable: {exc}")

    ss = module.get_bin_path("ss")
    if ss:
        rc, out, _ = module.run_command([ss, "-H", "-t", "-l", "-n", "-p"])
        data["sockets"] = parse_ss_listening(out) if rc == 0 else []

    sshd = module.get_bin_path("sshd", opt_dirs=["/usr/sbin"])
    if sshd:
        rc, out, _ = module.run_command([sshd, "-T"])
        if rc == 0:
            cfg = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
            data["sshd"] = {
                k: cfg.get(k) for k in ("permitrootlogin", "passwordauthentication", "pubkeyauthentication")
            }

    if p["clamav_database_dir"]:
        data["clamav"] = {
            "age_days": clamav_age(
                p["clamav_database_dir"], p["clamav_update_databases"], p["clamav_last_update_file"]
            )
        }

    probes = []
    for base in p["web_base_urls"]:
        base = base.rstrip("/")
        first = http_get(base + "/", p["timeout"])
        if first.get("status") is None:
            continue  # no web server here
        probes.append({"kind": "banner", "url": base + "/", **first})
        for path, kind in ((".git/HEAD", "git"), (".git/config", "git"), (".env", "env")):
            probes.append({"kind": kind, "url": f"{base}/{path}", **http_get(f"{base}/{path}", p["timeout"])})
        for adm in p["admin_paths"]:
            url = f"{base}/{adm['path'].lstrip('/')}"
            probes.append(
                {
                    "kind": "admin",
                    "name": adm.get("name", ""),
                    "marker": adm.get("marker", ""),
                    "url": url,
                    **http_get(url, p["timeout"]),
                }
            )
        for lp in p["listing_paths"]:
            url = f"{base}/{lp.lstrip('/')}"
            probes.append({"kind": "listing", "url": url, **http_get(url, p["timeout"])})
    data["web"] = probes

    osr = {}
    if os.path.isfile("/etc/os-release"):
        with open("/etc/os-release", encoding="utf-8") as fh:
            osr = parse_os_release(fh.read())
    data["os_id"] = osr.get("ID")
    data["os_version"] = osr.get("VERSION_ID")
    php = module.get_bin_path("php")
    if php:
        rc, out, _ = module.run_command([php, "-r", "echo PHP_VERSION;"])
        data["php_version"] = out.strip() if rc == 0 else None

    policy = {
        "apt_lists_max_age_days": p["apt_lists_max_age_days"],
        "lynis_expected": p["lynis_expected"],
        "lynis_min_index": p["lynis_min_index"],
        "expected_ports": p["expected_ports"],
        "clamav_max_age_days": p["clamav_max_age_days"],
        "eol": p["eol"] or None,
        "eol_warn_days": p["eol_warn_days"],
    }
    findings = evaluate(data, policy, date.today())
    # keep the record small: no page bodies
    for probe in data["web"]:
        probe.pop("body", None)
    module.exit_json(changed=False, data=data, findings=findings)


if __name__ == "__main__":
    main()
