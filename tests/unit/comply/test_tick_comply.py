"""`sop tick` runs the compliance audit when its catalog activity (KK-1) is due, and not again
once the records show it done for every host."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sop_runner.catalog import load_catalog
from sop_runner.commands import tick
from sop_runner.comply import audit as audit_mod
from sop_runner.comply import results
from sop_runner.comply.engine import ComplyRun, ControlResult
from sop_runner.config import load_config
from sop_runner.records import RecordStore, utcnow


def test_tick_audits_when_kk1_is_due_and_records_make_it_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inv = tmp_path / "inventory"
    inv.mkdir()
    (inv / "hosts.yml").write_text("all:\n  children:\n    linux_servers:\n      hosts:\n        here:\n")
    (tmp_path / "sop.yml").write_text("{}\n")
    cfg = load_config(
        inventory=inv,
        records=tmp_path / "records" / "records.sqlite",
        env={"SOP_CONFIG": str(tmp_path / "sop.yml")},
    )
    cfg.records.parent.mkdir(parents=True)
    catalog = load_catalog()
    calls: list[dict[str, Any]] = []

    def fake_audit(cfg_: Any, catalog_: Any, ids: Any = (), **kw: Any) -> audit_mod.AuditOutcome:
        calls.append(kw)
        now = utcnow()
        run = ComplyRun(
            now - timedelta(seconds=5), now, [ControlResult("D.5", "test_D5_x", "here", "failed", "x")]
        )
        with RecordStore(cfg_.records) as store:
            recs = [
                store.append_record(r)
                for r in results.build_records(
                    run,
                    catalog_,
                    run_id="t",
                    operator="op",
                    trigger="schedule",
                    inventory=str(inv),
                    limit=None,
                    artifacts={},
                )
            ]
        return audit_mod.AuditOutcome(run, recs)

    monkeypatch.setattr(audit_mod, "audit", fake_audit)
    report: list[dict[str, Any]] = []
    assert tick._tick_comply(cfg, catalog, report) is True  # a control failed
    assert calls == [{"trigger": "schedule"}]
    assert report[0]["playbook"] == "sop comply" and report[0]["activities"] == ["KK-1"]
    assert report[0]["records"][0]["status"] == "failed"
    # done for today (a failed audit is still an audit carried out): the next tick does not run it
    report.clear()
    assert tick._tick_comply(cfg, catalog, report) is False
    assert len(calls) == 1 and report == []
