"""Vault secrets with quotes, backslashes, newlines, tabs, non-ASCII, JSON escapes, very short and
very long values, printed by a real playbook run on localhost (sop run and plain
ansible-playbook, a successful and a failed run): none survives in the records, blobs, kept
artifacts, the monthly report (HTML and PDF) or the notifications."""

from __future__ import annotations

import datetime as dt
import gzip
import html
import io
import json
import os
import shutil
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from sop_runner.notify import EVENTS, messages_for_records
from sop_runner.records import RecordStore
from sop_runner.scrub import MIN_SECRET_LENGTH

from .conftest import VENV_BIN, Court, make_court

LEAKY = "tests/unit/runner/playbooks/leaky.yml"
SECRETS = [
    'Db"pass\\word-2026',
    "it's-o'clock-secret",
    "tab\tseparated\tsecret",
    "Kata-sandi-rahasia-ñé€中😀",
    "\\u00e9-literal-json-escape-\\n",
    "first-line-of-key\nsecond-line-of-key\nthird-line-of-key",
    "L" * 3000 + '"\\\n\t' + "M" * 3000,
    "ab1",  # too short to mask: reported, not masked
]


def _court(tmp_path: Path) -> Court:
    c = make_court(tmp_path, ghost=False, playbook=LEAKY)
    vault = c.inventory / "group_vars" / "sipp_servers" / "vault_fuzz.yml"
    vault.write_text(yaml.safe_dump({"vault_test_secrets": SECRETS}, allow_unicode=True, width=1 << 20))
    subprocess.run(
        [str(VENV_BIN / "ansible-vault"), "encrypt", "--vault-password-file", str(c.vault_pass), str(vault)],
        check=True,
        capture_output=True,
        cwd=str(tmp_path),  # no project ansible.cfg naming a second vault password
        env={k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")},
    )
    return c


def _kept_texts(root: Path) -> dict[str, str]:
    """Everything kept under the store folder, as text: files, decompressed gzip, tar members,
    the text of PDFs."""
    out: dict[str, str] = {}
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        data = p.read_bytes()
        out[str(p)] = data.decode("utf-8", "replace")
        if data[:2] == b"\x1f\x8b":
            out[f"{p}:gunzip"] = gzip.decompress(data).decode("utf-8", "replace")
            try:
                with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                    for m in tar.getmembers():
                        f = tar.extractfile(m)
                        if f:
                            out[f"{p}:{m.name}"] = f.read().decode("utf-8", "replace")
            except tarfile.TarError:
                pass
        if data.startswith(b"%PDF-") and shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True, check=True)
            out[f"{p}:pdftotext"] = text.stdout
    return out


def _renderings(piece: str) -> set[str]:
    """How a value reads once printed (computed here, independently of the scrubber)."""
    once = {
        piece,
        json.dumps(piece)[1:-1],
        json.dumps(piece, ensure_ascii=False)[1:-1],
        repr(piece)[1:-1],
        piece.encode("unicode_escape").decode(),
        html.escape(piece),
    }
    twice = {json.dumps(f)[1:-1] for f in once} | {json.dumps(f, ensure_ascii=False)[1:-1] for f in once}
    return {f for f in once | twice if len(f) >= MIN_SECRET_LENGTH}


def _assert_nothing_leaks(texts: dict[str, str]) -> None:
    for secret in SECRETS:
        pieces = {secret, *secret.splitlines()}
        maskable = {p.strip() for p in pieces if len(p.strip()) >= MIN_SECRET_LENGTH}
        forms = set().union(*(_renderings(p) for p in maskable)) if maskable else set()
        for where, text in texts.items():
            found = [f for f in forms if f in text]
            assert not found, f"{secret[:30]!r} kept in {where}: {found[0][:60]!r}"


def test_no_secret_survives_a_good_and_a_failed_run(tmp_path: Path) -> None:
    c = _court(tmp_path)
    ok = c.sop("run", "SIPP-1", timeout=600)
    assert ok.returncode == 0, ok.stderr[-3000:]
    failed = c.sop("run", "SIPP-1", extra_env={"TEST_FAIL": "1"}, timeout=600)
    assert failed.returncode != 0
    plain = c.ansible_playbook(LEAKY, extra_env={"TEST_FAIL": "1", "SOP_RECORDS": str(c.records)})
    assert "SOP record: SIPP-1 failed" in plain.stdout, plain.stdout[-3000:] + plain.stderr[-3000:]
    month = dt.datetime.now(dt.UTC).strftime("%Y-%m")
    report = c.sop("report", "monthly", month, timeout=600)
    assert report.returncode == 0, report.stderr[-3000:]

    with RecordStore(c.records, readonly=True) as store:
        records = store.list_records()
    assert [r.status for r in records] == ["successful", "failed", "failed"]
    assert records[1].hosts["localhost"]["error"]  # the failure message is kept, masked
    assert "********" in json.dumps([r.to_dict() for r in records], ensure_ascii=False)
    for rec in records:
        short = [f for f in rec.findings if f["code"] == "vault_value_too_short"]
        assert len(short) == 1 and short[0]["severity"] == "warning" and "length 3" in short[0]["message"]
    texts = _kept_texts(c.records.parent)
    assert any(k.endswith(":stdout") for k in texts) and any(k.endswith(":pdftotext") for k in texts)
    assert any("job_events/" in k for k in texts)
    texts["records"] = json.dumps([r.to_dict() for r in records], ensure_ascii=False)
    texts["notifications"] = "\n".join(f"{m.title}\n{m.body}" for m in messages_for_records(records, EVENTS))
    assert texts["notifications"]
    _assert_nothing_leaks(texts)
    # and what is kept is private: folders 0700, files 0600 or narrower (blobs 0400)
    wide = [
        f"{p} {stat.S_IMODE(p.stat().st_mode):o}"
        for p in [c.records.parent, *c.records.parent.rglob("*")]
        if stat.S_IMODE(p.stat().st_mode) & 0o077 or (p.is_dir() and stat.S_IMODE(p.stat().st_mode) != 0o700)
    ]
    assert wide == []


@pytest.mark.parametrize("secret", [s for s in SECRETS if len(s) >= MIN_SECRET_LENGTH])
def test_the_vault_really_holds_the_tricky_values(tmp_path: Path, secret: str) -> None:
    """Guard for the test above: the secrets reach Ansible unchanged (else it proves nothing)."""
    from sop_runner.secrets import collect_vault_values, vault_secrets

    c = _court(tmp_path)
    assert secret in collect_vault_values([c.inventory], vault_secrets(c.vault_pass))
