"""E.6 and F.2 against the lab: the archive snapshot's checksums verify with sha256sum, and the
website backup in the nas repository restores to identical files and a loadable database."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from labkit import ROOT, podman_exec
from webkit import activity, set_site

pytestmark = [pytest.mark.lab, pytest.mark.lab_web]


def test_archive_checksums_verify():
    set_site()
    out = activity("website_archive", "E.6")
    assert out["checksums_verified"] is True and out["pages"] >= 5 and out["documents"] >= 3
    snapshot = Path(out["snapshot"]).resolve()
    assert snapshot.is_relative_to(ROOT / ".lab")
    subprocess.run(["sha256sum", "--check", "--strict", "--quiet", "SHA256SUMS"], cwd=snapshot, check=True)


def test_website_backup_restores():
    set_site()
    out = activity("website_backup", "F.2", extra_vars={"website_backup_max_age_hours": 0})
    assert out["check"] == "ok" and {s["name"] for s in out["sources"] if s["new_snapshot"]} == {
        "database",
        "files",
    }
    vault = subprocess.run(
        [
            str(Path(sys.executable).with_name("ansible-vault")),
            "view",
            "--vault-password-file",
            str(ROOT / "lab" / "vault-password"),
            str(ROOT / "inventory" / "lab" / "group_vars" / "web_servers" / "vault.yml"),
        ],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")},
    ).stdout
    password = yaml.safe_load(vault)["vault_lab_website_restic_password"]
    script = (
        'set -euo pipefail; export RESTIC_PASSWORD="$1" RESTIC_REPOSITORY="$2"; '
        "ssh_cmd='ssh -i /root/.ssh/restic_backup_ed25519 -o BatchMode=yes -o IdentitiesOnly=yes "
        "-o UserKnownHostsFile=/root/.ssh/restic_backup_known_hosts restic@courtlab-nas -s sftp'; "
        'restic() { command restic -o sftp.command="$ssh_cmd" "$@"; }; '
        "rm -rf /tmp/f2-restore; restic restore --tag source:files --target /tmp/f2-restore --quiet latest; "
        "cd /var/www/court && find . -type f -print0 | sort -z | xargs -0 sha256sum > /tmp/f2.sums; "
        "cd /tmp/f2-restore/var/www/court && sha256sum --check --quiet /tmp/f2.sums; "
        "mariadb -e 'DROP DATABASE IF EXISTS f2_restore; CREATE DATABASE f2_restore'; "
        "restic dump --tag source:database latest /court_web.sql | mariadb f2_restore; "
        "mariadb -N -B -e 'SELECT (SELECT COUNT(*) FROM f2_restore.posts) = "
        "(SELECT COUNT(*) FROM court_web.posts)'; "
        "mariadb -e 'DROP DATABASE f2_restore'; rm -rf /tmp/f2-restore /tmp/f2.sums"
    )
    repo = out["repository"]
    res = podman_exec("courtlab-web", "bash", "-c", script, "f2", password, repo, check=False)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip().splitlines()[-1] == "1"
