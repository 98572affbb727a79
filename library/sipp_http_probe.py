#!/usr/bin/python
# SIPP-1: fetch a page once and say whether the application really rendered it.
"""sipp_http_probe module."""

from __future__ import annotations

DOCUMENTATION = r"""
module: sipp_http_probe
short_description: Probe a web application page (status, response time, rendered marker)
description:
  - Fetches C(url) once (no retries, redirects followed) and returns the HTTP status, the response
    time in milliseconds, the body size and whether the body matches C(marker) (a regular
    expression proving the page was rendered, e.g. the login form) and contains no raw PHP
    source. Never fails on an unreachable or broken site: C(ok) says whether the page is good and
    C(error) why not. Read-only; supports check mode.
options:
  url: {type: str, required: true, description: Page to fetch.}
  marker: {type: str, default: "", description: Regular expression the body must match.}
  timeout: {type: float, default: 10, description: Seconds before giving up.}
  expect_status: {type: list, elements: int, default: [200], description: Statuses that count as up.}
author: court IT
"""

RETURN = r"""
ok: {description: status expected, marker found, no raw PHP, type: bool, returned: always}
status: {description: HTTP status (null when no answer), type: int, returned: always}
elapsed_ms: {description: time to the complete body in ms, type: int, returned: always}
bytes: {description: body size, type: int, returned: always}
rendered: {description: marker found and no raw PHP, type: bool, returned: always}
error: {description: why the page is not ok ("" when ok), type: str, returned: always}
"""

import re
import socket
import time
import urllib.error
import urllib.request

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            url=dict(type="str", required=True),
            marker=dict(type="str", default=""),
            timeout=dict(type="float", default=10),
            expect_status=dict(type="list", elements="int", default=[200]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        marker = re.compile(p["marker"]) if p["marker"] else None
    except re.error as exc:
        module.fail_json(msg=f"marker is not a valid regular expression: {exc}")
    status, body, error = None, b"", ""
    req = urllib.request.Request(p["url"], headers={"User-Agent": "court-sop-check/1 (SIPP-1)"})
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=p["timeout"]) as resp:  # noqa: S310 - operator's URL
            status = resp.status
            body = resp.read()
    except urllib.error.HTTPError as exc:
        status = exc.code
        body = exc.read() or b""
    except (urllib.error.URLError, socket.timeout, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        error = f"no answer from {p['url']}: {reason}"
    elapsed_ms = int(round((time.monotonic() - start) * 1000))
    text = body.decode("utf-8", "replace")
    raw_php = "<?php" in text
    rendered = bool(body) and not raw_php and (marker is None or bool(marker.search(text)))
    if not error:
        if status not in p["expect_status"]:
            error = f"HTTP {status} from {p['url']}"
        elif raw_php:
            error = f"{p['url']} returns PHP source: PHP is not running"
        elif not rendered:
            error = f"{p['url']} answered but the page was not rendered (marker {p['marker']!r} missing)"
    module.exit_json(
        changed=False,
        ok=not error,
        status=status,
        elapsed_ms=elapsed_ms,
        bytes=len(body),
        rendered=rendered,
        error=error,
        url=p["url"],
    )


if __name__ == "__main__":
    main()
