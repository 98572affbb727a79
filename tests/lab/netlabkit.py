"""Helpers for the network/power lab tests: run a playbook and read the SOP outputs it hands to
the record (set_stats), switch fault knobs on the fake devices, run a local warning endpoint."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FAKEDEVICES = ROOT / "roles" / "lab_devices" / "files" / "court_fakedevices.py"
STATE_DIR = ROOT / ".lab" / "devices" / "state"
DEVICE_PORTS = {"gw": 6001, "sw1": 6002, "ap1": 6003}


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["CONTAINERS_CONF"] = str(ROOT / "lab" / "containers.conf")
    e["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    e["PATH"] = f"{ROOT / '.venv' / 'bin'}:{e.get('PATH', '')}"
    # JSON on stdout with the custom stats; the test runs do not write maintenance records
    e["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    e["ANSIBLE_SHOW_CUSTOM_STATS"] = "1"
    e["SOP_RECORDS_DISABLED"] = "1"
    return e


class Run:
    """Result of one ansible-playbook run: rc, per-host stats and sop_output, task results."""

    def __init__(self, proc: subprocess.CompletedProcess):
        self.rc = proc.returncode
        self.stderr = proc.stderr
        data, _ = json.JSONDecoder().raw_decode(proc.stdout[proc.stdout.index("{") :])
        self.data = data
        self.stats: dict[str, dict[str, int]] = data["stats"]
        self.outputs: dict[str, dict[str, Any]] = {
            host: stats.get("sop_output", {}) for host, stats in (data.get("custom_stats") or {}).items()
        }

    def output(self, host: str, activity: str) -> dict[str, Any]:
        assert host in self.outputs and activity in self.outputs[host], (
            f"no {activity} output for {host}: {json.dumps(self.outputs)[:2000]}"
        )
        return self.outputs[host][activity]

    def codes(self, host: str, activity: str) -> list[str]:
        return sorted(f["code"] for f in self.output(host, activity)["findings"])

    def failures(self) -> str:
        """Return the messages of failed tasks, for assertion messages."""
        out = []
        for play in self.data["plays"]:
            for task in play["tasks"]:
                for host, res in task["hosts"].items():
                    if res.get("failed") or res.get("unreachable"):
                        out.append(f"{host}: {task['task']['name']}: {res.get('msg')}")
        return "\n".join(out) or self.stderr[-2000:]

    def task_results(self, host: str, name_part: str) -> list[dict[str, Any]]:
        found = []
        for play in self.data["plays"]:
            for task in play["tasks"]:
                if name_part in task["task"]["name"] and host in task["hosts"]:
                    found.append(task["hosts"][host])
        return found


def playbook(path: str, *extra: str, timeout: int = 600) -> Run:
    proc = subprocess.run(
        ["ansible-playbook", path, *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env(),
        timeout=timeout,
    )
    assert "{" in proc.stdout, f"{path}: no JSON output (rc={proc.returncode}):\n{proc.stderr[-3000:]}"
    return Run(proc)


def fault(device: str, knob: str, *args: str) -> None:
    """Switch a fault knob on a running fake device (see court_fakedevices.py fault)."""
    subprocess.run(
        [sys.executable, str(FAKEDEVICES), "fault", "--state-dir", str(STATE_DIR), device, knob, *args],
        check=True,
        capture_output=True,
        text=True,
    )


def reset_devices() -> None:
    for device in DEVICE_PORTS:
        fault(device, "reset")


class Receiver:
    """A local HTTP endpoint (127.0.0.1, free port) that records the JSON bodies posted to it."""

    def __init__(self) -> None:
        received: list[dict[str, Any]] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append({"path": self.path, "body": json.loads(body or b"{}")})
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.received = received
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "warn") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
