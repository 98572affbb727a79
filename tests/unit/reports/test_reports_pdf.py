"""End to end through the real `sop` command, headless Chromium and poppler's pdftotext.

A month of records plus a service request walked through B.1…B.7 with one step late is written
with the CLI, the report is produced with `sop report monthly`, the HTML is screenshotted in
headless Chromium (non-blank, the availability chart's bars present) and the PDF text is checked
for the key sections and figures. The yearly schedule's PDF and ICS are checked the same way.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from icalendar import Calendar
from PIL import Image
from reports_recordset import WIB, build_store

from sop_runner.reports import browser

SOP = str(Path(sys.executable).with_name("sop"))
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("chromium") is None,
    reason="needs chromium and poppler-utils (./court setup installs them)",
)


def sop(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([SOP, *args], capture_output=True, text=True, check=False, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr + proc.stdout
    return proc


def pdftext(pdf: Path, layout: bool = True) -> str:
    args = ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report")
    records = root / "records.sqlite"
    outage = (dt.datetime(2026, 10, 12, 9, tzinfo=WIB), dt.datetime(2026, 10, 12, 14, tzinfo=WIB))
    build_store(
        records,
        dt.date(2026, 10, 1),
        dt.date(2026, 11, 1),
        outage=outage,
        skip_backup_on=dt.date(2026, 10, 20),
    ).close()
    court = root / "court_report.yml"
    court.write_text(
        "court_report:\n  satker: Pengadilan Agama Contoh\n  singkatan: PA-CTH\n  kota: Contoh\n"
        "  signatures:\n    operator: {name: Andi Operator}\n"
        "    ketua: {name: Dra. Ketua, nip: '196501011990032001'}\n",
        encoding="utf-8",
    )
    base = ["--records", str(records), "--operator", "andi"]
    out = sop(
        *base,
        "request",
        "new",
        "Printer ruang sidang rusak",
        "--requester",
        "Panitera Muda",
        "--received",
        "2026-10-05T09:00",
        "--at",
        "2026-10-05T09:10",
    ).stdout
    rid = re.search(r"PL-\d{6}-\d{3}", out)
    assert rid, out
    times = {
        "B.2": "2026-10-05T11:00",
        "B.3": "2026-10-05T13:00",
        "B.4": "2026-10-05T15:00",
        "B.5": "2026-10-07T08:00",
        "B.6": "2026-10-07T10:00",
        "B.7": "2026-10-07T12:00",
    }  # B.5 late
    for step, at in times.items():
        extra = ["--priority", "tinggi"] if step == "B.3" else []
        sop(*base, "request", "step", rid.group(0), step, "--note", f"langkah {step}", "--at", at, *extra)
    return {"root": root, "records": records, "court": court, "rid": Path(rid.group(0))}


@pytest.fixture(scope="module")
def monthly(workspace: dict[str, Path]) -> list[Path]:
    out = workspace["root"] / "out"
    proc = sop(
        "--records",
        str(workspace["records"]),
        "report",
        "monthly",
        "2026-10",
        "--out",
        str(out),
        "--court",
        str(workspace["court"]),
    )
    paths = [Path(line) for line in proc.stdout.split()]
    assert [p.suffix for p in paths] == [".html", ".pdf"]
    assert paths[0].name == "laporan-situasi-kondisi-PA-CTH-2026-10.html"
    return paths


def test_request_list_shows_the_late_step(workspace: dict[str, Path]) -> None:
    out = sop("--records", str(workspace["records"]), "request", "list").stdout
    assert "TERLAMBAT" in out
    b5 = next(line for line in out.splitlines() if line.strip().startswith("B.5"))
    assert "tidak memenuhi" in b5


def test_screenshot_is_not_blank_and_shows_the_chart(monthly: list[Path], tmp_path: Path) -> None:
    png = browser.screenshot(monthly[0], tmp_path / "laporan.png", width=1000, height=2600)
    img = Image.open(png).convert("RGB")
    assert img.size == (1000, 2600)
    colors = img.getcolors(maxcolors=1 << 20) or []
    white = sum(n for n, c in colors if c == (255, 255, 255))
    assert white < 0.93 * img.size[0] * img.size[1], "page looks blank"
    # bars of the availability chart: green (>= 99 %) and the red outage day
    green = sum(n for n, c in colors if c == (0x2E, 0x7D, 0x32))
    red = sum(n for n, c in colors if c == (0xC6, 0x28, 0x28))
    assert green > 3000, f"availability bars missing ({green} green pixels)"
    assert red > 100, f"outage day bar missing ({red} red pixels)"


def test_pdf_text_has_sections_figures_and_hash(monthly: list[Path], workspace: dict[str, Path]) -> None:
    text = pdftext(monthly[1])
    flat = " ".join(pdftext(monthly[1], layout=False).split())  # reading order: wrapped cells rejoined
    for needle in (
        "LAPORAN SITUASI KONDISI TEKNOLOGI INFORMASI",
        "PENGADILAN AGAMA CONTOH",
        "Bulan Oktober 2026",
        "Daftar hasil monitoring dan pemeliharaan (C.6 / C.7)",
        "Akses SIPP tersedia per hari (SIPP-1)",
        "99,3 %",
        "Back up data (SIPP-2, F.2)",
        "Uji restorasi (D.7)",
        "Perangkat jaringan dan UPS",
        "UPS ups@sipp",
        "Keamanan (D.1, D.4, D.5)",
        "Buku riwayat permasalahan SIPP",
        "Permintaan layanan TI (B.1 s.d. B.7)",
        "Printer ruang sidang rusak",
        "TERLAMBAT",
        "tidak memenuhi",
        "memenuhi",
        "Hal yang masih terbuka",
        "Kasubbag Perencanaan TI dan Pelaporan",
        "Sekretaris",
        "Ketua",
        "Andi Operator",
        "Dra. Ketua",
    ):
        assert needle in flat, needle
    # the late step B.5 is flagged in the request's table
    assert re.search(
        r"B\.5 Memberikan solusi atas permintaan layanan TI .{0,60}?tidak memenuhi langkah B\.5", flat
    )
    assert re.search(r"B\.6 Memverifikasi permintaan layanan .{0,80}?(?<!tidak )memenuhi langkah B\.6", flat)
    # the hash of the last record covered, as the store has it
    from sop_runner.records import RecordStore

    with RecordStore(workspace["records"], readonly=True) as store:
        recs = store.list_records(newest_first=True)
    # the report records itself (C.6, C.7, SIPP-5, F.5) after printing: the last record it
    # covers is the newest one before those, and the report's own records carry that hash
    covered = next(r for r in recs if r.via != "sop-report")
    own = [r for r in recs if r.via == "sop-report"]
    assert {r.activity_id for r in own} == {"C.6", "C.7", "SIPP-5", "F.5"}
    assert all(r.output["-"]["last_record_hash"] == covered.hash for r in own)
    assert all(any(a["name"].endswith(".pdf") for a in r.attachments) for r in own)
    assert covered.hash in re.sub(r"\s+", "", text)


def test_schedule_pdf_and_ics(workspace: dict[str, Path]) -> None:
    out = workspace["root"] / "jadwal"
    proc = sop(
        "--records",
        str(workspace["records"]),
        "report",
        "schedule",
        "2028",
        "--out",
        str(out),
        "--court",
        str(workspace["court"]),
    )
    ics, html, pdf = (Path(p) for p in proc.stdout.split())
    assert (ics.suffix, html.suffix, pdf.suffix) == (".ics", ".html", ".pdf")
    text = pdftext(pdf)
    assert "Jadwal Pemeliharaan Infrastruktur TI Tahun 2028".upper() in text.upper()
    c2 = next(line for line in text.splitlines() if line.strip().startswith("C.2"))
    assert re.search(r"\b30\s+29\s+30\b", c2), c2  # Jan 30, Feb 29, Mar 30
    cal = Calendar.from_ical(ics.read_bytes())
    c2_dates = {e.decoded("dtstart") for e in cal.walk("VEVENT") if str(e.get("summary")).startswith("C.2 ")}
    assert dt.date(2028, 2, 29) in c2_dates
    # the schedule is the C.1 output: recorded with its files attached
    from sop_runner.records import RecordStore

    with RecordStore(workspace["records"], readonly=True) as store:
        c1 = store.list_records(activity_id="C.1")
    assert c1 and c1[-1].output["-"]["year"] == 2028
    assert {a["name"] for a in c1[-1].attachments} == {ics.name, html.name, pdf.name}


def test_user_errors_are_one_line_and_write_nothing(workspace: dict[str, Path]) -> None:
    out = workspace["root"] / "bad"
    for args, message in (
        (["report", "monthly", "2026-13"], "month '2026-13' is not YYYY-MM"),
        (["report", "monthly", "2030-01"], "has not started yet"),
        (["request", "step", "PL-209901-001", "B.2", "--note", "x"], "no service request"),
        (["request", "step", str(workspace["rid"]), "B.2", "--note", "x"], "already complete"),
        (["request", "new", "x", "--requester", "y", "--at", "kemarin"], "is not an ISO date/time"),
    ):
        proc = (
            sop("--records", str(workspace["records"]), *args, "--out", str(out), check=False)
            if args[0] == "report"
            else sop("--records", str(workspace["records"]), *args, check=False)
        )
        assert proc.returncode == 2, (args, proc.stdout, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("sop: error: ") and message in lines[0], proc.stderr
    assert not out.exists()
