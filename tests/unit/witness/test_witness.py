"""The central witness against a real PostgreSQL: cosigning, idempotent resends, stale pushes,
forks refused and kept with a finding and an alarm, one court unable to write another's log,
and the database refusing UPDATE/DELETE/TRUNCATE on the log tables even to the service role."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")
from fastapi.testclient import TestClient  # noqa: E402

from central.admin import register_court  # noqa: E402
from central.app import Settings, create_app  # noqa: E402
from sop_runner.evidence.checkpoint import Checkpoint  # noqa: E402
from sop_runner.evidence.log import write_checkpoint  # noqa: E402
from sop_runner.evidence.note import ALG_COSIGNATURE_V1, Signer, parse_note  # noqa: E402
from sop_runner.evidence.push import build_push  # noqa: E402
from sop_runner.records import RecordStore  # noqa: E402

from .insider import delete_newest, rewrite_record  # noqa: E402

WITNESS = Signer.generate("witness.example/ma", ALG_COSIGNATURE_V1)


class Court:
    """A court's record store, key and token at the witness."""

    def __init__(self, tmp: Path, name: str, dsn: str, privacy: str = "hashes") -> None:
        self.store = RecordStore(tmp / name / "records.sqlite")
        self.key = Signer.generate(f"{name}.example/sop")
        self.token = register_court(dsn, name, self.key.verifier.vkey, privacy)
        self.with_records = privacy == "records"

    def add(self, n: int) -> None:
        start = self.store.count()
        for i in range(start, start + n):
            self.store.append_record(
                {
                    "activity_id": "SIPP-2",
                    "started_at": f"2026-11-{1 + i % 28:02d}T01:00:00Z",
                    "ended_at": f"2026-11-{1 + i % 28:02d}T01:05:00Z",
                    "status": "failed" if i == 2 else "successful",
                    "note": f"user admin from 10.0.0.{i}",
                }
            )

    def push_body(self, old_size: int) -> dict[str, Any]:
        cp, note = write_checkpoint(self.store, self.key)
        return build_push(self.store, note.render(), cp, old_size, with_records=self.with_records)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def alarms() -> list[tuple[str, str]]:
    return []


