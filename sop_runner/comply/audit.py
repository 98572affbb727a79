"""One compliance audit from start to end: check the input, run the suite, record it, write the
JUnit XML and the HTML page. ``sop comply`` and ``sop tick`` (when KK-1 is due) call
:func:`audit`.

Nothing is written before the input is checked (activity ids, inventory, vault password,
``--limit``); the run is registered in the record store for its whole length
(:meth:`RecordStore.recorded_run`), so a crash leaves an *interrupted* record, not silence.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sop_runner.catalog import Catalog, CatalogError
from sop_runner.comply import engine, results
from sop_runner.comply.context import ComplyContext, HostVars
from sop_runner.config import Config
from sop_runner.inventory import InventoryError, load_groups
from sop_runner.junit import write_junit
from sop_runner.records import Record, RecordStore, utcnow


class ComplyInputError(Exception):
    """An activity id or ``--limit`` that cannot be audited (one line)."""


@dataclass
class AuditOutcome:
    """What an audit produced."""

    run: engine.ComplyRun
    records: list[Record] = field(default_factory=list)
    junit: Path | None = None
    html: Path | None = None

    @property
    def ok(self) -> bool:
        """True when every control passed (or did not apply)."""
        return self.run.ok


def selected_activities(catalog: Catalog, ids: tuple[str, ...] | list[str]) -> set[str] | None:
    """Given the ids asked for (none: all), return the set to audit. Raise ComplyInputError for an
    unknown id or one without a compliance control."""
    if not ids:
        return None
    available = engine.controls()
    chosen = set()
    for aid in ids:
        try:
            catalog.get(aid)
        except CatalogError as exc:
            raise ComplyInputError(str(exc)) from None
        if aid not in available:
            raise ComplyInputError(
                f"SOP activity '{aid}' has no compliance control (controls exist for: {', '.join(available)})"
            )
        chosen.add(aid)
    return chosen


def _ansible_version() -> str:
    with contextlib.suppress(ImportError):
        from ansible.release import __version__

        return str(__version__)
    return ""


def _close_masters(control_dir: Path) -> None:
    """End the SSH master connections of this audit (one per host)."""
    for sock in control_dir.iterdir():
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                ["ssh", "-S", str(sock), "-O", "exit", "sop-comply"], capture_output=True, timeout=10
            )


def audit(
    cfg: Config,
    catalog: Catalog,
    ids: tuple[str, ...] | list[str] = (),
    *,
    limit: str | None = None,
    trigger: str = "manual",
    on_result: Callable[[engine.ControlResult, int, int], None] | None = None,
    junit: Path | None = None,
) -> AuditOutcome:
    """Audit the controls of ``ids`` (none: every control) on the inventory's hosts (``limit``:
    an Ansible host pattern), record one record per SOP activity checked, write the JUnit XML
    and HTML page into ``<records dir>/reports`` (and the JUnit XML also to ``junit``); return
    the outcome. Raise ComplyInputError / InventoryError / VaultError / RunError (one line) for
    bad input, before anything is written."""
    from sop_runner import runner

    os.environ.setdefault("ANSIBLE_CONFIG", str(cfg.project_dir / "ansible.cfg"))
    chosen = selected_activities(catalog, ids)
    scrub = runner.preflight(cfg)
    groups = load_groups(cfg.inventory, cache_dir=cfg.records.parent)
    hostvars = HostVars(cfg.inventory, runner.vault_password_file(cfg))
    limited = None
    if limit:
        limited = set(hostvars.hosts(limit))
        if not limited:
            raise InventoryError(f"--limit {limit!r} matches no host of inventory {cfg.inventory}")
    control_dir = Path(tempfile.mkdtemp(prefix="sop-comply-"))
    ctx = ComplyContext(
        catalog=catalog,
        project_dir=cfg.project_dir,
        inventory=cfg.inventory,
        records=cfg.records,
        groups=groups,
        hostvars=hostvars,
        now=utcnow(),
        limit=limited,
        activities=chosen,
        ansible_config=cfg.project_dir / "ansible.cfg",
        control_dir=control_dir,
    )
    run_id = str(uuid.uuid4())
    store = RecordStore(cfg.records)
    try:
        store.recover_interrupted()
        with store.recorded_run(
            run_id,
            via="sop-comply",
            trigger=trigger,
            operator=cfg.operator,
            activities=[results.comply_activity(catalog)],
            playbook="sop comply",
            inventory=str(cfg.inventory),
        ):
            try:
                run = engine.run_suite(ctx, scrub=scrub, on_result=on_result)
            finally:
                _close_masters(control_dir)
                shutil.rmtree(control_dir, ignore_errors=True)
            blob = store.put_blob(gzip.compress(json.dumps(run.to_dict(), sort_keys=True).encode(), mtime=0))
            recs = [
                store.append_record(r)
                for r in results.build_records(
                    run,
                    catalog,
                    run_id=run_id,
                    operator=cfg.operator,
                    trigger=trigger,
                    inventory=str(cfg.inventory),
                    limit=limit,
                    artifacts=blob,
                    ansible_version=_ansible_version(),
                )
            ]
    finally:
        store.close()
    outcome = AuditOutcome(run, recs)
    reports = cfg.records.parent / "reports"
    stem = f"kepatuhan-konfigurasi-{run.started.astimezone(catalog.tz):%Y%m%d-%H%M%S}"
    cases = results.junit_cases(run)
    outcome.junit = write_junit(reports / f"{stem}.xml", cases, "sop comply")
    if junit is not None:
        write_junit(junit, cases, "sop comply")
    html = results.render_html(
        run, catalog, inventory=str(cfg.inventory), records=recs, generated=run.started
    )
    reports.mkdir(parents=True, exist_ok=True)
    outcome.html = reports / f"{stem}.html"
    tmp = outcome.html.with_name(f".{outcome.html.name}.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(outcome.html)
    return outcome
