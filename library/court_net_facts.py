#!/usr/bin/python
"""Ansible module: read a network device's health (and configuration) over SSH with netmiko."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: court_net_facts
short_description: Read health, interfaces and configuration of a router, switch or access point
description:
  - Connects with netmiko (SSH) and runs only read commands (C(print), C(show), C(export)).
  - Supports MikroTik RouterOS v6 and v7 (router and access point, e.g. cAP) and Cisco IOS.
  - Returns uptime, CPU, memory, temperature and voltage where reported, firmware and OS version,
    and per interface admin/oper state, speed, duplex and error counters.
  - Compares with the snapshot of the previous run (O(state_file)) and with thresholds and returns
    findings with severity. The new snapshot is written unless in check mode; that bookkeeping is
    not reported as a change.
  - A device that cannot be read fails with one line naming the device and the cause.
version_added: "0.1.0"
author: court SOP automation
options:
  device:
    description: Name of the device for messages and findings (normally the inventory hostname).
    type: str
    required: true
  host:
    description: Address of the device.
    type: str
    required: true
  port:
    description: SSH port.
    type: int
    default: 22
  platform:
    description: netmiko device type.
    type: str
    required: true
    choices: [mikrotik_routeros, cisco_ios]
  username:
    description: Login name (netmiko adds the RouterOS terminal suffix itself).
    type: str
    required: true
  password:
    description: Password; use a vault variable.
    type: str
  key_file:
    description: SSH private key instead of a password.
    type: path
  enable_secret:
    description: IOS enable secret, when the login does not land in privileged mode.
    type: str
  timeout:
    description: Per-device timeout in seconds (connect, login and each command).
    type: int
    default: 20
  backup:
    description: Also read the configuration (RouterOS C(/export), IOS C(show running-config)).
    type: bool
    default: true
  mask_secrets:
    description: Mask passwords, keys and communities in the returned configuration.
    type: bool
    default: true
  state_file:
    description: >-
      JSON snapshot of the previous run's counters; read, then rewritten unless
      O(update_state) is false.
    type: path
  update_state:
    description: >-
      Rewrite O(state_file) with this run's counters. The role passes false in check mode (the
      module itself runs with check_mode disabled so that it can read the device).
    type: bool
    default: true
  thresholds:
    description: >-
      Limits for findings: cpu_percent_max, temperature_c_max, memory_used_percent_max,
      error_growth_min, error_growth_high, min_os_version, min_firmware.
    type: dict
    default: {}
  ports:
    description: "Expected ports, C({name: {expect_up: true, min_speed_mbps: 1000}})."
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: "C.2 | AUDIT | Read device health"
  court_net_facts:
    device: "{{ inventory_hostname }}"
    host: "{{ ansible_host }}"
    port: "{{ ansible_port }}"
    platform: mikrotik_routeros
    username: admin
    password: "{{ vault_network_password }}"
    state_file: /var/lib/court-sop/network/state/gw.json
    ports:
      ether1: {expect_up: true, min_speed_mbps: 1000}
"""

RETURN = r"""
device:
  description: Health facts in the common model (see module_utils/court_net).
  returned: success
  type: dict
findings:
  description: List of {severity, code, message, ...}.
  returned: success
  type: list
config:
  description: Sanitised configuration text (volatile lines removed, secrets masked by default).
  returned: success and backup
  type: str
"""

from ansible.module_utils.court_net.tasks import FACTS_ARGUMENT_SPEC, read_device, run_module  # noqa: E402


def main():
    run_module(FACTS_ARGUMENT_SPEC, read_device)


if __name__ == "__main__":
    main()
