"""What every ``sop`` command shares: the global options' state, output consoles, user errors,
and reading the catalog, the record store and the due state."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from sop_runner.awx import AwxExportError
from sop_runner.catalog import Catalog, CatalogError, load_catalog
from sop_runner.comply.audit import ComplyInputError
from sop_runner.comply.engine import ComplyError
from sop_runner.comply.thresholds import ThresholdError
from sop_runner.config import Config, ConfigError, load_config
from sop_runner.due import DueItem, compute_due
from sop_runner.evidence import EvidenceError
from sop_runner.inventory import InventoryError, load_groups
from sop_runner.records import RecordStore, RecordStoreError, utcnow
from sop_runner.secrets import VaultError

out = Console()
err = Console(stderr=True)
# Errors that are the user's input: one line "sop: error: …", exit 2. runner.RunError is one too
# (see is_user_error; the runner module is only imported by the commands that run playbooks).
USER_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    CatalogError,
    RecordStoreError,
    InventoryError,
    VaultError,
    AwxExportError,
    EvidenceError,
    ComplyInputError,
    ComplyError,
    ThresholdError,
)


class UserError(Exception):
    """A command-line input problem (one line)."""


def is_user_error(exc: BaseException) -> bool:
    """Return True when ``exc`` is the user's input (one line, exit 2), not a bug."""
    if isinstance(exc, (UserError, *USER_ERRORS)):
        return True
    runner_mod = sys.modules.get("sop_runner.runner")  # a RunError means it was imported
    return runner_mod is not None and isinstance(exc, runner_mod.RunError)


@dataclass
class State:
    """Global options given before the command."""

    project_dir: str | None = None
    inventory: str | None = None
    records: str | None = None
    operator: str | None = None
    catalog: list[str] | None = None
    vault_password_file: str | None = None

    def config(self, **override: Any) -> Config:
        """Return the effective configuration (command options override global ones)."""
        values = dict(self.__dict__)
        values.update({k: v for k, v in override.items() if v is not None})
        return load_config(**values)


STATE = State()
PATH_TYPE = click.Path(path_type=Path)


class OrderedGroup(click.Group):
    """A command group that lists its commands in the order they were added."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def emit_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def parse_at(text: str | None, catalog: Catalog) -> datetime:
    """Given ``--at`` text (ISO; the court's time zone when naive) or None, return an aware time
    (now for None). Raise UserError naming the input otherwise."""
    if not text:
        return utcnow()
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(
            f"--at {text!r}: not an ISO date/time (e.g. 2026-11-30T08:00 or 2026-11-30T08:00+07:00)"
        ) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=catalog.tz)
    return dt


def parse_when(text: str | None, catalog: Catalog, name: str) -> datetime | None:
    """As :func:`parse_at` for option ``--name``, None when not given."""
    if text is None:
        return None
    try:
        return parse_at(text, catalog)
    except UserError:
        raise UserError(
            f"--{name} {text!r}: not an ISO date/time (e.g. 2026-11-30T08:00 or 2026-11-30T08:00+07:00)"
        ) from None


def catalog_of(cfg: Config, *, write: bool = False) -> Catalog:
    """Load the catalog; only commands that write the store (``write``) keep the validation
    mark beside it -- read commands create nothing."""
    return load_catalog(list(cfg.catalog), cache_dir=cfg.records.parent, write_cache=write)


def open_store(cfg: Config, *, readonly: bool = False) -> RecordStore:
    """Open the configured record store (read-only: never creates anything)."""
    return RecordStore(cfg.records, readonly=readonly)


def check_readable(cfg: Config) -> None:
    """For read commands: check first that the store opens read-only (one line naming the file
    and the problem otherwise), before anything else reads or caches beside it."""
    open_store(cfg, readonly=True).close()


def due_items(cfg: Config, catalog: Catalog, at: datetime, store: RecordStore | None = None) -> list[DueItem]:
    """Return ``sop due``'s items at ``at`` from the inventory's groups and the store (``store``
    when given, else the configured one opened read-only)."""
    write = store is not None and not store.readonly
    groups = load_groups(cfg.inventory, cache_dir=cfg.records.parent, write_cache=write)
    if store is not None:
        return compute_due(catalog, store, groups, at)
    with open_store(cfg, readonly=True) as st:
        return compute_due(catalog, st, groups, at)


def checkpoint_warning(cfg: Config) -> None:
    """Sign a checkpoint after a run when the court has a key (and push it to the witness when
    one is configured); a failure there is one warning line, never a failed run."""
    from sop_runner.evidence.cli import checkpoint_after_run

    warning = checkpoint_after_run(cfg.records, cfg.inventory_dir)
    if warning:
        err.print(f"sop: warning: {warning}", highlight=False)
