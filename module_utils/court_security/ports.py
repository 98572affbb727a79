"""Listening sockets from ``ss -H -t -l -n -p`` (D.4 "extra open port").

Real shapes of the local address column: ``0.0.0.0:22``, ``[::]:22``, ``*:80``, ``127.0.0.1:3306``,
``[::1]:631``, ``127.0.0.53%lo:53``, ``[fe80::1%eth0]:546``; the process column
``users:(("sshd",pid=612,fd=3),("sshd",pid=1,fd=3))`` may be missing (no -p rights).
"""

from __future__ import annotations

import re

_PROC = re.compile(r'\("(?P<name>[^"]+)",pid=(?P<pid>\d+)')


def _split_addr(local: str) -> tuple[str, int | None]:
    host, _, port = local.rpartition(":")
    host = host.strip("[]")
    if "%" in host:
        host = host.split("%", 1)[0]
    return host, int(port) if port.isdigit() else None


def is_loopback(host: str) -> bool:
    return host.startswith("127.") or host in ("::1", "localhost")


def parse_ss_listening(text: str) -> list[dict]:
    """Given ``ss -Htlnp`` output, return {address, port, process, loopback} per listening socket."""
    out = []
    seen = set()
    for line in text.splitlines():
        cols = line.split()
        if len(cols) < 4 or cols[0] not in ("LISTEN", "UNCONN"):
            continue
        host, port = _split_addr(cols[3])
        if port is None:
            continue
        procs = sorted({m.group("name") for m in _PROC.finditer(line)})
        key = (host, port)
        if key in seen:
            continue
        seen.add(key)
        out.append({"address": host, "port": port, "process": ",".join(procs), "loopback": is_loopback(host)})
    return out


def unexpected_ports(sockets: list[dict], expected: list[int]) -> list[dict]:
    """Given parsed sockets and the expected ports, return the non-loopback ones not expected."""
    allowed = {int(p) for p in expected}
    return [s for s in sockets if not s["loopback"] and s["port"] not in allowed]
