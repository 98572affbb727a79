#!/usr/bin/python
"""Ansible module: F.3 visitor activity from Apache/nginx access logs (read only)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: court_web_access_log
short_description: Summarise website visitor activity and suspicious clients from access logs
description:
  - Reads the live access log and its logrotate rotations (plain and gzipped), oldest first.
  - Parses combined and vhost_combined lines, including IPv6 clients, escaped quotes in agents,
    C(-) fields and requests with invalid syntax (TLS bytes on port 80, C("-")).
  - Returns the I(Log Aktivitas pengunjung) summary for a period, a suspicious list (scanners,
    brute force, 5xx bursts, traffic spikes) and findings. Never changes the host.
options:
  log_dir: {description: Directory of the logs., type: path, default: /var/log/apache2}
  log_name: {description: Name of the live log file., type: str, default: access.log}
  period_hours: {description: Length of the period ending now (or at I(until))., type: int, default: 24}
  until: {description: End of the period (ISO 8601); default now., type: str}
  history_days: {description: Days of history read to learn the normal hourly traffic., type: int, default: 14}
  top: {description: Length of the top lists., type: int, default: 10}
  scanner_min_probes: {description: Probe requests from one client that make a finding., type: int, default: 20}
  bruteforce_min_attempts: {description: Login POSTs from one client within the window that make a finding., type: int, default: 20}
  bruteforce_window_minutes: {description: Brute-force window., type: int, default: 10}
  error_burst_min: {description: 5xx responses within the window that make a finding., type: int, default: 20}
  error_burst_window_minutes: {description: 5xx window., type: int, default: 5}
  spike_factor: {description: Hour counts above this many times the typical hour are a spike., type: float, default: 8.0}
  spike_min_requests: {description: An hour below this many requests is never a spike., type: int, default: 300}
  ignore_agents: {description: User-agent substrings of our own tools, left out of the analysis., type: list, elements: str, default: []}
  distributed_min_attempts: {description: Login POSTs to one login URL within the window (all clients) that make a distributed brute-force finding., type: int, default: 60}
  distributed_min_clients: {description: Distinct clients among them needed for that finding., type: int, default: 10}
  attack_min_requests: {description: Requests of one attack class (SQL injection, traversal, RFI, Log4Shell, webshell, exposed file) that make a finding., type: int, default: 1}
  trusted_networks:
    description: The court's own networks (CIDR); their clients count as traffic but are never suspicious.
    type: list
    elements: str
    default: []
  trusted_proxies:
    description: >-
      Public addresses or networks of our own reverse proxies / CDN; private addresses are always
      taken as our proxies when the real client is read from X-Forwarded-For.
    type: list
    elements: str
    default: []
"""

RETURN = r"""
visitors: {description: Summary, top lists, suspicious list and findings., returned: always, type: dict}
"""

import os
from datetime import UTC, datetime, timedelta

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.court_web.accesslog import analyze, iter_log_files, parse_networks, read_records
from ansible.module_utils.court_web.content import parse_date


def main():
    module = AnsibleModule(
        argument_spec=dict(
            log_dir=dict(type="path", default="/var/log/apache2"),
            log_name=dict(type="str", default="access.log"),
            period_hours=dict(type="int", default=24),
            until=dict(type="str"),
            history_days=dict(type="int", default=14),
            top=dict(type="int", default=10),
            scanner_min_probes=dict(type="int", default=20),
            bruteforce_min_attempts=dict(type="int", default=20),
            bruteforce_window_minutes=dict(type="int", default=10),
            error_burst_min=dict(type="int", default=20),
            error_burst_window_minutes=dict(type="int", default=5),
            spike_factor=dict(type="float", default=8.0),
            spike_min_requests=dict(type="int", default=300),
            ignore_agents=dict(type="list", elements="str", default=[]),
            distributed_min_attempts=dict(type="int", default=60),
            distributed_min_clients=dict(type="int", default=10),
            attack_min_requests=dict(type="int", default=1),
            trusted_networks=dict(type="list", elements="str", default=[]),
            trusted_proxies=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["period_hours"] < 1:
        module.fail_json(msg="period_hours must be at least 1 (got %d)" % p["period_hours"])
    if not os.path.isdir(p["log_dir"]):
        module.fail_json(msg="log_dir %s does not exist; set the web server's log directory" % p["log_dir"])
    try:
        proxies = parse_networks(p["trusted_proxies"])
        parse_networks(p["trusted_networks"])
    except ValueError as exc:
        module.fail_json(msg="trusted_proxies / trusted_networks: %s" % exc)
    paths = iter_log_files(p["log_dir"], p["log_name"])
    if not paths:
        module.fail_json(
            msg="no %s (or rotations) in %s; set log_name to the access log's file name"
            % (p["log_name"], p["log_dir"])
        )
    until = datetime.now(UTC)
    if p["until"]:
        until = parse_date(p["until"])
        if until is None:
            module.fail_json(msg="until %r is not an ISO 8601 date-time" % p["until"])
    since = until - timedelta(hours=p["period_hours"])
    history = since - timedelta(days=max(p["history_days"], 0))
    options = {
        k: p[k]
        for k in (
            "top",
            "scanner_min_probes",
            "bruteforce_min_attempts",
            "bruteforce_window_minutes",
            "error_burst_min",
            "error_burst_window_minutes",
            "spike_factor",
            "spike_min_requests",
            "ignore_agents",
            "distributed_min_attempts",
            "distributed_min_clients",
            "attack_min_requests",
            "trusted_networks",
        )
    }
    result = analyze(read_records(paths, since=since, until=until, history_since=history, trusted_proxies=proxies), options)
    result["period_start"] = since.strftime("%Y-%m-%dT%H:%M:%SZ")
    result["period_end"] = until.strftime("%Y-%m-%dT%H:%M:%SZ")
    module.exit_json(changed=False, visitors=result)


if __name__ == "__main__":
    main()
