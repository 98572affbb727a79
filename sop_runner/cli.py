"""The ``sop`` command line: catalog, run, due, tick, comply, log, records, summary, install-schedule,
recover, backups.

Every read command takes ``--json``. User errors print one line ``sop: error: …`` and exit 2;
a run that did not succeed everywhere exits 1; ``records verify`` exits 1 on a broken chain.
The commands live in :mod:`sop_runner.commands`, one module per group; this module holds the
``sop`` group with its global options, mounts them (and the reports' groups) and runs them.
"""

from __future__ import annotations

import sys

import click
from click.exceptions import NoArgsIsHelpError

from sop_runner.commands import awx, catalog, comply, config, due, log, records, recover, run, summary, tick
from sop_runner.commands.common import STATE, OrderedGroup, UserError, err, is_user_error
from sop_runner.commands.log import parse_duration
from sop_runner.commands.summary import summary_from, summary_rows
from sop_runner.evidence.cli import register as register_evidence
from sop_runner.records import canonical_json


@click.group(
    "sop",
    cls=OrderedGroup,
    help="SOP-driven court IT maintenance: run activities on their SOP timing, keep tamper-evident records.",
    no_args_is_help=True,
    context_settings={"max_content_width": 120},
)
@click.option("--project-dir", help="Project checkout (playbooks/, ansible.cfg).")
@click.option("--inventory", "-i", help="Inventory path.")
@click.option("--records", help="Record store (SQLite file).")
@click.option("--operator", help="Who is doing this (default: login name).")
@click.option("--catalog", multiple=True, help="Catalog override file (repeatable).")
@click.option("--vault-password-file", help="Ansible vault password file.")
@click.pass_context
def app(
    ctx: click.Context,
    project_dir: str | None,
    inventory: str | None,
    records: str | None,
    operator: str | None,
    catalog: tuple[str, ...],
    vault_password_file: str | None,
) -> None:
    """Global options; each also comes from SOP_* environment variables or the config file."""
    STATE.project_dir, STATE.inventory, STATE.records = project_dir, inventory, records
    STATE.operator, STATE.catalog = operator, list(catalog) or None
    STATE.vault_password_file = vault_password_file
    ctx.obj = STATE  # the report/request/complaint commands take the global options from here


for command in (
    run.run_cmd,
    due.due_cmd,
    tick.tick_cmd,
    comply.comply_cmd,
    log.log_cmd,
    summary.summary_cmd,
    run.install_schedule_cmd,
    run.lab_demo_cmd,
    config.config_cmd,
    catalog.catalog_app,
    records.records_app,
    recover.recover_app,
    recover.backups_app,
    awx.awx_app,
):
    app.add_command(command)
register_evidence(app, records.records_app)


# Extension point: the monthly reports live in sop_runner.reports (another part of the project).
def _add_reports(main_app: click.Group) -> None:
    try:
        from sop_runner.reports.cli import app as reports_app
    except ModuleNotFoundError as exc:  # only "that module is not there (yet)" is tolerated
        if exc.name not in ("sop_runner.reports.cli", "sop_runner.reports"):
            raise
        return
    main_app.add_command(reports_app, name="report")
    from sop_runner.reports.cli import complaint_app, request_app

    main_app.add_command(request_app, name="request")
    main_app.add_command(complaint_app, name="complaint")


_add_reports(app)


def main() -> None:
    """Entry point of the ``sop`` command."""
    try:
        # returns the code of a click Exit (also --help); the name is "sop" also under python -m
        rc = app.main(prog_name="sop", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # `sop`, `sop catalog` …: the help on stdout, exit 2
        click.echo(exc.ctx.get_help(), color=exc.ctx.color)
        sys.exit(2)
    except click.ClickException as exc:  # usage errors: the usage line and one "Error: …" line
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:  # Ctrl-C
        sys.exit(130)
    except Exception as exc:
        if not is_user_error(exc):
            raise
        err.print(f"sop: error: {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    sys.exit(rc if isinstance(rc, int) else 0)


if __name__ == "__main__":
    main()


__all__ = [
    "UserError",
    "app",
    "canonical_json",
    "main",
    "parse_duration",
    "summary_from",
    "summary_rows",
]
