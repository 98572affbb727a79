"""sop_runner against the running court lab (real SSH into courtlab-sipp): sop run vs plain
ansible-playbook record parity, a partial run, vault secrets never kept, kill -9, two ticks."""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from sop_runner.catalog import load_catalog
from sop_runner.records import RecordStore

pytestmark = pytest.mark.lab

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
REAL_SIPP1 = "playbooks/sipp_check.yml"
TEST_SIPP1 = "tests/unit/runner/playbooks/sipp_like.yml"


@dataclass
class LabCourt:
    inventory: Path
    records: Path
    playbook: str
    env: dict[str, str]

    def sop(self, *args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "sop"), *args],
            env={**self.env, **(extra or {})},
            capture_output=True,
            text=True,
            timeout=900,
        )

    def popen(self, *args: str, extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [str(BIN / "sop"), *args],
            env={**self.env, **(extra or {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def ansible_playbook(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in self.env.items() if k not in ("SOP_INVENTORY",)}
        return subprocess.run(
            [str(BIN / "ansible-playbook"), "-i", str(self.inventory), str(ROOT / self.playbook), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
            cwd=str(ROOT),
        )

    def records_list(self) -> list[dict]:
        with RecordStore(self.records, readonly=True) as store:
            return [r.to_dict() for r in store.list_records()]


def _lab_court(
    tmp_path: Path, *, ghost: bool = False, secret_probe: bool = False, playbook: str | None = None
) -> LabCourt:
    """A copy of the lab inventory (paths made absolute), optionally with an unreachable extra
    SIPP server, a catalog override leaving only SIPP-1 enabled, and a fresh record store."""
    inv = tmp_path / "inventory"
    shutil.copytree(ROOT / "inventory" / "lab", inv)
    for f in inv.rglob("*.yml"):
        text = f.read_text()
        new = text.replace("{{ inventory_dir }}/../..", str(ROOT)).replace(
            "inventory_dir ~ '/../..", f"'{ROOT}"
        )
        if new != text:
            f.write_text(new)
    hosts = yaml.safe_load((inv / "hosts.yml").read_text())
    if ghost:
        hosts["all"]["children"]["sipp_servers"]["hosts"]["ghost"] = {
            "ansible_host": "127.0.0.1",
            "ansible_port": 1,
        }
        (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    # the real SIPP-1 playbook when it exists; the quick stand-in where the activity does not matter
    playbook = playbook or (REAL_SIPP1 if (ROOT / REAL_SIPP1).is_file() else TEST_SIPP1)
    if secret_probe or playbook == TEST_SIPP1:
        # the test playbook handles a real lab vault value (no_log + in its output)
        (inv / "group_vars" / "sipp_servers" / "zz_runner_test.yml").write_text(
            'vault_test_secret: "{{ vault_lab_sipp_db_monitor_password }}"\n'
        )
    override = {"activities": [{"id": "SIPP-1", "playbook": playbook}]}
    override["activities"] += [
        {"id": a, "enabled": False} for a in load_catalog().activities if a != "SIPP-1"
    ]
    (inv / "sop_catalog.yml").write_text(yaml.safe_dump(override))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOP_")}
    env.update(
        {
            "CONTAINERS_CONF": str(ROOT / "lab" / "containers.conf"),
            "ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"),
            "PATH": f"{BIN}:{env.get('PATH', '')}",
            "SOP_INVENTORY": str(inv),
            "SOP_RECORDS": str(tmp_path / "records" / "records.sqlite"),
            "SOP_CONFIG": str(tmp_path / "sop.yml"),
            "SOP_OPERATOR": "lab-tester",
        }
    )
    (tmp_path / "sop.yml").write_text("{}\n")
    return LabCourt(inv, tmp_path / "records" / "records.sqlite", playbook, env)


def _lab_vault_values() -> list[str]:
    values = []
    for f in (ROOT / "inventory" / "lab").rglob("vault.yml"):
        out = subprocess.run(
            [
                str(BIN / "ansible-vault"),
                "view",
                "--vault-password-file",
                str(ROOT / "lab" / "vault-password"),
                str(f),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=str(ROOT),
        ).stdout
        data = yaml.safe_load(out) or {}
        values += [str(v) for v in data.values() if v is not None and len(str(v)) >= 4]
    assert values, "the lab has vault values"
    return values


def _kept_bytes(records: Path) -> bytes:
    out = b""
    for p in records.parent.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            out += data
            if data[:2] == b"\x1f\x8b":
                out += gzip.decompress(data)
                try:
                    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                        for m in tar.getmembers():
                            fh = tar.extractfile(m)
                            out += fh.read() if fh else b""
                except tarfile.TarError:
                    pass
    return out


def test_sop_run_sipp1_and_plain_ansible_playbook_leave_the_same_record(tmp_path: Path) -> None:
    """Same record shape both ways, and no lab vault value in the records or kept artifacts."""
    court = _lab_court(tmp_path, secret_probe=True)
    res = court.sop("run", "SIPP-1", "--json")
    assert res.returncode in (0, 1), res.stderr
    plain = court.ansible_playbook()
    assert "SOP record: SIPP-1" in plain.stdout, plain.stdout[-3000:] + plain.stderr[-2000:]
    a, b = court.records_list()
    assert (a["via"], b["via"]) == ("sop-run", "ansible-playbook")
    assert set(a) == set(b)
    for key in ("activity_id", "scope", "standard_s", "playbook", "inventory", "check_mode"):
        assert a[key] == b[key], key
    for rec in (a, b):
        assert rec["activity_id"] == "SIPP-1"
        assert rec["hosts"]["sipp"]["status"] == "ok"
        assert rec["output"]["sipp"]["summary"].startswith("Akses SIPP tersedia")
        assert len(rec["artifacts"]["sha256"]) == 64
        assert rec["duration_s"] is not None and rec["verdict"] in ("memenuhi", "tidak memenuhi")
    assert set(a["output"]["sipp"]) == set(b["output"]["sipp"])
    assert court.sop("records", "verify").returncode == 0
    kept = _kept_bytes(court.records)
    for value in _lab_vault_values():
        assert value.encode() not in kept, "a lab vault value was kept"


def test_unreachable_sipp_server_gives_a_partial_record_naming_it(tmp_path: Path) -> None:
    court = _lab_court(tmp_path, ghost=True, playbook=TEST_SIPP1)
    res = court.sop("run", "SIPP-1")
    assert res.returncode == 1, res.stderr
    (rec,) = court.records_list()
    assert rec["status"] == "partial"
    assert rec["hosts"]["ghost"]["status"] == "unreachable" and rec["hosts"]["sipp"]["status"] == "ok"
    assert "unreachable: ghost" in rec["note"]


def wait_run_gone(records: Path, timeout: float = 60.0) -> None:
    """Wait until every process of the killed run has exited (its liveness lock is free)."""
    import fcntl

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        locks = list((records.parent / "runs").glob("*.lock"))
        busy = False
        for lock in locks:
            fd = os.open(lock, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                busy = True
            finally:
                os.close(fd)
        if not busy:
            return
        time.sleep(0.2)
    raise AssertionError("the killed run's ansible-playbook kept running")


def test_kill_9_of_sop_run_against_the_lab(tmp_path: Path) -> None:
    # the slow step of the stand-in playbook makes the kill land mid-run
    court = _lab_court(tmp_path, playbook=TEST_SIPP1)
    proc = court.popen("run", "SIPP-1", extra={"TEST_SLEEP": "40"})
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        events = list((court.records.parent / "work").glob("*/artifacts/*/job_events/*.json"))
        if any("Wait (test hook)" in e.read_text() for e in events):
            break
        time.sleep(0.3)
    else:
        raise AssertionError("the run never reached its slow task")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    # ansible-playbook runs on ansible-runner's pty: it gets SIGHUP when the runner dies
    wait_run_gone(court.records)
    db = sqlite3.connect(court.records)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT state FROM runs").fetchone()[0] == "running"
    db.close()
    res = court.sop("run", "SIPP-1")
    assert res.returncode == 0, res.stdout + res.stderr
    statuses = [(r["activity_id"], r["status"]) for r in court.records_list()]
    assert statuses == [("SIPP-1", "interrupted"), ("SIPP-1", "successful")]
    assert court.sop("records", "verify").returncode == 0


def test_two_ticks_at_once_run_sipp1_exactly_once(tmp_path: Path, same_hour_slot: None) -> None:
    court = _lab_court(tmp_path, playbook=TEST_SIPP1)
    ticks = [court.popen("tick", "--json") for _ in range(2)]
    outs = [t.communicate(timeout=900) for t in ticks]
    assert all(t.returncode in (0, 1) for t in ticks), outs
    reports = [json.loads(o[0]) for o in outs]
    ran = [r for rep in reports for r in rep if "run_id" in r]
    assert len(ran) == 1 and ran[0]["activities"] == ["SIPP-1"], reports
    assert [r["activity_id"] for r in court.records_list()] == ["SIPP-1"]
    due = json.loads(court.sop("due", "--json").stdout)
    assert not [i for i in due["items"] if i["activity_id"] == "SIPP-1" and i["scope"] == "sipp_servers"]
    assert re.fullmatch(r"[0-9a-f-]{36}", ran[0]["run_id"])
    assert sys.executable


LEAKY = "tests/unit/runner/playbooks/leaky.yml"
TRICKY_SECRETS = [
    'Db"pass\\word-lab-2026',
    "it's-o'clock-lab-secret",
    "tab\tseparated\tlab-secret",
    "Kata-sandi-lab-ñé€中😀",
    "\\u00e9-literal-json-escape-\\n-lab",
    "first-line-lab-key\nsecond-line-lab-key\nthird-line-lab-key",
    "L" * 2000 + '"\\\n\t' + "M" * 2000,
    "ab1",
    'x"y',
]


def _printed(piece: str) -> set[str]:
    """How a value reads once printed (JSON, repr, escapes, HTML; JSON inside JSON), computed here
    independently of sop_runner.scrub."""
    import html

    once = {
        piece,
        json.dumps(piece)[1:-1],
        json.dumps(piece, ensure_ascii=False)[1:-1],
        repr(piece)[1:-1],
        piece.encode("unicode_escape").decode(),
        html.escape(piece),
    }
    twice = {json.dumps(f)[1:-1] for f in once} | {json.dumps(f, ensure_ascii=False)[1:-1] for f in once}
    return {f for f in once | twice if len(f) >= 8}


def _printed_short(piece: str) -> set[str]:
    """How a very short value reads once printed (as it is, JSON, repr)."""
    return {piece, json.dumps(piece)[1:-1], repr(piece)[1:-1]}


def test_tricky_vault_secrets_are_kept_nowhere_after_good_and_failed_lab_runs(tmp_path: Path) -> None:
    """Vault values with quotes, backslashes, newlines, tabs, non-ASCII, JSON escapes, very long
    and very short, printed over real SSH on courtlab-sipp by a good and a failed run (sop run and
    plain ansible-playbook): none is readable in the records, blobs or kept artifacts, nor in the
    monthly report or the notifications built from them."""
    from sop_runner.notify import EVENTS, messages_for_records

    court = _lab_court(tmp_path, playbook=LEAKY)
    vault = court.inventory / "group_vars" / "sipp_servers" / "zz_tricky_vault.yml"
    vault.write_text(
        yaml.safe_dump({"vault_test_secrets": TRICKY_SECRETS}, allow_unicode=True, width=1 << 20)
    )
    subprocess.run(
        [str(BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(ROOT / "lab" / "vault-password"),
         "--encrypt-vault-id", "default", str(vault)],
        check=True, capture_output=True, cwd=str(ROOT), env=court.env,
    )  # fmt: skip
    assert court.sop("run", "SIPP-1").returncode == 0
    assert court.sop("run", "SIPP-1", extra={"TEST_FAIL": "1"}).returncode != 0
    plain = subprocess.run(
        [str(BIN / "ansible-playbook"), "-i", str(court.inventory), str(ROOT / LEAKY)],
        env={**court.env, "TEST_FAIL": "1"}, capture_output=True, text=True, timeout=900, cwd=str(ROOT),
    )  # fmt: skip
    assert "SOP record: SIPP-1 failed" in plain.stdout, plain.stdout[-2000:] + plain.stderr[-2000:]
    month = time.strftime("%Y-%m", time.gmtime())
    assert court.sop("report", "monthly", month).returncode == 0
    with RecordStore(court.records, readonly=True) as store:
        records = store.list_records()
    assert [r.status for r in records] == ["successful", "failed", "failed"]
    assert all(any(f["code"] == "vault_value_too_short" for f in r.findings) for r in records)
    kept = _kept_bytes(court.records).decode("utf-8", "replace")
    pdfs = [p for p in court.records.parent.rglob("*.pdf")]
    assert pdfs
    kept += "".join(
        subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True).stdout for p in pdfs
    )
    kept += json.dumps([r.to_dict() for r in records], ensure_ascii=False)
    kept += "".join(f"{m.title}\n{m.body}\n" for m in messages_for_records(records, EVENTS))
    for secret in TRICKY_SECRETS:
        pieces = {p.strip() for p in {secret, *secret.splitlines()} if len(p.strip()) >= 8}
        for piece in pieces:
            leaked = [f for f in _printed(piece) if f in kept]
            assert not leaked, f"{secret[:30]!r} readable in what is kept: {leaked[0][:60]!r}"
        if len(secret.strip()) < 8:  # a very short one: masked wherever it stands alone
            alone = [f for f in _printed_short(secret) if re.search(rf"(?<!\w){re.escape(f)}(?!\w)", kept)]
            assert not alone, f"short secret readable on its own in what is kept: {alone}"
    # what the lab run kept is private: folders 0700, files 0600 or narrower (blobs 0400)
    root = court.records.parent
    wide = [
        f"{p} {p.stat().st_mode & 0o777:o}"
        for p in [root, *root.rglob("*")]
        if p.stat().st_mode & 0o077 or (p.is_dir() and p.stat().st_mode & 0o777 != 0o700)
    ]
    assert wide == []
