"""Fixtures for runner tests that drive real ansible-playbook / ansible-runner on localhost."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
TEST_PLAYBOOK = "tests/unit/runner/playbooks/sipp_like.yml"
VAULT_SECRET = "vault-S3CRET-4242-xyz"
# Activities whose real playbooks target sipp_servers: disabled so a tick only runs SIPP-1.
_DISABLE = ("SIPP-2", "SIPP-3", "D.1", "D.7")
# Activities whose output is a report `sop tick` writes (disabled unless a test asks for them).
_REPORTS = ("C.1", "C.6", "C.7", "SIPP-5", "F.5")


@dataclass
class Court:
    """A throw-away court: inventory (localhost as the SIPP server, optionally an unreachable
    host), a vault, a catalog override pointing SIPP-1 at the test playbook, a record store."""

    root: Path
    inventory: Path
    records: Path
    vault_pass: Path
    env: dict[str, str] = field(default_factory=dict)

    def sop(
        self, *args: str, extra_env: dict[str, str] | None = None, timeout: int = 300
    ) -> subprocess.CompletedProcess[str]:
        env = dict(self.env, **(extra_env or {}))
        return subprocess.run(
            [sys.executable, "-m", "sop_runner.cli", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def popen_sop(self, *args: str, extra_env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        env = dict(self.env, **(extra_env or {}))
        return subprocess.Popen(
            [sys.executable, "-m", "sop_runner.cli", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def ansible_playbook(
        self, playbook: str, *args: str, extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = dict(
            self.env,
            ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
            ANSIBLE_VAULT_PASSWORD_FILE=str(self.vault_pass),
        )
        env.update(extra_env or {})
        for k in ("SOP_INVENTORY", "SOP_VAULT_PASSWORD_FILE"):
            env.pop(k, None)  # plain ansible-playbook: only what an operator would have
        return subprocess.run(
            [str(VENV_BIN / "ansible-playbook"), "-i", str(self.inventory), str(REPO / playbook), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            cwd=str(self.root),
        )


def make_court(root: Path, *, ghost: bool, playbook: str = TEST_PLAYBOOK, reports: bool = False) -> Court:
    inv = root / "inventory"
    (inv / "group_vars" / "sipp_servers").mkdir(parents=True)
    hosts = [
        "all:",
        "  children:",
        "    sipp_servers:",
        "      hosts:",
        "        localhost:",
        "          ansible_connection: local",
        '          ansible_python_interpreter: "{{ ansible_playbook_python }}"',
    ]
    if ghost:
        hosts += ["        ghost:", "          ansible_host: 127.0.0.1", "          ansible_port: 9"]
    (inv / "hosts.yml").write_text("\n".join(hosts) + "\n")
    vault_pass = root / "vault-pass"
    vault_pass.write_text("correct horse battery staple\n")
    vault_file = inv / "group_vars" / "sipp_servers" / "vault.yml"
    vault_file.write_text(f'vault_test_secret: "{VAULT_SECRET}"\n')
    subprocess.run(
        [
            str(VENV_BIN / "ansible-vault"),
            "encrypt",
            "--vault-password-file",
            str(vault_pass),
            str(vault_file),
        ],
        check=True,
        capture_output=True,
        cwd=str(root),
        env={k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")},
    )
    override = ["activities:", "  - id: SIPP-1", f"    playbook: {playbook}"]
    for a in _DISABLE + (() if reports else _REPORTS):
        override += [f"  - id: {a}", "    enabled: false"]
    (inv / "sop_catalog.yml").write_text("\n".join(override) + "\n")
    records = root / "records" / "records.sqlite"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SOP_", "ANSIBLE_"))}
    env.update(
        {
            "SOP_INVENTORY": str(inv),
            "SOP_RECORDS": str(records),
            "SOP_VAULT_PASSWORD_FILE": str(vault_pass),
            "SOP_CONFIG": str(root / "sop-config.yml"),
            "SOP_OPERATOR": "tester",
            "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(root),
        }
    )
    (root / "sop-config.yml").write_text("{}\n")
    return Court(root, inv, records, vault_pass, env)


@pytest.fixture
def court(tmp_path: Path) -> Court:
    return make_court(tmp_path, ghost=True)


@pytest.fixture
def court_ok(tmp_path: Path) -> Court:
    return make_court(tmp_path, ghost=False)
