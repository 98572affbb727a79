"""`sop comply` end to end on this machine: a suite of two controls (the real conftest, markers and
engine) against an inventory of local hosts and one unreachable host. Checks the records (one
KK-1 record per SOP activity, findings with severity, unreachable never ok), the JUnit XML and
HTML page, the exit code, bad input and thresholds from the inventory."""

from __future__ import annotations

import json
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sop_runner import cli
from sop_runner.comply import engine
from sop_runner.records import RecordStore

CONTROLS = '''
import pytest


@pytest.mark.sop("D.5")
@pytest.mark.sop_D
@pytest.mark.targets("linux_servers")
@pytest.mark.severity("high")
def test_D5_marker_present(target):
    """The marker file the host variable names exists."""
    path = target.var("marker_path")
    assert target.host.file(path).exists, f"marker {path} missing"


@pytest.mark.sop("C.4")
@pytest.mark.sop_C
@pytest.mark.targets("linux_servers")
@pytest.mark.severity("warning")
def test_C4_lynis_floor_configured(target):
    """A control that reads only the inventory (no connection)."""
    floor = target.threshold("lynis_min_index")
    assert floor >= 50, f"floor {floor:g} below 50"
'''


@pytest.fixture
def court(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    suite = tmp_path / "suite"
    suite.mkdir()
    for name in ("conftest.py", "pytest.ini"):
        shutil.copy(engine.SUITE_DIR / name, suite / name)
    (suite / "test_controls.py").write_text(CONTROLS)
    monkeypatch.setattr(engine, "SUITE_DIR", suite)
    marker = tmp_path / "marker"
    marker.write_text("x")
    inv = tmp_path / "inventory"
    inv.mkdir()
    (inv / "hosts.yml").write_text(
        "all:\n  children:\n    linux_servers:\n      hosts:\n"
        f"        good:\n          ansible_connection: local\n          marker_path: {marker}\n"
        f"        drifted:\n          ansible_connection: local\n          marker_path: {tmp_path}/absent\n"
        "          comply_lynis_min_index: 10\n"
        "        ghost:\n          ansible_host: 127.0.0.1\n          ansible_port: 9\n"
        "          ansible_ssh_common_args: -o BatchMode=yes\n"
    )
    config = tmp_path / "sop.yml"
    config.write_text("{}\n")
    monkeypatch.setenv("SOP_CONFIG", str(config))
    monkeypatch.setenv("SOP_RECORDS", str(tmp_path / "records" / "records.sqlite"))
    monkeypatch.setenv("SOP_INVENTORY", str(inv))
    monkeypatch.setenv("SOP_OPERATOR", "tester")
    for var in ("SOP_PROJECT_DIR", "SOP_CATALOG", "SOP_VAULT_PASSWORD_FILE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def sop(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["sop", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
    out, err = capsys.readouterr()
    assert isinstance(exc.value.code, int)
    return exc.value.code, out, err


def test_controls_are_recorded_per_sop_activity_and_a_failure_exits_1(
    court: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = sop(monkeypatch, capsys, "comply", "--json", "--junit", str(court / "ci.xml"))
    assert code == 1, err
    shown = json.loads(out)
    outcome = {(r["control"], r["host"]): r["outcome"] for r in shown["results"]}
    assert outcome == {
        ("test_D5_marker_present", "good"): "passed",
        ("test_D5_marker_present", "drifted"): "failed",
        ("test_D5_marker_present", "ghost"): "unreachable",
        ("test_C4_lynis_floor_configured", "good"): "passed",
        ("test_C4_lynis_floor_configured", "drifted"): "failed",
        # needs no connection, but a host that did not answer has no passed control
        ("test_C4_lynis_floor_configured", "ghost"): "unreachable",
    }
    with RecordStore(court / "records" / "records.sqlite", readonly=True) as store:
        recs = store.list_records(activity_id="KK-1")
        assert store.verify().ok
    assert [r.output["good"]["sop_activity"] for r in recs] == ["C.4", "D.5"] or [
        r.output["good"]["sop_activity"] for r in recs
    ] == ["D.5", "C.4"]
    d5 = next(r for r in recs if r.output["good"]["sop_activity"] == "D.5")
    assert d5.via == "sop-comply" and d5.status == "failed" and d5.run_id == recs[0].run_id
    assert {h: v["status"] for h, v in d5.hosts.items()} == {
        "good": "ok",
        "drifted": "failed",
        "ghost": "unreachable",
    }
    assert d5.output["good"]["passed"] == ["D5_marker_present"]
    assert "ssh" in d5.output["ghost"]["unreachable_reason"].lower()
    assert d5.findings == [
        {
            "host": "drifted",
            "severity": "high",
            "code": "D.5/D5_marker_present",
            "message": f"D.5 | D5_marker_present: marker {court}/absent missing",
            "incident": False,
        }
    ]
    c4 = next(r for r in recs if r.output["good"]["sop_activity"] == "C.4")
    assert [f["severity"] for f in c4.findings] == ["warning"]
    assert "floor 10 below 50" in c4.findings[0]["message"]
    # JUnit: one case per control and host, failures and errors as such
    for xml_file in (court / "ci.xml", Path(shown["junit"])):
        root = ET.parse(xml_file).getroot()
        assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("6", "2", "2")
        d5_suite = next(s for s in root.iter("testsuite") if s.get("name") == "D.5")
        ghost = next(c for c in d5_suite.iter("testcase") if c.get("name") == "ghost")
        assert ghost.find("error") is not None and ghost.get("classname") == "D.5.test_D5_marker_present"
    html = Path(shown["html"]).read_text()
    assert "tidak memenuhi" in html and "tidak terjangkau" in html and "D5_marker_present" in html


def test_one_activity_and_limit_and_the_table(
    court: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = sop(monkeypatch, capsys, "comply", "D.5", "--limit", "good")
    assert code == 0, out + err
    assert "D5_marker_present" in out and "C4_" not in out and "1 passed, 0 failed, 0 unreachable" in out
    with RecordStore(court / "records" / "records.sqlite", readonly=True) as store:
        (rec,) = store.list_records(activity_id="KK-1")
    assert rec.status == "successful" and set(rec.hosts) == {"good"} and rec.scope.endswith("limit good")
    # KK-1 shows in sop due: done for the host audited, due for the others
    code, out, _ = sop(monkeypatch, capsys, "due", "--json")
    kk = [i for i in json.loads(out)["items"] if i["activity_id"] == "KK-1"]
    assert kk and kk[0]["scope"] == "linux_servers" and sorted(kk[0]["hosts_due"]) == ["drifted", "ghost"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["comply", "X.9"], "unknown SOP activity 'X.9'"),
        (["comply", "A.1"], "SOP activity 'A.1' has no compliance control"),
        (["comply", "--limit", "nobody"], "--limit 'nobody' matches no host"),
        (["--inventory", "/nonexistent/inv", "comply"], "inventory /nonexistent/inv does not exist"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_recorded(
    court: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, out, err = sop(monkeypatch, capsys, *args)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    store = court / "records" / "records.sqlite"
    if store.exists():
        with RecordStore(store, readonly=True) as st:
            assert st.count() == 0


def test_thresholds_are_listed_with_defaults(
    court: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = sop(monkeypatch, capsys, "comply", "--thresholds", "--json")
    rows = {r["variable"]: r for r in json.loads(out)}
    assert code == 0 and rows["comply_lynis_min_index"]["follows"] == "security_audit_lynis_min_index"
    assert rows["comply_clamav_signature_max_age_days"]["default"] == 3
