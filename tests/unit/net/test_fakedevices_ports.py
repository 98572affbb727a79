"""The lab's fake device daemon refuses ports another process holds (fakenos binds with
SO_REUSEPORT, which would otherwise let two daemons share a port and split its connections)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FAKEDEVICES = ROOT / "roles" / "lab_devices" / "files" / "court_fakedevices.py"


def test_second_daemon_on_a_held_port_fails_with_one_clear_line(tmp_path: Path) -> None:
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    port = holder.getsockname()[1]
    config = {
        "address": "127.0.0.1",
        "devices": [{"name": "gw", "kind": "routeros7", "port": port, "username": "admin", "password": "x"}],
    }
    (tmp_path / "devices.json").write_text(json.dumps(config))
    try:
        proc = subprocess.run(
            [sys.executable, str(FAKEDEVICES), "serve", "--daemon",
             "--config", str(tmp_path / "devices.json"), "--state-dir", str(tmp_path / "state"),
             "--pidfile", str(tmp_path / "pid"),
             "--log", str(tmp_path / "log")],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    finally:
        holder.close()
    assert proc.returncode == 1
    assert f"127.0.0.1:{port} is already in use by another process" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "pid").exists()
