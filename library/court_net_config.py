#!/usr/bin/python
"""Ansible module: store a device configuration with history and diff (like Oxidized)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: court_net_config
short_description: Keep a device configuration backup with history and a diff of every change
description:
  - Stores the sanitised configuration (from M(court_net_facts)) as C(<backup_dir>/<device>/config.txt).
  - When it differs from the stored one, also writes C(history/<UTC stamp>.txt) and
    C(history/<UTC stamp>.diff), and reports C(changed). An identical configuration changes nothing.
  - Writes are atomic (temporary file, then rename). Check mode and diff mode are supported.
version_added: "0.1.0"
author: court SOP automation
options:
  device:
    description: Device name (one directory per device).
    type: str
    required: true
  config:
    description: The configuration text.
    type: str
    required: true
  backup_dir:
    description: Directory that holds the backups of all devices.
    type: path
    required: true
  keep:
    description: Number of history versions kept per device.
    type: int
    default: 60
"""

EXAMPLES = r"""
- name: "C.2 | PATCH | Store the configuration backup"
  court_net_config:
    device: "{{ inventory_hostname }}"
    config: "{{ __network_health_read.config }}"
    backup_dir: /var/lib/court-sop/network/config
"""

RETURN = r"""
path:
  description: Current configuration file.
  type: str
  returned: always
history_path:
  description: History copy written for this change (none when unchanged).
  type: str
  returned: always
lines_added:
  description: Lines added compared with the previous backup.
  type: int
  returned: always
lines_removed:
  description: Lines removed compared with the previous backup.
  type: int
  returned: always
first_backup:
  description: True when no earlier backup existed.
  type: bool
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.court_net import configstore  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec=dict(
            device=dict(type="str", required=True),
            config=dict(type="str", required=True),
            backup_dir=dict(type="path", required=True),
            keep=dict(type="int", default=60),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not p["config"].strip():
        module.fail_json(
            msg=f"{p['device']}: the configuration read from the device is empty; nothing stored"
        )
    if p["keep"] < 1:
        module.fail_json(msg=f"keep must be at least 1 (got {p['keep']})")
    try:
        before = (
            configstore.read_text(f"{p['backup_dir']}/{p['device']}/config.txt") if module._diff else None
        )
        res = configstore.store(
            p["backup_dir"], p["device"], p["config"], check_mode=module.check_mode, keep=p["keep"]
        )
    except (OSError, ValueError) as exc:
        module.fail_json(msg=f"{p['device']}: cannot store the configuration in {p['backup_dir']}: {exc}")
    result = dict(
        changed=res["changed"],
        path=res["path"],
        history_path=res["history_path"],
        lines_added=res["lines_added"],
        lines_removed=res["lines_removed"],
        first_backup=res["first_backup"],
        config_diff=res["diff"],
    )
    if module._diff and res["changed"]:
        result["diff"] = dict(
            before=before or "",
            after=p["config"],
            before_header=f"{p['device']} (stored)",
            after_header=f"{p['device']} (device)",
        )
    module.exit_json(**result)


if __name__ == "__main__":
    main()
