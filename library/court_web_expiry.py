#!/usr/bin/python
"""Ansible module: F.4 expiry watch for domain, hosting and connection services."""

from __future__ import annotations

DOCUMENTATION = r"""
module: court_web_expiry
short_description: Days left for the domain (RDAP or declared), hosting and connection contracts (F.4)
description:
  - Looks the domain up through an RDAP endpoint (C(<rdap_url>/domain/<name>)) when one is set; a
    date declared in I(services) (from the invoice) is used when RDAP has none or is not configured.
  - Warns I(warn_days) ahead, high within I(critical_days) and after expiry. Reads only.
options:
  domain: {description: The site's domain name (empty skips the RDAP lookup)., type: str, default: ""}
  rdap_url: {description: RDAP base URL (empty = use declared dates only)., type: str, default: ""}
  services:
    description: Declared contracts; each has name, kind (domain|hosting|connection), expires (YYYY-MM-DD), and optionally provider, invoice.
    type: list
    elements: dict
    default: []
  warn_days: {description: Warning window in days., type: int, default: 30}
  critical_days: {description: High-severity window in days., type: int, default: 7}
  timeout: {description: RDAP timeout in seconds., type: int, default: 15}
"""

RETURN = r"""
expiry: {description: Services with days left, and findings., returned: always, type: dict}
"""

from datetime import UTC, datetime

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.court_web.rdap import assess, fetch_rdap, rdap_expiry, to_date


def main():
    module = AnsibleModule(
        argument_spec=dict(
            domain=dict(type="str", default=""),
            rdap_url=dict(type="str", default=""),
            services=dict(type="list", elements="dict", default=[]),
            warn_days=dict(type="int", default=30),
            critical_days=dict(type="int", default=7),
            timeout=dict(type="int", default=15),
        ),
        supports_check_mode=True,
    )
    p = module.params
    today = datetime.now(UTC).date()
    items = []
    for i, svc in enumerate(p["services"]):
        missing = [k for k in ("name", "kind", "expires") if not svc.get(k)]
        if missing:
            module.fail_json(
                msg="services[%d] lacks %s; every service needs name, kind and expires"
                % (i, ", ".join(missing))
            )
        if svc["kind"] not in ("domain", "hosting", "connection"):
            module.fail_json(
                msg="services[%d] kind %r must be domain, hosting or connection" % (i, svc["kind"])
            )
        try:
            expires = to_date(svc["expires"]).isoformat()
        except ValueError as exc:
            module.fail_json(msg="services[%d] (%s) expires: %s" % (i, svc["name"], exc))
        items.append(dict(svc, expires=expires, source="invoice"))
    findings = []
    rdap = None
    if p["domain"] and p["rdap_url"]:
        try:
            expires, registrar = rdap_expiry(fetch_rdap(p["rdap_url"], p["domain"], p["timeout"]))
            rdap = {"expires": expires.date().isoformat() if expires else None, "registrar": registrar}
        except ValueError as exc:
            rdap = {"error": str(exc)}
        declared = [s for s in items if s["kind"] == "domain" and s["name"].lower() == p["domain"].lower()]
        if rdap.get("expires"):
            if declared:
                for s in declared:
                    s["declared_expires"], s["expires"], s["source"] = s["expires"], rdap["expires"], "rdap"
            else:
                items.insert(
                    0,
                    {
                        "name": p["domain"],
                        "kind": "domain",
                        "expires": rdap["expires"],
                        "provider": rdap.get("registrar"),
                        "source": "rdap",
                    },
                )
        elif not declared:
            findings.append(
                {
                    "severity": "warning",
                    "code": "web_domain_expiry_unknown",
                    "message": "Tanggal kedaluwarsa domain %s tidak diketahui: %s"
                    % (p["domain"], rdap.get("error", "RDAP tanpa tanggal expiration")),
                }
            )
    for s in items:
        s["days_left"], finding = assess(s, today, p["warn_days"], p["critical_days"])
        if finding:
            if s.get("invoice"):
                finding["invoice"] = s["invoice"]
            findings.append(finding)
    module.exit_json(
        changed=False,
        expiry={
            "today": today.isoformat(),
            "rdap": rdap,
            "services": items,
            "nearest_days_left": min((s["days_left"] for s in items), default=None),
            "findings": findings,
        },
    )


if __name__ == "__main__":
    main()
