"""The court's witness settings: from SOP_WITNESS_* or from witness.yml in the inventory folder
(relative paths against the file); a broken file is one error naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_no_file_no_witness_and_a_broken_file_is_named(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    assert WitnessConfig.from_env({}, inventory_dir=empty) is None
    missing = _inventory(tmp_path / "a", "url: https://127.0.0.1:1\ntoken_file: nowhere.token\nkey: w.vkey\n")
    with pytest.raises(EvidenceError, match=r"witness\.yml: token_file .*nowhere\.token: No such file"):
        WitnessConfig.from_env({}, inventory_dir=missing)
    plain = _inventory(tmp_path / "b", "url: http://127.0.0.1:1\n")
    with pytest.raises(EvidenceError, match=r"witness\.yml: url=http://127\.0\.0\.1:1: .*https:// only"):
        WitnessConfig.from_env({}, inventory_dir=plain)
    unknown = _inventory(tmp_path / "c", "adress: https://127.0.0.1:1\n")
    with pytest.raises(EvidenceError, match=r"witness\.yml: expected a mapping of url, token_file"):
        WitnessConfig.from_env({}, inventory_dir=unknown)
    halfway = _inventory(tmp_path / "d", "url: https://127.0.0.1:1\n")
    with pytest.raises(EvidenceError, match=r"witness\.yml: url is set but .*token_file.*key is not"):
        WitnessConfig.from_env({}, inventory_dir=halfway)
