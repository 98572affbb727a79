"""Runner configuration: where the project, inventory, records and catalog overrides are.

Precedence (highest first):

1. command-line options (``sop --records … --inventory … --operator …``);
2. environment: ``SOP_PROJECT_DIR``, ``SOP_INVENTORY``, ``SOP_RECORDS``, ``SOP_OPERATOR``,
   ``SOP_CATALOG`` (override files separated by ``:``), ``SOP_VAULT_PASSWORD_FILE``;
3. the config file: ``$SOP_CONFIG`` if set, else ``~/.config/sop/config.yml``, else
   ``/etc/sop/config.yml`` (keys ``project_dir, inventory, records, operator, catalog,
   vault_password_file``; relative paths are relative to the config file);
4. defaults: the project is the checkout this package lives in; the inventory is
   ``<project>/inventory/lab``; records go to ``<project>/.lab/records/records.sqlite`` when the
   inventory is the lab, otherwise ``/var/lib/sop/records.sqlite``; the catalog override is
   ``<inventory dir>/sop_catalog.yml`` when it exists; the operator is the login name.

Nothing is ever taken from the current directory.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SYSTEM_CONFIG = Path("/etc/sop/config.yml")
SYSTEM_RECORDS = Path("/var/lib/sop/records.sqlite")
_KEYS = ("project_dir", "inventory", "records", "operator", "catalog", "vault_password_file")


class ConfigError(Exception):
    """A configuration problem the user can fix (one line)."""


@dataclass(frozen=True)
class Config:
    """The effective configuration. ``sources`` says where each value came from."""

    project_dir: Path
    inventory: Path
    records: Path
    operator: str
    catalog: tuple[Path, ...]
    vault_password_file: Path | None
    config_file: Path | None = None
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def is_lab(self) -> bool:
        """True when the inventory is the project's embedded lab."""
        return self.inventory.resolve() == (self.project_dir / "inventory" / "lab").resolve()

    @property
    def inventory_dir(self) -> Path:
        """The directory holding the inventory (group_vars, sop_catalog.yml live there)."""
        return self.inventory if self.inventory.is_dir() else self.inventory.parent

    def to_dict(self) -> dict[str, Any]:
        """Return the configuration as a JSON-serialisable dict."""
        return {
            "project_dir": str(self.project_dir),
            "inventory": str(self.inventory),
            "records": str(self.records),
            "operator": self.operator,
            "catalog": [str(p) for p in self.catalog],
            "vault_password_file": str(self.vault_password_file) if self.vault_password_file else None,
            "config_file": str(self.config_file) if self.config_file else None,
            "sources": self.sources,
        }


def package_project_dir() -> Path:
    """Return the checkout this package lives in (the directory holding playbooks/)."""
    return Path(__file__).resolve().parent.parent


def _config_file(env: dict[str, str]) -> Path | None:
    if env.get("SOP_CONFIG"):
        p = Path(env["SOP_CONFIG"]).expanduser()
        if not p.is_file():
            raise ConfigError(f"SOP_CONFIG={p}: no such config file")
        return p
    for p in (Path.home() / ".config" / "sop" / "config.yml", SYSTEM_CONFIG):
        if p.is_file():
            return p
    return None


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"config {path}: cannot read ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config {path}: expected a mapping of {', '.join(_KEYS)}")
    unknown = set(data) - set(_KEYS)
    if unknown:
        raise ConfigError(
            f"config {path}: unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(_KEYS)})"
        )
    base = path.parent
    out: dict[str, Any] = {}
    for k, v in data.items():
        if k == "operator":
            out[k] = str(v)
        elif k == "catalog":
            items = v if isinstance(v, list) else [v]
            out[k] = [str(base / Path(str(i)).expanduser()) for i in items]
        elif v is not None:
            out[k] = str(base / Path(str(v)).expanduser())
    return out


def load_config(
    *,
    project_dir: str | Path | None = None,
    inventory: str | Path | None = None,
    records: str | Path | None = None,
    operator: str | None = None,
    catalog: list[str | Path] | None = None,
    vault_password_file: str | Path | None = None,
    env: dict[str, str] | None = None,
) -> Config:
    """Given command-line values (None = not given), return the effective :class:`Config`.

    Raise :class:`ConfigError` for an unreadable config file, an inventory or catalog
    override or vault password file that does not exist.
    """
    env = dict(os.environ) if env is None else env
    cfile = _config_file(env)
    fromfile = _read_config(cfile) if cfile else {}
    sources: dict[str, str] = {}

    def pick(key: str, cli: Any, env_key: str) -> Any:
        if cli is not None:
            sources[key] = "option"
            return cli
        if env.get(env_key):
            sources[key] = f"env {env_key}"
            return env[env_key]
        if key in fromfile:
            sources[key] = f"config {cfile}"
            return fromfile[key]
        sources[key] = "default"
        return None

    proj = pick("project_dir", project_dir, "SOP_PROJECT_DIR")
    proj_path = Path(proj).expanduser().absolute() if proj else package_project_dir()
    inv = pick("inventory", inventory, "SOP_INVENTORY")
    inv_path = Path(inv).expanduser().absolute() if inv else proj_path / "inventory" / "lab"
    if not inv_path.exists():
        raise ConfigError(f"inventory {inv_path} does not exist (give --inventory or SOP_INVENTORY)")
    rec = pick("records", records, "SOP_RECORDS")
    op = pick("operator", operator, "SOP_OPERATOR")
    cat = pick("catalog", catalog, "SOP_CATALOG")
    if isinstance(cat, str):
        cat = [c for c in cat.split(":") if c]
    vault = pick("vault_password_file", vault_password_file, "SOP_VAULT_PASSWORD_FILE")
    inv_dir = inv_path if inv_path.is_dir() else inv_path.parent
    if cat is None:
        default_override = inv_dir / "sop_catalog.yml"
        cat = [default_override] if default_override.is_file() else []
    cat_paths = tuple(Path(c).expanduser().absolute() for c in cat)
    for c in cat_paths:
        if not c.is_file():
            raise ConfigError(f"catalog override {c} does not exist")
    vault_path = Path(vault).expanduser().absolute() if vault else None
    if vault_path and not vault_path.is_file():
        raise ConfigError(f"vault password file {vault_path} does not exist")
    is_lab = inv_path.resolve() == (proj_path / "inventory" / "lab").resolve()
    if rec:
        rec_path = Path(rec).expanduser().absolute()
    elif is_lab:
        rec_path = proj_path / ".lab" / "records" / "records.sqlite"
    else:
        rec_path = SYSTEM_RECORDS
    try:
        default_op = getpass.getuser()
    except (KeyError, OSError):
        default_op = str(os.getuid())
    return Config(
        project_dir=proj_path,
        inventory=inv_path,
        records=rec_path,
        operator=op or default_op,
        catalog=cat_paths,
        vault_password_file=vault_path,
        config_file=cfile,
        sources=sources,
    )
