"""`sop keys init|show`, `sop records checkpoint|prove` and `sop records verify --checkpoint`,
in process with click's CliRunner on a record store of their own (user errors through the
`sop` entry point: one line, exit 2)."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from witness.insider import delete_newest, rewrite_record

from sop_runner import cli
from sop_runner.evidence.checkpoint import open_checkpoint
from sop_runner.evidence.merkle import leaf_hash, verify_inclusion
from sop_runner.evidence.note import Signer, Verifier
from sop_runner.records import RecordStore

_SOP_ENV = ("SOP_PROJECT_DIR", "SOP_INVENTORY", "SOP_CATALOG", "SOP_OPERATOR", "SOP_KEY_DIR")


@pytest.fixture(autouse=True)
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "sop.yml"
    config.write_text("{}\n", encoding="utf-8")
    monkeypatch.setenv("SOP_CONFIG", str(config))
    monkeypatch.setenv("SOP_RECORDS", str(tmp_path / "court" / "records.sqlite"))
    for var in _SOP_ENV:
        monkeypatch.delenv(var, raising=False)
    # not the project's lab inventory: its witness.yml would send these stores to the lab witness
    (tmp_path / "inventory").mkdir()
    monkeypatch.setenv("SOP_INVENTORY", str(tmp_path / "inventory"))
    for var in ("SOP_WITNESS_URL", "SOP_WITNESS_TOKEN_FILE", "SOP_WITNESS_KEY", "SOP_WITNESS_CA"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "court" / "records.sqlite"


def sop(*args: str) -> Result:
    return CliRunner().invoke(cli.app, list(args))


def sop_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["sop", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out, err = capsys.readouterr()
    assert isinstance(exc.value.code, int)
    return exc.value.code, out, err


def _add(path: Path, n: int) -> None:
    with RecordStore(path) as store:
        for i in range(n):
            store.append_record(
                {
                    "activity_id": "SIPP-2",
                    "started_at": f"2026-11-{i + 1:02d}T01:00:00Z",
                    "ended_at": f"2026-11-{i + 1:02d}T01:05:00Z",
                    "status": "successful" if i != 3 else "failed",
                    "note": f"backup {i}",
                }
            )


def _init(path: Path) -> str:
    res = sop("keys", "init", "--name", "pn-test.example/sop")
    assert res.exit_code == 0, res.output
    return res.stdout.strip()


def test_keys_init_prints_the_verifier_key_and_keeps_the_private_key_0600(store_path: Path) -> None:
    vkey = _init(store_path)
    v = Verifier.parse(vkey)
    assert v.name == "pn-test.example/sop"
    key = store_path.parent / "keys" / "court.key"
    assert key.stat().st_mode & 0o777 == 0o600
    assert Signer.parse(key.read_text()).verifier == v
    assert sop("keys", "show").stdout.strip() == vkey
    with RecordStore(store_path) as store:
        assert vkey in store.get_record(1).note
    res = sop("keys", "init", "--rotate")
    assert res.exit_code == 0 and res.stdout.strip() != vkey
    assert "rotated" in res.stderr


def test_keys_can_live_in_a_configured_directory(store_path: Path, tmp_path: Path) -> None:
    res = sop("keys", "init", "--key-dir", str(tmp_path / "vault"))
    assert res.exit_code == 0, res.output
    assert (tmp_path / "vault" / "court.key").is_file()
    assert sop("records", "checkpoint", "--key-dir", str(tmp_path / "vault")).exit_code == 0


def test_checkpoint_prove_and_verify_round_trip(store_path: Path, tmp_path: Path) -> None:
    vkey = _init(store_path)
    _add(store_path, 6)
    cp_file = tmp_path / "audit" / "cp.txt"
    cp_file.parent.mkdir()
    res = sop("records", "checkpoint", "--out", str(cp_file))
    assert res.exit_code == 0, res.output
    assert res.stdout == cp_file.read_text()
    cp, _ = open_checkpoint(cp_file.read_text(), Verifier.parse(vkey))
    assert cp.size == 7

    res = sop("records", "prove", "4", "--checkpoint", str(cp_file), "--key", vkey, "--json")
    assert res.exit_code == 0, res.output
    bundle = json.loads(res.stdout)
    inc = bundle["inclusion"]
    assert bundle["record"]["seq"] == 4 and bundle["record"]["hash"] == inc["record_hash"]
    verify_inclusion(  # what an auditor does with the bundle, independently of the store
        inc["leaf_index"],
        inc["tree_size"],
        leaf_hash(bytes.fromhex(inc["record_hash"])),
        [base64.b64decode(p) for p in inc["proof"]],
        cp.root,
    )
    text = sop("records", "prove", "4")
    assert text.exit_code == 0 and "audit path" in text.stdout

    _add(store_path, 2)
    res = sop("records", "verify", "--checkpoint", str(cp_file))
    assert res.exit_code == 0 and res.stdout.startswith("OK: 9 records; the first 7 match the checkpoint")


def test_an_insider_turning_a_failed_backup_into_a_success_is_named(store_path: Path, tmp_path: Path) -> None:
    _init(store_path)
    _add(store_path, 6)
    cp_file = tmp_path / "cp.txt"
    assert sop("records", "checkpoint", "--out", str(cp_file)).exit_code == 0
    rewrite_record(store_path, 5, clear_tree=False)  # record #5 is the failed SIPP-2 backup
    assert sop("records", "verify").exit_code == 0  # the chain alone is fooled
    res = sop("records", "verify", "--checkpoint", str(cp_file))
    assert res.exit_code == 1
    lines = res.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("BROKEN: record #5 (SIPP-2, 2026-11-04")
    res = sop("records", "verify", "--checkpoint", str(cp_file), "--json")
    assert json.loads(res.stdout)["first_bad_seq"] == 5


def test_cut_off_records_are_detected(store_path: Path, tmp_path: Path) -> None:
    _init(store_path)
    _add(store_path, 6)
    cp_file = tmp_path / "cp.txt"
    sop("records", "checkpoint", "--out", str(cp_file))
    delete_newest(store_path, 5)
    res = sop("records", "verify", "--checkpoint", str(cp_file))
    assert res.exit_code == 1 and "BROKEN: record #6 and later are missing" in res.stdout


def test_user_errors_are_one_line_and_exit_2(
    store_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _add(store_path, 2)
    code, _, err = sop_main(monkeypatch, capsys, "records", "checkpoint")
    assert code == 2 and err.strip().startswith("sop: error: no court key in") and "sop keys init" in err
    _init(store_path)
    cp_file = tmp_path / "cp.txt"
    sop("records", "checkpoint", "--out", str(cp_file))
    cp_file.write_text(cp_file.read_text().replace("\n3\n", "\n2\n", 1))
    code, _, err = sop_main(monkeypatch, capsys, "records", "verify", "--checkpoint", str(cp_file))
    assert code == 2 and len(err.strip().splitlines()) == 1 and "does not match the note" in err
    other = Signer.generate("pn-test.example/sop").verifier.vkey
    sop("records", "checkpoint", "--out", str(cp_file))
    code, _, err = sop_main(
        monkeypatch, capsys, "records", "verify", "--checkpoint", str(cp_file), "--key", other
    )
    assert code == 2 and "carries no signature" in err
    code, _, err = sop_main(monkeypatch, capsys, "records", "verify", "--checkpoint", str(tmp_path / "nope"))
    assert code == 2 and "No such file" in err
    code, _, err = sop_main(monkeypatch, capsys, "records", "prove", "9")
    assert code == 2 and "not covered by the checkpoint" in err


def test_a_run_writes_a_checkpoint_only_when_the_court_has_a_key_and_never_raises(
    store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sop_runner.evidence.cli import checkpoint_after_run

    _add(store_path, 2)
    assert checkpoint_after_run(store_path) is None
    assert not (store_path.parent / "evidence" / "latest.checkpoint").exists()
    _init(store_path)
    assert checkpoint_after_run(store_path) is None
    assert (store_path.parent / "evidence" / "latest.checkpoint").read_text().splitlines()[1] == "3"
    # a witness configured wrongly: one warning line, the checkpoint is still written
    _add(store_path, 1)
    monkeypatch.setenv("SOP_WITNESS_URL", "http://127.0.0.1:1")
    warning = checkpoint_after_run(store_path)
    assert warning is not None and "https:// only" in warning
    assert (store_path.parent / "evidence" / "latest.checkpoint").read_text().splitlines()[1] == "4"
    # a witness that is down: one warning line after two quick tries
    monkeypatch.setenv("SOP_WITNESS_URL", "https://127.0.0.1:9")
    token = store_path.parent / "token"
    token.write_text("t\n")
    monkeypatch.setenv("SOP_WITNESS_TOKEN_FILE", str(token))
    monkeypatch.setenv("SOP_WITNESS_KEY", Signer.generate("w.example/w", 0x04).verifier.vkey)
    warning = checkpoint_after_run(store_path)
    assert warning is not None and "unreachable" in warning and "after 2 tries" in warning
    # a court key that cannot be read: one warning line
    (store_path.parent / "keys" / "court.key").chmod(0o644)
    assert "readable by others" in (checkpoint_after_run(store_path) or "")


def test_verify_blobs_names_a_missing_or_altered_attachment(store_path: Path, tmp_path: Path) -> None:
    att = tmp_path / "berita-acara.pdf"
    att.write_bytes(b"%PDF-1.4 signed on paper")
    with RecordStore(store_path) as store:
        store.add_manual("SIPP-7", "berita acara", operator="t", attachments=[att])
        store.append_record(
            {
                "activity_id": "SIPP-2",
                "started_at": "2026-11-02T01:00:00Z",
                "ended_at": "2026-11-02T01:05:00Z",
                "status": "successful",
                "artifacts": store.put_blob(b"job events"),
            }
        )
        kept = store.blob_path(store.get_record(1).attachments[0]["sha256"])
    res = sop("records", "verify", "--blobs")
    assert res.exit_code == 0 and "2 kept files match" in res.stderr
    kept.chmod(0o640)
    kept.write_bytes(b"%PDF-1.4 signed on paper, then changed")
    res = sop("records", "verify", "--blobs")
    assert (
        res.exit_code == 1
        and res.stdout.startswith("BROKEN: record #1 (SIPP-7, ")
        and "was altered" in res.stdout
    )
    kept.unlink()
    res = sop("records", "verify", "--blobs", "--json")
    assert res.exit_code == 1 and "is missing" in json.loads(res.stdout)["blobs"]["problem"]
