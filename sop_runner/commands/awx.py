"""``sop awx export``: AWX / AAP objects as code."""

from __future__ import annotations

from pathlib import Path

import click

from sop_runner.commands.common import PATH_TYPE, STATE, OrderedGroup, catalog_of, err

awx_app = OrderedGroup("awx", help="AWX / Ansible Automation Platform as code.", no_args_is_help=True)


@awx_app.command("export")
@click.option("--court", required=True, help="Court name used for the controller objects.")
@click.option("--out", "-o", type=PATH_TYPE, required=True, help="Playbook to write (awx.awx tasks).")
@click.option("--scm-url", required=True, help="Git URL of this repository as the controller sees it.")
@click.option(
    "--inventory-path",
    default="inventory/example",
    show_default=True,
    help="Inventory folder inside the repository, e.g. inventory/pn-xyz.",
)
@click.option("--organization", default="Mahkamah Agung RI", show_default=True)
@click.option("--execution-environment", default="court-sop-ee", show_default=True)
@click.option(
    "--records-path",
    default="/var/lib/sop/records.sqlite",
    show_default=True,
    help="Record store path on the execution nodes (persistent volume).",
)
def awx_export_cmd(
    court: str,
    out: Path,
    scm_url: str,
    inventory_path: str,
    organization: str,
    execution_environment: str,
    records_path: str,
) -> None:
    """Write an awx.awx playbook creating the project, inventory, one job template per automated
    SOP activity and its schedule (the catalog's RRULEs, as AWX accepts them)."""
    from sop_runner.awx import AwxTarget, export

    cfg = STATE.config()
    catalog = catalog_of(cfg)
    target = AwxTarget(
        court=court,
        organization=organization,
        scm_url=scm_url,
        inventory_path=inventory_path,
        execution_environment=execution_environment,
        records_path=records_path,
    )
    path = export(catalog, target, out)
    out_count = sum(1 for a in catalog.activities.values() if a.runnable)
    err.print(f"{path}: {out_count} job templates", highlight=False)
    click.echo(str(path))
