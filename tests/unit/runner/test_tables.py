"""`sop due`, `sop records list` and `sop summary` read well on an 80-column console and piped:
whole dates and statuses, one `sop due` row per activity with its scopes and next step."""

from __future__ import annotations

import json
import re
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sop_runner import cli
from sop_runner.records import RecordStore, iso

WIB = ZoneInfo("Asia/Jakarta")
AT = "2026-12-01T10:00"
CUT = re.compile(r"\d…|-…|[a-z]…")  # a date, a status or a word cut short


@pytest.fixture
def court(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    inv = tmp_path / "inventory"
    inv.mkdir()
    (inv / "hosts.yml").write_text(
        "all:\n  children:\n"
        "    sipp_servers: {hosts: {sipp: {}}}\n"
        "    web_servers: {hosts: {web: {}}}\n"
        "    linux_servers: {hosts: {sipp: {}, web: {}}}\n"
        "    network_devices: {hosts: {gw: {}}}\n"
        "    ups_hosts: {hosts: {sipp: {}}}\n"
        "    control: {hosts: {localhost: {}}}\n"
    )
    store = RecordStore(tmp_path / "records.sqlite")
    t0 = datetime(2026, 11, 30, 6, 30, tzinfo=WIB)

    def rec(act: str, at: datetime, seconds: float, hosts: dict[str, str], standard: float | None) -> None:
        store.append_record(
            {
                "activity_id": act,
                "started_at": iso(at),
                "ended_at": iso(at + timedelta(seconds=seconds)),
                "duration_s": seconds,
                "standard_s": standard,
                "status": "successful" if set(hosts.values()) == {"ok"} else "partial",
                "hosts": {h: {"status": s} for h, s in hosts.items()},
                "operator": "operator-pengadilan-negeri",
                "output": {h: {"summary": f"{act} selesai di {h}"} for h in hosts},
            }
        )

    rec("SIPP-2", t0, 9000, {"sipp": "ok"}, 7200)  # 2.5 h against 2 jam: tidak memenuhi
    rec("SIPP-1", t0 + timedelta(minutes=35), 2, {"sipp": "ok"}, 3600)
    rec("C.2", t0 + timedelta(minutes=40), 60, {"gw": "ok", "sipp": "unreachable"}, None)
    rec("D.7", t0, 600, {"sipp": "ok"}, None)  # 06:30 on the 30th: counts for the day-30 slot
    store.close()
    config = tmp_path / "sop.yml"
    config.write_text("{}\n")
    monkeypatch.setenv("SOP_CONFIG", str(config))
    monkeypatch.setenv("SOP_RECORDS", str(tmp_path / "records.sqlite"))
    monkeypatch.setenv("SOP_INVENTORY", str(inv))
    for var in ("SOP_PROJECT_DIR", "SOP_CATALOG", "SOP_OPERATOR", "SOP_VAULT_PASSWORD_FILE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def sop(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    monkeypatch.setattr(sys, "argv", ["sop", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out, err = capsys.readouterr()
    assert exc.value.code == 0, err
    return out


def _readable(out: str) -> None:
    for line in out.splitlines():
        assert len(line.rstrip()) <= 80, line
    assert not CUT.search(out.replace(" …", "")), out  # nothing cut but the short activity texts


@pytest.fixture(params=["COLUMNS=80", "piped"])
def width(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "piped":
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", "80")
    return str(request.param)


def test_due_one_row_per_activity_with_scopes_since_and_next_step(
    court: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], width: str
) -> None:
    out = sop(monkeypatch, capsys, "due", "--at", AT)
    _readable(out)
    rows = [line for line in out.splitlines() if re.match(r"^[A-Z]+[-.]\d+ ", line)]
    ids = [r.split()[0] for r in rows]
    assert len(ids) == len(set(ids)), ids  # one row per activity
    assert "C.2" in ids and "D.7" not in ids  # D.7 done at 06:30 on the 30th
    c2 = out[out.index("\nC.2 ") :]
    c2 = c2[: c2.index("\nC.3 ")]
    assert "network_devices:" not in c2 and "ups_hosts:" in c2 and "sipp" in c2  # scopes inside
    assert "sop run C.2" in c2 and "overdue since" in c2 and "2026-12-01 07:00" in c2
    assert "sop log C.5" in out and "sop report monthly" in out
    sipp2 = out[out.index("\nSIPP-2 ") :].splitlines()
    assert sipp2[1].startswith("SIPP-2 Melakukan") and "overdue since" in sipp2[1]
    assert "2026-12-01 08:30" in sipp2[2]  # the 06:30 slot + its 2-jam standard
    f1 = out[out.index("\nF.1 ") :].splitlines()
    assert "due, overdue at" in f1[1] and "2026-12-02 00:00" in f1[2]  # its standard is the day
    assert "missed" not in out


def test_due_json_keeps_one_item_per_scope(
    court: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(sop(monkeypatch, capsys, "due", "--at", AT, "--json"))
    c2 = [i for i in data["items"] if i["activity_id"] == "C.2"]
    assert [(i["scope"], i["state"], i["hosts_due"]) for i in c2] == [("ups_hosts", "overdue", ["sipp"])]
    keys = {"activity_id", "scope", "schedule", "slot", "state", "last_run", "last_status", "missed_slots"}
    assert keys | {"hosts_due", "hosts_overdue", "runnable", "playbook", "trigger"} <= set(c2[0])


def test_records_list_whole_dates_and_statuses(
    court: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], width: str
) -> None:
    out = sop(monkeypatch, capsys, "records", "list")
    _readable(out)
    assert out.count("2026-11-30") == 4 and "06:30" in out and "07:10" in out
    assert "tidak memenuhi" in out and "successful" in out and "partial" in out
    assert "operator-pengadilan-negeri" in out
    monkeypatch.setenv("COLUMNS", "140")  # a wide console adds the summaries
    assert "SIPP-2 selesai di sipp" in sop(monkeypatch, capsys, "records", "list")


def test_summary_whole_dates_statuses_and_compliance(
    court: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], width: str
) -> None:
    out = sop(monkeypatch, capsys, "summary", "--at", AT)
    _readable(out)
    sipp2 = out[out.index("\nSIPP-2") :].splitlines()
    assert "2026-11-30" in sipp2[1] and "successful" in sipp2[1] and "tidak memenuhi" in sipp2[1]
    assert "06:30" in sipp2[2] and "tidak memenuhi" in sipp2[2]
    d7 = out[out.index("\nD.7") :].splitlines()
    assert "ok" in d7[1] and "memenuhi" in d7[1]
