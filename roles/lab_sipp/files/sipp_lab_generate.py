#!/usr/bin/python3
"""Fill the lab's SIPP stand-in database with synthetic Indonesian court data (lab only).

Given a database with the stand-in schema, replace its contents with: users in groups Admin /
Hakim / PP / JSP / Staff, court officers, cases with parties, judges, registrars, bailiffs,
hearings, verdicts, uploaded PDF documents (synthetic, valid PDFs), and the users' activity
(login history, audit trail) over a window of days ending the day before --end.

Profiles:
  anomalies  the SIPP-3 findings are seeded (see SCENARIO below and roles/lab_sipp/README.md)
  clean      the same normal activity with none of them

The result is described in a JSON manifest (--manifest). Exit 2 with one line on bad input.
Needs python3-pymysql; connects over the MariaDB unix socket as the invoking OS user.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pymysql

GROUPS = [
    ("Admin", "Administrator / Operator SIPP"),
    ("Hakim", "Hakim"),
    ("PP", "Panitera Pengganti"),
    ("JSP", "Jurusita / Jurusita Pengganti"),
    ("Staff", "Staf Kepaniteraan dan PTSP"),
]

MALE = [
    "Ahmad",
    "Budi",
    "Agus",
    "Joko",
    "Eko",
    "Wahyu",
    "Sugeng",
    "Bambang",
    "Hendra",
    "Rahmat",
    "Heru",
    "Slamet",
    "Bayu",
    "Dimas",
    "Fajar",
    "Arif",
    "Yusuf",
    "Teguh",
    "Rudi",
    "Andi",
    "Imam",
    "Gunawan",
    "Haryanto",
    "Supriyadi",
    "Taufik",
    "Ridwan",
    "Hadi",
    "Anton",
]
FEMALE = [
    "Rina",
    "Dewi",
    "Sri",
    "Siti",
    "Endang",
    "Retno",
    "Yuliani",
    "Fitri",
    "Indah",
    "Puspita",
    "Suryani",
    "Wulan",
    "Lestari",
    "Ayu",
    "Nurul",
    "Ratna",
    "Novita",
    "Rini",
    "Kartika",
    "Maya",
    "Sari",
    "Dian",
    "Tri",
    "Astuti",
    "Winarti",
    "Laras",
]
SURNAMES = [
    "Prasetyo",
    "Santoso",
    "Wibowo",
    "Kusuma",
    "Hidayat",
    "Nugroho",
    "Setiawan",
    "Saputra",
    "Permana",
    "Rahayu",
    "Handayani",
    "Susanti",
    "Purnomo",
    "Wijaya",
    "Hartono",
    "Sulistyo",
    "Utomo",
    "Suharto",
    "Pamungkas",
    "Lestari",
    "Maharani",
    "Anggraini",
    "Kurniawan",
    "Firmansyah",
    "Syahputra",
    "Ramadhan",
    "Hasibuan",
    "Siregar",
    "Nasution",
    "Sembiring",
]
PLACES = [
    "Klaten",
    "Boyolali",
    "Sukoharjo",
    "Surakarta",
    "Yogyakarta",
    "Wonogiri",
    "Sleman",
    "Magelang",
    "Semarang",
    "Karanganyar",
]
VILLAGES = [
    "Desa Jonggrangan",
    "Desa Karanganom",
    "Desa Gergunung",
    "Desa Buntalan",
    "Desa Tegalyoso",
    "Desa Ngawen",
    "Desa Prambanan",
    "Desa Wedi",
    "Desa Cawas",
    "Desa Delanggu",
    "Desa Pedan",
    "Desa Trucuk",
    "Desa Jogonalan",
    "Desa Ceper",
    "Desa Juwiring",
]
DISTRICTS = [
    "Kecamatan Klaten Utara",
    "Kecamatan Klaten Selatan",
    "Kecamatan Prambanan",
    "Kecamatan Wedi",
    "Kecamatan Cawas",
    "Kecamatan Delanggu",
    "Kecamatan Pedan",
    "Kecamatan Trucuk",
    "Kecamatan Jogonalan",
    "Kecamatan Ceper",
]
JOBS = [
    "Petani",
    "Wiraswasta",
    "Karyawan Swasta",
    "Pedagang",
    "Buruh Harian Lepas",
    "Guru",
    "Mengurus Rumah Tangga",
    "Pegawai Negeri Sipil",
    "Sopir",
    "Tidak Bekerja",
]
COMPANIES = [
    "PT Bank Rakyat Indonesia (Persero) Tbk",
    "PT Bank Perkreditan Rakyat Klaten Makmur",
    "Koperasi Simpan Pinjam Sejahtera Bersama",
    "PT Adira Dinamika Multi Finance Tbk",
    "CV Sumber Rejeki",
    "PT Sinar Mas Multifinance",
]
# (code, name, share, first party label, second party label)
CASE_TYPES = [
    ("Pdt.G", "Wanprestasi", 0.22, "Penggugat", "Tergugat"),
    ("Pdt.G", "Perbuatan Melawan Hukum", 0.12, "Penggugat", "Tergugat"),
    ("Pdt.G.S", "Gugatan Sederhana - Wanprestasi", 0.10, "Penggugat", "Tergugat"),
    ("Pdt.P", "Permohonan Perubahan Nama", 0.08, "Pemohon", None),
    ("Pdt.P", "Permohonan Perwalian", 0.06, "Pemohon", None),
    ("Pid.B", "Pencurian", 0.14, "Penuntut Umum", "Terdakwa"),
    ("Pid.B", "Penipuan", 0.06, "Penuntut Umum", "Terdakwa"),
    ("Pid.Sus", "Narkotika", 0.12, "Penuntut Umum", "Terdakwa"),
    ("Pid.Sus", "Kecelakaan Lalu Lintas", 0.05, "Penuntut Umum", "Terdakwa"),
    ("Pid.C", "Tindak Pidana Ringan", 0.05, "Penyidik", "Terdakwa"),
]
PUTUSAN_PERDATA = [
    "Dikabulkan",
    "Dikabulkan Sebagian",
    "Ditolak",
    "Tidak Dapat Diterima",
    "Dicabut",
    "Perdamaian",
]
PUTUSAN_PIDANA = [
    "Pidana Penjara",
    "Pidana Penjara",
    "Pidana Penjara",
    "Pidana Bersyarat",
    "Pidana Denda",
    "Bebas",
]
AGENDA_PERDATA = [
    "Pemeriksaan identitas para pihak",
    "Mediasi",
    "Pembacaan gugatan",
    "Jawaban tergugat",
    "Replik",
    "Duplik",
    "Pembuktian surat",
    "Pemeriksaan saksi",
    "Kesimpulan",
    "Pembacaan putusan",
]
AGENDA_PIDANA = [
    "Pembacaan surat dakwaan",
    "Eksepsi",
    "Pemeriksaan saksi",
    "Pemeriksaan terdakwa",
    "Tuntutan pidana",
    "Pledoi",
    "Replik",
    "Pembacaan putusan",
]
ROOMS = ["Ruang Sidang Cakra", "Ruang Sidang Kartika", "Ruang Sidang Candra", "Ruang Sidang Anak"]
PROCESSES = [
    "Pendaftaran Perkara",
    "Penetapan Majelis Hakim",
    "Penetapan Hari Sidang",
    "Sidang Pertama",
    "Persidangan",
    "Putusan",
    "Minutasi",
]
AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36 Edg/130.0.0.0",
]
BRUTE_AGENT = "python-requests/2.31.0"
LAN = "192.168.30."  # synthetic court LAN, data only (never contacted)

# The seeded SIPP-3 scenario: fixed accounts, so tests and docs can name them.
SCENARIO = {
    "off_hours_activity": "pp.rina",
    "failed_login_burst": "jsp.budi",
    "many_ip_addresses": "hakim.ahmad",
    "shared_account": "ptsp",
    "dormant_account": "jsp.dewi",
}
FIXED_USERS = [
    # username, first, surname, female, group
    ("operator", "Yusuf", "Pamungkas", False, "Admin"),
    ("hakim.ahmad", "Ahmad", "Fauzi", False, "Hakim"),
    ("pp.rina", "Rina", "Handayani", True, "PP"),
    ("jsp.budi", "Budi", "Santoso", False, "JSP"),
    ("jsp.dewi", "Dewi", "Lestari", True, "JSP"),
    ("ptsp", "Meja", "PTSP", False, "Staff"),
]
EXTRA_PER_GROUP = {"Hakim": 6, "PP": 6, "JSP": 3, "Staff": 5}
WIPE_TABLES = [
    "sys_user_online",
    "sys_login_history",
    "sys_audittrail",
    "sys_user_group",
    "sys_users",
    "sys_groups",
    "hakim_pn",
    "panitera_pn",
    "jurusita",
    "perkara",
    "perkara_putusan",
    "perkara_jadwal_sidang",
    "perkara_hakim_pn",
    "perkara_panitera_pn",
    "perkara_jurusita",
    "pihak",
    "perkara_pihak1",
    "perkara_pihak2",
    "perkara_dokumen",
    "sinkronisasi_log",
]
CENTRAL_TABLES = ["perkara", "perkara_putusan", "perkara_jadwal_sidang"]


class InputError(Exception):
    """A user-caused problem: printed as one line, exit 2."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--database", default="sipp")
    p.add_argument("--central-database", default="", help="also empty this central-side database")
    p.add_argument("--socket", default="/run/mysqld/mysqld.sock")
    p.add_argument("--court-code", default="PN Kln")
    p.add_argument("--cases", type=int, default=200)
    p.add_argument("--days", type=int, default=30, help="days of user activity")
    p.add_argument("--end", default="", help="YYYY-MM-DD, activity stops the day before (default today)")
    p.add_argument("--profile", choices=["anomalies", "clean"], default="anomalies")
    p.add_argument("--docs-per-case", type=int, default=2)
    p.add_argument("--doc-kb", type=int, default=24, help="average size of one PDF in KiB")
    p.add_argument("--uploads", default="/var/www/html/SIPP/uploads")
    p.add_argument("--uploads-owner", default="www-data")
    p.add_argument("--password-file", required=True, help="file holding the seeded users' password")
    p.add_argument("--manifest", default="/var/lib/sipp-lab/scenario.json")
    p.add_argument("--seed", type=int, default=2026)
    a = p.parse_args(argv)
    if a.cases < 10:
        raise InputError(f"--cases {a.cases}: need at least 10 cases")
    if a.days < 7:
        raise InputError(f"--days {a.days}: need at least 7 days of activity")
    if a.doc_kb < 1 or a.docs_per_case < 1:
        raise InputError("--doc-kb and --docs-per-case must be at least 1")
    try:
        a.end_date = dt.date.fromisoformat(a.end) if a.end else dt.date.today()
    except ValueError as exc:
        raise InputError(f"--end {a.end!r}: not a date (YYYY-MM-DD)") from exc
    pw = Path(a.password_file)
    if not pw.is_file() or not pw.read_text(encoding="utf-8").strip():
        raise InputError(f"--password-file {a.password_file}: missing or empty")
    a.password = pw.read_text(encoding="utf-8").strip()
    return a


