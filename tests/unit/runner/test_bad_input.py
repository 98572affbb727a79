"""Bad input refused before anything is written: `sop log` times (end, duration), duplicate
activity ids in a catalog file, and inventory variables the roles need."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sop_runner import cli
from sop_runner.catalog import CatalogError, load_catalog
from sop_runner.inventory import InventoryError, check_required_vars
from sop_runner.records import RecordStore, utcnow

WIB = ZoneInfo("Asia/Jakarta")
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def _env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "sop.yml"
    config.write_text("{}\n", encoding="utf-8")
    monkeypatch.setenv("SOP_CONFIG", str(config))
    monkeypatch.setenv("SOP_RECORDS", str(tmp_path / "records.sqlite"))
    for var in ("SOP_PROJECT_DIR", "SOP_INVENTORY", "SOP_CATALOG", "SOP_OPERATOR", "SOP_VAULT_PASSWORD_FILE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "records.sqlite"


def sop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["sop", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out, err = capsys.readouterr()
    assert isinstance(exc.value.code, int)
    return exc.value.code, out, err


# -- sop log ------------------------------------------------------------------------------------
def test_log_with_end_time_written_up_a_day_later_meets_the_standard(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIPP-2's standard is 2 jam: 1 h 30 of work written up the next day is *memenuhi*."""
    day = (utcnow() - timedelta(days=1)).astimezone(WIB).date()
    start = f"{day}T06:30"
    code, out, _ = sop(
        monkeypatch, capsys, "log", "SIPP-2", "--note", "backup manual", "--started", start,
        "--ended", f"{day}T08:00", "--json",
    )  # fmt: skip
    rec = json.loads(out)
    assert code == 0 and rec["duration_s"] == 5400 and rec["verdict"] == "memenuhi"
    assert datetime.fromisoformat(rec["started_at"].replace("Z", "+00:00")).astimezone(WIB).hour == 6
    code, out, _ = sop(
        monkeypatch, capsys, "log", "SIPP-2", "--note", "backup lama", "--started", start,
        "--duration", "3 jam", "--json",
    )  # fmt: skip
    rec = json.loads(out)
    assert code == 0 and rec["duration_s"] == 3 * 3600 and rec["verdict"] == "tidak memenuhi"
    code, out, _ = sop(
        monkeypatch, capsys, "log", "SIPP-2", "--note", "selesai", "--ended", f"{day}T09:00",
        "--duration", "45m", "--json",
    )  # fmt: skip
    rec = json.loads(out)
    assert code == 0 and rec["duration_s"] == 2700 and rec["verdict"] == "memenuhi"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--started", "2026-01-01T08:00"], "--started alone means the work ended now"),
        (["--started", "2026-01-01T08:00", "--ended", "2026-01-01T07:00"], "cannot end before it starts"),
        (["--ended", "2999-01-01T07:00"], "is in the future"),
        (["--duration", "sebentar"], "--duration 'sebentar': not a duration"),
        (["--ended", "kemarin"], "--ended 'kemarin': not an ISO date/time"),
        (
            ["--started", "2026-01-01T08:00", "--ended", "2026-01-01T09:00", "--duration", "1h"],
            "not all three",
        ),
    ],
)
def test_log_time_mistakes_are_one_line_and_write_nothing(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    _env: Path,
    args: list[str],
    message: str,
) -> None:
    code, out, err = sop(monkeypatch, capsys, "log", "SIPP-2", "--note", "x", *args)
    assert code == 2 and out == "" and len(err.splitlines()) == 1 and message in err, err
    assert not _env.exists()


def test_parse_duration_forms() -> None:
    assert (
        cli.parse_duration("1h30m") == cli.parse_duration("90 menit") == cli.parse_duration("01:30") == 5400
    )
    assert cli.parse_duration("1 hari 2 jam") == 26 * 3600
    with pytest.raises(cli.UserError):
        cli.parse_duration("10")


# -- catalog ------------------------------------------------------------------------------------
def test_duplicate_id_in_an_override_names_both_places(tmp_path: Path) -> None:
    override = tmp_path / "sop_catalog.yml"
    override.write_text(
        "activities:\n"
        "  - id: SIPP-2\n"
        "    grace_s: 3600\n"
        "  - id: F.1\n"
        "    enabled: false\n"
        "  - id: SIPP-2\n"
        "    grace_s: 7200\n"
    )
    with pytest.raises(CatalogError) as exc:
        load_catalog([override])
    assert str(exc.value) == (
        f"catalog {override}: activity SIPP-2: duplicate id at lines 2 and 6 "
        "(one entry per activity; merge the two)"
    )
    # the same id in two override files is layering, not a duplicate: the later file wins
    second = tmp_path / "second.yml"
    second.write_text("activities:\n  - id: SIPP-2\n    grace_s: 60\n")
    override.write_text("activities:\n  - id: SIPP-2\n    grace_s: 3600\n")
    assert load_catalog([override, second]).activities["SIPP-2"].grace_s == 60