@pytest.fixture
def client(
    witness_db: dict[str, str], alarms: list[tuple[str, str]], monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    import central.app

    monkeypatch.setattr(central.app, "apprise_alarm", lambda urls: lambda t, b: alarms.append((t, b)))
    with TestClient(create_app(Settings(witness_db["service"], WITNESS, ("json://127.0.0.1:9",)))) as c:
        yield c


def _count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
        assert row is not None
        return int(row[0])


def _rewrite(court: Court, seq: int) -> None:
    """An insider edits record ``seq`` and recomputes the chain (and so re-signs with the key)."""
    rewrite_record(court.store.path, seq)


def test_a_push_is_cosigned_and_a_resend_changes_nothing(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"])
    a.add(5)
    body = a.push_body(0)
    res = client.post("/v1/checkpoints", json=body, headers=a.auth)
    assert res.status_code == 200, res.text
    cosigned = parse_note(res.json()["cosigned"])
    cosigned.verify(a.key.verifier)
    cosigned.verify(WITNESS.verifier)
    assert res.json()["size"] == 5
    again = client.post("/v1/checkpoints", json=body, headers=a.auth)
    assert again.status_code == 200 and again.json()["cosigned"] == res.json()["cosigned"]
    assert _count(witness_db["owner"], "leaves") == 5 and _count(witness_db["owner"], "checkpoints") == 1
    a.add(3)
    res = client.post("/v1/checkpoints", json=a.push_body(5), headers=a.auth)
    assert res.status_code == 200 and res.json()["size"] == 8
    latest = client.get("/v1/checkpoints/latest", headers=a.auth).json()
    assert latest["size"] == 8 and latest["cosigned"] == res.json()["cosigned"]


def test_a_push_from_an_outdated_size_is_stale_not_a_fork(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"])
    a.add(4)
    assert client.post("/v1/checkpoints", json=a.push_body(0), headers=a.auth).status_code == 200
    a.add(2)
    res = client.post("/v1/checkpoints", json=a.push_body(2), headers=a.auth)
    assert res.status_code == 409 and res.json() == {
        "error": "stale",
        "detail": "the witness has size 4, the push starts at 2: resend from 4",
        "witnessed_size": 4,
    }
    assert _count(witness_db["owner"], "findings") == 0


def test_a_rewritten_history_is_refused_as_a_fork_kept_and_alarmed(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient, alarms: list[tuple[str, str]]
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"])
    a.add(6)
    assert client.post("/v1/checkpoints", json=a.push_body(0), headers=a.auth).status_code == 200
    _rewrite(a, 3)  # the failed backup (#3) becomes a success, chain recomputed, re-signed
    same_size = a.push_body(0)
    res = client.post("/v1/checkpoints", json=same_size, headers=a.auth)
    assert res.status_code == 409 and res.json()["error"] == "fork"
    assert "a second root for tree size 6" in res.json()["detail"]
    a.add(2)
    body = a.push_body(6)
    res = client.post("/v1/checkpoints", json=body, headers=a.auth)
    assert res.status_code == 409 and res.json()["error"] == "fork", res.text
    assert "does not extend the witnessed size 6" in res.json()["detail"]
    with psycopg.connect(witness_db["owner"]) as conn:
        refused = conn.execute("SELECT court_id, note FROM refused ORDER BY id").fetchall()
        findings = conn.execute("SELECT court_id, severity, code FROM findings ORDER BY id").fetchall()
    assert refused == [("pn-a", same_size["checkpoint"]), ("pn-a", body["checkpoint"])]
    assert findings == [("pn-a", "high", "fork")] * 2
    assert len(alarms) == 2 and "pn-a" in alarms[0][0]
    assert _count(witness_db["owner"], "checkpoints") == 1


def test_deleting_the_newest_witnessed_records_is_a_fork(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"])
    a.add(6)
    assert client.post("/v1/checkpoints", json=a.push_body(0), headers=a.auth).status_code == 200
    delete_newest(a.store.path, 4)
    a.add(1)  # a new record #5 in place of the removed ones
    cp, note = write_checkpoint(a.store, a.key)
    assert cp.size == 5
    body = build_push(a.store, note.render(), cp, 0)
    res = client.post("/v1/checkpoints", json=body, headers=a.auth)
    assert res.status_code == 409 and res.json()["error"] == "fork"
    assert "smaller than the witnessed 6" in res.json()["detail"]


def test_leaves_that_do_not_hash_to_the_checkpoint_are_refused(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"])
    a.add(3)
    body = a.push_body(0)
    body["leaves"][1]["hash"] = "00" * 32
    res = client.post("/v1/checkpoints", json=body, headers=a.auth)
    assert res.status_code == 409 and res.json()["error"] == "mismatch"


def test_one_court_cannot_write_another_courts_log(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"])
    b = Court(tmp_path, "pn-b", witness_db["owner"])
    b.add(2)
    res = client.post("/v1/checkpoints", json=b.push_body(0), headers=a.auth)  # B's checkpoint, A's token
    assert res.status_code == 422 and "pn-a" in res.json()["detail"]
    assert (
        client.post(
            "/v1/checkpoints", json=b.push_body(0), headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    assert client.post("/v1/checkpoints", json=b.push_body(0)).status_code == 401
    assert _count(witness_db["owner"], "leaves") == 0
    assert client.post("/v1/checkpoints", json=b.push_body(0), headers=b.auth).status_code == 200


def test_privacy_level_decides_whether_records_are_kept(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"], "hashes")
    b = Court(tmp_path, "pn-b", witness_db["owner"], "records")
    for c in (a, b):
        c.add(2)
        body = c.push_body(0)
        body["leaves"][0]["record"] = c.store.get_record(1).to_dict()
        assert client.post("/v1/checkpoints", json=body, headers=c.auth).status_code == 200
    with psycopg.connect(witness_db["owner"]) as conn:
        kept = dict(conn.execute("SELECT court_id, count(record) FROM leaves GROUP BY court_id").fetchall())
    assert kept == {"pn-a": 0, "pn-b": 2}


@pytest.mark.parametrize("table", ["leaves", "checkpoints", "refused", "findings"])
def test_the_log_tables_refuse_update_delete_and_truncate_even_to_the_service_role(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient, table: str
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"])
    a.add(3)
    assert client.post("/v1/checkpoints", json=a.push_body(0), headers=a.auth).status_code == 200
    with psycopg.connect(witness_db["owner"]) as conn:
        conn.execute("INSERT INTO refused (court_id, note, reason) VALUES ('pn-a', 'x', 'y')")
        conn.execute(
            "INSERT INTO findings (court_id, severity, code, message) VALUES ('pn-a', 'info', 'c', 'm')"
        )
    for dsn, expected in ((witness_db["service"], "permission denied"), (witness_db["owner"], "append-only")):
        for stmt in (
            f"UPDATE {table} SET court_id = court_id",
            f"DELETE FROM {table}",
            f"TRUNCATE {table} CASCADE",
        ):
            with (
                psycopg.connect(dsn) as conn,
                pytest.raises(psycopg.errors.InsufficientPrivilege, match=expected),
            ):
                conn.execute(stmt)
    with psycopg.connect(witness_db["service"]) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("UPDATE courts SET privacy = 'records'")
    assert _count(witness_db["owner"], table) >= 1


def test_a_cosignature_checkpoint_text_is_the_courts_note(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"])
    a.add(1)
    body = a.push_body(0)
    res = client.post("/v1/checkpoints", json=body, headers=a.auth).json()
    assert parse_note(res["cosigned"]).text == parse_note(body["checkpoint"]).text
    assert Checkpoint.from_text(parse_note(res["cosigned"]).text).size == 1
    assert res["cosignature"].startswith("— witness.example/ma ")


def test_a_court_reads_back_only_its_own_hashes(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    a = Court(tmp_path, "pn-a", witness_db["owner"])
    b = Court(tmp_path, "pn-b", witness_db["owner"])
    a.add(3)
    b.add(2)
    for c in (a, b):
        assert client.post("/v1/checkpoints", json=c.push_body(0), headers=c.auth).status_code == 200
    got = client.get("/v1/leaves", params={"start": 2, "end": 9}, headers=a.auth).json()
    assert got == {"start": 2, "hashes": [h for s, h in a.store.iter_hashes(after=1)]}
    assert len(client.get("/v1/leaves", params={"start": 1, "end": 9}, headers=b.auth).json()["hashes"]) == 2
    assert client.get("/v1/leaves", params={"start": 0, "end": 9}, headers=a.auth).status_code == 400
    assert client.get("/v1/leaves", params={"start": 1, "end": 2}).status_code == 401


def test_a_rotated_court_key_is_registered_and_the_log_continues(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    from central.admin import set_court_key
    from sop_runner.evidence.keys import init_key

    a = Court(tmp_path, "pn-a", witness_db["owner"])
    kdir = tmp_path / "keys-a"
    kdir.mkdir()
    (kdir / "court.key").write_text(a.key.skey + "\n")
    (kdir / "court.key").chmod(0o600)
    a.add(3)
    assert client.post("/v1/checkpoints", json=a.push_body(0), headers=a.auth).status_code == 200
    change = init_key(a.store, kdir, name=None, operator="tester", rotate=True)
    a.key = change.signer
    res = client.post("/v1/checkpoints", json=a.push_body(3), headers=a.auth)
    assert res.status_code == 422  # the witness does not know the new key yet
    with pytest.raises(ValueError, match="signs as"):
        set_court_key(witness_db["owner"], "pn-a", Signer.generate("other.example/sop").verifier.vkey)
    assert set_court_key(witness_db["owner"], "pn-a", a.key.verifier.vkey) == change.retired.vkey  # type: ignore[union-attr]
    res = client.post("/v1/checkpoints", json=a.push_body(3), headers=a.auth)
    assert res.status_code == 200 and res.json()["size"] == 4  # the 3 records and the rotation record
    with psycopg.connect(witness_db["owner"]) as conn:
        assert conn.execute("SELECT code FROM findings").fetchall() == [("key-rotated",)]


def test_a_record_sent_with_another_hash_than_its_leaf_is_refused(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    b = Court(tmp_path, "pn-b", witness_db["owner"], "records")
    b.add(2)
    body = b.push_body(0)
    body["leaves"][1]["record"] = dict(body["leaves"][1]["record"], hash="00" * 32)
    res = client.post("/v1/checkpoints", json=body, headers=b.auth)
    assert res.status_code == 400 and "record #2 does not carry that seq and hash" in res.json()["detail"]


def test_the_admin_commands(tmp_path: Path, witness_db: dict[str, str]) -> None:
    from click.testing import CliRunner

    from central.admin import main

    runner = CliRunner()
    res = runner.invoke(
        main, ["witness-key", "--name", "witness.example/ma", "--out", str(tmp_path / "w.key")]
    )
    assert res.exit_code == 0 and res.stdout.startswith("witness.example/ma+")
    assert (tmp_path / "w.key").stat().st_mode & 0o777 == 0o600
    assert Signer.parse((tmp_path / "w.key").read_text()).alg == ALG_COSIGNATURE_V1
    vkey = Signer.generate("pn-c.example/sop").verifier.vkey
    res = runner.invoke(main, ["add-court", "--dsn", witness_db["owner"], "--court", "pn-c", "--vkey", vkey])
    assert res.exit_code == 0 and len(res.stdout.strip()) >= 40  # the token, shown once
    res = runner.invoke(main, ["add-court", "--dsn", witness_db["owner"], "--court", "pn-c", "--vkey", vkey])
    assert res.exit_code == 1 and "duplicate key" in res.output
    res = runner.invoke(
        main, ["add-court", "--dsn", witness_db["owner"], "--court", "pn-d", "--vkey", "nonsense"]
    )
    assert res.exit_code == 1 and "verifier key" in res.output
    res = runner.invoke(
        main, ["serve", "--certfile", str(tmp_path / "none.pem"), "--keyfile", str(tmp_path / "w.key")]
    )
    assert res.exit_code == 2 and "does not exist" in res.output  # no certificate, no service


def test_the_fork_alarm_goes_out_through_apprise(tmp_path: Path, witness_db: dict[str, str]) -> None:
    import http.server
    import threading

    got: list[bytes] = []

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 -- http.server's name
            got.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"json://127.0.0.1:{httpd.server_address[1]}/alarm"
        a = Court(tmp_path, "pn-a", witness_db["owner"])
        with TestClient(create_app(Settings(witness_db["service"], WITNESS, (url,)))) as client:
            a.add(3)
            assert client.post("/v1/checkpoints", json=a.push_body(0), headers=a.auth).status_code == 200
            _rewrite(a, 3)  # the failed record turned into a success
            res = client.post("/v1/checkpoints", json=a.push_body(0), headers=a.auth)
            assert res.status_code == 409
    finally:
        httpd.shutdown()
        thread.join(timeout=5)
    assert len(got) == 1 and b"pn-a" in got[0] and b"second root for tree size 3" in got[0]


def test_the_centre_sees_the_silent_courts_first(
    tmp_path: Path, witness_db: dict[str, str], client: TestClient
) -> None:
    from click.testing import CliRunner

    from central.admin import court_overview, main

    a = Court(tmp_path, "pn-a", witness_db["owner"])
    b = Court(tmp_path, "pn-b", witness_db["owner"])
    Court(tmp_path, "pn-c", witness_db["owner"])
    for c in (b, a):
        c.add(2)
        assert client.post("/v1/checkpoints", json=c.push_body(0), headers=c.auth).status_code == 200
    rows = court_overview(witness_db["owner"])
    assert [(r.court, r.size) for r in rows] == [("pn-c", 0), ("pn-b", 2), ("pn-a", 2)]
    out = CliRunner().invoke(main, ["courts", "--dsn", witness_db["owner"]]).stdout.splitlines()
    assert out[0].startswith("pn-c\thashes\t#0\tnever") and out[1].startswith("pn-b\thashes\t#2\t2")
