"""The monthly report from a real lab run: activities run against the court lab with `sop run`
into a fresh record store, then `sop report monthly` for the current month, checked in headless
Chromium (screenshot) and with pdftotext (sections, the run's findings, the last record's hash)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from sop_runner.catalog import load_catalog
from sop_runner.records import RecordStore, parse_iso
from sop_runner.reports import browser

pytestmark = [pytest.mark.lab, pytest.mark.lab_alone]
ROOT = Path(__file__).resolve().parents[2]


def env() -> dict[str, str]:
    """The environment ./court sets for podman and ansible."""
    e = dict(os.environ)
    e["CONTAINERS_CONF"] = str(ROOT / "lab" / "containers.conf")
    e["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    e["PATH"] = f"{ROOT / '.venv' / 'bin'}:{e.get('PATH', '')}"
    return e


SOP = str(Path(sys.executable).with_name("sop"))
WANTED = ("SIPP-1", "C.2", "F.1")  # hourly, day-30 and daily activities


def sop(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [SOP, *args], capture_output=True, text=True, env=env(), cwd=ROOT, timeout=900, check=False
    )
    if check:
        assert proc.returncode in (0, 1), proc.stderr + proc.stdout  # 1 = a run did not succeed everywhere
    return proc


@pytest.fixture(scope="module")
def lab_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("labreport")
    records = root / "records.sqlite"
    catalog = load_catalog()
    acts = [
        a
        for a in WANTED
        if catalog.activities[a].playbook and (ROOT / str(catalog.activities[a].playbook)).is_file()
    ]
    assert acts, "none of the lab playbooks for SIPP-1, C.2, F.1 exist"
    for act in acts:
        sop("--records", str(records), "run", act)
    month = dt.datetime.now(ZoneInfo(catalog.timezone)).strftime("%Y-%m")
    out = root / "out"
    proc = sop("--records", str(records), "report", "monthly", month, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    html, pdf = (Path(p) for p in proc.stdout.split())
    return {"records": records, "html": html, "pdf": pdf}


def test_report_from_real_records_names_every_run_and_finding(lab_run: dict[str, Path]) -> None:
    text = subprocess.run(
        ["pdftotext", str(lab_run["pdf"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    flat = " ".join(text.split())
    with RecordStore(lab_run["records"], readonly=True) as store:
        # the report records itself (C.6/C.7/SIPP-5/F.5) after it is printed: it covers the rest
        recs = [r for r in store.list_records() if r.via != "sop-report"]
        incidents = store.list_incidents()
        head = recs[-1]
    assert recs, "the lab runs wrote no record"
    assert "LAPORAN SITUASI KONDISI TEKNOLOGI INFORMASI" in flat
    assert "Daftar hasil monitoring dan pemeliharaan" in flat
    for rec in recs:
        assert re.search(rf"\b{re.escape(rec.activity_id)}\b", flat), rec.activity_id
        when = parse_iso(rec.started_at).astimezone(ZoneInfo("Asia/Jakarta"))
        assert f"{when.day} " in flat
        for finding in rec.findings:
            if finding["severity"] in ("high", "warning"):
                # table cells may be interleaved by the text extraction: code + message start
                assert f"({finding['code']})" in flat, finding
                assert " ".join(str(finding["message"]).split()[:4]) in flat, finding
    for inc in incidents:
        assert f"#{inc.incident_id}" in flat
    assert head.hash in re.sub(r"\s+", "", text)
    assert f"#{head.seq} ({head.activity_id}" in flat


def test_report_screenshot_is_not_blank(lab_run: dict[str, Path], tmp_path: Path) -> None:
    png = browser.screenshot(lab_run["html"], tmp_path / "lab.png", width=1000, height=2000)
    img = Image.open(png).convert("RGB")
    colors = img.getcolors(maxcolors=1 << 20) or []
    white = sum(n for n, c in colors if c == (255, 255, 255))
    assert white < 0.95 * img.size[0] * img.size[1]
    assert "<svg" in lab_run["html"].read_text(encoding="utf-8")  # the availability chart is inline
