"""`sop comply` against the court lab: on the converged lab every control passes and the audit
changes nothing on the hosts; injected drift (nftables flushed, fail2ban stopped, ClamAV
signatures backdated, the newest restic snapshots removed, an expiring certificate installed)
fails exactly those controls, named with their SOP ids and recorded, exit 1; re-running the
matching activities makes everything pass again; an unreachable host is reported unreachable.

The tests run in order on one module-wide record store (the D.7 and C.2 controls read it).
"""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from labkit import ROOT, env, podman_exec
from sippkit import Day30Run

from sop_runner.comply.checks import parse_restic_time
from sop_runner.records import RecordStore

pytestmark = [pytest.mark.lab, pytest.mark.runs_last]

CONTAINERS = {"sipp": "courtlab-sipp", "web": "courtlab-web", "nas": "courtlab-nas"}
SIPP_REPO = "sftp:restic@courtlab-nas:/srv/restic/sipp"
SIPP_SFTP = (
    "sftp.command=ssh -i /root/.ssh/restic_backup_ed25519 -p 22 -o BatchMode=yes -o IdentitiesOnly=yes "
    "-o StrictHostKeyChecking=yes -o UserKnownHostsFile=/root/.ssh/restic_backup_known_hosts "
    "restic@courtlab-nas -s sftp"
)
CERT_DIR = "/etc/ssl/court-web"
DRIFTED = {
    ("test_D5_firewall_default_deny", "sipp"),
    ("test_D5_firewall_management_allow_list", "sipp"),
    ("test_D5_fail2ban_court_jails", "web"),
    ("test_D5_clamav_signatures_fresh", "sipp"),
    ("test_SIPP2_restic_snapshots_fresh", "sipp"),
    ("test_F1_tls_certificate_valid", "web"),
}


class Lab:
    def __init__(self, tmp: Path, records: Path) -> None:
        self.records = records
        self.tmp = tmp
        (tmp / "sop.yml").write_text("{}\n")
        self.env = {
            **{k: v for k, v in env().items() if not k.startswith("SOP_")},
            "SOP_RECORDS": str(self.records),
            "SOP_CONFIG": str(tmp / "sop.yml"),
        }

    def sop(self, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "sop"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.tmp,
        )

    def run(self, target: str) -> None:
        proc = self.sop("run", target)
        assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]

    def comply(self, *args: str) -> tuple[int, dict[str, Any]]:
        proc = self.sop("comply", "--json", *args)
        assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-2000:]
        return proc.returncode, json.loads(proc.stdout)


def outcomes(shown: dict[str, Any], outcome: str) -> set[tuple[str, str]]:
    return {(r["control"], r["host"]) for r in shown["results"] if r["outcome"] == outcome}


def state_of(container: str) -> dict[str, str]:
    """What a read-only audit must not change: package list, ruleset, every mtime under /etc."""
    script = (
        "dpkg-query -W | sha256sum; nft list ruleset 2>/dev/null | sha256sum; "
        "find /etc -xdev -printf '%p %T@\\n' | sort | sha256sum"
    )
    out = podman_exec(container, "sh", "-c", script).stdout.split("\n")
    return {"packages": out[0], "nft": out[1], "etc_mtimes": out[2]}


def restic(*args: str) -> str:
    """Run restic on the SIPP server against its repository (password on stdin, never in argv)."""
    from ansible.parsing.vault import VaultLib, VaultSecret

    secret = VaultSecret((ROOT / "lab" / "vault-password").read_bytes().strip())
    data = (ROOT / "inventory" / "lab" / "group_vars" / "sipp_servers" / "vault_backup.yml").read_bytes()
    password = yaml.safe_load(VaultLib([("default", secret)]).decrypt(data))["vault_lab_sipp_restic_password"]
    proc = podman_exec(
        "courtlab-sipp",
        "bash",
        "-c",
        'read -r RESTIC_PASSWORD; export RESTIC_PASSWORD; exec restic "$@"',
        "restic",
        "-r",
        SIPP_REPO,
        "-o",
        SIPP_SFTP,
        *args,
        stdin=password + "\n",
    )
    return proc.stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, day30_lab: Day30Run) -> Lab:
    # the converged lab: every activity whose state the controls check -- SIPP-2 and day-30 ran
    # once for the lab tests (day30_lab, tests/lab/conftest.py; the D.7 and C.2 controls read its
    # record store, so the audit writes there too), then F.2, and C.4's inventory last
    lab = Lab(tmp_path_factory.mktemp("comply"), records=day30_lab.records)
    for target in ("F.2", "C.4"):
        lab.run(target)
    return lab


def test_converged_lab_passes_and_the_audit_changes_nothing(lab: Lab) -> None:
    before = {h: state_of(c) for h, c in CONTAINERS.items()}
    code, shown = lab.comply()
    after = {h: state_of(c) for h, c in CONTAINERS.items()}
    bad = [r for r in shown["results"] if r["outcome"] not in ("passed", "not applicable")]
    assert code == 0 and not bad, json.dumps(bad, indent=1)
    assert {r["activity"] for r in shown["results"]} == {
        "D.5",
        "SIPP-2",
        "F.2",
        "D.7",
        "SIPP-1",
        "F.1",
        "D.4",
        "C.2",
        "C.4",
    }
    assert after == before
    with RecordStore(lab.records, readonly=True) as store:
        recs = [store.get_record(seq) for seq in shown["records"]]
    assert {r.activity_id for r in recs} == {"KK-1"} and all(r.status == "successful" for r in recs)
    assert Path(shown["html"]).is_file() and Path(shown["junit"]).is_file()


