"""Verify restic_backup against the real repository it wrote over SFTP."""

import json

ENV = (
    "RESTIC_PASSWORD=molecule-restic-secret-4711 RESTIC_REPOSITORY=sftp:restic@127.0.0.1:/srv/restic/fixture "
    "RESTIC_CACHE_DIR=/var/cache/restic"
)
OPT = (
    "-o 'sftp.command=ssh -i /root/.ssh/restic_backup_ed25519 -p 22 -o BatchMode=yes -o IdentitiesOnly=yes "
    "-o UserKnownHostsFile=/root/.ssh/restic_backup_known_hosts restic@127.0.0.1 -s sftp'"
)


def restic(host, args, check=True):
    cmd = host.run(f"{ENV} restic {OPT} {args}")
    if check:
        assert cmd.rc == 0, cmd.stderr
    return cmd


def snapshots(host):
    return json.loads(restic(host, "snapshots --json --tag fixture").stdout)


def test_repository_is_on_the_target_and_encrypted(host):
    config = host.file("/srv/restic/fixture/config")
    assert config.exists
    assert config.user == "restic"
    # restic repositories are encrypted: the plain fixture text never appears in the pack files.
    grep = host.run("grep -rl 'Putusan nomor' /srv/restic/fixture")
    assert grep.rc == 1


def test_one_snapshot_per_source_after_converge_and_idempotence(host):
    snaps = snapshots(host)
    tags = sorted(next(t for t in s["tags"] if t.startswith("source:")) for s in snaps)
    assert tags == ["source:database", "source:files"]
    for snap in snaps:
        assert "F.2" in snap["tags"]


def test_streamed_dump_restores_byte_identical(host):
    dumped = restic(host, "dump latest --tag source:database /fixture.sql | sha256sum").stdout.split()[0]
    producer = 'printf "%s\\n" "-- dump" && seq 1 50000 | sed "s/^/INSERT INTO t VALUES (/; s/$/);/"'
    expected = host.run(f"sh -c '{producer}' | sha256sum").stdout.split()[0]
    assert dumped == expected


def test_files_snapshot_respects_excludes(host):
    listing = restic(host, "ls latest --tag source:files").stdout
    assert "/srv/fixture/uploads/putusan-20.txt" in listing
    assert "cache.tmp" not in listing


def test_failed_producer_leaves_no_snapshot(host):
    before = len(snapshots(host))
    cmd = host.run(
        f"{ENV} /usr/local/sbin/restic-stream-backup --filename broken.sql --tag fixture --tag source:broken "
        "--option 'sftp.command=ssh -i /root/.ssh/restic_backup_ed25519 -o BatchMode=yes "
        "-o UserKnownHostsFile=/root/.ssh/restic_backup_known_hosts restic@127.0.0.1 -s sftp' "
        "-- sh -c 'echo half-a-dump; exit 7'"
    )
    assert cmd.rc == 3
    assert "exited with 7" in cmd.stderr
    assert len(snapshots(host)) == before


def test_sftp_user_is_restricted_to_sftp(host):
    keys = host.file("/srv/restic/.ssh/authorized_keys").content_string
    assert keys.startswith('restrict,command="internal-sftp"')
    shell = host.run(
        "ssh -i /root/.ssh/restic_backup_ed25519 -o BatchMode=yes "
        "-o UserKnownHostsFile=/root/.ssh/restic_backup_known_hosts restic@127.0.0.1 id"
    )
    assert "uid=" not in shell.stdout


def test_published_result(host):
    result = json.loads(host.file("/root/restic_backup_result.json").content_string)
    assert result["check"] == "ok"
    assert [s["name"] for s in result["sources"]] == ["database", "files"]
    assert all(s["snapshot_id"] for s in result["sources"])
    assert "molecule-restic-secret" not in json.dumps(result)
