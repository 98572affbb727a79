#!/usr/bin/python
"""Ansible module: read a UPS through NUT's upsc and return its state and findings."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: court_ups_facts
short_description: Read UPS status, charge, runtime, load and battery date through NUT (upsc)
description:
  - Runs C(upsc <ups>) on the host the UPS is connected to (read only, check-mode safe).
  - Returns status flags (OL, OB, LB, RB, ...), charge, runtime, load, battery date and age,
    and findings for on-battery, low battery, short runtime, battery due for replacement.
  - A UPS that NUT cannot reach (data stale, driver not connected) is a high finding, not a
    module failure; an unknown UPS name or a missing upsc fails with one clear line.
version_added: "0.1.0"
author: court SOP automation
options:
  ups:
    description: UPS as NUT names it, C(name@host[:port]).
    type: str
    default: ups@localhost
  upsc_path:
    description: Path of upsc; looked up in PATH when not given.
    type: path
  thresholds:
    description: runtime_min_seconds, charge_min_percent, load_max_percent, battery_max_age_years.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: "C.2 | AUDIT | Read the UPS through NUT"
  court_ups_facts:
    ups: ups@localhost
    thresholds:
      runtime_min_seconds: 900
"""

RETURN = r"""
ups:
  description: UPS facts (status, status_flags, battery_charge_percent, battery_runtime_seconds, ...).
  type: dict
  returned: always
findings:
  description: List of {severity, code, message}.
  type: list
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.court_net.ups import parse_upsc, summarize, ups_findings  # noqa: E402

_UNREACHABLE = (
    "Data stale",
    "Driver not connected",
    "Connection failure",
    "Connection refused",
    "Server disconnected",
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            ups=dict(type="str", default="ups@localhost"),
            upsc_path=dict(type="path"),
            thresholds=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params
    upsc = p["upsc_path"] or module.get_bin_path("upsc", opt_dirs=["/bin", "/usr/bin", "/usr/local/bin"])
    if not upsc:
        module.fail_json(msg="upsc not found on this host: install NUT (package nut-client) or set upsc_path")
    rc, out, err = module.run_command([upsc, p["ups"]], environ_update={"LC_ALL": "C"})
    message = (err or out).strip().splitlines()[-1] if (err or out).strip() else f"rc {rc}"
    if rc != 0 or not out.strip():
        if "Unknown UPS" in message:
            module.fail_json(
                msg=f"NUT does not know the UPS '{p['ups']}' ({message}); fix the UPS name (see upsc -l)"
            )
        if any(word in message for word in _UNREACHABLE):
            finding = {
                "severity": "high",
                "code": "ups_unreachable",
                "incident": True,
                "message": f"UPS {p['ups']}: tidak dapat dibaca melalui NUT ({message})",
            }
            module.exit_json(
                changed=False, ups={"status": None, "status_flags": [], "error": message}, findings=[finding]
            )
        module.fail_json(msg=f"upsc {p['ups']} failed: {message}")
    summary = summarize(parse_upsc(out))
    module.exit_json(changed=False, ups=summary, findings=ups_findings(p["ups"], summary, p["thresholds"]))


if __name__ == "__main__":
    main()
