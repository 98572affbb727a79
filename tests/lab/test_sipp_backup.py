"""SIPP-2 and D.7 against the lab: restic on the nas, the portable export, media errors, restore drill."""

from __future__ import annotations

import datetime as dt
import gzip
import subprocess
from pathlib import Path

import pytest
from labkit import env as lab_env
from labkit import playbook, podman_exec, scalar, sql
from sippkit import assert_no_secret, latest, ok, run_playbook

pytestmark = [pytest.mark.lab, pytest.mark.lab_alone]

DISK_STORE = "/srv/.lab-disk/disk"  # the disk stand-in's data, visible even while "unplugged"


def today_on_sipp() -> str:
    return podman_exec("courtlab-sipp", "date", "+%Y-%m-%d").stdout.strip()


def disk_listing() -> list[str]:
    return podman_exec("courtlab-nas", "ls", "-A", DISK_STORE).stdout.split()


def opened(path: Path) -> bytes:
    """A kept file's bytes, gunzipped when it is gzip (the records' event logs)."""
    raw = path.read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def snapshot_count() -> int:
    """SIPP snapshots in the lab repository, listed on the nas (restic runs on the sipp server)."""
    out = podman_exec("courtlab-nas", "sh", "-c", "ls /srv/restic/sipp/snapshots | wc -l").stdout
    return int(out.strip())


def disk(state: str) -> None:
    playbook("playbooks/lab/fault_nas_disk.yml", "-e", f"lab_nas_disk_state={state}")


@pytest.fixture(scope="module")
def backed_up(tmp_path_factory):
    """A fresh SIPP-2 run (forced new snapshots) with the disk mounted and today's export removed."""
    records = tmp_path_factory.mktemp("sipp2") / "records.sqlite"
    disk("mounted")
    podman_exec("courtlab-nas", "rm", "-rf", f"{DISK_STORE}/SIPP-PNKln-{today_on_sipp()}")
    proc = ok(run_playbook(records, "playbooks/sipp_backup.yml", "-e", "sipp_backup_max_age_hours=0"))
    return records, proc