# ---------------------------------------------------------------------------------------------- PDF
def _pdf_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(lines: list[str], size: int, rng: random.Random, when: dt.datetime) -> bytes:
    """Return a valid one-page PDF with the text lines and a grey "scan" image padding it to ~size."""
    width = 512
    height = max(1, (size - 1500) // width)
    scan = rng.randbytes(width * height)
    text = "BT /F1 11 Tf 64 780 Td 15 TL " + " ".join(f"({_pdf_escape(x)}) '" for x in lines) + " ET\n"
    text += f"q 460 {min(600, height)} 0 0 64 100 cm /Im1 Do Q\n"
    stamp = when.strftime("D:%Y%m%d%H%M%S+07'00'")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 5 0 R "
        b"/Resources << /Font << /F1 4 0 R >> /XObject << /Im1 6 0 R >> >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(text.encode("latin-1")) + text.encode("latin-1") + b"\nendstream",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (width, height, len(scan)) + scan + b"\nendstream",
        (
            f"<< /Title ({_pdf_escape(lines[0])}) /Producer (SIPP lab generator) /CreationDate ({stamp}) >>"
        ).encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objs) + 1,
        len(objs),
        xref,
    )
    return bytes(out)


# ---------------------------------------------------------------------------------------------- people
class People:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def name(self, female: bool | None = None) -> tuple[str, str, bool]:
        if female is None:
            female = self.rng.random() < 0.5
        first = self.rng.choice(FEMALE if female else MALE)
        return first, self.rng.choice(SURNAMES), female

    def nip(self, female: bool) -> str:
        born = dt.date(1965, 1, 1) + dt.timedelta(days=self.rng.randrange(0, 365 * 28))
        start = born.year + self.rng.randint(23, 30)
        month = self.rng.randint(1, 12)
        return f"{born:%Y%m%d}{start}{month:02d}{2 if female else 1}{self.rng.randint(1, 9):03d}"

    def address(self) -> str:
        return (
            f"{self.rng.choice(VILLAGES)} RT {self.rng.randint(1, 9):03d} RW {self.rng.randint(1, 12):03d}, "
            f"{self.rng.choice(DISTRICTS)}, Kabupaten Klaten"
        )


