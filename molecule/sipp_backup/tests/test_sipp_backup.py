"""Verify SIPP-2: restic snapshots, the portable export and its failure modes."""

import json

import pytest

SECRETS = ("molecule-backup-pw-3", "molecule-restic-pw-6")
RESTIC = (
    "RESTIC_PASSWORD=molecule-restic-pw-6 RESTIC_REPOSITORY=sftp:restic@127.0.0.1:/srv/restic/sipp "
    "RESTIC_CACHE_DIR=/var/cache/restic restic -o 'sftp.command=ssh -i /root/.ssh/restic_backup_ed25519 "
    "-o BatchMode=yes -o UserKnownHostsFile=/root/.ssh/restic_backup_known_hosts restic@127.0.0.1 -s sftp'"
)
EXPORT = (
    "/usr/local/sbin/sipp-portable-export export --prefix SIPP-PNKln --dir /media/backup-disk --db sipp "
    "--app /var/www/html/SIPP --date 2030-01-0{n} --need {need} "
    "--ssh 'ssh -i /root/.ssh/restic_backup_ed25519 -o BatchMode=yes "
    "-o UserKnownHostsFile=/root/.ssh/restic_backup_known_hosts backup@127.0.0.1'"
)


@pytest.fixture(scope="module")
def today(host):
    return host.run("date +%Y-%m-%d").stdout.strip()


def test_snapshots_of_database_and_files(host):
    snaps = json.loads(host.check_output(f"{RESTIC} snapshots --json --tag sipp"))
    sources = sorted(t for s in snaps for t in s["tags"] if t.startswith("source:"))
    assert sources == ["source:database", "source:files"]


def test_physical_backup_is_complete_and_prepares(host):
    """The database snapshot is mariadb-backup's stream: every SIPP table is in it, and it prepares."""
    work = "/var/tmp/verify-xbstream"
    try:
        host.check_output(
            f"rm -rf {work} && mkdir -p {work} && {RESTIC} dump latest --tag source:database /mariadb.xbstream "
            f"| mbstream -x -C {work}"
        )
        checkpoints = host.file(f"{work}/xtrabackup_checkpoints").content_string
        assert "backup_type = full-backuped" in checkpoints
        tables = set(
            host.check_output(
                'mariadb -N -B -e "SELECT table_name FROM information_schema.tables '
                "WHERE table_schema='sipp' AND table_type='BASE TABLE'\""
            ).split()
        )
        copied = {f.rsplit(".", 1)[0] for f in host.check_output(f"ls {work}/sipp").split() if f.endswith(".frm")}
        assert tables and tables <= copied
        prepare = host.run(f"mariadb-backup --prepare --target-dir={work}")
        assert prepare.rc == 0, prepare.stderr[-500:]
        assert "completed OK!" in prepare.stderr
    finally:
        host.run(f"rm -rf {work}")


def test_portable_export_named_by_convention_with_valid_manifest(host, today):
    name = f"SIPP-PNKln-{today}"
    d = f"/media/backup-disk/{name}"
    assert host.file(d).is_directory
    files = sorted(host.check_output(f"ls {d}").split())
    assert files == sorted([f"{name}-database.sql.gz", f"{name}-files.tar.gz", "SHA256SUMS"])
    assert host.run(f"cd {d} && sha256sum -c SHA256SUMS").rc == 0
    listing = host.check_output(f"tar -tzf {d}/{name}-files.tar.gz")
    assert "SIPP/uploads/" in listing
    assert host.run(f"zcat {d}/{name}-database.sql.gz | grep -q 'CREATE TABLE `perkara`'").rc == 0
    assert host.run("ls -a /media/backup-disk | grep -q partial").rc == 1


def test_no_secret_in_backups_or_export(host, today):
    for secret in SECRETS:
        assert (
            host.run(f"zcat /media/backup-disk/SIPP-PNKln-{today}/*.gz | grep -c {secret}").stdout.strip()
            == "0"
        )
        assert host.run(f"grep -rl {secret} /usr/local/sbin /root/.ssh /srv/restic").rc == 1


def test_unmounted_media_clear_error_and_nothing_written(host):
    host.run("umount /media/backup-disk")
    try:
        cmd = host.run(EXPORT.format(n=1, need=1000))
        assert cmd.rc == 10
        assert cmd.stderr.strip().splitlines() == [
            "removable media not mounted at /media/backup-disk: "
            "plug in and mount the backup disk, then run again"
        ]
        assert host.run("ls -A /media/backup-disk").stdout.strip() == ""
    finally:
        host.run(
            "mount -t tmpfs -o size=32m,mode=0770 lab-exfat-disk /media/backup-disk && "
            "chown backup:backup /media/backup-disk"
        )


def test_full_media_refused_before_writing(host):
    cmd = host.run(EXPORT.format(n=2, need=10**12))
    assert cmd.rc == 11
    assert "the export needs about 1000000000000" in cmd.stderr
    assert host.run("ls -a /media/backup-disk | grep -c 2030-01-02").stdout.strip() == "0"


def test_media_filling_up_while_writing_leaves_no_partial_file(host):
    host.run(
        "fallocate -l $(( $(df -B1 --output=avail /media/backup-disk | tail -1) - 65536 )) "
        "/media/backup-disk/ballast"
    )
    try:
        cmd = host.run(EXPORT.format(n=3, need=0))
        assert cmd.rc == 11, cmd.stderr
        assert "became full while writing" in cmd.stderr
        assert host.run("ls -a /media/backup-disk | grep -c 2030-01-03").stdout.strip() == "0"
    finally:
        host.run("rm -f /media/backup-disk/ballast")
