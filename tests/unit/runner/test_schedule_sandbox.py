"""The sop tick service is sandboxed: the role's template rendered by Ansible with the role's
defaults, then scored by `systemd-analyze security --offline` (no systemd needed). The molecule
scenario sop_schedule scores the installed unit on a running systemd and shows the timer still
starting the service inside the sandbox."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
ROLE = REPO / "roles" / "sop_schedule"
RENDER = """
- name: Render the sop tick service with the role's defaults
  hosts: localhost
  gather_facts: false
  vars_files:
    - {role}/defaults/main.yml
    - {role}/vars/main.yml
  tasks:
    - name: Render
      ansible.builtin.template:
        src: {role}/templates/sop-tick.service.j2
        dest: {out}/sop-tick.service
        mode: "0644"
"""


def _render(tmp_path: Path, *extra: str) -> str:
    play = tmp_path / "render.yml"
    play.write_text(RENDER.format(role=ROLE, out=tmp_path))
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path)}
    res = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(play),
         "-e", f"ansible_python_interpreter={sys.executable}",
         "-e", '{"sop_schedule_environment": {"SOP_RECORDS": "/var/lib/sop/records.sqlite", '
               '"SOP_PROJECT_DIR": "/opt/court"}}', *extra],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    return (tmp_path / "sop-tick.service").read_text()


def _exposure(unit: Path) -> float:
    res = subprocess.run(
        ["systemd-analyze", "security", "--offline=yes", "--no-pager", str(unit)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    m = re.search(r"Overall exposure level for \S+: ([0-9.]+)", res.stdout)
    assert m, res.stdout[-1000:] + res.stderr[-1000:]
    return float(m.group(1))


def test_the_service_sees_only_what_it_writes(tmp_path: Path) -> None:
    unit = _render(tmp_path)
    lines = set(unit.splitlines())
    for want in (
        "ProtectSystem=strict",
        "ReadWritePaths=-/var/lib/sop",
        "ReadWritePaths=-/opt/court/.cache",
        "ReadWritePaths=-%h/.ansible",
        "PrivateTmp=yes",
        "NoNewPrivileges=yes",
        "UMask=0077",
        "ProtectHome=read-only",
        "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK",
    ):
        assert want in lines, want


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze (systemd)")
def test_systemd_scores_the_sandbox_ok(tmp_path: Path) -> None:
    _render(tmp_path)
    score = _exposure(tmp_path / "sop-tick.service")
    assert score <= 4.0, score
    # and the score comes from the sandbox: without it the same unit is exposed
    bare = tmp_path / "bare"
    bare.mkdir()
    _render(bare, "-e", "sop_schedule_sandbox=false")
    assert _exposure(bare / "sop-tick.service") > 9.0
