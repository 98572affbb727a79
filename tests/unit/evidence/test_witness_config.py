"""The court's witness settings: from SOP_WITNESS_* or from witness.yml in the inventory folder
(relative paths against the file); a broken file is one error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest
from witness.insider import add_records

from sop_runner.evidence import EvidenceError
from sop_runner.evidence.note import ALG_COSIGNATURE_V1, Signer
from sop_runner.evidence.outbox import WitnessConfig

WITNESS = Signer.generate("witness.example/ma", ALG_COSIGNATURE_V1)


def _inventory(tmp_path: Path, text: str) -> Path:
    inv = tmp_path / "inventory" / "pn-x"
    inv.mkdir(parents=True)
    (inv / "witness.yml").write_text(text)
    return inv


def test_the_inventory_file_configures_the_witness_with_paths_relative_to_it(tmp_path: Path) -> None:
    inv = _inventory(
        tmp_path,
        "url: https://127.0.0.1:8444/\ntoken_file: ../../state/court.token\n"
        "key: ../../state/witness.vkey\nca: ../../state/ca.pem\nprivacy: records\n",
    )
    state = tmp_path / "state"
    state.mkdir()
    (state / "court.token").write_text("t" * 43 + "\n")
    (state / "witness.vkey").write_text(WITNESS.verifier.vkey + "\n")
    cfg = WitnessConfig.from_env({}, inventory_dir=inv)
    assert cfg is not None
    assert (cfg.url, cfg.token, cfg.key.vkey) == ("https://127.0.0.1:8444", "t" * 43, WITNESS.verifier.vkey)
    assert cfg.cafile is not None and Path(cfg.cafile).resolve() == (state / "ca.pem").resolve()
    assert cfg.with_records
    # the key may be written out, and the environment wins over the file
    inline = _inventory(
        tmp_path / "b",
        f"url: https://127.0.0.1:1\ntoken_file: {state / 'court.token'}\nkey: {WITNESS.verifier.vkey}\n",
    )
    assert WitnessConfig.from_env({}, inventory_dir=inline).key.vkey == WITNESS.verifier.vkey  # type: ignore[union-attr]
    env = {
        "SOP_WITNESS_URL": "https://127.0.0.1:9",
        "SOP_WITNESS_TOKEN_FILE": str(state / "court.token"),
        "SOP_WITNESS_KEY": WITNESS.verifier.vkey,
    }
    assert WitnessConfig.from_env(env, inventory_dir=inv).url == "https://127.0.0.1:9"  # type: ignore[union-attr]


def test_no_file_no_witness(tmp_path: Path) -> None:
    assert WitnessConfig.from_env({}, inventory_dir=tmp_path) is None


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "url: https://127.0.0.1:1\ntoken_file: nowhere.token\nkey: w.vkey\n",
            r"witness\.yml: token_file .*nowhere\.token: No such file",
        ),
        ("url: http://127.0.0.1:1\n", r"witness\.yml: url=http://127\.0\.0\.1:1: .*https:// only"),
        ("adress: https://127.0.0.1:1\n", r"witness\.yml: expected a mapping of url, token_file"),
        ("url: https://127.0.0.1:1\n", r"witness\.yml: url is set but .*token_file.*key is not"),
        ("url: [unclosed\n", r"witness\.yml: cannot read"),
    ],
)
def test_a_broken_file_is_one_error_naming_it(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(EvidenceError, match=error):
        WitnessConfig.from_env({}, inventory_dir=_inventory(tmp_path, text))


def test_the_tick_summary_line_needs_a_key_and_a_witness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sop_runner.evidence.cli import witness_status_line
    from sop_runner.evidence.keys import init_key
    from sop_runner.records import RecordStore

    for var in ("SOP_WITNESS_URL", "SOP_KEY_DIR"):
        monkeypatch.delenv(var, raising=False)
    records = tmp_path / "court" / "records.sqlite"
    inv = _inventory(
        tmp_path, "url: https://127.0.0.1:1\ntoken_file: token\nkey: " + WITNESS.verifier.vkey + "\n"
    )
    (inv / "token").write_text("t" * 43)
    with RecordStore(records) as store:
        add_records(store, 1)
    assert witness_status_line(records, inv) is None  # no court key: nothing to witness
    with RecordStore(records) as store:
        init_key(store, records.parent / "keys", name="pn-x.example/sop", operator="t")
    assert witness_status_line(records, tmp_path) is None  # no witness configured there
    line = witness_status_line(records, inv)
    assert line == "2 records; none witnessed yet by witness.example/ma (run 'sop records push')"
    (inv / "witness.yml").write_text("url: http://127.0.0.1:1\n")
    assert (witness_status_line(records, inv) or "").startswith("status unknown: ")
