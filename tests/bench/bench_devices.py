"""Benchmark: C.2 on 50 fake network devices vs 1 device (goal: at most 3x the one-device time).

Starts its own fakenos daemon (roles/lab_devices/files/court_fakedevices.py) with 50 devices on
127.0.0.1 ports 16101-16150 (RouterOS 7 routers, IOS switches and RouterOS 6 cAPs in turn),
writes a throw-away inventory for them and times side by side:

- ``playbooks/network_health.yml`` on 1 device and on all 50 (forks = 50): what an operator runs;
- the collection engine alone (module_utils/court_net, one thread per device): 1 vs 50;
- Ansible's own floor on the same inventory: a playbook with as many trivial tasks per host as
  the role runs (argument check, device read and configuration store in the worker, set_stats)
  and no device I/O, 1 vs 50: what Ansible's per-host, per-task cost adds on this machine.

court_net_facts and court_net_config run as action plugins in Ansible's worker on the control
node (plugins/action/): as modules, each of them started a Python process per device, and on a
2-core machine 100 such starts, not the devices, decided the playbook ratio (5-12x).

Run: ``python tests/bench/bench_devices.py [--devices 50]`` (prints RESULT lines; exits 1 if the
playbook ratio is over the goal). Only loopback is used.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FAKEDEVICES = ROOT / "roles" / "lab_devices" / "files" / "court_fakedevices.py"
BASE_PORT = 16101
KINDS = [("routeros7", "mikrotik_routeros"), ("ios", "cisco_ios"), ("routeros6", "mikrotik_routeros")]
GOAL = 3.0


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    e["PATH"] = f"{ROOT / '.venv' / 'bin'}:{e.get('PATH', '')}"
    e["SOP_RECORDS_DISABLED"] = "1"
    return e


def start_devices(work: Path, count: int, password: str) -> None:
    devices = [
        {
            "name": f"bench{i:02d}",
            "kind": KINDS[i % len(KINDS)][0],
            "port": BASE_PORT + i,
            "username": "admin",
            "password": password,
        }
        for i in range(count)
    ]
    (work / "devices.json").write_text(json.dumps({"address": "127.0.0.1", "devices": devices}))
    subprocess.run(
        [sys.executable, str(FAKEDEVICES), "serve", "--daemon", "--config", str(work / "devices.json"),
         "--state-dir", str(work / "state"), "--pidfile", str(work / "pid"), "--log", str(work / "log")],
        check=True,
    )  # fmt: skip
    for i in range(count):
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", BASE_PORT + i), timeout=1).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)


def stop_devices(work: Path) -> None:
    subprocess.run([sys.executable, str(FAKEDEVICES), "stop", "--pidfile", str(work / "pid")], check=False)


def write_inventory(work: Path, count: int, password: str) -> Path:
    hosts = {}
    for i in range(count):
        hosts[f"bench{i:02d}"] = {
            "ansible_port": BASE_PORT + i,
            "network_health_platform": KINDS[i % len(KINDS)][1],
        }
    inventory = {
        "all": {
            "children": {
                "network_devices": {
                    "hosts": hosts,
                    "vars": {
                        "ansible_host": "127.0.0.1",
                        "ansible_connection": "local",
                        "ansible_python_interpreter": sys.executable,
                        "network_health_password": password,
                        "network_health_timeout": 120,
                        "network_health_data_dir": str(work / "data"),
                    },
                }
            }
        }
    }
    path = work / "inventory.json"
    path.write_text(json.dumps(inventory))
    return path


def time_playbook(inventory: Path, limit: str, forks: int) -> float:
    started = time.monotonic()
    proc = subprocess.run(
        ["ansible-playbook", "-i", str(inventory), "--limit", limit, "-f", str(forks),
         str(ROOT / "playbooks" / "network_health.yml")],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    if proc.returncode != 0:
        raise SystemExit(f"network_health.yml failed on {limit}:\n{proc.stdout[-3000:]}")
    return elapsed


FLOOR_PLAYBOOK = """\
- name: Ansible floor (no device I/O)
  hosts: network_devices
  gather_facts: false
  tasks:
    - name: Stand-in for the argument check
      ansible.builtin.debug: {msg: x}
    - name: Stand-in for the device read (action plugin in the worker)
      ansible.builtin.debug: {msg: x}
    - name: Stand-in for the configuration store (action plugin in the worker)
      ansible.builtin.debug: {msg: x}
    - name: Hand a result over
      ansible.builtin.set_stats:
        per_host: true
        data: {x: 1}
"""


def time_floor(work: Path, inventory: Path, limit: str, forks: int) -> float:
    playbook = work / "floor.yml"
    playbook.write_text(FLOOR_PLAYBOOK)
    started = time.monotonic()
    subprocess.run(
        ["ansible-playbook", "-i", str(inventory), "--limit", limit, "-f", str(forks), str(playbook)],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=1800, check=True,
    )  # fmt: skip
    return time.monotonic() - started


def time_engine(count: int, password: str) -> float:
    import ansible.module_utils

    ansible.module_utils.__path__.append(str(ROOT / "module_utils"))
    from ansible.module_utils.court_net.collect import collect

    def one(i: int) -> None:
        params = {"host": "127.0.0.1", "port": BASE_PORT + i, "platform": KINDS[i % len(KINDS)][1]}
        params.update(username="admin", password=password, timeout=120, backup=True, mask_secrets=True)
        collect(params)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=count) as pool:
        list(pool.map(one, range(count)))
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    args = parser.parse_args()
    count = args.devices
    password = secrets.token_urlsafe(12)
    with tempfile.TemporaryDirectory(prefix="bench-devices-") as tmp:
        work = Path(tmp)
        start_devices(work, count, password)
        try:
            inventory = write_inventory(work, count, password)
            time_playbook(inventory, "bench00", 1)  # warm caches (imports, templates)
            one_pb = time_playbook(inventory, "bench00", 1)
            all_pb = time_playbook(inventory, "network_devices", count)
            one_floor = time_floor(work, inventory, "bench00", 1)
            all_floor = time_floor(work, inventory, "network_devices", count)
            one_engine = time_engine(1, password)
            all_engine = time_engine(count, password)
        finally:
            stop_devices(work)
    pb_ratio = all_pb / one_pb
    engine_ratio = all_engine / one_engine
    floor_ratio = all_floor / one_floor
    print(
        f"playbook network_health.yml: 1 device {one_pb:.1f} s, "
        f"{count} devices {all_pb:.1f} s (forks {count})"
    )
    print(f"collection engine (threads):  1 device {one_engine:.1f} s, {count} devices {all_engine:.1f} s")
    print(
        f"RESULT | C.2 playbook, {count} devices vs 1 | {pb_ratio:.2f}x "
        f"({all_pb:.1f} s vs {one_pb:.1f} s) | <= {GOAL}x"
    )
    print(
        f"RESULT | C.2 collection engine, {count} devices vs 1 | {engine_ratio:.2f}x "
        f"({all_engine:.1f} s vs {one_engine:.1f} s) | <= {GOAL}x"
    )
    print(
        f"RESULT | Ansible floor (same tasks, no device I/O), {count} hosts vs 1 | {floor_ratio:.2f}x "
        f"({all_floor:.1f} s vs {one_floor:.1f} s) | (context)"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if pb_ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
