"""court_net_facts / court_net_config as action plugins: the same validation, failures and
no_log scrubbing as the modules, run through a real ansible-playbook on the control node."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from pathlib import Path

from ansible.module_utils.court_net.tasks import FACTS_ARGUMENT_SPEC, TaskFailed, run_in_worker

ROOT = Path(__file__).resolve().parents[3]


def test_worker_run_removes_no_log_values_like_ansible_module():
    args = dict(device="gw", host="127.0.0.1", platform="cisco_ios", username="admin", password="S3cret-pw")

    def leaky(p, check_mode, diff):
        return dict(changed=False, config=f"username admin secret {p['password']}\n")

    result = run_in_worker(FACTS_ARGUMENT_SPEC, leaky, args, check_mode=False, diff=False)
    assert "S3cret-pw" not in json.dumps(result)
    assert "********" in result["config"]


def test_worker_run_reports_bad_arguments_and_task_failures():
    args = dict(device="gw", host="h", platform="junos", username="u")
    bad = run_in_worker(FACTS_ARGUMENT_SPEC, None, args, check_mode=False, diff=False)
    assert bad["failed"] and "platform" in bad["msg"] and "junos" in bad["msg"]

    def failing(p, check_mode, diff):
        raise TaskFailed("gw: boom", error_kind="timeout")

    args = dict(device="gw", host="h", platform="cisco_ios", username="u", password="p")
    failed = run_in_worker(FACTS_ARGUMENT_SPEC, failing, args, check_mode=False, diff=False)
    assert failed == dict(failed=True, changed=False, msg="gw: boom", error_kind="timeout")


def _playbook(tmp_path: Path, tasks: str, *extra: str) -> dict:
    (tmp_path / "play.yml").write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n" + tasks)
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), SOP_RECORDS_DISABLED="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json")  # fmt: skip
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}:{env['PATH']}"
    proc = subprocess.run(
        ["ansible-playbook", "-i", "localhost,", "-c", "local", str(tmp_path / "play.yml"), *extra],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    data = json.loads(proc.stdout[proc.stdout.index("{") :])
    return {t["task"]["name"]: t["hosts"]["localhost"] for t in data["plays"][0]["tasks"]}


def test_config_store_through_ansible_check_mode_then_real(tmp_path):
    tasks = f"""
    - name: store
      court_net_config: {{device: gw, config: "a\\nb\\n", backup_dir: "{tmp_path}/cfg"}}
    - name: again
      court_net_config: {{device: gw, config: "a\\nb\\n", backup_dir: "{tmp_path}/cfg"}}
"""
    checked = _playbook(tmp_path, tasks, "--check")
    assert checked["store"]["changed"] and not (tmp_path / "cfg").exists()
    done = _playbook(tmp_path, tasks)
    assert done["store"]["changed"] and done["store"]["first_backup"]
    assert not done["again"]["changed"]
    assert "invocation" not in done["store"]  # ran as the action plugin, not as a module process
    assert (tmp_path / "cfg" / "gw" / "config.txt").read_text() == "a\nb\n"


def test_closed_port_fails_with_one_line_naming_the_device(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the test connects
    tasks = f"""
    - name: read
      court_net_facts: {{device: sw9, host: 127.0.0.1, port: {port}, platform: cisco_ios, username: admin,
                        password: Pw-not-in-output, timeout: 3}}
      ignore_errors: true
"""
    result = _playbook(tmp_path, tasks)["read"]
    assert result["failed"] and result["msg"].startswith("sw9: ")
    assert "\n" not in result["msg"] and result["error_kind"]
    assert "Pw-not-in-output" not in json.dumps(result)