# -- inventory variables --------------------------------------------------------------------------
def _inventory(root: Path, sipp_vars: str) -> Path:
    inv = root / "inventory"
    (inv / "group_vars" / "sipp_servers").mkdir(parents=True)
    (inv / "hosts.yml").write_text(
        "all:\n  children:\n    sipp_servers:\n      hosts:\n"
        "        sipp-pn:\n          ansible_host: 127.0.0.1\n"
    )
    (inv / "group_vars" / "sipp_servers" / "sipp.yml").write_text(sipp_vars)
    return inv


def test_missing_database_name_is_named_with_host_and_variable(tmp_path: Path) -> None:
    inv = _inventory(tmp_path, "sipp_db_monitor_password: rahasia\n")
    needs = [("SIPP-1", ("sipp_servers",), ("sipp_db_name", "sipp_db_monitor_password"))]
    with pytest.raises(InventoryError) as exc:
        check_required_vars(inv, needs)
    assert str(exc.value) == (
        f"inventory {inv}: host sipp-pn: variable sipp_db_name is not set (needed by SIPP-1; set it in "
        "group_vars/sipp_servers/ or host_vars/sipp-pn/)"
    )
    (inv / "group_vars" / "sipp_servers" / "sipp.yml").write_text(
        "sipp_db_name: ''\nsipp_db_monitor_password: x\n"
    )
    with pytest.raises(InventoryError, match="variable sipp_db_name is empty"):
        check_required_vars(inv, needs)
    (inv / "group_vars" / "sipp_servers" / "sipp.yml").write_text(
        "sipp_db_name: sipp_pn\nsipp_db_monitor_password: x\n"
    )
    check_required_vars(inv, needs)
    check_required_vars(inv, needs, limit="nothing-matches")  # limited away: nothing to check


def test_sop_run_refuses_before_running_when_the_database_name_is_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, _env: Path
) -> None:
    inv = _inventory(tmp_path, "sipp_db_monitor_password: rahasia\n")
    code, out, err = sop(
        monkeypatch, capsys, "--project-dir", str(REPO), "--inventory", str(inv), "run", "SIPP-1"
    )
    assert code == 2 and out == ""
    assert err == (
        f"sop: error: inventory {inv}: host sipp-pn: variable sipp_db_name is not set (needed by SIPP-1; "
        "set it in group_vars/sipp_servers/ or host_vars/sipp-pn/)\n"
    )
    if _env.exists():  # nothing ran: no record
        assert RecordStore(_env, readonly=True).count() == 0


def test_variables_in_a_vault_file_are_read_and_the_check_repeats(tmp_path: Path) -> None:
    """A tick checks each playbook in turn: vaulted group_vars are read every time."""
    from ansible.constants import DEFAULT_VAULT_ID_MATCH
    from ansible.parsing.vault import VaultLib, VaultSecret

    inv = _inventory(tmp_path, "sipp_db_monitor_password: rahasia\n")
    password = tmp_path / "vault-pass"
    password.write_text("kata sandi brankas\n")
    vault = VaultLib([(DEFAULT_VAULT_ID_MATCH, VaultSecret(b"kata sandi brankas"))])
    (inv / "group_vars" / "sipp_servers" / "vault.yml").write_bytes(vault.encrypt("sipp_db_name: sipp_pn\n"))
    needs = [("SIPP-1", ("sipp_servers",), ("sipp_db_name", "sipp_db_monitor_password"))]
    for _ in range(2):
        check_required_vars(inv, needs, vault_password_file=password)
    with pytest.raises(InventoryError, match="cannot read its variables"):
        check_required_vars(inv, needs)  # no password: the vault file cannot be read


@pytest.mark.parametrize(
    "playbook", ["sipp_check.yml", "sipp_user_activity.yml", "sipp_backup.yml", "sipp_restore_drill.yml"]
)
def test_plain_ansible_playbook_refuses_a_missing_database_name(tmp_path: Path, playbook: str) -> None:
    """Plain ansible-playbook (and an AWX job) has no `sop` pre-check: the roles' argument
    validation refuses the run before any task touches the host, naming the variable -- there is
    no silent fallback to a database called `sipp`."""
    inv = _inventory(
        tmp_path, "sipp_db_monitor_password: x\nsipp_db_backup_password: x\nsipp_restic_password: x\n"
    )
    (inv / "host_vars").mkdir()
    (inv / "host_vars" / "sipp-pn.yml").write_text(
        f"ansible_connection: local\nansible_python_interpreter: {sys.executable}\n"
    )
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "ansible-playbook"),
            "-i",
            str(inv),
            str(REPO / "playbooks" / playbook),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={
            **os.environ,
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "SOP_RECORDS": str(tmp_path / "r.sqlite"),
        },
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "fatal: [sipp-pn]" in out and "'sipp_db_name' is undefined" in out, out[-3000:]
    # refused at the role's argument validation, the first task: nothing of the activity ran
    tasks = [line for line in out.split("fatal: [sipp-pn]")[0].splitlines() if line.startswith("TASK [")]
    assert tasks and "Validating arguments against arg spec" in tasks[-1], tasks
    assert not any(" | " in t for t in tasks), tasks
