"""``sop run``, ``sop install-schedule`` and ``sop lab-demo``: playbooks run now."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.exceptions import Exit
from rich.table import Table

from sop_runner.catalog import Catalog
from sop_runner.commands.common import PATH_TYPE, STATE, catalog_of, checkpoint_warning, emit_json, err, out
from sop_runner.commands.summary import summary_cmd
from sop_runner.config import Config

if TYPE_CHECKING:  # the runner is imported by the commands that run playbooks
    from sop_runner import runner


def _progress() -> tuple[Any, Any]:
    if not err.is_terminal:
        return None, None
    status = err.status("starting ansible-playbook …")

    def on_event(ev: dict[str, Any]) -> None:
        data = ev.get("event_data", {})
        if ev.get("event") == "playbook_on_task_start":
            status.update(f"{data.get('task', '')}")

    return status, on_event


def _do_run(
    cfg: Config, catalog: Catalog, target: str, *, limit: str | None, check: bool, trigger: str
) -> list[runner.RunResult]:
    from sop_runner import runner

    planned, warnings = runner.plan(catalog, cfg.project_dir, target, limit)
    scrub = runner.preflight(cfg)
    runner.check_inventory(cfg, catalog, planned)
    for w in warnings:
        err.print(f"sop: warning: {w}", highlight=False)
    results = []
    for p in planned:
        status, on_event = _progress()
        if status is not None:
            with status:
                results.append(
                    runner.run_playbook(
                        cfg, catalog, p, check=check, trigger=trigger, scrubber=scrub, on_event=on_event
                    )
                )
        else:
            results.append(runner.run_playbook(cfg, catalog, p, check=check, trigger=trigger, scrubber=scrub))
    return results


def _print_results(results: list[runner.RunResult], catalog: Catalog, cfg: Config) -> None:
    t = Table(title="SOP run")
    for col in ("activity", "status", "Mutu Baku", "durasi", "hosts", "ringkasan"):
        t.add_column(col)
    for res in results:
        if res.error:
            err.print(f"sop: warning: {res.error}", highlight=False)
        for r in res.records:
            t.add_row(
                r.activity_id,
                r.status,
                r.verdict or "-",
                f"{r.duration_s:.1f} s" if r.duration_s is not None else "-",
                ", ".join(f"{h}:{v.get('status')}" for h, v in sorted(r.hosts.items())),
                (r.summary or r.note)[:80],
            )
    out.print(t)
    out.print(f"records: {cfg.records}", highlight=False)


@click.command("run")
@click.argument("target", metavar="target", help="Activity id (SIPP-1) or group: hourly, daily, day30, all.")
@click.option("--inventory", "-i")
@click.option("--limit", "-l", help="Ansible host pattern.")
@click.option("--check", is_flag=True, help="Dry run (ansible --check).")
@click.option("--junit", type=PATH_TYPE, help="Write JUnit XML (one case per activity and host) here (CI).")
@click.option("--json", "as_json", is_flag=True)
def run_cmd(
    target: str, inventory: str | None, limit: str | None, check: bool, junit: Path | None, as_json: bool
) -> None:
    """Run an SOP activity or group now (trigger: manual) and record it."""
    cfg = STATE.config(inventory=inventory)
    catalog = catalog_of(cfg, write=True)
    results = _do_run(cfg, catalog, target, limit=limit, check=check, trigger="manual")
    checkpoint_warning(cfg)
    if junit is not None:
        from sop_runner.junit import cases_from_records, write_junit

        write_junit(junit, cases_from_records(r for res in results for r in res.records), f"sop run {target}")
    if as_json:
        emit_json([r.to_dict() for r in results])
    else:
        _print_results(results, catalog, cfg)
    ok = all(r.records and all(rec.status == "successful" for rec in r.records) for r in results)
    raise Exit(0 if ok else 1)


def schedule_environment(cfg: Config) -> dict[str, str]:
    """The environment of the timer's ``sop tick``: the settings this ``sop`` runs with, so the
    timer uses the same record store, inventory, project, catalog overrides and vault password
    file even when they came from this shell's environment (``ANSIBLE_VAULT_PASSWORD_FILE``)."""
    from sop_runner import runner

    env = {
        "SOP_RECORDS": str(cfg.records),
        "SOP_INVENTORY": str(cfg.inventory),
        "SOP_PROJECT_DIR": str(cfg.project_dir),
    }
    if cfg.catalog:
        env["SOP_CATALOG"] = ":".join(str(p) for p in cfg.catalog)
    vault = runner.vault_password_file(cfg)
    if vault is not None:
        env["SOP_VAULT_PASSWORD_FILE"] = str(vault.absolute())
    return env


@click.command("install-schedule")
@click.option(
    "--on-calendar", default="*:0/5", show_default=True, help="systemd OnCalendar of the tick timer."
)
@click.option("--check", is_flag=True)
def install_schedule_cmd(on_calendar: str, check: bool) -> None:
    """Install a systemd timer on the control node that runs `sop tick` (via a playbook)."""
    from sop_runner import runner

    cfg = STATE.config()
    rc = runner.run_utility_playbook(
        cfg,
        "playbooks/install_schedule.yml",
        extravars={
            "sop_schedule_on_calendar": on_calendar,
            "sop_schedule_command": f"{Path(sys.executable).parent / 'sop'} tick",
            "sop_schedule_environment": schedule_environment(cfg),
        },
        check=check,
    )
    raise Exit(0 if rc == 0 else 1)


@click.command("lab-demo")
@click.pass_context
def lab_demo_cmd(ctx: click.Context) -> None:
    """Run every runnable activity against the lab once, then print the compliance summary."""
    cfg = STATE.config()
    catalog = catalog_of(cfg, write=True)
    results = _do_run(cfg, catalog, "all", limit=None, check=False, trigger="manual")
    _print_results(results, catalog, cfg)
    ctx.invoke(summary_cmd, at=None, as_json=False)