def bcrypt_hashes(password: str, count: int) -> list[str]:
    """Return count bcrypt hashes of password made by PHP's password_hash (what the PHP app verifies)."""
    code = (
        "$p=trim(stream_get_contents(STDIN));for($i=0;$i<(int)$argv[1];$i++)"
        '{echo password_hash($p,PASSWORD_BCRYPT),"\\n";}'
    )
    out = subprocess.run(
        ["php", "-r", code, str(count)], input=password, capture_output=True, text=True, check=True
    )
    hashes = out.stdout.split()
    if len(hashes) != count:
        raise RuntimeError("php password_hash returned an unexpected number of hashes")
    return hashes


# ---------------------------------------------------------------------------------------------- main work
class Generator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.a = args
        self.rng = random.Random(args.seed)
        self.people = People(self.rng)
        self.end = args.end_date
        self.start = self.end - dt.timedelta(days=args.days)
        # the anomalies go on the last working day before --end (a weekend day would make every
        # seeded session "off hours" as well)
        self.anomaly_day = self.end - dt.timedelta(days=1)
        while self.anomaly_day.weekday() >= 5:
            self.anomaly_day -= dt.timedelta(days=1)
        self.rows: dict[str, list[tuple]] = {}
        self.users: list[dict] = []
        self.anomalies: list[dict] = []

    def add(self, table: str, row: tuple) -> None:
        self.rows.setdefault(table, []).append(row)

    def at(self, day: dt.date, hh: int, mm: int, ss: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hh, mm, ss))

    # -- users and officers
    def make_users(self) -> None:
        specs = list(FIXED_USERS)
        taken = {s[0] for s in specs}
        prefix = {"Hakim": "hakim", "PP": "pp", "JSP": "jsp", "Staff": "staf"}
        for group, n in EXTRA_PER_GROUP.items():
            made = 0
            while made < n:
                first, last, female = self.people.name()
                username = f"{prefix[group]}.{first.lower()}"
                if username in taken:
                    username = f"{prefix[group]}.{first.lower()}{last[0].lower()}"
                if username in taken:
                    continue
                taken.add(username)
                specs.append((username, first, last, female, group))
                made += 1
        hashes = bcrypt_hashes(self.a.password, len(specs))
        for gid, (name, desc) in enumerate(GROUPS, start=1):
            self.add("sys_groups", (gid, name, desc))
        gids = {g[0]: i for i, g in enumerate(GROUPS, start=1)}
        ip_pool = list(range(20, 200))
        self.rng.shuffle(ip_pool)
        for uid, ((username, first, last, female, group), pw_hash) in enumerate(
            zip(specs, hashes, strict=True), start=1
        ):
            full = f"{first} {last}"
            if group == "Hakim":
                full += ", S.H., M.H."
            elif group in ("PP", "Admin"):
                full += ", S.H."
            if username == "ptsp":
                full = "Meja PTSP (akun bersama loket)"
            user = {
                "userid": uid,
                "username": username,
                "fullname": full,
                "group": group,
                "female": female,
                "nip": self.people.nip(female),
                "ip": f"{LAN}{ip_pool.pop()}",
                "agent": self.rng.choice(AGENTS),
                "hash": pw_hash,
                "created": dt.datetime.combine(
                    self.end - dt.timedelta(days=self.rng.randint(400, 2400)),
                    dt.time(9, self.rng.randint(0, 59)),
                ),
            }
            self.users.append(user)
            self.add("sys_user_group", (uid, gids[group]))
        for table, group, jabatan in (
            ("hakim_pn", "Hakim", "Hakim"),
            ("panitera_pn", "PP", "Panitera Pengganti"),
            ("jurusita", "JSP", "Jurusita Pengganti"),
        ):
            for u in self.users:
                if u["group"] == group:
                    self.add(table, (u["nip"], u["fullname"], jabatan, u["userid"]))

    def by_group(self, group: str) -> list[dict]:
        return [u for u in self.users if u["group"] == group and u["username"] != SCENARIO["dormant_account"]]

    # -- cases
    def make_cases(self) -> list[dict]:
        rng = self.rng
        weights = [c[2] for c in CASE_TYPES]
        first_day = self.end - dt.timedelta(days=720)
        days = sorted(first_day + dt.timedelta(days=rng.randrange(0, 720)) for _ in range(self.a.cases))
        counters: dict[tuple[str, int], int] = {}
        cases = []
        hakim = self.by_group("Hakim")
        pp = self.by_group("PP")
        jsp = self.by_group("JSP")
        staff = [u for u in self.users if u["group"] in ("Staff", "Admin")]
        pihak_id = 0
        for pid, reg in enumerate(days, start=1):
            while reg.weekday() >= 5:
                reg -= dt.timedelta(days=1)
            code, nama, _, label1, label2 = rng.choices(CASE_TYPES, weights)[0]
            counters[(code, reg.year)] = counters.get((code, reg.year), 0) + 1
            nomor = f"{counters[(code, reg.year)]}/{code}/{reg.year}/{self.a.court_code}"
            pidana = code.startswith("Pid")
            parties1, parties2 = [], []
            if pidana:
                prosecutor = "Kepolisian Resor Klaten" if code == "Pid.C" else "Kejaksaan Negeri Klaten"
                parties1.append((label1, prosecutor, None))
                first, last, female = self.people.name()
                parent = f"{'binti' if female else 'bin'} {rng.choice(MALE)}"
                parties2.append(("Terdakwa", f"{first} {last} {parent}", (first, female)))
            else:
                for _ in range(rng.choice([1, 1, 2])):
                    first, last, female = self.people.name()
                    parties1.append((label1, f"{first} {last}", (first, female)))
                if label2:
                    if rng.random() < 0.4:
                        parties2.append((label2, rng.choice(COMPANIES), None))
                    else:
                        first, last, female = self.people.name()
                        parties2.append((label2, f"{first} {last}", (first, female)))
            for table, parties in (("perkara_pihak1", parties1), ("perkara_pihak2", parties2)):
                for order, (_, pname, person) in enumerate(parties, start=1):
                    pihak_id += 1
                    addr = self.people.address()
                    if person:
                        born = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 45))
                        self.add(
                            "pihak",
                            (
                                pihak_id,
                                "Perorangan",
                                pname,
                                rng.choice(PLACES),
                                born,
                                "P" if person[1] else "L",
                                rng.choice(JOBS),
                                addr,
                            ),
                        )
                    else:
                        self.add(
                            "pihak",
                            (
                                pihak_id,
                                "Badan Hukum" if "PT" in pname or "CV" in pname else "Instansi",
                                pname,
                                None,
                                None,
                                None,
                                None,
                                addr,
                            ),
                        )
                    self.add(table, (pid, pihak_id, order, pname, addr))
            clerk = rng.choice(staff)
            entered = self.at(reg, rng.randint(8, 14), rng.randint(0, 59), rng.randint(0, 59))
            age = (self.end - reg).days
            decided = age > 60 and rng.random() < min(0.95, age / 200)
            proc = (
                "Minutasi" if decided and age > 90 else ("Putusan" if decided else rng.choice(PROCESSES[1:5]))
            )
            updated = entered + dt.timedelta(
                days=min(age - 1, rng.randint(1, 120)) if age > 1 else 0, hours=rng.randint(0, 3)
            )
            while updated.date() >= self.end:
                updated -= dt.timedelta(days=1)
            text1 = "; ".join(p[1] for p in parties1)
            text2 = "; ".join(p[1] for p in parties2) or None
            petitum = (
                "Menghukum Tergugat membayar ganti rugi"
                if label2 == "Tergugat"
                else "Mengabulkan permohonan Pemohon"
                if not pidana
                else None
            )
            self.add(
                "perkara",
                (
                    pid,
                    1 if not pidana else 2,
                    counters[(code, reg.year)],
                    nomor,
                    reg,
                    code,
                    nama,
                    text1,
                    text2,
                    petitum,
                    proc,
                    clerk["username"],
                    entered,
                    clerk["username"],
                    updated,
                ),
            )
            panel = rng.sample(hakim, k=3 if len(hakim) >= 3 else 1)
            for i, h in enumerate(panel):
                self.add(
                    "perkara_hakim_pn",
                    (
                        pid,
                        h["userid"],
                        h["fullname"],
                        "Hakim Ketua" if i == 0 else "Hakim Anggota",
                        reg + dt.timedelta(days=2),
                    ),
                )
            reg_pp = rng.choice(pp)
            reg_jsp = rng.choice(jsp)
            self.add(
                "perkara_panitera_pn", (pid, reg_pp["userid"], reg_pp["fullname"], reg + dt.timedelta(days=2))
            )
            self.add(
                "perkara_jurusita", (pid, reg_jsp["userid"], reg_jsp["fullname"], reg + dt.timedelta(days=3))
            )
            # hearings: past ones, and upcoming ones for open cases
            agenda = AGENDA_PIDANA if pidana else AGENDA_PERDATA
            n_hearings = rng.randint(2, 6) if decided else rng.randint(1, 4)
            hearing = reg + dt.timedelta(days=rng.randint(7, 21))
            last_hearing = hearing
            for order in range(1, n_hearings + 1):
                while hearing.weekday() >= 5:
                    hearing += dt.timedelta(days=1)
                topic = (
                    agenda[min(order - 1, len(agenda) - 2)]
                    if not (decided and order == n_hearings)
                    else "Pembacaan putusan"
                )
                start_h = rng.choice([9, 9, 10, 10, 11, 13, 14])
                postponed = "Y" if rng.random() < 0.15 else "T"
                entered_on = max(reg, min(hearing - dt.timedelta(days=7), self.anomaly_day))
                self.add(
                    "perkara_jadwal_sidang",
                    (
                        pid,
                        order,
                        hearing,
                        dt.time(start_h, rng.choice([0, 30])),
                        dt.time(start_h + 1, 0),
                        topic,
                        rng.choice(ROOMS),
                        postponed,
                        "Saksi tidak hadir" if postponed == "Y" else None,
                        reg_pp["username"],
                        self.at(entered_on, 10, 0),
                    ),
                )
                last_hearing = hearing
                hearing += dt.timedelta(days=rng.randint(7, 14))
                if not decided and hearing > self.end + dt.timedelta(days=21):
                    break
            if decided:
                status = rng.choice(PUTUSAN_PIDANA if pidana else PUTUSAN_PERDATA)
                amar = (
                    f"MENGADILI: Menyatakan Terdakwa terbukti secara sah dan meyakinkan bersalah; {status}"
                    if pidana
                    else f"MENGADILI: {status}; membebankan biaya perkara sesuai ketentuan"
                )
                minut = last_hearing + dt.timedelta(days=rng.randint(3, 20)) if proc == "Minutasi" else None
                if minut and minut >= self.end:
                    minut = None
                put_at = min(self.at(last_hearing, 15, rng.randint(0, 59)), self.at(self.anomaly_day, 15, 0))
                self.add(
                    "perkara_putusan",
                    (
                        pid,
                        min(last_hearing, self.anomaly_day),
                        status,
                        amar,
                        minut,
                        reg_pp["username"],
                        put_at,
                        reg_pp["username"],
                        put_at,
                    ),
                )
            cases.append(
                {
                    "perkara_id": pid,
                    "nomor": nomor,
                    "reg": reg,
                    "decided": decided,
                    "pidana": pidana,
                    "text1": text1,
                    "text2": text2,
                    "nama": nama,
                    "clerk": clerk["username"],
                    "pp": reg_pp["username"],
                    "entered": entered,
                }
            )
        return cases

    # -- documents
    def make_documents(self, cases: list[dict], target: Path) -> int:
        rng = self.rng
        total = 0
        owner = self.a.uploads_owner
        for c in cases:
            kinds = [
                "Surat Dakwaan" if c["pidana"] else "Surat Gugatan" if c["text2"] else "Surat Permohonan",
                "Berita Acara Sidang",
                "Relaas Panggilan",
            ]
            if c["decided"]:
                kinds.insert(1, "Putusan")
            for n, kind in enumerate(kinds[: self.a.docs_per_case], start=1):
                size = max(2048, int(self.a.doc_kb * 1024 * rng.uniform(0.5, 1.5)))
                when = c["entered"] + dt.timedelta(days=n * 3)
                if when.date() >= self.end:
                    when = self.at(self.anomaly_day, 11, 0)
                lines = [
                    f"{kind} - Perkara Nomor {c['nomor']}",
                    "PENGADILAN NEGERI KLATEN",
                    f"{c['nama']}",
                    f"{c['text1'][:90]}",
                    f"melawan/terhadap: {(c['text2'] or '-')[:80]}",
                    f"Klaten, {when:%d-%m-%Y}",
                    "Dokumen sintetis untuk lab (bukan dokumen asli).",
                ]
                pdf = make_pdf(lines, size, rng, when)
                rel = (
                    f"uploads/dokumen/{c['reg'].year}/{c['perkara_id']}/{kind.lower().replace(' ', '_')}.pdf"
                )
                path = target / rel.removeprefix("uploads/")
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(pdf)
                total += len(pdf)
                self.add(
                    "perkara_dokumen",
                    (
                        c["perkara_id"],
                        kind,
                        path.name,
                        rel,
                        len(pdf),
                        hashlib.sha256(pdf).hexdigest(),
                        c["pp"],
                        when,
                    ),
                )
        shutil.chown(target, owner, owner)
        for root, dirs, files in os.walk(target):
            for name in dirs + files:
                shutil.chown(os.path.join(root, name), owner, owner)
        return total

    # -- activity
    def session(
        self,
        user: dict,
        login: dt.datetime,
        logout: dt.datetime | None,
        ip: str | None = None,
        agent: str | None = None,
        actions: int | None = None,
        cases: list[dict] | None = None,
    ) -> None:
        ip = ip or user["ip"]
        agent = agent or user["agent"]
        self.add(
            "sys_login_history",
            (user["userid"], user["username"], login, logout, ip, agent, "success", "Login berhasil"),
        )
        self.add(
            "sys_audittrail",
            (
                login,
                ip,
                user["username"],
                "sys_users",
                "LOGIN",
                "Login ke SIPP",
                f"User {user['username']} login dari {ip}",
            ),
        )
        end = logout or login + dt.timedelta(hours=1)
        n = actions if actions is not None else self.rng.randint(3, 14)
        span = max(60, int((end - login).total_seconds()) - 120)
        for _ in range(n):
            t = login + dt.timedelta(seconds=60 + self.rng.randrange(0, span))
            c = self.rng.choice(cases) if cases else None
            nomor = c["nomor"] if c else "-"
            table, action, title = {
                "Hakim": ("perkara_putusan", "UPDATE", f"Mengubah data putusan perkara {nomor}"),
                "PP": ("perkara_jadwal_sidang", "INSERT", f"Menambah jadwal sidang perkara {nomor}"),
                "JSP": ("perkara_jurusita", "UPDATE", f"Mencatat relaas panggilan perkara {nomor}"),
                "Staff": ("perkara", "INSERT", f"Pendaftaran perkara {nomor}"),
                "Admin": ("sys_users", "UPDATE", "Mengubah data pengguna"),
            }[user["group"]]
            self.add(
                "sys_audittrail",
                (t, ip, user["username"], table, action, title, f"{title} oleh {user['fullname']}"),
            )
        if logout:
            self.add(
                "sys_audittrail",
                (
                    logout,
                    ip,
                    user["username"],
                    "sys_users",
                    "LOGOUT",
                    "Logout dari SIPP",
                    f"User {user['username']} logout",
                ),
            )
        user["last_login"] = max(user.get("last_login") or login, login)
        user["last_ip"] = ip

    def make_activity(self, cases: list[dict]) -> None:
        rng = self.rng
        dormant = SCENARIO["dormant_account"]
        day = self.start
        while day < self.end:
            if day.weekday() < 5:
                for u in self.users:
                    if u["username"] == dormant or rng.random() > 0.85:
                        continue
                    if (
                        self.a.profile == "anomalies"
                        and day == self.anomaly_day
                        and u["username"] in (SCENARIO["many_ip_addresses"], SCENARIO["shared_account"])
                    ):
                        continue
                    # office hours are 07:30-16:00: first login 07:31-09:01, last logout before 16:00
                    login = self.at(day, 7, 31) + dt.timedelta(seconds=rng.randrange(0, 5400))
                    logout = (
                        self.at(day, 15, rng.randint(0, 59), rng.randint(0, 59))
                        if day.weekday() < 4
                        else self.at(day, 14, rng.randint(0, 59), rng.randint(0, 59))
                    )
                    if rng.random() < 0.04:  # a typo before the right password: normal
                        self.add(
                            "sys_login_history",
                            (
                                u["userid"],
                                u["username"],
                                login - dt.timedelta(seconds=20),
                                None,
                                u["ip"],
                                u["agent"],
                                "failed",
                                "Password salah",
                            ),
                        )
                    self.session(u, login, logout, cases=cases)
            day += dt.timedelta(days=1)
        if self.a.profile == "anomalies":
            self.seed_anomalies(cases)

    def user(self, username: str) -> dict:
        return next(u for u in self.users if u["username"] == username)

    def seed_anomalies(self, cases: list[dict]) -> None:
        d = self.anomaly_day
        # 1. off-hours activity: a PP edits verdict data late at night
        u = self.user(SCENARIO["off_hours_activity"])
        self.session(u, self.at(d, 22, 14, 9), self.at(d, 22, 47, 31), actions=6, cases=cases)
        self.anomalies.append(
            {
                "code": "off_hours_activity",
                "username": u["username"],
                "from": f"{d} 22:14:09",
                "to": f"{d} 22:47:31",
                "audit_actions": 6,
            }
        )
        # 2. failed-login burst: 12 wrong passwords in under 4 minutes from a PC that is not the user's
        u = self.user(SCENARIO["failed_login_burst"])
        ip = f"{LAN}213"
        t = self.at(d, 10, 2, 5)
        for _ in range(12):
            self.add(
                "sys_login_history",
                (u["userid"], u["username"], t, None, ip, BRUTE_AGENT, "failed", "Password salah"),
            )
            t += dt.timedelta(seconds=self.rng.randint(12, 20))
        u["attemp_count"] = 12
        self.anomalies.append(
            {
                "code": "failed_login_burst",
                "username": u["username"],
                "failed": 12,
                "ip_address": ip,
                "from": f"{d} 10:02:05",
            }
        )
        # 3. one account from many IP addresses in one day (sequential sessions)
        u = self.user(SCENARIO["many_ip_addresses"])
        ips = [u["ip"]] + [f"{LAN}{n}" for n in (201, 202, 203, 204, 205)]
        starts = [(8, 5), (9, 40), (11, 15), (13, 2), (14, 30), (15, 48)]
        for ip, (hh, mm) in zip(ips, starts, strict=True):
            self.session(u, self.at(d, hh, mm, 11), self.at(d, hh, mm + 9, 40), ip=ip, actions=2, cases=cases)
        self.anomalies.append(
            {"code": "many_ip_addresses", "username": u["username"], "ip_addresses": ips, "date": str(d)}
        )
        # 4. shared account: concurrent sessions from three workstations with three browsers
        u = self.user(SCENARIO["shared_account"])
        shared = [
            (f"{LAN}11", AGENTS[0], (7, 58), (15, 40)),
            (f"{LAN}12", AGENTS[1], (8, 10), (12, 5)),
            (f"{LAN}13", AGENTS[2], (12, 30), (15, 55)),
        ]
        for ip, agent, (h1, m1), (h2, m2) in shared:
            self.session(
                u, self.at(d, h1, m1, 3), self.at(d, h2, m2, 44), ip=ip, agent=agent, actions=5, cases=cases
            )
        self.anomalies.append(
            {
                "code": "shared_account",
                "username": u["username"],
                "ip_addresses": [s[0] for s in shared],
                "date": str(d),
                "concurrent_sessions": 3,
            }
        )
        # 5. dormant account (>90 days without login) that is still active (block = 0)
        u = self.user(SCENARIO["dormant_account"])
        u["last_login"] = self.at(self.end - dt.timedelta(days=124), 10, 12, 40)
        u["last_ip"] = u["ip"]
        self.anomalies.append(
            {
                "code": "dormant_account",
                "username": u["username"],
                "last_login": str(u["last_login"]),
                "days_unused": 124,
                "block": 0,
            }
        )

    # -- write
    def write(self, conn: pymysql.connections.Connection, uploads: Path) -> dict:
        dormant = self.user(SCENARIO["dormant_account"])
        if self.a.profile == "clean":
            dormant["block"] = 1  # a dormant account that has been disabled, as the SOP expects
            dormant["last_login"] = self.at(self.end - dt.timedelta(days=124), 10, 12, 40)
        for u in self.users:
            self.add(
                "sys_users",
                (
                    u["userid"],
                    u["username"],
                    u["hash"],
                    u["fullname"],
                    u["nip"],
                    f"{u['username']}@pn-klaten.test",
                    u.get("last_login"),
                    u.get("last_ip"),
                    u.get("block", 0),
                    u.get("attemp_count", 0),
                    u["created"],
                ),
            )
        columns = {
            "sys_groups": "groupid, name, description",
            "sys_user_group": "userid, groupid",
            "sys_users": "userid, username, password, fullname, nip, email, last_login, last_ip, block, "
            "attemp_count, created_at",
            "hakim_pn": "nip, nama, jabatan, userid",
            "panitera_pn": "nip, nama, jabatan, userid",
            "jurusita": "nip, nama, jabatan, userid",
            "pihak": "id, jenis_pihak, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, pekerjaan, alamat",
            "perkara_pihak1": "perkara_id, pihak_id, urutan, nama, alamat",
            "perkara_pihak2": "perkara_id, pihak_id, urutan, nama, alamat",
            "perkara": "perkara_id, alur_perkara_id, nomor_urut_perkara, nomor_perkara, tanggal_pendaftaran, "
            "jenis_perkara_kode, jenis_perkara_nama, pihak1_text, pihak2_text, petitum, "
            "proses_terakhir_text, diinput_oleh, diinput_tanggal, diperbaharui_oleh, diperbaharui_tanggal",
            "perkara_hakim_pn": "perkara_id, hakim_id, hakim_nama, jabatan_hakim, tanggal_penetapan",
            "perkara_panitera_pn": "perkara_id, panitera_id, panitera_nama, tanggal_penetapan",
            "perkara_jurusita": "perkara_id, jurusita_id, jurusita_nama, tanggal_penetapan",
            "perkara_jadwal_sidang": "perkara_id, urutan, tanggal_sidang, jam_sidang, sampai_jam, agenda, "
            "ruangan, ditunda, alasan_ditunda, diinput_oleh, diinput_tanggal",
            "perkara_putusan": "perkara_id, tanggal_putusan, status_putusan_nama, amar_putusan, "
            "tanggal_minutasi, diinput_oleh, diinput_tanggal, diperbaharui_oleh, diperbaharui_tanggal",
            "perkara_dokumen": "perkara_id, jenis_dokumen, nama_file, file_path, ukuran, sha256, "
            "diinput_oleh, diinput_tanggal",
            "sys_login_history": "userid, username, login_time, logout_time, ip_address, user_agent, status, "
            "keterangan",
            "sys_audittrail": "datetime, ipaddress, username, tablename, action, title, description",
        }
        # chronological order, as a live system would have written them
        self.rows["sys_login_history"].sort(key=lambda r: r[2])
        self.rows["sys_audittrail"].sort(key=lambda r: r[0])
        with conn.cursor() as cur:
            cur.execute("SET FOREIGN_KEY_CHECKS=0")
            for table in WIPE_TABLES:
                cur.execute(f"TRUNCATE TABLE `{table}`")
            if self.a.central_database:
                for table in CENTRAL_TABLES:
                    cur.execute(f"TRUNCATE TABLE `{self.a.central_database}`.`{table}`")
            for table, cols in columns.items():
                rows = self.rows.get(table, [])
                marks = ", ".join(["%s"] * len(cols.split(",")))
                for i in range(0, len(rows), 2000):
                    cur.executemany(f"INSERT INTO `{table}` ({cols}) VALUES ({marks})", rows[i : i + 2000])
        conn.commit()
        return {t: len(self.rows.get(t, [])) for t in columns}


