"""sop run / plain ansible-playbook on localhost (real Ansible, real ansible-runner): record
parity, partial runs, secrets, faults, kill -9 and concurrent ticks. No lab needed."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import sqlite3
import tarfile
import time
from pathlib import Path

import pytest

from sop_runner.records import RecordStore

from .conftest import TEST_PLAYBOOK, VAULT_SECRET, Court, make_court

SHAPE_KEYS = {
    "activity_id",
    "status",
    "scope",
    "standard_s",
    "verdict",
    "check_mode",
    "inventory",
    "playbook",
}


def _records(court: Court) -> list[dict]:
    with RecordStore(court.records, readonly=True) as store:
        return [r.to_dict() for r in store.list_records()]


def _all_kept_bytes(court: Court) -> bytes:
    """Everything the store keeps: the database (+WAL) and every blob, decompressed."""
    out = b""
    for p in court.records.parent.rglob("*"):
        if not p.is_file():
            continue
        data = p.read_bytes()
        out += data
        if data[:2] == b"\x1f\x8b":
            raw = gzip.decompress(data)
            out += raw
            try:
                with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
                    for m in tar.getmembers():
                        f = tar.extractfile(m)
                        if f:
                            out += f.read()
            except tarfile.TarError:
                pass
    return out


def test_sop_run_and_plain_ansible_playbook_write_the_same_record(court: Court) -> None:
    """Same record both ways (partial: ghost unreachable); vault values never kept."""
    r1 = court.sop("run", "SIPP-1")
    assert r1.returncode == 1, r1.stderr  # partial (ghost unreachable) is not a success
    r2 = court.ansible_playbook("tests/unit/runner/playbooks/sipp_like.yml")
    assert "SOP record: SIPP-1 partial" in r2.stdout, r2.stdout + r2.stderr
    a, b = _records(court)
    assert a["via"] == "sop-run" and b["via"] == "ansible-playbook"
    assert {k: a[k] for k in SHAPE_KEYS} == {k: b[k] for k in SHAPE_KEYS}
    assert set(a) == set(b)
    # the verdict on screen is named as the time standard's, never read as the outcome's
    assert b["verdict"] and f"SOP record: SIPP-1 partial (Mutu Baku waktu: {b['verdict']})" in r2.stdout
    for rec in (a, b):
        assert rec["status"] == "partial" and rec["note"] == "unreachable: ghost"
        assert rec["hosts"]["ghost"]["status"] == "unreachable"
        assert rec["hosts"]["localhost"]["status"] == "ok" and rec["hosts"]["localhost"]["ok"] >= 3
        assert rec["output"]["localhost"]["online_users"] == 7
        assert rec["output"]["localhost"]["akses_sipp_tersedia"] is True
        assert rec["findings"] == [
            {
                "host": "localhost",
                "severity": "high",
                "code": "test_finding",
                "message": "contoh temuan",
                "incident": False,
            }
        ]
        assert rec["verdict"] == "memenuhi" and rec["standard_s"] == 3600
        assert len(rec["artifacts"]["sha256"]) == 64
        assert rec["ansible_version"].startswith("2.19")
        assert rec["operator"] in ("tester", os.environ.get("USER", "root"), "root")
    # the kept event log matches the hash in the record
    with RecordStore(court.records) as store:
        blob = store.blob_path(a["artifacts"]["sha256"])
        import hashlib

        assert hashlib.sha256(blob.read_bytes()).hexdigest() == a["artifacts"]["sha256"]
        run = store.get_run(a["run_id"])
        assert run is not None and run.state == "finished" and len(run.artifacts["sha256"]) == 64
        assert store.verify().ok
    # the vault value the playbook used (no_log, and in its output) is kept nowhere
    assert all(r["output"]["localhost"]["leaked"] == "********" for r in (a, b))
    kept = _all_kept_bytes(court)
    assert VAULT_SECRET.encode() not in kept
    assert b"********" in kept
    assert not any((court.records.parent / "work").iterdir())


def _one_line_error(res, needle: str) -> None:  # type: ignore[no-untyped-def]
    assert res.returncode == 2, (res.stdout, res.stderr)
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("sop: error: ") and needle in lines[0], lines[0]


def test_sop_run_uses_the_ansible_settings_of_a_plain_run(court_ok: Court, tmp_path: Path) -> None:
    """ansible-runner on its own turns host key checking off and moves the fact cache into the
    run's (deleted) artifact folder; under `sop run` the project's settings must hold."""
    settings = {}
    for how in ("plain", "sop"):
        dump = tmp_path / f"settings-{how}.json"
        env = {"TEST_SETTINGS_FILE": str(dump)}
        r = (
            court_ok.ansible_playbook(TEST_PLAYBOOK, extra_env=env)
            if how == "plain"
            else court_ok.sop("run", "SIPP-1", extra_env=env)
        )
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
        settings[how] = json.loads(dump.read_text())
    assert settings["sop"] == settings["plain"]
    assert settings["sop"]["host_key_checking"] is True
    assert settings["sop"]["cache_plugin"] == "jsonfile"
    assert settings["sop"]["cache_connection"].endswith(".cache/facts")


def test_run_playbook_hands_ansible_events_to_the_progress_handler(court_ok: Court) -> None:
    """The path `sop run` takes on a terminal (live progress): events reach the handler."""
    from sop_runner import runner
    from sop_runner.catalog import load_catalog
    from sop_runner.config import load_config

    cfg = load_config(env=court_ok.env)
    catalog = load_catalog(list(cfg.catalog))
    planned, _ = runner.plan(catalog, cfg.project_dir, "SIPP-1")
    started: list[str] = []

    def on_event(event: dict) -> None:
        if event.get("event") == "playbook_on_task_start":
            started.append(event["event_data"]["task"])

    res = runner.run_playbook(cfg, catalog, planned[0], scrubber=runner.preflight(cfg), on_event=on_event)
    assert res.rc == 0 and [r.activity_id for r in res.records] == ["SIPP-1"], res.error
    assert "SIPP-1 | AUDIT | Count online users" in started
    assert started.index("SIPP-1 | AUDIT | Count online users") < started.index(
        "SIPP-1 | AUDIT | Hand the result to the maintenance record"
    )


def test_faults_are_one_line_and_write_nothing(court_ok: Court, tmp_path: Path) -> None:
    c = court_ok
    _one_line_error(c.sop("run", "SIPP-99"), "unknown SOP activity 'SIPP-99'")
    _one_line_error(c.sop("run", "SIPP-4"), "sop log SIPP-4")
    bad_cat = tmp_path / "bad_catalog.yml"
    bad_cat.write_text("activities:\n  - id: SIPP-1\n    kind: sometimes\n")
    _one_line_error(c.sop("--catalog", str(bad_cat), "run", "SIPP-1"), "activity SIPP-1: field 'kind'")
    bad_inv = tmp_path / "bad_inventory.yml"
    bad_inv.write_text("all:\n  hosts: [oops\n")
    over = str(c.inventory / "sop_catalog.yml")
    _one_line_error(
        c.sop("--catalog", over, "run", "SIPP-1", "--inventory", str(bad_inv)), f"inventory {bad_inv}"
    )
    _one_line_error(c.sop("run", "SIPP-1", "--inventory", str(tmp_path / "nope")), "does not exist")
    wrong = tmp_path / "wrong-pass"
    wrong.write_text("not the password\n")
    _one_line_error(c.sop("--vault-password-file", str(wrong), "run", "SIPP-1"), "cannot decrypt")
    _one_line_error(c.sop("records", "list"), "does not exist")
    assert not c.records.exists()  # nothing half-written


def wait_run_gone(records: Path, timeout: float = 60.0) -> None:
    """Wait until every process of the killed run has exited (its liveness lock is free)."""
    import fcntl

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        locks = list((records.parent / "runs").glob("*.lock"))
        busy = False
        for lock in locks:
            fd = os.open(lock, os.O_RDWR)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                busy = True
            finally:
                os.close(fd)
        if not busy:
            return
        time.sleep(0.2)
    raise AssertionError("the killed run's ansible-playbook kept running")


def _wait_for(pred, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached")


def test_kill_9_mid_run_then_next_start_marks_interrupted(court_ok: Court) -> None:
    c = court_ok
    proc = c.popen_sop("run", "SIPP-1", extra_env={"TEST_SLEEP": "10"})

    def sleeping_task_started() -> bool:
        if not c.records.exists():
            return False
        db = sqlite3.connect(c.records)
        try:
            row = db.execute("SELECT activities FROM runs WHERE state = 'running'").fetchone()
        except sqlite3.OperationalError:
            return False
        finally:
            db.close()
        return (
            bool(row)
            and "SIPP-1" in json.loads(row[0])
            and bool(list((c.records.parent / "work").glob("*/artifacts/*/job_events/*.json")))
        )

    _wait_for(sleeping_task_started)
    time.sleep(2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)
    # ansible-playbook runs on ansible-runner's pty: it gets SIGHUP when the runner dies
    wait_run_gone(c.records)
    assert c.sop("records", "verify").returncode == 0
    res = c.sop("run", "SIPP-1")
    assert res.returncode == 0, res.stderr
    recs = _records(c)
    assert [r["status"] for r in recs] == ["interrupted", "successful"]
    assert recs[0]["activity_id"] == "SIPP-1" and recs[0]["via"] == "recovery"
    assert c.sop("records", "verify").returncode == 0
    assert not any((c.records.parent / "work").iterdir())  # the killed run's private data is gone


def test_two_concurrent_ticks_run_each_due_activity_once(court_ok: Court, same_hour_slot: None) -> None:
    c = court_ok
    ticks = [c.popen_sop("tick", "--json", extra_env={"TEST_SLEEP": "3"}) for _ in range(2)]
    outs = [t.communicate(timeout=300) for t in ticks]
    assert all(t.returncode == 0 for t in ticks), outs
    reports = [json.loads(o[0]) for o in outs]
    ran = [r for rep in reports for r in rep if "run_id" in r]
    skipped = [r for rep in reports for r in rep if "skipped" in r]
    assert len(ran) == 1 and ran[0]["activities"] == ["SIPP-1"], reports
    assert len(skipped) == 1, reports
    recs = _records(c)
    assert [r["activity_id"] for r in recs] == ["SIPP-1"]
    assert recs[0]["trigger"] == "schedule"
    # a third tick finds nothing due
    third = c.sop("tick", "--json")
    assert third.returncode == 0 and json.loads(third.stdout) == []


def test_tick_writes_the_due_reports_as_the_output_of_their_activities(
    tmp_path: Path, same_hour_slot: None
) -> None:
    c = make_court(tmp_path, ghost=False, reports=True)
    first = c.sop("tick", "--json", timeout=600)
    assert first.returncode == 0, first.stderr
    ran = {r["playbook"]: r for r in json.loads(first.stdout)}
    assert set(ran) == {
        "tests/unit/runner/playbooks/sipp_like.yml",
        "sop report monthly",
        "sop report schedule",
    }
    recs = _records(c)
    by_act = {r["activity_id"]: r for r in recs}
    assert set(by_act) == {"SIPP-1", "C.1", "C.6", "C.7", "SIPP-5", "F.5"}
    for aid in ("C.6", "C.7", "SIPP-5", "F.5"):
        assert by_act[aid]["via"] == "sop-report" and by_act[aid]["trigger"] == "schedule"
        assert {a["name"].rsplit(".", 1)[1] for a in by_act[aid]["attachments"]} == {"html", "pdf"}
    assert {a["name"].rsplit(".", 1)[1] for a in by_act["C.1"]["attachments"]} == {"ics", "html", "pdf"}
    # the reports are done for this slot: a second tick runs nothing
    second = c.sop("tick", "--json", timeout=600)
    assert second.returncode == 0 and json.loads(second.stdout) == [], second.stdout
    assert c.sop("records", "verify").returncode == 0


def test_check_mode_run_is_recorded_as_check_and_stays_due(court_ok: Court) -> None:
    c = court_ok
    assert c.sop("run", "SIPP-1", "--check").returncode == 0
    (rec,) = _records(c)
    assert rec["check_mode"] is True
    due = json.loads(c.sop("due", "--json").stdout)
    assert any(i["activity_id"] == "SIPP-1" and i["state"] in ("due", "overdue") for i in due["items"])


def test_install_schedule_check_mode_renders_the_timer(court_ok: Court, tmp_path: Path) -> None:
    """`sop install-schedule --check` runs the role through ansible-runner (no systemd needed in
    check mode here; the molecule scenario sop_schedule proves the real timer)."""
    inv = tmp_path / "control.yml"
    inv.write_text(
        "all:\n  children:\n    control:\n      hosts:\n        localhost:\n"
        "          ansible_connection: local\n"
        '          ansible_python_interpreter: "{{ ansible_playbook_python }}"\n'
    )
    res = court_ok.sop("--inventory", str(inv), "install-schedule", "--check", "--on-calendar", "*:0/10")
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr
    assert "Write the sop tick timer unit" in res.stdout
    assert not court_ok.records.exists()  # utility playbooks write no records


def test_the_timer_gets_the_settings_this_sop_runs_with(
    court_ok: Court, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A court that gives the vault password file in its shell (ANSIBLE_VAULT_PASSWORD_FILE, as
    the README says) and a catalog override on the command line installs a timer whose
    `sop tick` gets both: without them every tick would stop at the vault or run another catalog."""
    from sop_runner.commands.run import schedule_environment
    from sop_runner.config import load_config

    override = tmp_path / "extra_catalog.yml"
    override.write_text("activities: []\n")
    env = {k: v for k, v in court_ok.env.items() if "VAULT" not in k}
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(court_ok.vault_pass))
    cfg = load_config(env=env, catalog=[override])
    timer = schedule_environment(cfg)
    assert timer["SOP_VAULT_PASSWORD_FILE"] == str(court_ok.vault_pass.absolute())
    assert timer["SOP_CATALOG"].split(":")[-1] == str(override.absolute())
    assert timer["SOP_RECORDS"] == str(court_ok.records)
    assert timer["SOP_INVENTORY"] == str(cfg.inventory)
    # the timer's sop, given only that environment, sees the same configuration
    again = load_config(env={"HOME": env.get("HOME", "/root"), **timer})
    assert (again.records, again.inventory) == (cfg.records, cfg.inventory)
    assert again.project_dir == cfg.project_dir
    assert again.vault_password_file == court_ok.vault_pass.absolute()
    assert list(again.catalog) == list(cfg.catalog)
