"""`sop records push` against the real witness (uvicorn, HTTPS on loopback, PostgreSQL):
batches, resume after a cut answer or a witness that is down, nothing sent twice, a stale local
state resynchronised, a rewritten history refused as a fork and then named by
`sop records verify --checkpoint <last witnessed>`, and a certificate that does not verify."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

psycopg = pytest.importorskip("psycopg")
uvicorn = pytest.importorskip("uvicorn")
from click.testing import CliRunner  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

from central.admin import register_court  # noqa: E402
from central.app import Settings, create_app  # noqa: E402
from sop_runner import cli  # noqa: E402
from sop_runner.evidence import EvidenceError  # noqa: E402
from sop_runner.evidence.keys import init_key, load_signer  # noqa: E402
from sop_runner.evidence.note import ALG_COSIGNATURE_V1, Signer  # noqa: E402
from sop_runner.evidence.outbox import WitnessConfig, push, status  # noqa: E402
from sop_runner.records import RecordStore  # noqa: E402

from .insider import add_records, delete_newest, rewrite_record  # noqa: E402

WITNESS = Signer.generate("witness.example/ma", ALG_COSIGNATURE_V1)


def _cert(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "witness test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cpath, kpath = tmp / "cert.pem", tmp / "key.pem"
    cpath.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    kpath.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cpath, kpath


class Faults:
    """Lets a test make the witness fail the next N pushes *after* storing them (500)."""

    def __init__(self) -> None:
        self.fail_after_commit = 0
        self.posts = 0


def _wrap(app: Any, faults: Faults) -> Any:
    async def wrapped(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            faults.posts += 1
            if faults.fail_after_commit:
                faults.fail_after_commit -= 1

                async def swallow(message: dict[str, Any]) -> None:
                    return None

                await app(scope, receive, swallow)  # the witness stores and cosigns …
                raise RuntimeError("connection cut before the answer")  # … the court hears a 500
        await app(scope, receive, send)

    return wrapped


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(witness_db: dict[str, str], tmp_path: Path) -> Iterator[dict[str, Any]]:
    cert, key = _cert(tmp_path)
    faults = Faults()
    port = _free_port()
    app = _wrap(create_app(Settings(witness_db["service"], WITNESS)), faults)
    srv = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
            log_level="critical",
        )
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "uvicorn did not start"
    try:
        yield {"url": f"https://127.0.0.1:{port}", "cert": cert, "faults": faults, "port": port}
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def court(
    tmp_path: Path, witness_db: dict[str, str], server: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> RecordStore:
    store = RecordStore(tmp_path / "court" / "records.sqlite")
    kdir = tmp_path / "court" / "keys"
    change = init_key(store, kdir, name="pn-a.example/sop", operator="tester")
    token = register_court(witness_db["owner"], "pn-a", change.signer.verifier.vkey)
    (tmp_path / "token").write_text(token + "\n")
    config = tmp_path / "sop.yml"
    config.write_text("{}\n")
    for k, v in {
        "SOP_CONFIG": str(config),
        "SOP_RECORDS": str(store.path),
        "SOP_WITNESS_URL": server["url"],
        "SOP_WITNESS_TOKEN_FILE": str(tmp_path / "token"),
        "SOP_WITNESS_KEY": WITNESS.verifier.vkey,
        "SOP_WITNESS_CA": str(server["cert"]),
    }.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("SOP_KEY_DIR", raising=False)
    return store


_add = add_records


def _leaves(dsn: str) -> list[int]:
    with psycopg.connect(dsn) as conn:
        return [r[0] for r in conn.execute("SELECT seq FROM leaves ORDER BY seq")]


def _signer(store: RecordStore) -> Signer:
    return load_signer(store.dir / "keys")


def test_push_sends_batches_then_nothing_and_status_shows_the_lag(
    court: RecordStore, witness_db: dict[str, str]
) -> None:
    _add(court, 10)
    cfg = WitnessConfig.from_env()
    assert cfg is not None
    assert status(court, [_signer(court).verifier], cfg).lag == 11
    res = push(court, _signer(court), cfg, batch=4)
    assert res.ok and (res.before, res.after, res.batches) == (0, 11, 3)
    assert _leaves(witness_db["owner"]) == list(range(1, 12))
    st = status(court, [_signer(court).verifier], cfg)
    assert st.witnessed == 11 and st.lag == 0 and st.witnessed_at and st.witness == "witness.example/ma"
    again = push(court, _signer(court), cfg, batch=4)
    assert again.ok and again.batches == 0
    out = CliRunner().invoke(cli.app, ["records", "status"])
    assert (
        out.exit_code == 0
        and "witnessed by witness.example/ma up to #11" in out.stdout
        and "lag 0" in out.stdout
    )


def test_an_answer_lost_after_the_witness_stored_the_batch_is_resent_without_duplicates(
    court: RecordStore, witness_db: dict[str, str], server: dict[str, Any]
) -> None:
    _add(court, 9)
    server["faults"].fail_after_commit = 1
    delays: list[float] = []
    cfg = WitnessConfig.from_env()
    assert cfg is not None
    res = push(court, _signer(court), cfg, batch=5, sleep=delays.append)
    assert res.ok and res.after == 10, res.problem
    assert delays == [1.0]  # one retry, then the witness answered the resend with its stored cosignature
    assert _leaves(witness_db["owner"]) == list(range(1, 11))


def test_a_witness_that_is_down_loses_nothing_and_the_next_push_completes(
    court: RecordStore, witness_db: dict[str, str], server: dict[str, Any]
) -> None:
    _add(court, 5)
    cfg = WitnessConfig.from_env()
    assert cfg is not None
    assert push(court, _signer(court), cfg, batch=3).ok
    _add(court, 7)  # a week offline
    down = WitnessConfig(f"https://127.0.0.1:{_free_port()}", cfg.token, cfg.key, cfg.cafile)
    delays: list[float] = []
    res = push(court, _signer(court), down, attempts=4, sleep=delays.append)
    assert (
        not res.ok
        and res.after == 6
        and "unreachable" in res.problem
        and "resumes from record #7" in res.problem
    )
    assert delays == [1.0, 2.0, 4.0]
    res = push(court, _signer(court), cfg, batch=3)
    assert res.ok and res.before == 6 and res.after == 13
    assert _leaves(witness_db["owner"]) == list(range(1, 14))


def test_a_lost_local_state_is_resynchronised_from_the_witness(
    court: RecordStore, witness_db: dict[str, str]
) -> None:
    _add(court, 4)
    cfg = WitnessConfig.from_env()
    assert cfg is not None
    assert push(court, _signer(court), cfg).ok
    (court.dir / "evidence" / "witnessed.checkpoint").unlink()
    _add(court, 2)
    res = push(court, _signer(court), cfg)
    assert res.ok and res.after == 7
    assert _leaves(witness_db["owner"]) == list(range(1, 8))


def test_a_rewritten_history_is_refused_by_the_witness_and_named_by_verify(
    court: RecordStore, witness_db: dict[str, str], tmp_path: Path
) -> None:
    _add(court, 6)
    runner = CliRunner()
    res = runner.invoke(cli.app, ["records", "push"])
    assert res.exit_code == 0 and "witnessed up to record #7" in res.stdout
    witnessed = tmp_path / "auditor-copy.checkpoint"
    witnessed.write_text((court.dir / "evidence" / "witnessed.checkpoint").read_text())
    # the insider turns the failed backup (#4) into a success and recomputes the whole chain
    rewrite_record(court.path, 4)
    _add(court, 1)
    res = runner.invoke(cli.app, ["records", "push"])
    assert res.exit_code == 1 and "PUSH INCOMPLETE" in res.stdout and "fork" in res.stdout
    with psycopg.connect(witness_db["owner"]) as conn:
        assert conn.execute("SELECT code FROM findings").fetchall() == [("fork",)]
    res = runner.invoke(cli.app, ["records", "verify", "--checkpoint", str(witnessed)])
    assert res.exit_code == 1 and res.stdout.startswith("BROKEN: record #4 (SIPP-2")


def test_a_witness_certificate_that_does_not_verify_is_an_error(court: RecordStore, tmp_path: Path) -> None:
    cfg = WitnessConfig.from_env()
    assert cfg is not None
    other, _ = _cert(tmp_path / ".." / tmp_path.name)  # a different self-signed certificate
    _add(court, 1)
    bad = WitnessConfig(cfg.url, cfg.token, cfg.key, str(other))
    with pytest.raises(EvidenceError, match="certificate does not verify"):
        push(court, _signer(court), bad)


def test_verify_gives_its_verdict_when_the_witness_cannot_be_asked(
    court: RecordStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The witness's copy of the hashes only helps `verify`: a witness whose certificate does not
    verify (a CA file that changed) must not take the store's own verdict away."""
    _add(court, 6)
    runner = CliRunner()
    assert runner.invoke(cli.app, ["records", "push"]).exit_code == 0
    witnessed = tmp_path / "auditor-copy.checkpoint"
    witnessed.write_text((court.dir / "evidence" / "witnessed.checkpoint").read_text())
    delete_newest(court.path, 5)  # records #6 and #7 go (and their leaves saved beside the store)
    other, _ = _cert(tmp_path / ".." / tmp_path.name)  # a different self-signed certificate
    monkeypatch.setenv("SOP_WITNESS_CA", str(other))
    res = runner.invoke(cli.app, ["records", "verify", "--checkpoint", str(witnessed)])
    assert res.exit_code == 1 and res.stdout.startswith("BROKEN: record #6 and later are missing"), (
        res.stdout + repr(res.exception)
    )