def main(argv: list[str]) -> int:
    try:
        args = parse_args(argv)
    except InputError as exc:
        print(f"sipp-lab-generate: {exc}", file=sys.stderr)
        return 2
    gen = Generator(args)
    try:
        conn = pymysql.connect(
            unix_socket=args.socket, user="root", database=args.database, charset="utf8mb4"
        )
    except pymysql.err.OperationalError as exc:
        print(f"sipp-lab-generate: cannot open database {args.database!r}: {exc.args[-1]}", file=sys.stderr)
        return 2
    uploads = Path(args.uploads)
    staging = uploads.with_name(uploads.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    gen.make_users()
    cases = gen.make_cases()
    doc_bytes = gen.make_documents(cases, staging)
    gen.make_activity(cases)
    counts = gen.write(conn, uploads)
    conn.close()
    # swap the uploads folder in one rename; the old one is removed afterwards
    old = uploads.with_name(uploads.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if uploads.exists():
        uploads.rename(old)
    staging.rename(uploads)
    shutil.rmtree(old, ignore_errors=True)
    manifest = {
        "profile": args.profile,
        "seed": args.seed,
        "end": str(gen.end),
        "activity_from": str(gen.start),
        "activity_to": str(gen.end - dt.timedelta(days=1)),
        "anomaly_day": str(gen.anomaly_day) if args.profile == "anomalies" else None,
        "office_hours": "Mon-Fri 07:30-16:00 local time",
        "anomalies": gen.anomalies,
        "accounts": SCENARIO,
        "rows": counts,
        "documents_bytes": doc_bytes,
        "users": [
            {
                "username": u["username"],
                "group": u["group"],
                "fullname": u["fullname"],
                "workstation_ip": u["ip"],
            }
            for u in gen.users
        ],
    }
    path = Path(args.manifest)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    tmp.rename(path)
    print(json.dumps({"profile": args.profile, "rows": counts, "documents_bytes": doc_bytes}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
