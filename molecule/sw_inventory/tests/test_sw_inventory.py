"""Verify the C.4 inventory on mol-sw_inventory: snapshot per month and the diff vs last month."""

import json
import os
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import testinfra

CONTAINER = "mol-sw_inventory"
SCENARIO = Path(__file__).resolve().parents[1]
STORE = "/var/lib/court-sop/inventory"


@pytest.fixture(scope="module")
def ct():
    return testinfra.get_host(f"podman://{CONTAINER}")


def run_role(tmp_path: Path) -> tuple[dict, str]:
    result = tmp_path / "inv.json"
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", COURT_TEST_RESULT=str(result))
    cmd = [
        "ansible-playbook",
        "-i",
        os.environ["MOLECULE_INVENTORY_FILE"],
        str(SCENARIO / "inventory_run.yml"),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    return json.loads(result.read_text()), res.stdout


def this_month() -> str:
    return datetime.now(UTC).strftime("%Y-%m")


def test_snapshot_of_this_month(ct):
    snap = json.loads(ct.file(f"{STORE}/{this_month()}.json").content_string)
    assert snap["os"].startswith("Debian GNU/Linux 12")
    assert snap["kernel"] == ct.check_output("uname -r")
    assert snap["memory_mb"] > 0 and snap["cpu_threads"] > 0
    dpkg = ct.check_output("dpkg-query -W -f='${Version}' openssh-server")
    assert snap["packages"]["openssh-server"] == dpkg
    assert "apache2" in snap["packages"] and "mariadb-server" in snap["packages"]
    assert ct.file(f"{STORE}/{this_month()}.json").mode == 0o640


def test_diff_against_previous_month(ct, tmp_path):
    snap = json.loads(ct.file(f"{STORE}/{this_month()}.json").content_string)
    prev = json.loads(json.dumps(snap))
    # last month: an older openssl, a package since removed, no restic yet, less RAM, another kernel
    prev["packages"]["openssl"] = "3.0.0-1~deb12u0"
    prev["packages"]["telnetd"] = "0.17+2.4-2"
    del prev["packages"]["restic"]
    prev["memory_mb"] = snap["memory_mb"] - 1024
    prev["kernel"] = "6.1.0-1-amd64"
    ct.run_expect([0], f"cat > {STORE}/2000-01.json <<'X'\n{json.dumps(prev)}\nX")
    try:
        result, out = run_role(tmp_path)
    finally:
        ct.run(f"rm -f {STORE}/2000-01.json")
    d = result["diff"]
    assert result["previous_month"] == "2000-01"
    assert d["baseline"] is False
    assert d["packages_changed"] == [f"openssl 3.0.0-1~deb12u0 -> {snap['packages']['openssl']}"]
    assert d["packages_removed"] == ["telnetd 0.17+2.4-2"]
    assert d["packages_added"] == [f"restic {snap['packages']['restic']}"]
    assert d["hardware_changed"] == [f"memory_mb: {prev['memory_mb']} -> {snap['memory_mb']}"]
    assert d["os_changed"] == [f"kernel: 6.1.0-1-amd64 -> {snap['kernel']}"]
    assert sorted(f["code"] for f in result["findings"]) == ["hardware_changed", "software_changed"]
    assert re.search(r"mol-sw_inventory\s*:\s*ok=\d+\s+changed=0", out), (
        "same month, same host: nothing rewritten"
    )


def test_first_inventory_is_a_baseline(ct, tmp_path):
    result, _ = run_role(tmp_path)
    assert result["previous_month"] is None
    assert result["diff"]["baseline"] is True
    assert result["findings"] == []
    assert "inventaris pertama" in result["summary"]