def test_the_witness_is_reached_over_https_only(tmp_path: Path) -> None:
    with pytest.raises(EvidenceError, match="https:// only"):
        WitnessConfig.from_env({"SOP_WITNESS_URL": "http://127.0.0.1:1"})
    with pytest.raises(EvidenceError, match="SOP_WITNESS_TOKEN_FILE"):
        WitnessConfig.from_env({"SOP_WITNESS_URL": "https://127.0.0.1:1"})
    assert WitnessConfig.from_env({}) is None


def test_pushing_goes_on_after_the_court_key_is_rotated(
    court: RecordStore, witness_db: dict[str, str]
) -> None:
    from central.admin import set_court_key
    from sop_runner.evidence.keys import court_keys

    _add(court, 3)
    cfg = WitnessConfig.from_env()
    assert cfg is not None
    assert push(court, _signer(court), cfg).ok
    kdir = court.dir / "keys"
    change = init_key(court, kdir, name=None, operator="tester", rotate=True)
    set_court_key(witness_db["owner"], "pn-a", change.signer.verifier.vkey)
    _add(court, 2)
    with pytest.raises(EvidenceError, match="no signature"):  # the last witnessed one is the old key's
        push(court, _signer(court), cfg)
    res = CliRunner().invoke(cli.app, ["records", "push"])  # the CLI passes the retired keys too
    assert res.exit_code == 0 and "witnessed up to record #7" in res.stdout, res.output
    assert len(court_keys(kdir)) == 2
    assert _leaves(witness_db["owner"]) == list(range(1, 8))


def test_a_store_that_lost_witnessed_records_is_shown_to_the_witness_and_refused(
    court: RecordStore, witness_db: dict[str, str]
) -> None:
    _add(court, 5)
    cfg = WitnessConfig.from_env()
    assert cfg is not None
    assert push(court, _signer(court), cfg).ok
    rewrite_record(court.path, 4)  # same size, another history: nothing new to send
    res = push(court, _signer(court), cfg)
    assert not res.ok and "no longer the 6 the witness cosigned" in res.problem and "(fork)" in res.problem
    delete_newest(court.path, 4)  # and the newest records go too
    res = push(court, _signer(court), cfg)
    assert not res.ok and "holds 4 records and no longer the 6" in res.problem
    with psycopg.connect(witness_db["owner"]) as conn:
        assert conn.execute("SELECT code FROM findings").fetchall() == [("fork",), ("fork",)]
    assert _leaves(witness_db["owner"]) == list(range(1, 7))  # the witness keeps what it cosigned
