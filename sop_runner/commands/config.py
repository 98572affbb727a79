"""``sop config``: the effective configuration."""

from __future__ import annotations

import click

from sop_runner.commands.common import STATE, emit_json, out


@click.command("config")
@click.option("--json", "as_json", is_flag=True)
def config_cmd(as_json: bool) -> None:
    """Show the effective configuration and where each value came from."""
    cfg = STATE.config()
    if as_json:
        emit_json(cfg.to_dict())
        return
    for k, v in cfg.to_dict().items():
        out.print(f"{k}: {v}", highlight=False)
