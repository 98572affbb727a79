#!/usr/bin/python
"""Ansible module: defacement / injection detection of a court website (F.3)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: court_web_scan
short_description: File-integrity baseline of a web root and a gambling-spam / webshell scan
description:
  - Hashes every file of the web root and compares with the stored baseline (new, changed, removed).
  - Flags executable PHP in upload folders, hidden files, webshell signatures, and gambling-spam
    keywords in files; fetches served pages (given URLs and the sitemap's) and flags spam keywords and
    hidden off-site links. Every such hit is a high finding with C(incident=true).
  - Writes the baseline only when it is missing (I(baseline=create)) or on I(baseline=accept); never in check mode.
options:
  root: {description: Web root., type: path, required: true}
  uploads: {description: Upload folders relative to the root., type: list, elements: str, default: [uploads]}
  exclude: {description: Folders relative to the root left out (caches)., type: list, elements: str, default: []}
  baseline_path: {description: Where the baseline JSON lives., type: path, required: true}
  baseline: {description: create the baseline when missing, accept the current state, or do not use one., type: str, choices: [create, accept, "off"], default: create}
  keywords: {description: Spam phrases (lower case); empty uses the built-in list., type: list, elements: str, default: []}
  pages: {description: Served page URLs to scan., type: list, elements: str, default: []}
  sitemap_url: {description: Sitemap whose pages are scanned too., type: str}
  max_pages: {description: Most pages fetched., type: int, default: 200}
  own_hosts: {description: Host names of the site itself (links there are never hidden spam)., type: list, elements: str, default: []}
  validate_certs: {description: Validate TLS certificates when fetching., type: bool, default: true}
  timeout: {description: Per-request timeout in seconds., type: int, default: 15}
"""

RETURN = r"""
scan: {description: Counts, baseline differences, scanned pages and findings., returned: always, type: dict}
"""

import os
from datetime import UTC, datetime

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.court_web.content import feed_dates, find_keywords, hidden_external_links
from ansible.module_utils.court_web.integrity import (
    compare,
    is_php,
    load_baseline,
    save_baseline,
    scan_files,
    walk,
)
from ansible.module_utils.court_web.webclient import decode, fetch


def scan_pages(p, findings):
    urls = list(p["pages"])
    errors = []
    if p["sitemap_url"]:
        resp = fetch(
            p["sitemap_url"], timeout=p["timeout"], validate_certs=p["validate_certs"], follow_redirects=True
        )
        if resp["status"] == 200:
            try:
                urls += [u for u, _d in feed_dates(resp["body"])[1] if u]
            except (ValueError, SyntaxError) as exc:
                errors.append("%s: %s" % (p["sitemap_url"], exc))
        else:
            errors.append("%s: HTTP %s %s" % (p["sitemap_url"], resp["status"], resp["error"] or ""))
    seen = []
    for url in urls:
        if url not in seen:
            seen.append(url)
    scanned = 0
    for url in seen[: p["max_pages"]]:
        resp = fetch(url, timeout=p["timeout"], validate_certs=p["validate_certs"], follow_redirects=True)
        if resp["status"] != 200:
            errors.append("%s: HTTP %s %s" % (url, resp["status"], resp["error"] or ""))
            continue
        scanned += 1
        text = decode(resp["body"], resp["headers"])
        words = find_keywords(text, p["keywords"])
        if words:
            findings.append(
                {
                    "severity": "high",
                    "incident": True,
                    "code": "web_spam_page",
                    "url": url,
                    "message": "Kata kunci judi/spam di halaman %s: %s" % (url, ", ".join(words[:5])),
                }
            )
        if "html" in resp["headers"].get("content-type", "html"):
            hidden = hidden_external_links(text, resp["url"], p["own_hosts"])
            if hidden:
                findings.append(
                    {
                        "severity": "high",
                        "incident": True,
                        "code": "web_hidden_links",
                        "url": url,
                        "links": [h["url"] for h in hidden[:10]],
                        "message": "Tautan tersembunyi ke situs luar di %s: %s"
                        % (url, ", ".join(h["url"] for h in hidden[:3])),
                    }
                )
    return scanned, errors


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            uploads=dict(type="list", elements="str", default=["uploads"]),
            exclude=dict(type="list", elements="str", default=[]),
            baseline_path=dict(type="path", required=True),
            baseline=dict(type="str", choices=["create", "accept", "off"], default="create"),
            keywords=dict(type="list", elements="str", default=[], no_log=False),
            pages=dict(type="list", elements="str", default=[]),
            sitemap_url=dict(type="str"),
            max_pages=dict(type="int", default=200),
            own_hosts=dict(type="list", elements="str", default=[]),
            validate_certs=dict(type="bool", default=True),
            timeout=dict(type="int", default=15),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if not os.path.isdir(p["root"]):
        module.fail_json(msg="web root %s does not exist; set the site's document root" % p["root"])
    current = walk(p["root"], p["exclude"])
    findings = scan_files(p["root"], current, p["uploads"], p["keywords"])
    try:
        baseline = None if p["baseline"] == "off" else load_baseline(p["baseline_path"])
    except ValueError as exc:
        module.fail_json(msg=str(exc))
    added = changed_files = removed = []
    if baseline is not None:
        added, changed_files, removed = compare(baseline["files"], current)
        php = [f for f in added + changed_files if is_php(f)]
        if php:
            findings.append(
                {
                    "severity": "warning",
                    "code": "web_php_changed",
                    "paths": php[:50],
                    "message": "Berkas PHP baru/berubah sejak baseline %s: %s"
                    % (baseline.get("created", "?"), ", ".join(php[:5])),
                }
            )
    write = p["baseline"] == "accept" or (p["baseline"] == "create" and baseline is None)
    if write and not module.check_mode:
        save_baseline(
            p["baseline_path"], p["root"], current, datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        )
    pages_scanned, page_errors = scan_pages(p, findings)
    module.exit_json(
        changed=write,
        scan={
            "files": len(current),
            "baseline_created": (baseline or {}).get("created") if not write else "now",
            "baseline_written": write,
            "added": added[:100],
            "changed": changed_files[:100],
            "removed": removed[:100],
            "added_count": len(added),
            "changed_count": len(changed_files),
            "removed_count": len(removed),
            "pages_scanned": pages_scanned,
            "page_errors": page_errors[:20],
            "findings": findings,
        },
    )


if __name__ == "__main__":
    main()
