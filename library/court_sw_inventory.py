#!/usr/bin/python
"""Ansible module: C.4 software and hardware inventory with the diff against the previous month."""

from __future__ import annotations

DOCUMENTATION = r"""
module: court_sw_inventory
short_description: Software and hardware inventory of a Linux server and its change since last month
description:
  - Collects OS, kernel, installed packages (dpkg), CPU, RAM, disks (lsblk) and SMART health
    (smartctl, where the disks can be opened) and system vendor/model (dmidecode, where readable).
  - Keeps one snapshot per month in I(store_dir) (C(YYYY-MM.json), written atomically) and returns
    the difference from the newest snapshot of an earlier month.
  - Changed only when this month's snapshot is written or altered; never writes in check mode.
options:
  store_dir: {description: Directory of the monthly snapshots., type: path, default: /var/lib/court-sop/inventory}
  month: {description: Month of this run (YYYY-MM); default the current month (UTC)., type: str}
  packages_of_interest: {description: Package names or shell patterns reported with their versions., type: list, elements: str, default: []}
  smart: {description: Ask smartctl for the health of each disk., type: bool, default: true}
"""

RETURN = r"""
inventory: {description: This month's inventory (packages of interest only; the snapshot holds all)., type: dict, returned: always}
previous_month: {description: Month of the snapshot compared against (null on the first run)., type: str, returned: always}
diff: {description: Packages added/removed/changed, hardware and OS changes., type: dict, returned: always}
"""

import fnmatch
import json
import os
import platform
import re
import tempfile
from datetime import UTC, datetime

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.court_security.inventory import (
    diff_inventory,
    parse_cpuinfo,
    parse_dpkg,
    parse_lsblk,
    parse_meminfo,
    parse_os_release,
    parse_smartctl_health,
)

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def read(path: str) -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return fh.read()
    except OSError:
        return ""


def collect(module: AnsibleModule, smart: bool) -> dict:
    osr = parse_os_release(read("/etc/os-release"))
    cpu = parse_cpuinfo(read("/proc/cpuinfo"))
    inv = {
        "os": osr.get("PRETTY_NAME") or f"{osr.get('ID', '?')} {osr.get('VERSION_ID', '')}".strip(),
        "kernel": platform.release(),
        "architecture": platform.machine(),
        "cpu_model": cpu["model"],
        "cpu_threads": cpu["threads"],
        "memory_mb": parse_meminfo(read("/proc/meminfo")),
        "packages": {},
        "disks": [],
        "system": {},
    }
    dpkg = module.get_bin_path("dpkg-query")
    if dpkg:
        rc, out, err = module.run_command([dpkg, "-W", "-f=${Package}\t${Version}\t${db:Status-Abbrev}\n"])
        if rc != 0:
            module.fail_json(msg=f"dpkg-query failed: {err.strip()[:200]}")
        inv["packages"] = parse_dpkg(out)
    lsblk = module.get_bin_path("lsblk")
    if lsblk:
        rc, out, _ = module.run_command(
            [lsblk, "-J", "-b", "-d", "-o", "NAME,SIZE,TYPE,MODEL,SERIAL,ROTA,TRAN"]
        )
        if rc == 0:
            inv["disks"] = parse_lsblk(out)
    smartctl = module.get_bin_path("smartctl", opt_dirs=["/usr/sbin"]) if smart else None
    for disk in inv["disks"]:
        if smartctl:
            rc, out, _ = module.run_command([smartctl, "-H", "-j", f"/dev/{disk['name']}"])
            disk["smart_health"] = parse_smartctl_health(out, rc)
        else:
            disk["smart_health"] = "unavailable"
    dmi = "/sys/class/dmi/id"
    for key, fname in (("vendor", "sys_vendor"), ("product", "product_name")):
        value = read(os.path.join(dmi, fname)).strip()
        if value:
            inv["system"][key] = value
    return inv


def previous_snapshot(store: str, month: str) -> tuple[str | None, dict | None]:
    if not os.path.isdir(store):
        return None, None
    months = sorted(
        f[:-5] for f in os.listdir(store) if f.endswith(".json") and MONTH.match(f[:-5]) and f[:-5] < month
    )
    if not months:
        return None, None
    with open(os.path.join(store, months[-1] + ".json"), encoding="utf-8") as fh:
        return months[-1], json.load(fh)


def main() -> None:
    module = AnsibleModule(
        argument_spec={
            "store_dir": {"type": "path", "default": "/var/lib/court-sop/inventory"},
            "month": {"type": "str"},
            "packages_of_interest": {"type": "list", "elements": "str", "default": []},
            "smart": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    p = module.params
    month = p["month"] or datetime.now(UTC).strftime("%Y-%m")
    if not MONTH.match(month):
        module.fail_json(msg=f"month must look like YYYY-MM, got {month!r}")
    store = p["store_dir"]
    inv = collect(module, p["smart"])
    try:
        prev_month, prev = previous_snapshot(store, month)
    except (OSError, ValueError) as exc:
        module.fail_json(msg=f"previous inventory snapshot in {store} unreadable: {exc}")
    diff = diff_inventory(prev, inv)

    path = os.path.join(store, month + ".json")
    text = json.dumps(inv, indent=1, sort_keys=True) + "\n"
    changed = read(path) != text
    if changed and not module.check_mode:
        os.makedirs(store, mode=0o750, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=store, prefix=".inventory.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o640)
        os.replace(tmp, path)

    interest = {
        name: ver
        for name, ver in sorted(inv["packages"].items())
        if any(fnmatch.fnmatchcase(name, pat) for pat in p["packages_of_interest"])
    }
    summary = dict(inv, packages=interest, packages_total=len(inv["packages"]))
    module.exit_json(changed=changed, inventory=summary, previous_month=prev_month, diff=diff, snapshot=path)


if __name__ == "__main__":
    main()
