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

from ansible.module_utils.court_net.tasks import CONFIG_ARGUMENT_SPEC, run_module, store_config  # noqa: E402


def main():
    run_module(CONFIG_ARGUMENT_SPEC, store_config)


if __name__ == "__main__":
    main()
