"""`sop recover` and `sop backups list` on bad input: one line naming the input, non-zero exit, no
traceback, nothing run -- and an unreachable replacement server named as such (a real run)."""

from __future__ import annotations

import pytest

from sop_runner.records import RecordStore

from .conftest import Court


def one_error_line(proc) -> str:
    """The single 'sop: error:' line of a refused command (and no traceback)."""
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("sop: error: ")
    return lines[0]


def no_record(court: Court) -> None:
    if court.records.exists():
        with RecordStore(court.records, readonly=True) as store:
            assert store.count() == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["recover", "sipp", "--to", "nowhere"], "--to 'nowhere': not a host of the inventory"),
        (["recover", "website", "--to", "nowhere"], "--to 'nowhere': not a host of the inventory"),
        # the court's sipp_servers are ghost and localhost: the first one's backups are the default
        (["recover", "sipp", "--to", "ghost"], "is the server whose SIPP backups are restored"),
        (
            ["recover", "sipp", "--to", "ghost", "--snapshot", "zz-top"],
            "--snapshot 'zz-top': not a snapshot id",
        ),
        (["recover", "sipp", "--to", "ghost", "--snapshot", "abc"], "--snapshot 'abc': not a snapshot id"),
        (["recover", "sipp", "--to", "ghost", "--at", "kemarin"], "--at 'kemarin': not an ISO date/time"),
        (
            ["recover", "sipp", "--to", "ghost", "--at", "2026-11-30T08:00", "--snapshot", "0123abcd"],
            "give either --at or --snapshot ID",
        ),
        (
            ["recover", "sipp", "--to", "ghost", "--from", "nowhere"],
            "--from 'nowhere': not a host of the inventory",
        ),
        (["recover", "website", "--to", "ghost"], "has no host in web_servers"),
        (["backups", "list", "--on", "nowhere"], "--on 'nowhere': not a host of the inventory"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_runs_nothing(court: Court, args: list[str], expected: str) -> None:
    proc = court.sop(*args)
    assert proc.returncode == 2, proc.stderr
    assert expected in one_error_line(proc)
    no_record(court)


def test_unreachable_replacement_server_is_named_in_one_line(court: Court) -> None:
    """The run reaches the first task that needs the server: one line saying it is unreachable,
    exit 1, and the SIPP-7 record says so too."""
    (court.inventory / "group_vars" / "sipp_servers" / "sipp.yml").write_text(
        "sipp_db_name: sipp\n"
        "sipp_restic_password: '{{ vault_test_secret }}'\n"
        "sipp_backup_target_host: backup.test\n"
    )
    proc = court.sop("recover", "sipp", "--to", "ghost", "--from", "localhost")
    assert proc.returncode == 1, proc.stderr
    line = one_error_line(proc)
    assert line.startswith("sop: error: ghost is unreachable: ")
    with RecordStore(court.records, readonly=True) as store:
        recs = store.list_records(activity_id="SIPP-7")
    assert [r.status for r in recs] == ["unreachable"]
    assert recs[0].hosts["ghost"]["status"] == "unreachable"


def _record(activity: str, started: str, status: str, output: dict) -> dict:
    host = next(iter(output))
    return {
        "activity_id": activity,
        "via": "sop-run",
        "trigger": "manual",
        "operator": "tester",
        "started_at": started,
        "ended_at": started,
        "duration_s": 60.0,
        "status": status,
        "output": output,
        "findings": [],
        "hosts": {host: {"ok": 1, "changed": 0, "failures": 0, "unreachable": 0, "status": "ok"}},
    }


def test_backups_are_marked_by_the_drills_and_recoveries_that_restored_them(tmp_path, monkeypatch) -> None:
    """`sop backups list`'s verification state: a D.7 drill (database_snapshot) or a recovery
    (backup) that restored the snapshot, with whether it succeeded; other records do not count."""
    from sop_runner.commands.common import STATE
    from sop_runner.commands.recover import DATA_SETS, proofs

    store = RecordStore(tmp_path / "records.sqlite")
    drill = {"sipp": {"database_snapshot": {"id": "48f4f107", "time": "x"}, "restore_berhasil": True}}
    store.append_record(_record("D.7", "2026-11-30T00:00:00Z", "successful", drill))
    failed = {"sipp": {"database_snapshot": {"id": "aaaa0000", "time": "x"}, "restore_berhasil": False}}
    store.append_record(_record("D.7", "2026-10-30T00:00:00Z", "failed", failed))
    recovery = {"spare": {"backup": {"id": "48f4f107" + "0" * 56, "short_id": "48f4f107"}, "pulih": True}}
    store.append_record(_record("SIPP-7", "2026-12-01T00:00:00Z", "successful", recovery))
    store.append_record(_record("SIPP-2", "2026-12-01T00:00:00Z", "successful", {"sipp": {"summary": "x"}}))
    store.close()
    monkeypatch.setenv("SOP_RECORDS", str(tmp_path / "records.sqlite"))
    (tmp_path / "sop.yml").write_text("{}\n")
    monkeypatch.setenv("SOP_CONFIG", str(tmp_path / "sop.yml"))
    proven = proofs(STATE.config(), DATA_SETS["sipp"])
    assert proven == {
        "48f4f107": [
            {"activity": "D.7", "at": "2026-11-30T00:00:00.000000Z", "ok": True},
            {"activity": "SIPP-7", "at": "2026-12-01T00:00:00.000000Z", "ok": True},
        ],
        "aaaa0000": [{"activity": "D.7", "at": "2026-10-30T00:00:00.000000Z", "ok": False}],
    }
