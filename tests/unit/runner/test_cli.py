"""The `sop` command line (click): help, usage errors, user errors, exit codes, --json output.

Each test runs `sop_runner.cli.main()` in this process on a record store of its own.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sop_runner import cli

_SOP_ENV = ("SOP_PROJECT_DIR", "SOP_INVENTORY", "SOP_CATALOG", "SOP_OPERATOR", "SOP_VAULT_PASSWORD_FILE")


@pytest.fixture(autouse=True)
def _own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "sop.yml"
    config.write_text("{}\n", encoding="utf-8")
    monkeypatch.setenv("SOP_CONFIG", str(config))
    monkeypatch.setenv("SOP_RECORDS", str(tmp_path / "records.sqlite"))
    for var in _SOP_ENV:
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "records.sqlite"


def sop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run `sop ARGS` through the entry point; return (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["sop", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out, err = capsys.readouterr()
    code = exc.value.code
    assert isinstance(code, int)
    return code, out, err


@pytest.mark.parametrize(
    "group", [[], ["catalog"], ["records"], ["awx"], ["report"], ["request"], ["complaint"]]
)
def test_a_group_without_command_shows_its_help_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], group: list[str]
) -> None:
    code, out, err = sop(monkeypatch, capsys, *group)
    assert code == 2
    assert out.startswith(f"Usage: sop {' '.join([*group, ''])}[OPTIONS] COMMAND [ARGS]...")
    assert "Commands:" in out and err == ""


def test_help_lists_the_commands_in_their_order_and_the_global_options(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = sop(monkeypatch, capsys, "--help")
    assert code == 0
    listed = [line.split()[0] for line in out.split("Commands:")[1].splitlines() if line.strip()]
    assert listed == [
        *("run", "due", "tick", "comply", "log", "summary", "install-schedule", "lab-demo", "config"),
        *("catalog", "records", "recover", "backups", "awx", "keys", "report", "request", "complaint"),
    ]
    for option in ("--project-dir", "-i, --inventory", "--records", "--operator", "--catalog"):
        assert option in out
    assert "--vault-password-file" in out and "completion" not in out


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--install-completion"], "Error: No such option '--install-completion'."),
        (["catalog", "show"], "Error: Missing argument 'activity_id'."),
        (["log", "SIPP-4"], "Error: Missing option '--note'."),
        (
            ["records", "list", "--limit", "many"],
            "Error: Invalid value for '--limit': 'many' is not a valid integer.",
        ),
        (["report", "schedule", "next"], "Error: Invalid value for 'year': 'next' is not a valid integer."),
    ],
)
def test_usage_mistakes_give_the_usage_and_one_error_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], error: str
) -> None:
    code, out, err = sop(monkeypatch, capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("Usage: sop ")
    assert [line for line in err.splitlines() if line.startswith("Error:")] == [error]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["catalog", "show", "NOPE"], "unknown SOP activity 'NOPE'"),
        (["catalog", "show", "NOPE", "--json"], "unknown SOP activity 'NOPE'"),
        (["run", "SIPP-4"], "record it with 'sop log SIPP-4"),  # runner.RunError
        (["due", "--at", "soon"], "--at 'soon': not an ISO date/time"),  # UserError
        (["records", "verify"], "does not exist"),  # RecordStoreError
        (["--catalog", "nope.yml", "catalog", "list"], "catalog override"),  # ConfigError
        (["report", "notify", "--config", "nope.yml"], "no notification config"),  # reports.cli
    ],
)
def test_user_errors_are_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = sop(monkeypatch, capsys, *args)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("sop: error: ") and message in err, err


def test_json_output_parses(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = sop(monkeypatch, capsys, "catalog", "show", "SIPP-1", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["id"] == "SIPP-1" and shown["awx_rrule"].startswith("DTSTART;TZID=")
    code, out, _ = sop(monkeypatch, capsys, "catalog", "list", "--json")
    assert code == 0 and len(json.loads(out)) == 46  # the 45 SOP activities and KK-1 (sop comply)
    code, out, _ = sop(monkeypatch, capsys, "config", "--json")
    assert code == 0 and json.loads(out)["sources"]["records"] == "env SOP_RECORDS"


def test_records_commands_and_the_verify_exit_code(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], _own_store: Path
) -> None:
    code, out, _ = sop(
        monkeypatch, capsys, "log", "SIPP-4", "--note", "keluhan dicatat", "--by", "ani", "--json"
    )
    assert code == 0 and json.loads(out)["operator"] == "ani"
    code, out, _ = sop(monkeypatch, capsys, "records", "list", "--json")
    assert code == 0 and [r["activity_id"] for r in json.loads(out)] == ["SIPP-4"]
    code, out, _ = sop(monkeypatch, capsys, "records", "show", "1", "--json")
    assert code == 0 and json.loads(out)["note"] == "keluhan dicatat"
    code, out, _ = sop(monkeypatch, capsys, "records", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    with sqlite3.connect(_own_store) as db:
        db.execute("UPDATE records SET status = 'failed' WHERE seq = 1")
    code, out, _ = sop(monkeypatch, capsys, "records", "verify", "--json")
    assert code == 1 and json.loads(out)["ok"] is False


def test_global_options_reach_every_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    other = tmp_path / "other.sqlite"
    code, out, _ = sop(monkeypatch, capsys, "--records", str(other), "--operator", "budi", "config", "--json")
    cfg = json.loads(out)
    assert code == 0 and cfg["records"] == str(other) and cfg["operator"] == "budi"
    assert cfg["sources"]["catalog"] == "default"  # no --catalog: not an empty override
    code, _, err = sop(
        monkeypatch, capsys, "--catalog", str(tmp_path / "a.yml"), "--catalog", "b.yml", "config"
    )
    assert code == 2 and err == f"sop: error: catalog override {tmp_path / 'a.yml'} does not exist\n"
    code, _, err = sop(
        monkeypatch, capsys, "--records", str(other), "report", "monthly", "2026-11", "--no-pdf"
    )
    assert code == 2 and f"record store {other} does not exist" in err


def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(**_: object) -> None:
        raise KeyboardInterrupt

    from sop_runner.commands import common

    monkeypatch.setattr(common, "load_config", interrupted)
    code, _, _ = sop(monkeypatch, capsys, "config")
    assert code == 130


def test_the_click_app_runs_under_click_testing() -> None:
    result = CliRunner().invoke(cli.app, ["catalog", "show", "D.7", "--json"], prog_name="sop")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["id"] == "D.7"
