"""The monthly report prints the log's checkpoint: the witnessed one when there is one, else
the court's own (marked not yet witnessed), nothing when the court has no key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from reports_recordset import WIB, build_store

from sop_runner.catalog import load_catalog
from sop_runner.evidence.checkpoint import cosign
from sop_runner.evidence.keys import init_key, load_signer
from sop_runner.evidence.log import write_checkpoint
from sop_runner.evidence.note import ALG_COSIGNATURE_V1, Signer
from sop_runner.reports.monthly import collect_monthly, render_monthly_html

NOW = dt.datetime(2026, 11, 21, 10, 0, tzinfo=WIB)


@pytest.fixture(autouse=True)
def _no_witness(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SOP_WITNESS_URL", "SOP_KEY_DIR"):
        monkeypatch.delenv(var, raising=False)


def test_the_report_prints_the_court_checkpoint_then_the_witnessed_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog = load_catalog()
    store = build_store(tmp_path / "records.sqlite", dt.date(2026, 10, 1), dt.date(2026, 10, 3))
    report = collect_monthly(store, catalog, 2026, 10, now=NOW)
    assert report.checkpoint is None and "Checkpoint" not in render_monthly_html(report)

    init_key(store, tmp_path / "keys", name="pn-cth.example/sop", operator="t")
    cp, note = write_checkpoint(store, load_signer(tmp_path / "keys"))
    report = collect_monthly(store, catalog, 2026, 10, now=NOW)
    html = render_monthly_html(report)
    assert report.checkpoint is not None and report.checkpoint.size == cp.size
    assert f"Checkpoint pn-cth.example/sop: {cp.size} catatan, root {report.checkpoint.root}" in html
    assert "belum disaksikan" in html

    witness = Signer.generate("witness.example/ma", ALG_COSIGNATURE_V1)
    at = int(dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC).timestamp())
    (tmp_path / "evidence" / "witnessed.checkpoint").write_text(
        note.with_signature(cosign(note, witness, at)).render()
    )
    (tmp_path / "token").write_text("t\n")
    monkeypatch.setenv("SOP_WITNESS_URL", "https://127.0.0.1:1")
    monkeypatch.setenv("SOP_WITNESS_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("SOP_WITNESS_KEY", witness.verifier.vkey)
    html = render_monthly_html(collect_monthly(store, catalog, 2026, 10, now=NOW))
    assert "disaksikan oleh witness.example/ma pada" in html and "belum disaksikan" not in html
    # a witnessed checkpoint that does not verify is not printed as witnessed
    monkeypatch.setenv(
        "SOP_WITNESS_KEY", Signer.generate("witness.example/ma", ALG_COSIGNATURE_V1).verifier.vkey
    )
    assert "belum disaksikan" in render_monthly_html(collect_monthly(store, catalog, 2026, 10, now=NOW))
