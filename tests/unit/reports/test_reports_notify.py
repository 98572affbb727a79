"""Apprise notifications delivered to a real HTTP endpoint on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from sop_runner.catalog import Catalog, load_catalog
from sop_runner.notify import (
    NotifyConfig,
    NotifyError,
    messages_for_records,
    notify_since_last,
    overdue_messages,
)
from sop_runner.records import RecordStore, iso

WIB = dt.timezone(dt.timedelta(hours=7))


class Hook:
    """A tiny webhook receiver: stores every JSON body; answers `status`."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                hook.received.append({"path": self.path, **json.loads(body)})
                self.send_response(hook.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.close()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def add(
    store: RecordStore,
    activity: str,
    when: dt.datetime,
    status: str,
    findings: list[dict[str, Any]],
    check: bool = False,
) -> None:
    store.append_record(
        {
            "activity_id": activity,
            "started_at": iso(when),
            "ended_at": iso(when + dt.timedelta(seconds=5)),
            "status": status,
            "findings": findings,
            "check_mode": check,
            "hosts": {"sipp": {"status": "ok" if status == "successful" else "failed"}},
            "output": {
                "sipp": {"summary": "Akses SIPP tersedia: tidak" if findings else "Akses SIPP tersedia: ya"}
            },
        }
    )


HIGH = {
    "host": "sipp",
    "severity": "high",
    "code": "sipp_http_down",
    "incident": True,
    "message": "SIPP tidak menjawab (HTTP 502)",
}


def test_failed_run_and_high_finding_reach_the_endpoint_once(
    tmp_path: Path, hook: Hook, catalog: Catalog
) -> None:
    store = RecordStore(tmp_path / "records.sqlite")
    now = dt.datetime(2026, 11, 21, 10, 0, tzinfo=WIB)
    add(store, "SIPP-1", now - dt.timedelta(minutes=50), "failed", [HIGH])
    add(store, "SIPP-1", now - dt.timedelta(minutes=40), "failed", [HIGH], check=True)  # check mode: silent
    add(
        store,
        "F.1",
        now - dt.timedelta(minutes=30),
        "successful",
        [{"host": "web", "severity": "warning", "code": "slow", "message": "lambat"}],
    )
    cfg = NotifyConfig(urls=(hook.url,), events=("failed_run", "high_finding"), satker="PN Contoh")
    assert notify_since_last(store, catalog, cfg, now=now) == 2
    titles = sorted(m["title"] for m in hook.received)
    assert titles == ["[PN Contoh] SIPP-1 FAILED", "[PN Contoh] SIPP-1 temuan TINGGI: sipp_http_down"]
    assert all(m["path"] == "/hook" and m["type"] == "failure" for m in hook.received)
    assert "SIPP tidak menjawab (HTTP 502)" in " ".join(m["message"] for m in hook.received)
    # nothing new → nothing sent again
    assert notify_since_last(store, catalog, cfg, now=now) == 0
    assert len(hook.received) == 2
    add(store, "SIPP-2", now, "unreachable", [])
    assert notify_since_last(store, catalog, cfg, now=now) == 1
    assert hook.received[-1]["title"].endswith("SIPP-2 UNREACHABLE")


def test_failed_delivery_keeps_the_mark_for_a_retry(tmp_path: Path, hook: Hook, catalog: Catalog) -> None:
    store = RecordStore(tmp_path / "records.sqlite")
    now = dt.datetime(2026, 11, 21, 10, 0, tzinfo=WIB)
    add(store, "SIPP-1", now, "failed", [])
    cfg = NotifyConfig(urls=(hook.url,), events=("failed_run",))
    hook.status = 500
    with pytest.raises(NotifyError, match="delivery failed"):
        notify_since_last(store, catalog, cfg, now=now)
    hook.status = 200
    assert notify_since_last(store, catalog, cfg, now=now) == 1


def test_overdue_activities_are_announced_once_per_due_time(
    tmp_path: Path, hook: Hook, catalog: Catalog
) -> None:
    store = RecordStore(tmp_path / "records.sqlite")
    now = dt.datetime(2026, 11, 21, 10, 30, tzinfo=WIB)
    add(store, "SIPP-1", dt.datetime(2026, 11, 21, 10, 5, tzinfo=WIB), "successful", [])
    ids = {m.title.split()[0] for m in overdue_messages(store, catalog, now)}
    assert "SIPP-1" not in ids  # checked this hour
    assert {"SIPP-2", "C.2", "D.7"} <= ids  # never ran, past their deadline
    # F.1's standard is the day (1 hari): not run yet today is due, not overdue, like `sop due`
    assert "F.1" not in ids
    cfg = NotifyConfig(urls=(hook.url,), events=("overdue",))
    sent = notify_since_last(store, catalog, cfg, now=now)
    assert sent == len(ids) and len(hook.received) == sent
    assert notify_since_last(store, catalog, cfg, now=now) == 0
    # an hour later SIPP-1 is due again (its 1-jam standard not yet passed): nothing new
    assert notify_since_last(store, catalog, cfg, now=now + dt.timedelta(hours=1)) == 0
    # two hours later the 11:05 check was missed → overdue → announced
    later = now + dt.timedelta(hours=2)
    assert notify_since_last(store, catalog, cfg, now=later) == 1
    assert hook.received[-1]["title"] == "SIPP-1 terlambat (overdue)"


def test_messages_ignore_info_warnings_and_check_mode(tmp_path: Path) -> None:
    store = RecordStore(tmp_path / "records.sqlite")
    now = dt.datetime(2026, 11, 21, 10, 0, tzinfo=WIB)
    add(
        store,
        "D.5",
        now,
        "successful",
        [
            {"host": "web", "severity": "info", "code": "ok", "message": "ok"},
            {"host": "web", "severity": "warning", "code": "w", "message": "w"},
        ],
    )
    add(store, "D.5", now, "failed", [HIGH], check=True)
    assert messages_for_records(store.list_records()) == []
    add(store, "D.5", now, "successful", [HIGH])
    (msg,) = messages_for_records(store.list_records())
    assert msg.event == "high_finding" and msg.key.endswith(":sipp:sipp_http_down")


def test_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "notify.yml"
    for text, message in (
        ("urls: []\n", "non-empty list"),
        ("urls: [json://127.0.0.1:1/x]\nevents: [sometimes]\n", "unknown event"),
        ("urls: [json://127.0.0.1:1/x]\nchannel: x\n", "unknown key"),
        ("urls: [\n", "not valid YAML"),
    ):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(NotifyError, match=message):
            NotifyConfig.load(bad)
    good = tmp_path / "ok.yml"
    good.write_text("urls: ['json://127.0.0.1:9/x']\nsatker: PN Contoh\n", encoding="utf-8")
    cfg = NotifyConfig.load(good)
    assert cfg.events == ("failed_run", "high_finding", "overdue") and cfg.satker == "PN Contoh"


def test_sop_report_notify_command(tmp_path: Path, hook: Hook) -> None:
    import subprocess
    import sys

    store = RecordStore(tmp_path / "records.sqlite")
    add(store, "SIPP-2", dt.datetime(2026, 11, 21, 6, 30, tzinfo=WIB), "failed", [HIGH])
    store.close()
    conf = tmp_path / "notify.yml"
    conf.write_text(
        f"urls: ['{hook.url}']\nevents: [failed_run, high_finding]\nsatker: PN Contoh\n", encoding="utf-8"
    )
    sop = str(Path(sys.executable).with_name("sop"))
    args = [sop, "--records", str(tmp_path / "records.sqlite"), "report", "notify", "--config", str(conf)]
    first = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().endswith("2 notification(s) sent")
    assert sorted(m["title"] for m in hook.received) == [
        "[PN Contoh] SIPP-2 FAILED",
        "[PN Contoh] SIPP-2 temuan TINGGI: sipp_http_down",
    ]
    again = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
    assert again.stdout.strip().endswith("0 notification(s) sent") and len(hook.received) == 2
    missing = subprocess.run(
        args[:-1] + [str(tmp_path / "nope.yml")], capture_output=True, text=True, check=False
    )
    assert missing.returncode == 2 and missing.stderr.startswith("sop: error: ")


def test_notify_if_configured_never_fails_a_run(tmp_path: Path, hook: Hook, catalog: Catalog) -> None:
    from sop_runner.notify import notify_if_configured

    store = RecordStore(tmp_path / "records.sqlite")
    inv = tmp_path / "inventory"
    inv.mkdir()
    assert notify_if_configured(store, catalog, inv) is None
    add(store, "SIPP-1", dt.datetime(2026, 11, 21, 9, 5, tzinfo=WIB), "failed", [])
    (inv / "notify.yml").write_text(f"urls: ['{hook.url}']\nevents: [failed_run]\n", encoding="utf-8")
    hook.status = 503
    assert notify_if_configured(store, catalog, inv) == (
        "notifications not sent: delivery failed for 'SIPP-1 FAILED' (check the notify urls)"
    )
    hook.status = 200
    assert notify_if_configured(store, catalog, inv) == "1 notification(s) sent"
    assert [m["title"] for m in hook.received if m][-1] == "SIPP-1 FAILED"