def test_backup_record_holds_snapshots_export_and_checksums(backed_up):
    records, proc = backed_up
    rec = latest(records, "SIPP-2")
    out = rec["output"]["sipp"]
    assert rec["status"] == "successful"
    assert out["summary"].startswith("ADK / Data File")
    names = {s["name"]: s for s in out["snapshots"]}
    assert names["database"]["new_snapshot"] and names["files"]["new_snapshot"]
    assert names["database"]["bytes_processed"] > 0
    assert out["repository"].startswith("sftp:restic@courtlab-nas:")
    assert out["check"] == "ok"
    export = out["export"]
    name = f"SIPP-PNKln-{today_on_sipp()}"
    assert export["ok"] and export["name"] == name
    files = {f["file"]: f for f in export["files"]}
    assert set(files) == {f"{name}-database.sql.gz.age", f"{name}-files.tar.gz.age"}
    assert export["encrypted"] is True and export["recipients"] == 1
    assert export["manifest_signed_by"].startswith("SHA256:")
    # the manifest on the disk verifies, its signature too, and its sums are the ones in the record
    check = podman_exec("courtlab-nas", "sh", "-c", f"cd {DISK_STORE}/{name} && sha256sum -c SHA256SUMS")
    assert check.returncode == 0
    signed = podman_exec(
        "courtlab-nas", "sh", "-c",
        f"cd {DISK_STORE}/{name} && ssh-keygen -Y verify -f allowed_signers -I SIPP-PNKln -n sipp-export "
        "-s SHA256SUMS.sig < SHA256SUMS",
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr
    # Mahkamah Agung's side: the dump opens with the recipient's key (the lab's stand-in)
    raw = subprocess.run(
        ["podman", "exec", "courtlab-nas", "cat", f"{DISK_STORE}/{name}/{name}-database.sql.gz.age"],
        capture_output=True, check=True, env=lab_env(), timeout=300,
    ).stdout  # fmt: skip
    identity = Path(__file__).resolve().parents[2] / "lab" / "export-identity.txt"
    dump = subprocess.run(["age", "-d", "-i", str(identity)], input=raw, capture_output=True, check=True)
    assert b"CREATE TABLE `perkara`" in gzip.decompress(dump.stdout)
    sums = podman_exec("courtlab-nas", "cat", f"{DISK_STORE}/{name}/SHA256SUMS").stdout
    for f in files.values():
        assert f"{f['sha256']}  {f['file']}" in sums
    assert out["memenuhi_standar_waktu"] is True
    assert_no_secret(proc.stdout, proc.stderr, folder=records.parent)


def test_second_run_same_day_changes_nothing(backed_up):
    records, _ = backed_up
    proc = ok(run_playbook(records, "playbooks/sipp_backup.yml"))
    assert "changed=0" in proc.stdout.split("PLAY RECAP")[-1]
    out = latest(records, "SIPP-2")["output"]["sipp"]
    assert not any(s["new_snapshot"] for s in out["snapshots"])


@pytest.mark.parametrize("state", ["unmounted", "full"])
def test_media_unmounted_or_full_gives_one_clear_error_and_no_partial_file(backed_up, tmp_path, state):
    records = tmp_path / "records.sqlite"
    name = f"SIPP-PNKln-{today_on_sipp()}"
    podman_exec("courtlab-nas", "rm", "-rf", f"{DISK_STORE}/{name}")
    before = disk_listing()
    disk(state)
    try:
        proc = run_playbook(records, "playbooks/sipp_backup.yml")
    finally:
        disk("mounted")
    assert proc.returncode != 0
    rec = latest(records, "SIPP-2")
    codes = [f["code"] for f in rec["findings"]]
    expected = "export_media_unmounted" if state == "unmounted" else "export_media_full"
    assert codes == [expected]
    fatal = [line for line in proc.stdout.splitlines() if line.startswith("fatal:")]
    assert len(fatal) == 1
    assert (
        "not mounted at /media/backup-disk" if state == "unmounted" else "free, the export needs about"
    ) in fatal[0]
    after = [n for n in disk_listing() if n != ".ballast"]
    assert after == [n for n in before if n != ".ballast"]
    assert not any("partial" in n or n == name for n in after)


def test_wrong_database_password_one_clear_line_and_no_snapshot(backed_up, tmp_path):
    """mariadb-backup refused: the error names the cause, nothing is kept, the password is nowhere."""
    records = tmp_path / "records.sqlite"
    wrong = "Salah-Sandi-7731"
    before = snapshot_count()
    proc = run_playbook(
        records,
        "playbooks/sipp_backup.yml",
        "-e",
        "sipp_backup_max_age_hours=0",
        "-e",
        f"sipp_db_backup_password={wrong}",
    )
    assert proc.returncode != 0
    fatal = [line for line in proc.stdout.splitlines() if line.startswith(("fatal:", "failed:"))]
    assert len(fatal) == 1, fatal
    assert "'mariadb-backup' exited with 1 (Failed to connect to MariaDB server: Access denied" in fatal[0]
    assert "no snapshot was kept" in fatal[0]
    assert snapshot_count() == before
    assert latest(records, "SIPP-2")["status"] == "failed"
    assert_no_secret(proc.stdout, proc.stderr, folder=records.parent)
    kept = [opened(p) for p in records.parent.rglob("*") if p.is_file()]
    assert wrong not in proc.stdout + proc.stderr
    assert not any(wrong.encode() in blob for blob in kept)


def test_restore_drill_reports_a_row_changed_after_the_backup(backed_up, tmp_path):
    records = tmp_path / "records.sqlite"
    case = scalar("SELECT MIN(perkara_id) FROM perkara")
    old = scalar(f"SELECT proses_terakhir_text FROM perkara WHERE perkara_id = {case}")
    changed = f"Diubah sesudah backup {dt.datetime.now():%H%M%S}"
    sql(f"UPDATE perkara SET proses_terakhir_text = '{changed}' WHERE perkara_id = {case}")
    try:
        proc = ok(run_playbook(records, "playbooks/sipp_restore_drill.yml"))
    finally:
        restored = old.replace("'", "''")
        sql(f"UPDATE perkara SET proses_terakhir_text = '{restored}' WHERE perkara_id = {case}")
    rec = latest(records, "D.7")
    out = rec["output"]["sipp"]
    assert out["restore_berhasil"] is True
    assert out["restore_method"] == "physical" and out["backup_file"] == "/mariadb.xbstream"
    assert "perkara" in out["tables_different"]
    perkara = next(t for t in out["tables"] if t["table"] == "perkara")
    assert perkara["live_rows"] == perkara["restored_rows"]
    assert perkara["live_checksum"] != perkara["restored_checksum"]
    assert all(d["sama"] for d in out["documents"]) and len(out["documents"]) == 10
    assert "restore_drill_difference" in [f["code"] for f in rec["findings"]]
    dbs = scalar("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = 'sipp_restore_drill'")
    assert dbs == "0"
    left = podman_exec("courtlab-sipp", "sh", "-c", "systemctl is-active sipp-restore-drill; ls /var/tmp")
    assert "active\n" not in left.stdout.replace("inactive", "") and "sipp-restore-drill" not in left.stdout
    assert_no_secret(proc.stdout, proc.stderr, folder=records.parent)


def test_restore_drill_scratch_server_that_cannot_start_fails_cleanly(backed_up, tmp_path):
    """A scratch folder the mysql user cannot reach (under /root): the drill fails with one line
    naming the scratch server, the record is failed, and nothing is left running or on disk."""
    records = tmp_path / "records.sqlite"
    proc = run_playbook(
        records,
        "playbooks/sipp_restore_drill.yml",
        "-e",
        "sipp_restore_drill_scratch_dir=/root/sipp-drill-test",
    )
    assert proc.returncode != 0
    fatal = [line for line in proc.stdout.splitlines() if line.startswith("fatal:")]
    assert len(fatal) == 1 and "the scratch MariaDB server did not start" in fatal[0]
    rec = latest(records, "D.7")
    assert rec["status"] == "failed" and rec["output"]["sipp"]["restore_berhasil"] is False
    left = podman_exec("courtlab-sipp", "sh", "-c", "systemctl is-active sipp-restore-drill; ls -A /root")
    assert left.stdout.split()[0] == "inactive" and "sipp-drill-test" not in left.stdout


def test_restore_drill_on_a_server_never_backed_up_says_run_sipp2_first(tmp_path):
    """A court's first day-30 before any SIPP-2: one clear line, not restic's "sftp session: EOF"."""
    records = tmp_path / "records.sqlite"
    proc = run_playbook(
        records, "playbooks/sipp_restore_drill.yml", "-e", "sipp_restore_drill_ssh_key=/root/.ssh/no_such_key"
    )
    assert proc.returncode != 0
    assert "no SIPP backup was ever made from this server" in proc.stdout
    assert "run SIPP-2 first" in proc.stdout
    rec = latest(records, "D.7")
    assert rec["status"] == "failed"
    assert rec["output"]["sipp"]["restore_berhasil"] is False
