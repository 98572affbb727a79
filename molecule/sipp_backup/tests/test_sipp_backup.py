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


def test_snapshots_of_manifest_database_and_files(host):
    snaps = json.loads(host.check_output(f"{RESTIC} snapshots --json --tag sipp"))
    sources = sorted(t for s in snaps for t in s["tags"] if t.startswith("source:"))
    assert sources == ["source:database", "source:files", "source:manifest"]


def test_manifest_lists_key_tables_and_documents(host):
    """The manifest a recovery compares with: row counts and checksums as the server reports them."""
    manifest = json.loads(host.check_output(f"{RESTIC} dump latest --tag source:manifest /sipp-manifest.json"))
    rows = {t["table"]: t["rows"] for t in manifest["tables"]}
    live = host.check_output("mariadb -N -B -e 'SELECT COUNT(*) FROM sipp.perkara'").strip()
    assert rows["perkara"] == int(live)
    assert all(len(v) == 64 for v in manifest["documents"].values())


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


def test_portable_export_named_by_convention_encrypted_and_signed(host, today):
    name = f"SIPP-PNKln-{today}"
    d = f"/media/backup-disk/{name}"
    assert host.file(d).is_directory
    files = sorted(host.check_output(f"ls {d}").split())
    assert files == sorted(
        [f"{name}-database.sql.gz.age", f"{name}-files.tar.gz.age", "SHA256SUMS", "SHA256SUMS.sig", "allowed_signers"]
    )
    assert host.run(f"cd {d} && sha256sum -c SHA256SUMS").rc == 0
    verify = host.run(
        f"cd {d} && ssh-keygen -Y verify -f allowed_signers -I SIPP-PNKln -n sipp-export -s SHA256SUMS.sig < SHA256SUMS"
    )
    assert verify.rc == 0, verify.stderr
    # the disk holds no readable personal data: not gzip, no table or party names
    assert host.run(f"zcat {d}/{name}-database.sql.gz.age").rc != 0
    assert host.run(f"grep -c perkara {d}/{name}-database.sql.gz.age").stdout.strip() == "0"
    listing = host.check_output(f"age -d -i /root/ma-identity.txt {d}/{name}-files.tar.gz.age | tar -tzf -")
    assert "SIPP/uploads/" in listing
    assert host.run("ls -a /media/backup-disk | grep -q partial").rc == 1


def test_export_decrypts_with_the_recipient_key_and_restores(host, today):
    """Mahkamah Agung's side: decrypt with its key, restore into a scratch database, same rows."""
    dump = f"/media/backup-disk/SIPP-PNKln-{today}/SIPP-PNKln-{today}-database.sql.gz.age"
    try:
        host.check_output(
            "mariadb -e 'DROP DATABASE IF EXISTS ma_scratch; CREATE DATABASE ma_scratch' && "
            f"age -d -i /root/ma-identity.txt {dump} | gunzip | mariadb ma_scratch"
        )
        count = "SELECT COUNT(*) FROM {}.perkara"
        assert host.check_output(f"mariadb -N -B -e '{count.format('ma_scratch')}'") == host.check_output(
            f"mariadb -N -B -e '{count.format('sipp')}'"
        )
    finally:
        host.run("mariadb -e 'DROP DATABASE IF EXISTS ma_scratch'")


def test_export_does_not_open_without_the_key(host, today):
    dump = f"/media/backup-disk/SIPP-PNKln-{today}/SIPP-PNKln-{today}-database.sql.gz.age"
    cmd = host.run(f"age -d -i /root/other-identity.txt {dump} > /dev/null")
    assert cmd.rc != 0 and "no identity matched" in cmd.stderr


def test_a_changed_byte_fails_the_signed_manifest(host, today):
    name = f"SIPP-PNKln-{today}"
    work = "/var/tmp/verify-tamper"
    try:
        host.check_output(f"rm -rf {work} && cp -a /media/backup-disk/{name} {work}")
        host.check_output(
            f"printf '\\x00' | dd of={work}/{name}-database.sql.gz.age bs=1 seek=100 conv=notrunc status=none"
        )
        assert host.run(f"cd {work} && sha256sum --quiet -c SHA256SUMS").rc != 0
        # a manifest rewritten to match no longer matches its signature
        host.check_output(
            f"cd {work} && sha256sum {name}-database.sql.gz.age {name}-files.tar.gz.age > SHA256SUMS"
        )
        assert host.run(f"cd {work} && sha256sum --quiet -c SHA256SUMS").rc == 0
        assert (
            host.run(
                f"cd {work} && ssh-keygen -Y verify -f allowed_signers -I SIPP-PNKln -n sipp-export "
                "-s SHA256SUMS.sig < SHA256SUMS"
            ).rc
            != 0
        )
    finally:
        host.run(f"rm -rf {work}")


def test_no_secret_in_backups_or_export(host, today):
    for secret in SECRETS:
        assert (
            host.run(
                f"for f in /media/backup-disk/SIPP-PNKln-{today}/*.age; do age -d -i /root/ma-identity.txt $f | zcat; done"
                f" | grep -c {secret}"
            ).stdout.strip()
            == "0"
        )
        assert host.run(f"grep -rl {secret} /usr/local/sbin /root/.ssh /srv/restic /etc/sipp-backup").rc == 1


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
