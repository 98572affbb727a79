#!/usr/bin/python
"""Ansible module: probe reachability, latency and loss to the court's critical hosts (D.1)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: court_lan_probe
short_description: Reachability, latency and packet loss to critical hosts, with findings
description:
  - From the host the module runs on, probes every target C(count) times, either by TCP connect
    (no privileges, also proves the service answers) or by ICMP with the system C(ping).
  - Returns per target sent/received, loss and average/maximum round-trip time, and findings
    against thresholds. Read only; check-mode safe.
version_added: "0.1.0"
author: court SOP automation
options:
  source:
    description: Name of the probing host for messages (normally the inventory hostname).
    type: str
    required: true
  targets:
    description: >-
      List of targets, each C({name, host, port, method: tcp|icmp, critical: true}); C(port) is
      required for tcp.
    type: list
    elements: dict
    required: true
  count:
    description: Probes per target.
    type: int
    default: 5
  interval:
    description: Seconds between probes.
    type: float
    default: 0.2
  timeout:
    description: Seconds to wait for one probe.
    type: float
    default: 2
  thresholds:
    description: loss_percent_max, rtt_ms_max.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: "D.1 | AUDIT | Probe the critical hosts"
  court_lan_probe:
    source: "{{ inventory_hostname }}"
    targets:
      - {name: gateway, host: 192.0.2.1, method: icmp}
      - {name: sipp, host: sipp.court.test, port: 80}
"""

RETURN = r"""
probes:
  description: Per target name, {sent, received, loss_percent, rtt_avg_ms, rtt_max_ms, reachable, error}.
  type: dict
  returned: always
findings:
  description: List of {severity, code, target, message}.
  type: list
  returned: always
"""

from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from ansible.module_utils.basic import AnsibleModule  # noqa: E402
from ansible.module_utils.court_net.probe import parse_ping, target_findings, tcp_probe  # noqa: E402


def main():
    module = AnsibleModule(
        argument_spec=dict(
            source=dict(type="str", required=True),
            targets=dict(type="list", elements="dict", required=True),
            count=dict(type="int", default=5),
            interval=dict(type="float", default=0.2),
            timeout=dict(type="float", default=2),
            thresholds=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["count"] < 1 or p["timeout"] <= 0:
        module.fail_json(
            msg=f"count must be >= 1 and timeout > 0 (got count={p['count']}, timeout={p['timeout']})"
        )
    names = set()
    for index, target in enumerate(p["targets"]):
        if not target.get("name") or not target.get("host"):
            module.fail_json(msg=f"targets[{index}] needs a name and a host (got {target!r})")
        if target["name"] in names:
            module.fail_json(msg=f"targets[{index}]: the name '{target['name']}' is used twice")
        names.add(target["name"])
        method = target.get("method", "tcp")
        if method not in ("tcp", "icmp"):
            module.fail_json(
                msg=f"targets[{index}] ({target['name']}): method must be tcp or icmp, not '{method}'"
            )
        if method == "tcp" and not str(target.get("port", "")).isdigit():
            module.fail_json(msg=f"targets[{index}] ({target['name']}): a tcp target needs a numeric port")
    ping = None
    if any(t.get("method", "tcp") == "icmp" for t in p["targets"]):
        ping = module.get_bin_path("ping")
        if not ping:
            module.fail_json(
                msg="an icmp target needs the ping command on this host (package iputils-ping), "
                "or use method tcp"
            )

    def run(target):
        if target.get("method", "tcp") == "icmp":
            wait = max(1, int(round(p["timeout"])))
            _rc, out, err = module.run_command(
                [
                    ping,
                    "-n",
                    "-c",
                    str(p["count"]),
                    "-i",
                    str(max(p["interval"], 0.2)),
                    "-W",
                    str(wait),
                    str(target["host"]),
                ],
                environ_update={"LC_ALL": "C"},
            )
            return parse_ping(out + "\n" + err)
        return tcp_probe(str(target["host"]), int(target["port"]), p["count"], p["timeout"], p["interval"])

    with ThreadPoolExecutor(max_workers=min(16, len(p["targets"]) or 1)) as pool:
        outcomes = list(pool.map(run, p["targets"]))
    results, findings = {}, []
    for target, outcome in zip(p["targets"], outcomes, strict=True):
        outcome["host"] = str(target["host"])
        outcome["method"] = target.get("method", "tcp")
        results[target["name"]] = outcome
        findings.extend(target_findings(p["source"], target, outcome, p["thresholds"]))
    module.exit_json(changed=False, probes=results, findings=findings)


if __name__ == "__main__":
    main()
