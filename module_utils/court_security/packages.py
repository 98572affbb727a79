"""Pending updates from ``apt-get -s upgrade`` / ``dist-upgrade`` (D.4).

Real format of the simulation (Debian 12):
``Inst libssl3 [3.0.11-1~deb12u1] (3.0.15-1~deb12u2 Debian-Security:12/stable-security [amd64])``
``Inst tzdata [2024a-0+deb12u1] (2025b-0+deb12u1 Debian:12.11/stable [all])``
A package can come from several archives: ``(1.2 Debian:12.11/stable, Debian-Security:12/stable-security [amd64])``.
New installs have no ``[old]`` part; ``Conf``/``Remv`` lines are ignored. Security updates are the
ones whose archive list names a ``-security`` suite.
"""

from __future__ import annotations

import re

_INST = re.compile(
    r"^Inst (?P<name>\S+)(?: \[(?P<old>[^\]]+)\])? \((?P<new>\S+) (?P<origin>[^\[\)]*)(?:\[(?P<arch>[^\]]+)\])?\)"
)


def parse_apt_simulation(text: str) -> list[dict]:
    """Given the output of ``apt-get -s upgrade``, return one dict per package to install."""
    out = []
    for line in text.splitlines():
        m = _INST.match(line.strip())
        if not m:
            continue
        origins = [o.strip() for o in m.group("origin").split(",") if o.strip()]
        out.append(
            {
                "name": m.group("name"),
                "installed": m.group("old"),
                "candidate": m.group("new"),
                "origins": origins,
                "security": any("-security" in o.split(" ")[0] or "-security" in o for o in origins),
            }
        )
    return out
