"""Recovery onto a replacement server (sop recover sipp|website, SIPP-7 / F.7) against the lab.

A new container from the BASE image (no SIPP, no website: playbooks/lab/spare.yml, courtlab-spare,
SSH 127.0.0.1:2225, HTTP :8085) becomes a working SIPP from the lab's SIPP-2 backups: the key
tables' row counts and checksums and every document equal the source at the backup's time, SIPP
answers, SIPP-1 succeeds against it and the record carries the recovery time. A second recovery
onto it is refused and changes nothing. Then the same container, made anew, becomes the court
website from the F.2 backups and F.1 succeeds against it. The container is removed at the end.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import urllib.request
from pathlib import Path

import pytest
from labkit import ROOT, env, playbook, podman_exec
from sippkit import assert_no_secret, latest, ok, run_playbook

pytestmark = [pytest.mark.lab, pytest.mark.lab_alone]

SPARE = "courtlab-spare"
KEY_TABLES = [
    "perkara",
    "perkara_putusan",
    "perkara_jadwal_sidang",
    "perkara_pihak1",
    "pihak",
    "perkara_dokumen",
    "sys_users",
]


def sop(records: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    e = env()
    e.update({"SOP_RECORDS": str(records), "SOP_INVENTORY": str(ROOT / "inventory" / "lab")})
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "sop"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=e,
        timeout=timeout,
    )


def on_spare(records: Path, playbook_path: str, activity: str, group_yaml: str, tmp: Path) -> dict:
    """Run an SOP playbook against the spare as a member of a group (an inventory beside the lab's
    that puts it there, with the variables given) and return the activity's newest record."""
    extra = tmp / "spare-group.yml"
    extra.write_text(group_yaml)
    lab = str(ROOT / "inventory" / "lab")
    ok(run_playbook(records, playbook_path, "-i", lab, "-i", str(extra), "-l", "spare"))
    return latest(records, activity)


def spare(state: str) -> None:
    playbook("playbooks/lab/spare.yml", "-e", f"lab_spare_state={state}")


def tables(container: str) -> dict[str, tuple[str, str]]:
    """{table: (rows, CHECKSUM TABLE)} of the SIPP key tables, as MariaDB root in the container."""
    query = "; ".join(f"SELECT COUNT(*) FROM sipp.{t}; CHECKSUM TABLE sipp.{t}" for t in KEY_TABLES)
    lines = podman_exec(container, "mariadb", "-N", "-B", "-e", query).stdout.splitlines()
    return {t: (lines[2 * i], lines[2 * i + 1].split("\t")[1]) for i, t in enumerate(KEY_TABLES)}


def documents(container: str) -> dict[str, str]:
    out = podman_exec(
        container,
        "sh",
        "-c",
        "cd /var/www/html/SIPP/uploads && find . -type f -exec sha256sum {} + | sort -k2",
    ).stdout
    return {line.split(None, 1)[1]: line.split(None, 1)[0] for line in out.splitlines()}


def state_of_spare() -> str:
    """What a refused recovery must leave as it was: the data folder's entries, the application's
    settings, the installed packages, the enabled units (a digest)."""
    script = (
        "ls -A /var/lib/mysql /var/lib /var/www/html/SIPP; "
        "sha256sum /var/www/html/SIPP/application/config/*.php; "
        "dpkg-query -W -f '${Package} ${Version}\\n'; systemctl list-unit-files --state=enabled --no-legend"
    )
    return hashlib.sha256(podman_exec(SPARE, "sh", "-c", script).stdout.encode()).hexdigest()


@pytest.fixture(scope="module")
def backup(tmp_path_factory):
    """A fresh SIPP-2 backup of the lab's SIPP (with its manifest) and the source's truth then."""
    records = tmp_path_factory.mktemp("recover") / "records.sqlite"
    ok(run_playbook(records, "playbooks/sipp_backup.yml", "-e", "sipp_backup_max_age_hours=0"))
    return records, {"tables": tables("courtlab-sipp"), "documents": documents("courtlab-sipp")}


@pytest.fixture(scope="module")
def recovered(backup):
    """SIPP recovered onto a new spare by `sop recover sipp --to spare`."""
    records, truth = backup
    spare("absent")
    spare("started")
    assert podman_exec(SPARE, "sh", "-c", "command -v mariadb apache2 php || true").stdout.strip() == ""
    proc = sop(records, "recover", "sipp", "--to", "spare")
    yield records, truth, proc
    spare("absent")


def test_bad_snapshot_choices_are_one_line_before_anything_is_restored(backup, tmp_path):
    """No such backup, or none before --at: one line, exit 1, and the spare holds no SIPP."""
    records = tmp_path / "records.sqlite"
    spare("absent")
    spare("started")
    try:
        for args, expected in (
            (["--snapshot", "deadbeef"], "snapshot 'deadbeef' is not a SIPP backup of host sipp"),
            (
                ["--at", "2000-01-01T08:00"],
                "no SIPP backup of host sipp taken at or before 2000-01-01T01:00:00Z",
            ),
        ):
            proc = sop(records, "recover", "sipp", "--to", "spare", *args)
            assert proc.returncode == 1 and "Traceback" not in proc.stderr
            lines = [line for line in proc.stderr.splitlines() if line.strip()]
            assert len(lines) == 1 and expected in lines[0], proc.stderr
            assert podman_exec(SPARE, "test", "-d", "/var/lib/mysql/sipp", check=False).returncode != 0
        assert latest(records, "SIPP-7")["status"] == "failed"
    finally:
        spare("absent")


