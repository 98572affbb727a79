"""The sync stand-in moves data to the central side, and breaks the way the real incident did."""

from __future__ import annotations

import uuid

import pytest
from labkit import playbook, podman_exec, scalar, sql

pytestmark = pytest.mark.lab


def new_case() -> str:
    """Insert a fresh case into the SIPP database (as the app would) and return its number."""
    nomor = f"{900 + uuid.uuid4().int % 99000}/Pdt.G/2026/PN Kln"
    columns = (
        "alur_perkara_id, nomor_urut_perkara, nomor_perkara, tanggal_pendaftaran, jenis_perkara_kode, "
        "jenis_perkara_nama, pihak1_text, pihak2_text, proses_terakhir_text, diinput_oleh, diinput_tanggal, "
        "diperbaharui_oleh, diperbaharui_tanggal"
    )
    values = (
        f"1, 900, '{nomor}', CURDATE(), 'Pdt.G', 'Wanprestasi', 'Uji Sinkronisasi', 'Tergugat Uji', "
        "'Pendaftaran Perkara', 'operator', NOW(), 'operator', NOW()"
    )
    sql(f"INSERT INTO perkara ({columns}) VALUES ({values})")
    return nomor


def run_sync() -> tuple[str, str]:
    """Run the sync job once (as its timer would); return the newest job-log row and log-file line."""
    podman_exec("courtlab-sipp", "systemctl", "start", "sipp-sinkronisasi.service")
    row = sql("SELECT status, jumlah_data FROM sinkronisasi_log ORDER BY id DESC LIMIT 1")[0]
    line = podman_exec("courtlab-sipp", "tail", "-n", "1", "/var/log/sipp/sinkronisasi.log").stdout.strip()
    return row[0], line


def at_centre(nomor: str) -> int:
    return int(scalar(f"SELECT COUNT(*) FROM perkara WHERE nomor_perkara = '{nomor}'", database="sipp_pusat"))


def test_timer_is_scheduled():
    out = podman_exec("courtlab-sipp", "systemctl", "is-enabled", "sipp-sinkronisasi.timer").stdout.strip()
    assert out == "enabled"
    assert (
        podman_exec("courtlab-sipp", "systemctl", "is-active", "sipp-sinkronisasi.timer").stdout.strip()
        == "active"
    )


def test_sync_moves_data_and_breaks_while_its_log_says_success():
    made = []
    try:
        made.append(new_case())
        status, line = run_sync()
        assert status == "SUKSES" and " SUKSES " in line
        assert at_centre(made[-1]) == 1

        playbook("playbooks/lab/fault_sync.yml", "-e", "lab_sipp_sync_fault=revoked")
        made.append(new_case())
        status, line = run_sync()
        # the job log and its file both claim success ...
        assert status == "SUKSES" and " SUKSES " in line
        # ... but nothing arrived at the centre
        assert at_centre(made[-1]) == 0
        assert scalar("SELECT jumlah_data FROM sinkronisasi_log ORDER BY id DESC LIMIT 1") == "0"
    finally:
        playbook("playbooks/lab/fault_sync.yml")
    # repaired: the next run catches up (it resumes from the last "SUKSES" run, so rows changed
    # during the outage are only caught if they are touched again - as with the real incident)
    sql(f"UPDATE perkara SET diperbaharui_tanggal = NOW() WHERE nomor_perkara = '{made[-1]}'")
    status, _ = run_sync()
    assert status == "SUKSES" and at_centre(made[-1]) == 1
    for nomor in made:
        sql(f"DELETE FROM perkara WHERE nomor_perkara = '{nomor}'")
        sql(f"DELETE FROM perkara WHERE nomor_perkara = '{nomor}'", database="sipp_pusat")
