"""The court's evidence against the real central witness: the lab container courtlab-central
(roles/central_witness: the service over HTTPS on 127.0.0.1:8444, Debian's PostgreSQL inside),
reached by the `sop` command as a court would, trusting the witness CA from .lab/central/.

Every test is its own court (a record store and key in a temporary folder, registered through
the witness's admin command with its own token), so the tests neither disturb each other nor the
lab's own store (pn-lab)."""

from __future__ import annotations

import json
import secrets
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest
from labkit import ROOT, env, podman_exec

sys.path.insert(0, str(ROOT / "tests" / "unit"))
from witness.insider import add_records, delete_newest, rewrite_record  # noqa: E402

from sop_runner.evidence.keys import init_key  # noqa: E402
from sop_runner.records import RecordStore  # noqa: E402

pytestmark = pytest.mark.lab

CENTRAL = "courtlab-central"
URL = "https://127.0.0.1:8444"
STATE = ROOT / ".lab" / "central"
SOP = str(ROOT / ".venv" / "bin" / "sop")
LOG_TABLES = ("leaves", "checkpoints", "refused", "findings")


def admin(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """python -m central in the container, as the schema owner (the role's admin command)."""
    return podman_exec(CENTRAL, "/usr/local/sbin/sop-central-admin", *args, stdin=stdin)


def psql(query: str, *, role: str = "sop_witness") -> subprocess.CompletedProcess:
    """Run SQL in the witness database as ``role``: the service role logs in itself (peer
    authentication, as the service does); the schema owner is assumed by the postgres account."""
    if role == "sop_witness":
        argv = ["runuser", "-u", "sop_witness", "--", "psql", "-X", "-A", "-t", "-d", "witness", "-c", query]
    else:
        argv = ["runuser", "-u", "postgres", "--", "psql", "-X", "-A", "-t", "-d", "witness", "-c", query]
        argv[-1] = f"SET ROLE {role}; {query}"
    return podman_exec(CENTRAL, *argv, check=False)


def rows(query: str) -> list[str]:
    proc = psql(query, role="sop_witness_owner")
    assert proc.returncode == 0, proc.stderr
    return [line for line in proc.stdout.splitlines() if line and line != "SET"]


class LabCourt:
    """One court with its own store, key and token, registered at the lab's witness."""

    def __init__(self, tmp: Path, label: str, token: str | None = None) -> None:
        self.id = f"lab-{label}-{uuid.uuid4().hex[:8]}"
        self.dir = tmp / self.id
        self.path = self.dir / "records.sqlite"
        with RecordStore(self.path) as store:
            change = init_key(
                store, self.dir / "keys", name=f"{self.id}.courtlab.test/sop", operator="lab-test"
            )
        self.token = secrets.token_urlsafe(32)
        out = admin(
            "add-court",
            "--court",
            self.id,
            "--vkey",
            change.signer.verifier.vkey,
            "--token-stdin",
            stdin=self.token,
        )
        assert out.stdout.strip() == f"{self.id}: registered", out.stdout + out.stderr
        (self.dir / "token").write_text((token or self.token) + "\n")
        (self.dir / "token").chmod(0o600)
        (self.dir / "sop.yml").write_text("{}\n")

    def env(self) -> dict[str, str]:
        e = {k: v for k, v in env().items() if not k.startswith("SOP_")}
        e.update(
            SOP_CONFIG=str(self.dir / "sop.yml"),
            SOP_RECORDS=str(self.path),
            SOP_WITNESS_URL=URL,
            SOP_WITNESS_TOKEN_FILE=str(self.dir / "token"),
            SOP_WITNESS_KEY=str(STATE / "witness.vkey"),
            SOP_WITNESS_CA=str(STATE / "ca.pem"),
        )
        return e

    def sop(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [SOP, *args], capture_output=True, text=True, env=self.env(), timeout=300, check=False
        )

    def sop_popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [SOP, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=self.env()
        )

    def add(self, n: int) -> None:
        with RecordStore(self.path) as store:
            add_records(store, n)

    def witnessed_copy(self, dest: Path) -> Path:
        """What an auditor (or the monthly report) kept: the last cosigned checkpoint."""
        dest.write_text((self.dir / "evidence" / "witnessed.checkpoint").read_text())
        return dest

    def leaves(self) -> list[str]:
        return rows(f"SELECT seq FROM leaves WHERE court_id = '{self.id}' ORDER BY seq")

    def findings(self) -> list[str]:
        return rows(f"SELECT severity || ' ' || code FROM findings WHERE court_id = '{self.id}' ORDER BY id")


def _get(path: str, token: str) -> tuple[int, Any]:
    req = urllib.request.Request(URL + path, headers={"Authorization": f"Bearer {token}"})
    ctx = ssl.create_default_context(cafile=str(STATE / "ca.pem"))
    try:
        with urllib.request.urlopen(req, timeout=30, context=ctx) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
    except (urllib.error.URLError, OSError):
        return 0, None  # not answering (yet)


def test_an_insider_rewrite_is_refused_as_a_fork_and_verify_names_the_record(tmp_path: Path) -> None:
    court = LabCourt(tmp_path, "rewrite")
    court.add(6)
    res = court.sop("records", "push")
    assert res.returncode == 0 and "witnessed up to record #7" in res.stdout, res.stdout + res.stderr
    witnessed = court.witnessed_copy(tmp_path / "auditor.checkpoint")
    rewrite_record(court.path, 4)  # the failed SIPP-2 backup becomes a success, the chain recomputed
    assert court.sop("records", "verify").returncode == 0  # the chain alone cannot tell
    court.add(1)
    res = court.sop("records", "push")  # signs the rewritten history with the court key
    assert res.returncode == 1 and "PUSH INCOMPLETE" in res.stdout and "(fork)" in res.stdout, res.stdout
    assert court.findings() == ["high fork"]
    assert rows(f"SELECT count(*) FROM refused WHERE court_id = '{court.id}'") == ["1"]
    assert court.leaves() == [str(i) for i in range(1, 8)]  # the witness kept the original hashes
    res = court.sop("records", "verify", "--checkpoint", str(witnessed))
    assert res.returncode == 1 and res.stdout.startswith("BROKEN: record #4 (SIPP-2"), res.stdout + res.stderr


def test_deleting_the_newest_records_after_a_witnessed_checkpoint_is_detected(tmp_path: Path) -> None:
    court = LabCourt(tmp_path, "delete")
    court.add(6)
    assert court.sop("records", "push").returncode == 0
    witnessed = court.witnessed_copy(tmp_path / "auditor.checkpoint")
    delete_newest(court.path, 5)  # records #6 and #7 go
    court.add(1)  # and a new #6 takes their place
    res = court.sop("records", "push")
    assert res.returncode == 1 and "(fork)" in res.stdout, res.stdout + res.stderr
    assert court.findings() == ["high fork"]
    res = court.sop("records", "verify", "--checkpoint", str(witnessed))
    assert res.returncode == 1 and res.stdout.startswith("BROKEN: record #6"), res.stdout + res.stderr


def test_the_central_stopped_in_the_middle_of_a_push_loses_nothing_and_stores_nothing_twice(
    tmp_path: Path,
) -> None:
    court = LabCourt(tmp_path, "cut")
    court.add(149)  # 150 records, one per request: the push takes a while
    push = court.sop_popen("records", "push", "--batch", "1", "--attempts", "2")
    try:
        deadline = time.monotonic() + 120
        while len(court.leaves()) < 5:
            assert push.poll() is None, "the push ended before the witness could be stopped"
            assert time.monotonic() < deadline, "the witness stored nothing"
            time.sleep(0.2)
        podman_exec(CENTRAL, "systemctl", "stop", "sop-central")
        stdout, _ = push.communicate(timeout=120)
    finally:
        if push.poll() is None:
            push.kill()
        podman_exec(CENTRAL, "systemctl", "start", "sop-central")
    assert push.returncode == 1 and "PUSH INCOMPLETE: witnessed up to record #" in stdout, stdout
    assert "nothing is lost" in stdout
    got = int(stdout.split("witnessed up to record #")[1].split()[0])
    stored = len(court.leaves())
    assert 5 <= got < 150 and stored in (got, got + 1)  # at most the batch whose answer was lost
    # the witness answers again once it has started
    for _ in range(60):
        if _get("/v1/checkpoints/latest", court.token)[0] == 200:
            break
        time.sleep(0.5)
    res = court.sop("records", "push", "--batch", "50")
    assert res.returncode == 0 and "witnessed up to record #150" in res.stdout, res.stdout + res.stderr
    assert court.leaves() == [str(i) for i in range(1, 151)]  # every record once
    assert rows(f"SELECT count(*), count(DISTINCT seq) FROM leaves WHERE court_id = '{court.id}'") == [
        "150|150"
    ]
    status = court.sop("records", "status")
    assert "up to #150" in status.stdout and "lag 0 records" in status.stdout, status.stdout


def test_one_courts_credential_cannot_push_into_another_courts_log(tmp_path: Path) -> None:
    a = LabCourt(tmp_path, "a")
    a.add(2)
    assert a.sop("records", "push").returncode == 0
    b = LabCourt(tmp_path, "b", token=a.token)  # court B's store, court A's token
    b.add(2)
    res = b.sop("records", "push")
    assert res.returncode == 1 and "the witness refused" in res.stdout, res.stdout + res.stderr
    assert b.leaves() == [] and a.leaves() == ["1", "2", "3"]
    # a token reads its own court's log only, an unknown token nothing
    code, page = _get("/v1/leaves?start=1&end=10", a.token)
    assert code == 200 and len(page["hashes"]) == 3
    code, page = _get("/v1/leaves?start=1&end=10", b.token)
    assert code == 200 and page["hashes"] == []
    assert _get("/v1/checkpoints/latest", secrets.token_urlsafe(32))[0] == 401


def test_the_log_tables_refuse_update_and_delete_even_for_the_service_role(tmp_path: Path) -> None:
    court = LabCourt(tmp_path, "tables")
    court.add(3)
    assert court.sop("records", "push").returncode == 0
    rewrite_record(court.path, 4)  # a refused fork and its finding: a row in every log table
    assert court.sop("records", "push").returncode == 1
    court_filter = f"court_id = '{court.id}'"
    assert psql(f"SELECT count(*) FROM leaves WHERE {court_filter}").stdout.strip() == "4"
    for table in LOG_TABLES:
        for sql in (
            f"UPDATE {table} SET court_id = court_id WHERE {court_filter}",
            f"DELETE FROM {table} WHERE {court_filter}",
        ):
            proc = psql(sql)
            assert proc.returncode != 0 and f"permission denied for table {table}" in proc.stderr, (
                sql,
                proc.stderr,
            )
            proc = psql(sql, role="sop_witness_owner")  # even the schema's owner: the trigger
            assert proc.returncode != 0 and "the witness log is append-only" in proc.stderr, (
                sql,
                proc.stderr,
            )
        proc = psql(f"TRUNCATE {table} CASCADE", role="sop_witness_owner")
        assert proc.returncode != 0 and "append-only" in proc.stderr, proc.stderr
    assert court.leaves() == ["1", "2", "3", "4"] and court.findings() == ["high fork"]


def test_the_lab_court_is_configured_for_the_witness_by_its_inventory() -> None:
    e = {k: v for k, v in env().items() if not k.startswith("SOP_")}
    res = subprocess.run(
        [SOP, "records", "status"], capture_output=True, text=True, env=e, timeout=120, check=False
    )
    assert res.returncode == 0, res.stderr
    assert "central.courtlab.test/witness" in res.stdout and "no witness configured" not in res.stdout
    assert admin("courts").stdout.count("pn-lab\thashes") == 1
