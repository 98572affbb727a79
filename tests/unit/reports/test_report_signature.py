"""The signed monthly report, end to end through the real `sop` command and headless Chromium:
`sop report monthly` signs the PDF with the court key (PAdES, the witnessed checkpoint embedded);
`sop report verify` accepts it and refuses one changed byte, a revision added after signing,
another court's key and an unsigned report."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reports_recordset import build_store

from sop_runner.evidence.checkpoint import cosign
from sop_runner.evidence.keys import init_key, load_signer
from sop_runner.evidence.log import write_checkpoint
from sop_runner.evidence.note import ALG_COSIGNATURE_V1, Signer
from sop_runner.records import RecordStore

SOP = str(Path(sys.executable).with_name("sop"))
pytestmark = pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium (./court setup)")


def sop(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([SOP, *args], capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture(autouse=True)
def _no_witness(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SOP_WITNESS_URL", "SOP_WITNESS_TOKEN_FILE", "SOP_WITNESS_KEY", "SOP_KEY_DIR"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path | str]:
    root = tmp_path_factory.mktemp("signed")
    records = root / "records.sqlite"
    store = build_store(records, dt.date(2026, 10, 1), dt.date(2026, 10, 4))
    init_key(store, root / "keys", name="pn-cth.example/sop", operator="t")
    _cp, note = write_checkpoint(store, load_signer(root / "keys"))
    witness = Signer.generate("witness.example/ma", ALG_COSIGNATURE_V1)
    at = int(dt.datetime(2026, 11, 2, 1, 0, tzinfo=dt.UTC).timestamp())
    (root / "evidence" / "witnessed.checkpoint").write_text(
        note.with_signature(cosign(note, witness, at)).render()
    )
    store.close()
    (root / "token").write_text("t\n")
    env = {
        "SOP_WITNESS_URL": "https://127.0.0.1:1",
        "SOP_WITNESS_TOKEN_FILE": str(root / "token"),
        "SOP_WITNESS_KEY": witness.verifier.vkey,
    }
    proc = subprocess.run(
        [SOP, "--records", str(records), "report", "monthly", "2026-10", "--no-record"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **env},
    )
    assert proc.returncode == 0, proc.stderr
    pdf = next(Path(p) for p in proc.stdout.split() if p.endswith(".pdf"))
    return {"root": root, "records": records, "pdf": pdf, "witness": witness.verifier.vkey}


def _copy(signed: dict[str, Path | str], tmp_path: Path, name: str = "laporan.pdf") -> Path:
    dest = tmp_path / name
    shutil.copy(signed["pdf"], dest)
    return dest


def test_the_signed_report_verifies_with_its_checkpoint_and_witness(
    signed: dict[str, Path | str],
) -> None:
    records, pdf = str(signed["records"]), str(signed["pdf"])
    proc = sop("--records", records, "report", "verify", pdf, "--witness-key", str(signed["witness"]))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith(f"OK: {Path(pdf).name} signed by the court key pn-cth.example/sop on ")
    assert lines[1].startswith("checkpoint: pn-cth.example/sop, ") and lines[1].endswith(
        " records, signed by the court key"
    )
    assert lines[2] == "witnessed by witness.example/ma (cosignature checked)"
    # an auditor holding only the court's public key (court.pub), no store
    pub = Path(signed["root"]) / "keys" / "court.pub"
    proc = sop("report", "verify", pdf, "--court-key", str(pub))
    assert proc.returncode == 0, proc.stderr
    assert "also signed by witness.example/ma (not checked: give --witness-key)" in proc.stdout
    # the wrong witness key: the embedded checkpoint does not verify with it
    other = Signer.generate("witness.example/ma", ALG_COSIGNATURE_V1).verifier.vkey
    proc = sop("report", "verify", pdf, "--court-key", str(pub), "--witness-key", other)
    assert proc.returncode == 1 and "the embedded checkpoint does not verify" in proc.stderr


def test_one_changed_byte_fails(signed: dict[str, Path | str], tmp_path: Path) -> None:
    pdf = _copy(signed, tmp_path)
    data = bytearray(pdf.read_bytes())
    at = data.index(b"/MediaBox") + len(b"/MediaBox [0 0 ")  # a byte of the page size
    data[at] = ord("7") if data[at] != ord("7") else ord("8")
    pdf.write_bytes(bytes(data))
    proc = sop("--records", str(signed["records"]), "report", "verify", str(pdf))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"sop: FAILED: report {pdf}: changed after it was signed (the signature does not match)"
    )


def test_a_revision_added_after_signing_fails(signed: dict[str, Path | str], tmp_path: Path) -> None:
    from pyhanko.pdf_utils.generic import NameObject, TextStringObject
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    pdf = _copy(signed, tmp_path)
    with pdf.open("rb") as src:
        writer = IncrementalPdfFileWriter(src)
        info = writer.root  # change the document catalog in a new revision (an "amendment")
        info[NameObject("/Lang")] = TextStringObject("en")
        writer.update_root()
        out = io.BytesIO()
        writer.write(out)
    pdf.write_bytes(out.getvalue())
    proc = sop("--records", str(signed["records"]), "report", "verify", str(pdf))
    assert proc.returncode == 1 and "content was added after the signature" in proc.stderr, proc.stderr


def test_another_courts_key_and_an_unsigned_report_fail(
    signed: dict[str, Path | str], tmp_path: Path
) -> None:
    other = RecordStore(tmp_path / "other.sqlite")
    init_key(other, tmp_path / "keys", name="pa-lain.example/sop", operator="t")
    other.close()
    proc = sop("report", "verify", str(signed["pdf"]), "--court-key", str(tmp_path / "keys" / "court.pub"))
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("signed by a key that is not the court's (pa-lain.example/sop)")

    # a court without a key gets an unsigned PDF, and verify says so
    (tmp_path / "plain").mkdir()
    records = tmp_path / "plain" / "records.sqlite"  # no keys/ beside it
    build_store(records, dt.date(2026, 10, 1), dt.date(2026, 10, 2)).close()
    made = sop("--records", str(records), "report", "monthly", "2026-10", "--no-record")
    assert made.returncode == 0, made.stderr
    pdf = next(p for p in made.stdout.split() if p.endswith(".pdf"))
    proc = sop("report", "verify", pdf, "--court-key", str(Path(signed["root"]) / "keys" / "court.pub"))
    assert proc.returncode == 1 and proc.stderr.strip() == f"sop: FAILED: report {pdf}: not signed"
    # bad input: no such file, a key that is not a key
    proc = sop("report", "verify", str(tmp_path / "nope.pdf"), "--court-key", "x+y+z")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no such file" in proc.stderr
