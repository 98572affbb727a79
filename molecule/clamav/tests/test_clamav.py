"""Verify the clamav role on mol-clamav: local mirror, project signatures, scans, findings.

Samples are written at test time (EICAR assembled from two halves so that this file itself is
not flagged by a scanner).
"""

import json
import os
import subprocess
from pathlib import Path

from datetime import UTC, datetime

import pytest
import testinfra

from sop_runner.comply import checks

CONTAINER = "mol-clamav"
SCENARIO = Path(__file__).resolve().parents[1]
UP = "/var/www/html/uploads"
EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR" + "-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
SAMPLES = {
    f"{UP}/eicar.com": (EICAR, "Court.Test.EICAR-Mirror"),
    f"{UP}/surat_putusan.php": (
        "<?php @eval(base64_decode($_POST['x'])); ?>\n",
        "Court_PHP_Webshell_EvalDecode",
    ),
    f"{UP}/img/thumb.php": (
        "<?php if(isset($_REQUEST['c'])){echo '<pre>';system($_REQUEST['c']);} ?>\n",
        "Court_PHP_Webshell_CommandExec",
    ),
    f"{UP}/old.php": (
        '<?php $a = preg_replace("/.*/e", $_POST["p"], ""); ?>\n',
        "Court.PHP.Backdoor.PregReplaceE",
    ),
    "/var/www/html/index-spam.html": (
        '<html><body><h1>Pengadilan Negeri</h1><div style="display:none">'
        '<a href="https://x.invalid/">slot gacor hari ini</a> situs slot maxwin</div></body></html>\n',
        "Court_Gambling_Spam",
    ),
    "/var/www/html/footer.php": (
        '<?php echo "ok"; ?><div style="position:absolute; left:-9999px">Agen sbobet terpercaya</div>\n',
        "Court_Gambling_Spam_Hidden",
    ),
}


@pytest.fixture(scope="module")
def ct():
    return testinfra.get_host(f"podman://{CONTAINER}")


def run_role(tmp_path: Path, **extra) -> dict:
    result = tmp_path / "result.json"
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(extra))
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", COURT_TEST_RESULT=str(result))
    cmd = ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"], "-e", f"@{vars_file}"]
    res = subprocess.run(
        [*cmd, str(SCENARIO / "scan.yml")], capture_output=True, text=True, env=env, timeout=900
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    return json.loads(result.read_text())


def plant(ct) -> None:
    for path, (content, _) in SAMPLES.items():
        ct.run_expect([0], f"mkdir -p {os.path.dirname(path)}")
        ct.run_expect([0], f"cat > {path} <<'SAMPLE'\n{content.rstrip()}\nSAMPLE")
    # EICAR must be exactly 68 bytes, no newline
    ct.run_expect([0], f"printf '%s' '{EICAR}' > {UP}/eicar.com")


def remove_samples(ct) -> None:
    ct.run("rm -rf " + " ".join(SAMPLES) + f" {UP}/img /var/lib/court-clamav/quarantine")


def codes(result: dict) -> list[str]:
    return sorted(f["code"] for f in result["findings"])


def test_mirror_signatures_and_schedule(ct):
    conf = ct.file("/etc/clamav/freshclam.conf").content_string
    assert "PrivateMirror http://127.0.0.1:8873" in conf
    assert "DatabaseCustomURL http://127.0.0.1:8873/court-mirror.hdb" in conf
    db = ct.file("/var/lib/clamav/court-mirror.hdb")
    assert db.exists and "Court.Test.EICAR-Mirror" in db.content_string, (
        "freshclam did not fetch from the mirror"
    )
    for name in ("court-webshell.yara", "court-gambling-spam.yara", "court-webshell.ndb"):
        assert ct.file(f"/var/lib/clamav/{name}").exists
    for timer in ("court-clamscan.timer", "court-freshclam.timer"):
        assert ct.service(timer).is_enabled
    checks.clamav_scheduled(ct)  # the compliance control D5_clamav_scan_scheduled
    assert not ct.service("clamav-freshclam").is_running


def test_clean_web_root_gives_no_finding(ct, tmp_path):
    remove_samples(ct)
    result = run_role(tmp_path)
    assert result["findings"] == [], result["findings"]
    assert result["clamav_infected_files"] == []
    assert result["clamav_scanned_files"] >= 3
    assert result["clamav_signature_age_days"] < 1


def test_planted_samples_are_detected_and_kept(ct, tmp_path):
    plant(ct)
    try:
        result = run_role(tmp_path)
        hits = {f["path"]: f["signature"] for f in result["clamav_infected_files"]}
        assert set(hits) == set(SAMPLES), hits
        for path, (_, sig) in SAMPLES.items():
            assert sig in hits[path], (path, hits[path])
        assert codes(result) == ["clamav_infected_file"] * len(SAMPLES)
        assert all(f["severity"] == "high" for f in result["findings"])
        # quarantine is off by default: SIPP documents must never vanish
        for path in SAMPLES:
            assert ct.file(path).exists
    finally:
        remove_samples(ct)


def test_quarantine_is_optional(ct, tmp_path):
    plant(ct)
    try:
        result = run_role(tmp_path, clamav_quarantine=True)
        assert len(result["clamav_infected_files"]) == len(SAMPLES)
        for path in SAMPLES:
            assert not ct.file(path).exists, f"{path} was not quarantined"
        assert all("dikarantina" in f["message"] for f in result["findings"])
        assert len(ct.check_output("ls /var/lib/court-clamav/quarantine").split()) == len(SAMPLES)
    finally:
        remove_samples(ct)  # the next test's run puts the scan script back to quarantine off


def check_signatures_fresh(result: dict, ct) -> None:
    assert "clamav_signatures_stale" not in codes(result)
    assert "clamav_update_failed" not in codes(result)
    # the compliance control D5_clamav_signatures_fresh agrees with the role's record
    age = checks.clamav_signature_age(ct, "/var/lib/clamav", "/var/lib/court-clamav", datetime.now(UTC))
    checks.clamav_signatures_fresh(age, 3)


def test_stale_signatures_and_dead_mirror_are_findings(ct, tmp_path):
    ct.run_expect([0], "systemctl stop lab-clamav-mirror")
    ct.run_expect(
        [0], "touch -d '10 days ago' /var/lib/clamav/court-mirror.hdb /var/lib/court-clamav/last-update-ok"
    )
    try:
        result = run_role(tmp_path)
        assert codes(result) == ["clamav_signatures_stale", "clamav_update_failed"], result["findings"]
        assert result["clamav_signature_age_days"] >= 9.9
        with pytest.raises(AssertionError):
            check_signatures_fresh(result, ct)
        with pytest.raises(AssertionError, match="ClamAV signatures are"):
            checks.clamav_signatures_fresh(
                checks.clamav_signature_age(ct, "/var/lib/clamav", "/var/lib/court-clamav", datetime.now(UTC)), 3
            )
    finally:
        ct.run_expect([0], "systemctl start lab-clamav-mirror")
    result = run_role(tmp_path)
    check_signatures_fresh(result, ct)
    assert result["findings"] == []


def test_scheduled_scan_unit_writes_the_report(ct):
    ct.run_expect([0], "systemctl start court-clamscan.service")
    head = ct.check_output("head -1 /var/lib/court-clamav/last-scan.log")
    assert head.startswith("# court-clamscan start=") and "rc=0" in head
    assert "Infected files: 0" in ct.file("/var/lib/court-clamav/last-scan.log").content_string