def test_drift_fails_exactly_those_controls_and_is_recorded(lab: Lab) -> None:
    podman_exec("courtlab-sipp", "nft", "flush", "ruleset")
    podman_exec("courtlab-web", "systemctl", "stop", "fail2ban")
    podman_exec(
        "courtlab-sipp",
        "sh",
        "-c",
        "touch -d '10 days ago' /var/lib/clamav/* /var/lib/court-clamav/last-update-ok",
    )
    # the newest database snapshots: every one a day-old backup schedule would still accept
    snaps = json.loads(restic("snapshots", "--json", "--tag", "source:database"))
    recent = [s["id"] for s in snaps if datetime.now(UTC) - parse_restic_time(s["time"]) < timedelta(days=2)]
    assert recent, "precondition: SIPP-2 made a database snapshot"
    restic("forget", *recent)
    podman_exec(
        "courtlab-web",
        "sh",
        "-c",
        f"cd {CERT_DIR} && cp -a cert.pem cert.pem.orig && cp -a key.pem key.pem.orig && "
        "openssl req -x509 -newkey rsa:2048 -nodes -days 5 -subj /CN=pn-contoh.test "
        "-keyout key.pem -out cert.pem 2>/dev/null && systemctl reload apache2",
    )
    code, shown = lab.comply()
    assert code == 1
    assert outcomes(shown, "failed") == DRIFTED, json.dumps(shown["results"], indent=1)
    assert not outcomes(shown, "unreachable")
    with RecordStore(lab.records, readonly=True) as store:
        recs = [store.get_record(seq) for seq in shown["records"]]
    codes = {(f["host"], f["code"]) for r in recs for f in r.findings}
    assert codes == {
        ("sipp", "D.5/D5_firewall_default_deny"),
        ("sipp", "D.5/D5_firewall_management_allow_list"),
        ("web", "D.5/D5_fail2ban_court_jails"),
        ("sipp", "D.5/D5_clamav_signatures_fresh"),
        ("sipp", "SIPP-2/SIPP2_restic_snapshots_fresh"),
        ("web", "F.1/F1_tls_certificate_valid"),
    }
    d5 = next(r for r in recs if r.output.get("sipp", {}).get("sop_activity") == "D.5")
    assert (
        d5.status == "failed" and d5.hosts["sipp"]["status"] == "failed" and d5.hosts["nas"]["status"] == "ok"
    )


def test_rerunning_the_activities_restores_compliance(lab: Lab) -> None:
    podman_exec(
        "courtlab-web",
        "sh",
        "-c",
        f"cd {CERT_DIR} && mv cert.pem.orig cert.pem && mv key.pem.orig key.pem && systemctl reload apache2",
    )  # no SOP activity installs certificates: put it back by hand
    lab.run("D.5")
    lab.run("SIPP-2")
    code, shown = lab.comply()
    bad = [r for r in shown["results"] if r["outcome"] not in ("passed", "not applicable")]
    assert code == 0 and not bad, json.dumps(bad, indent=1)


def test_an_unreachable_host_is_reported_unreachable(lab: Lab, tmp_path: Path) -> None:
    lab_inv = ROOT / "inventory" / "lab"
    hosts = yaml.safe_load((lab_inv / "hosts.yml").read_text())
    key = str(ROOT / ".lab" / "ssh" / "id_ed25519")
    for h in hosts["all"]["children"]["lab_containers"]["hosts"].values():
        h["ansible_ssh_private_key_file"] = key
    hosts["all"]["children"]["backup_targets"]["hosts"]["ghost"] = {
        "ansible_host": "127.0.0.1",
        "ansible_port": 2299,  # nothing listens there
        "ansible_user": "root",
        "ansible_ssh_private_key_file": key,
    }
    inv = tmp_path / "inventory"
    inv.mkdir()
    (inv / "hosts.yml").write_text(yaml.safe_dump(hosts))
    for d in ("group_vars", "host_vars"):
        os.symlink(lab_inv / d, inv / d)
    code, shown = lab.comply("D.5", "--inventory", str(inv), "--limit", "nas,ghost")
    assert code == 1
    ghost = {r["control"]: r["outcome"] for r in shown["results"] if r["host"] == "ghost"}
    assert ghost and set(ghost.values()) == {"unreachable"}, shown["results"]
    assert all(r["outcome"] == "passed" for r in shown["results"] if r["host"] == "nas")
    with RecordStore(lab.records, readonly=True) as store:
        (rec,) = [store.get_record(seq) for seq in shown["records"]]
    assert rec.hosts["ghost"]["status"] == "unreachable" and rec.status == "partial"
    assert "2299" in rec.output["ghost"]["unreachable_reason"]
