#!/usr/bin/python
"""Ansible module: ClamAV signature age and the last scan report (D.5). Read-only."""

from __future__ import annotations

DOCUMENTATION = r"""
module: court_clamav_status
short_description: Report ClamAV signature age and the infected files of the last scan
description:
  - Reads the headers of the official databases (.cvd/.cld) and the modification time of the
    databases fetched from custom URLs, and computes the age of the newest one.
  - Parses the last scan report written by court-clamscan (clamscan output with a header line).
  - Changes nothing.
options:
  database_dir: {description: ClamAV database directory., type: path, default: /var/lib/clamav}
  update_databases: {description: Base names of the databases that updates must keep fresh (custom URL files)., type: list, elements: str, default: []}
  official: {description: Whether the official databases are expected., type: bool, default: true}
  report: {description: The last scan report file., type: path, required: true}
  last_update_file: {description: File touched after each successful update; a mirror database counts as fresh as that check., type: path}
  max_age_days: {description: Signatures older than this give a finding., type: float, default: 3}
  quarantine: {description: Whether infected files are moved (wording of findings)., type: bool, default: false}
"""

RETURN = r"""
databases: {description: Each database with its kind and build/modification time., type: list, returned: always}
signature_age_days: {description: Age of the newest update-managed database in days (null if none)., type: float, returned: always}
scan: {description: Parsed last scan (meta, infected, moved, errors, summary)., type: dict, returned: always}
findings: {description: D.5 findings (severity, code, message)., type: list, returned: always}
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.court_security.clamav import (
    OFFICIAL_DATABASES,
    database_age,
    parse_clamscan_log,
    parse_cvd_header,
)


def collect_databases(
    db_dir: str, update_names: list[str], official: bool, last_ok: float | None
) -> list[dict]:
    entries = []
    if not os.path.isdir(db_dir):
        return entries
    for name in sorted(os.listdir(db_dir)):
        path = os.path.join(db_dir, name)
        if not os.path.isfile(path):
            continue
        base, ext = os.path.splitext(name)
        if ext in (".cvd", ".cld") and base in OFFICIAL_DATABASES:
            with open(path, "rb") as fh:
                head = fh.read(512)
            try:
                hdr = parse_cvd_header(head)
            except ValueError:
                entries.append({"name": name, "kind": "official", "epoch": None, "error": "bad header"})
                continue
            entries.append(
                {
                    "name": name,
                    "kind": "official",
                    "epoch": hdr["build_epoch"],
                    "version": hdr["version"],
                    "signatures": hdr["signatures"],
                    "built": hdr["build_time"],
                }
            )
        elif name in update_names:
            # freshclam leaves an unchanged custom database untouched (If-Modified-Since), so it is
            # as fresh as the last successful check against the mirror.
            entries.append(
                {"name": name, "kind": "mirror", "epoch": max(os.path.getmtime(path), last_ok or 0)}
            )
        elif ext in (".ndb", ".ldb", ".yara", ".yar", ".hdb", ".hsb", ".cdb"):
            entries.append({"name": name, "kind": "local", "epoch": None})
    return entries


def findings_for(entries, age, scan, max_age, official, quarantine, report_exists) -> list[dict]:
    out = []
    managed = [e for e in entries if e["kind"] in ("official", "mirror")]
    if not managed:
        out.append(
            {
                "severity": "high",
                "code": "clamav_no_signatures",
                "message": "ClamAV: tidak ada basis data tanda tangan yang diperbarui (resmi/mirror)",
            }
        )
    elif age is not None and age > max_age:
        out.append(
            {
                "severity": "warning",
                "code": "clamav_signatures_stale",
                "message": f"ClamAV: tanda tangan terbaru berumur {age:.1f} hari (batas {max_age:g} hari)",
            }
        )
    if official and not any(e["kind"] == "official" for e in entries) and managed:
        out.append(
            {
                "severity": "warning",
                "code": "clamav_official_missing",
                "message": "ClamAV: basis data resmi (main/daily) tidak ada",
            }
        )
    if not report_exists:
        out.append(
            {
                "severity": "warning",
                "code": "clamav_no_scan",
                "message": "ClamAV: belum ada laporan pemindaian",
            }
        )
        return out
    moved = {m["path"]: m["to"] for m in scan["moved"]}
    for hit in scan["infected"]:
        where = f" (dikarantina ke {moved[hit['path']]})" if hit["path"] in moved else ""
        out.append(
            {
                "severity": "high",
                "code": "clamav_infected_file",
                "incident": True,
                "message": f"ClamAV: {hit['path']}: {hit['signature']}{where}",
            }
        )
    if scan["meta"].get("rc") == "2" or scan["errors"]:
        out.append(
            {
                "severity": "warning",
                "code": "clamav_scan_error",
                "message": "ClamAV: pemindaian berakhir dengan galat: " + "; ".join(scan["errors"][:3]),
            }
        )
    return out


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "database_dir": {"type": "path", "default": "/var/lib/clamav"},
            "update_databases": {"type": "list", "elements": "str", "default": []},
            "official": {"type": "bool", "default": True},
            "report": {"type": "path", "required": True},
            "last_update_file": {"type": "path"},
            "max_age_days": {"type": "float", "default": 3},
            "quarantine": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    p = module.params
    lu = p["last_update_file"]
    last_ok = os.path.getmtime(lu) if lu and os.path.isfile(lu) else None
    entries = collect_databases(p["database_dir"], p["update_databases"], p["official"], last_ok)
    age = database_age([e for e in entries if e["kind"] in ("official", "mirror")], time.time())
    report_exists = os.path.isfile(p["report"])
    text = ""
    if report_exists:
        with open(p["report"], encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    scan = parse_clamscan_log(text)
    findings = findings_for(
        entries, age, scan, p["max_age_days"], p["official"], p["quarantine"], report_exists
    )
    for e in entries:
        epoch = e.pop("epoch", None)
        e["time"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)) if epoch is not None else None
    module.exit_json(changed=False, databases=entries, signature_age_days=age, scan=scan, findings=findings)


if __name__ == "__main__":
    main()