def test_spare_becomes_sipp_with_the_backups_data(recovered):
    records, truth, proc = recovered
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rec = latest(records, "SIPP-7")
    out = rec["output"]["spare"]
    assert rec["status"] == "successful" and out["pulih"] is True
    assert out["source"] == "sipp" and out["restore_method"] == "physical"
    # what the spare holds now is the source's data at the backup's time
    assert tables(SPARE) == truth["tables"]
    assert documents(SPARE) == truth["documents"]
    # and the record says what it verified, against the manifest SIPP-2 streamed with the backup
    verified = out["verified"]
    assert verified["ok"] and verified["manifest"]
    assert {
        t["table"]: (str(t["restored_rows"]), t["restored_checksum"]) for t in verified["tables"]
    } == truth["tables"]
    assert verified["documents_restored"] == verified["documents_in_backup"] == len(truth["documents"])
    assert verified["documents_missing"] == verified["documents_different"] == 0
    # SIPP answers from the control node on the spare's published port, the sync job is on
    with urllib.request.urlopen("http://127.0.0.1:8085/SIPP/login.php", timeout=30) as resp:
        assert resp.status == 200
    assert podman_exec(SPARE, "systemctl", "is-active", "sipp-sinkronisasi.timer").stdout.strip() == "active"
    # the recovery time: from the start to SIPP answering with verified data, inside the record's span
    assert 0 < out["recovery_seconds"] <= rec["duration_s"] + 1
    assert set(out["step_seconds"]) == {"access", "install", "database", "files", "configure", "verify"}
    # the files were restored in the background beside the installation: restic's own time is kept
    assert 0 < out["files_restore_seconds"] < out["recovery_seconds"]
    assert out["backup"]["manifest"] and out["backup"]["files"] and out["backup"]["database"]
    assert "waktu pemulihan" in out["summary"]
    assert_no_secret(proc.stdout, proc.stderr, folder=records.parent)


def test_sipp_1_succeeds_against_the_recovered_server(recovered, tmp_path):
    records, _, _ = recovered
    rec = on_spare(
        records,
        "playbooks/sipp_check.yml",
        "SIPP-1",
        "sipp_servers:\n  hosts:\n    spare:\n      sipp_url: http://127.0.0.1:8085/SIPP\n",
        tmp_path,
    )
    assert rec["status"] == "successful" and list(rec["hosts"]) == ["spare"]
    assert rec["output"]["spare"]["akses_sipp_tersedia"] is True


def test_backups_list_shows_the_backup_the_recovery_proved(recovered):
    records, _, _ = recovered
    used = latest(records, "SIPP-7")["output"]["spare"]["backup"]
    proc = sop(records, "backups", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    listing = json.loads(proc.stdout)
    row = next(b for b in listing["backups"] if b["short_id"] == used["short_id"])
    assert row["bytes"] > 0 and row["manifest"] and row["files"]
    assert [(v["activity"], v["ok"]) for v in row["verified"]] == [("SIPP-7", True)]
    assert listing["backups"][0]["epoch"] >= row["epoch"]  # newest first


def test_second_recovery_onto_a_live_sipp_is_refused_and_changes_nothing(recovered):
    records, _, _ = recovered
    before = state_of_spare()
    proc = sop(records, "recover", "sipp", "--to", "spare")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "spare already holds a SIPP database 'sipp'" in lines[0] and "--force" in lines[0]
    assert state_of_spare() == before


def test_website_recovered_onto_a_new_spare_and_f1_succeeds(tmp_path):
    records = tmp_path / "records.sqlite"
    ok(run_playbook(records, "playbooks/website_backup.yml", "-e", "website_backup_max_age_hours=0"))
    spare("absent")
    spare("started")
    try:
        proc = sop(records, "recover", "website", "--to", "spare")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        rec = latest(records, "F.7")
        out = rec["output"]["spare"]
        assert rec["status"] == "successful" and out["pulih"] is True
        assert 0 < out["recovery_seconds"] <= rec["duration_s"] + 1
        source_rows = podman_exec(
            "courtlab-web", "mariadb", "-N", "-B", "-e", "SELECT COUNT(*) FROM court_web.posts"
        )
        spare_rows = podman_exec(SPARE, "mariadb", "-N", "-B", "-e", "SELECT COUNT(*) FROM court_web.posts")
        assert spare_rows.stdout == source_rows.stdout
        f1 = on_spare(
            records,
            "playbooks/website_check.yml",
            "F.1",
            "web_servers:\n  hosts:\n    spare:\n"
            "      website_check_url: https://127.0.0.1/\n"
            "      website_check_http_url: http://127.0.0.1/\n"
            "      website_check_sitemap_url: https://127.0.0.1/sitemap.xml\n"
            "      website_check_feed_url: https://127.0.0.1/rss.xml\n"
            "      website_check_delegate_to: spare\n",
            tmp_path,
        )
        assert f1["status"] == "successful" and f1["output"]["spare"]["akses_website_tersedia"] is True
    finally:
        spare("absent")
