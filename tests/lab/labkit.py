"""Helpers for the court-lab tests: run things in the lab containers, read lab secrets, run playbooks.

Everything talks to the lab the run itself made: podman containers named courtlab-* and ports on
127.0.0.1.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SIPP_URL = "http://127.0.0.1:8081/SIPP"
SSH_KEY = ROOT / ".lab" / "ssh" / "id_ed25519"
SSH_OPTS = [
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=10",
]


def env() -> dict[str, str]:
    """Return the environment for podman and ansible-playbook as ./court sets it."""
    e = dict(os.environ)
    e["CONTAINERS_CONF"] = str(ROOT / "lab" / "containers.conf")
    e["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    e["PATH"] = f"{ROOT / '.venv' / 'bin'}:{e.get('PATH', '')}"
    return e


def podman_exec(
    container: str, *argv: str, check: bool = True, stdin: str | None = None
) -> subprocess.CompletedProcess:
    """Run argv in a lab container, return the completed process (text)."""
    return subprocess.run(
        ["podman", "exec", "-i", container, *argv],
        input=stdin,
        capture_output=True,
        text=True,
        check=check,
        env=env(),
        timeout=300,
    )


def sql(query: str, database: str = "sipp", container: str = "courtlab-sipp") -> list[list[str]]:
    """Run SQL as MariaDB root in the sipp container; return rows as lists of strings."""
    out = podman_exec(container, "mariadb", "-N", "-B", database, "-e", query).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def scalar(query: str, database: str = "sipp") -> str:
    rows = sql(query, database)
    assert rows, f"no row from: {query}"
    return rows[0][0]


def vault() -> dict[str, Any]:
    """Return the decrypted lab vault (inventory/lab/group_vars/all/vault.yml)."""
    from ansible.parsing.vault import VaultLib, VaultSecret

    secret = VaultSecret((ROOT / "lab" / "vault-password").read_bytes().strip())
    data = (ROOT / "inventory" / "lab" / "group_vars" / "all" / "vault.yml").read_bytes()
    return yaml.safe_load(VaultLib([("default", secret)]).decrypt(data))


def playbook(path: str, *extra: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    """Run ansible-playbook from the repository root; fail the test with its output tail on error."""
    proc = subprocess.run(
        ["ansible-playbook", path, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env(),
        timeout=timeout,
    )
    assert proc.returncode == 0, (
        f"{path} failed (rc={proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    )
    return proc


def recap(stdout: str) -> dict[str, dict[str, int]]:
    """Return {host: {ok, changed, unreachable, failed, ...}} from an ansible-playbook PLAY RECAP."""
    out: dict[str, dict[str, int]] = {}
    block = stdout[stdout.rfind("PLAY RECAP") :]
    for line in block.splitlines()[1:]:
        m = re.match(r"^(\S+)\s+:\s+(.*)$", line.strip())
        if m:
            out[m.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m.group(2))}
    return out


def ssh(user: str, port: int, command: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a command over real SSH with the lab key."""
    return subprocess.run(
        ["ssh", "-i", str(SSH_KEY), "-p", str(port), *SSH_OPTS, f"{user}@127.0.0.1", command],
        capture_output=True,
        text=True,
        check=check,
        timeout=60,
    )
