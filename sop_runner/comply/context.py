"""What the compliance tests are given: the inventory's hosts and their variables (templated by
Ansible, with the vault, as a playbook sees them), the roles' defaults, the thresholds, the
records, and a testinfra host per inventory host built by testinfra's Ansible backend.

A :class:`Target` is one inventory host as a test sees it; reaching it over SSH happens on first
use and is probed once: an unreachable host makes its tests *unreachable*, never passed.
"""

from __future__ import annotations

import configparser
import contextlib
import functools
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from sop_runner.catalog import Catalog
from sop_runner.comply import thresholds
from sop_runner.inventory import InventoryError

UNREACHABLE = "unreachable: "
#: the connection variables testinfra's Ansible backend reads from a host's variables
_CONNECTION_VARS = (
    "ansible_host",
    "ansible_port",
    "ansible_user",
    "ansible_connection",
    "ansible_become",
    "ansible_become_user",
    "ansible_ssh_pass",
    "ansible_ssh_private_key_file",
    "ansible_private_key_file",
    "ansible_ssh_common_args",
    "ansible_ssh_extra_args",
)


class Unreachable(Exception):
    """A host could not be reached (the message says why)."""


class HostVars:
    """The inventory's variables per host, templated on demand with Ansible's own code (vault
    values decrypt with the configured password), so a test sees what a playbook sees."""

    def __init__(self, inventory: Path, vault_password_file: Path | None) -> None:
        from ansible.errors import AnsibleError
        from ansible.inventory.manager import InventoryManager
        from ansible.vars.manager import VariableManager

        from sop_runner.secrets import make_loader

        try:
            self._loader = make_loader(vault_password_file)
            self._inv = InventoryManager(loader=self._loader, sources=[str(inventory)])
            self._vm = VariableManager(loader=self._loader, inventory=self._inv)
        except AnsibleError as exc:
            raise InventoryError(f"inventory {inventory}: {' '.join(str(exc).split())[:200]}") from None
        self.inventory = inventory
        self._raw: dict[str, dict[str, Any]] = {}
        self._templar: dict[str, Any] = {}

    def hosts(self, pattern: str) -> list[str]:
        """Return the hosts an Ansible pattern (``--limit``) selects (none: an empty list; the
        caller says so in one line, Ansible's own warning is kept off the terminal)."""
        from ansible.utils.display import Display

        display = Display()
        saved = display.warning
        display.warning = lambda *a, **k: None  # type: ignore[method-assign]
        try:
            return sorted(h.name for h in self._inv.get_hosts(pattern))
        finally:
            display.warning = saved  # type: ignore[method-assign]

    def _vars(self, host: str) -> dict[str, Any]:
        if host not in self._raw:
            from ansible.template import Templar

            h = self._inv.get_host(host)
            if h is None:
                raise InventoryError(f"inventory {self.inventory}: no host {host}")
            self._raw[host] = self._vm.get_vars(host=h, include_hostvars=False)
            self._templar[host] = Templar(loader=self._loader, variables=self._raw[host])
        return self._raw[host]

    def get(self, host: str, name: str, default: Any = None) -> Any:
        """Return the host's variable ``name`` templated (``default`` when it is not set). Raise
        InventoryError naming host and variable when it cannot be templated."""
        from ansible.errors import AnsibleError

        raw = self._vars(host)
        if name not in raw:
            return default
        try:
            return self._templar[host].template(raw[name])
        except AnsibleError as exc:
            detail = " ".join(str(exc).split())[:160]
            raise InventoryError(
                f"inventory {self.inventory}: host {host}: variable {name}: {detail}"
            ) from None


@functools.cache
def role_defaults(project_dir: Path, role: str) -> dict[str, Any]:
    """Return a role's ``defaults/main.yml`` (plain values; an absent file gives {})."""
    path = project_dir / "roles" / role / "defaults" / "main.yml"
    with contextlib.suppress(OSError):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    return {}


@dataclass
class ComplyContext:
    """Everything the suite needs, handed to pytest by the engine (see ``conftest.py``)."""

    catalog: Catalog
    project_dir: Path
    inventory: Path
    records: Path
    groups: dict[str, list[str]]
    hostvars: HostVars
    now: datetime
    limit: set[str] | None = None
    activities: set[str] | None = None
    ansible_config: Path | None = None
    control_dir: Path | None = None
    #: tests (node ids) that used a host connection: only their failures may be the host's
    used: set[str] = field(default_factory=set)
    _hosts: dict[str, Any] = field(default_factory=dict)
    _reach: dict[str, str] = field(default_factory=dict)

    def hosts_of(self, groups: tuple[str, ...]) -> list[str]:
        """Return the hosts of these inventory groups that ``--limit`` keeps, sorted."""
        found = {h for g in groups for h in self.groups.get(g, [])}
        if self.limit is not None:
            found &= self.limit
        return sorted(found)

    def var(self, host: str, name: str, role: str | None = None, default: Any = None) -> Any:
        """Return a host's variable, else the role's default, else ``default``."""
        value = self.hostvars.get(host, name)
        if value is None and role:
            value = role_defaults(self.project_dir, role).get(name)
        return default if value is None else value

    def threshold(self, host: str, name: str) -> float:
        """Return a threshold for a host (see :mod:`sop_runner.comply.thresholds`)."""
        return thresholds.threshold(name, lambda var: self.hostvars.get(host, var), host)

    def testinfra_host(self, host: str) -> Any:
        """Return the testinfra host for an inventory host, built by testinfra's Ansible backend
        from the host's templated connection variables and the project's ansible.cfg (SSH
        arguments, one persistent connection per host). Raise Unreachable when the host cannot
        be reached (checked once per host)."""
        if host in self._reach:
            raise Unreachable(self._reach[host])
        if host not in self._hosts:
            self._hosts[host] = self._build(host)
            problem = probe(self._hosts[host])
            if problem:
                self._reach[host] = problem
                raise Unreachable(problem)
        return self._hosts[host]

    def recheck(self, host: str) -> str:
        """Probe a host already used again; return why it is unreachable now ('' when it answers)."""
        if host in self._reach:
            return self._reach[host]
        if host not in self._hosts:
            return ""
        problem = probe(self._hosts[host])
        if problem:
            self._reach[host] = problem
        return problem

    def unreachable(self, host: str) -> str:
        """Return why a host was found unreachable ('' when it was not)."""
        return self._reach.get(host, "")

    def _build(self, host: str) -> Any:
        from testinfra.utils.ansible_runner import get_ansible_host

        hostvars = {}
        for name in _CONNECTION_VARS:
            value = self.hostvars.get(host, name)
            if value is not None:
                hostvars[name] = value if isinstance(value, bool | int) else str(value)
        inventory = {"_meta": {"hostvars": {host: hostvars}}, "all": {"hosts": [host]}}
        config = configparser.ConfigParser(interpolation=None)
        if self.ansible_config is not None:
            with contextlib.suppress(OSError, configparser.Error):
                config.read(self.ansible_config)
        if self.control_dir is not None:
            # testinfra keeps one SSH master per host (ControlPath) as Ansible does
            if not config.has_section("ssh_connection"):
                config.add_section("ssh_connection")
            if not config.has_section("persistent_connection"):
                config.add_section("persistent_connection")
            config.set("ssh_connection", "control_path", "%(directory)s/%%C")
            config.set("persistent_connection", "control_path_dir", str(self.control_dir))
        built = get_ansible_host(config, inventory, host)
        if built is None:
            raise Unreachable(f"connection {hostvars.get('ansible_connection')} is not one testinfra can use")
        return built


def probe(host: Any) -> str:
    """Run ``true`` on a testinfra host; return why it failed ('' when it answered)."""
    try:
        res = host.run("true")
    except Exception as exc:  # noqa: BLE001 - every way a connection fails is "unreachable"
        detail = getattr(exc.args[0], "stderr", None) if exc.args else None
        return " ".join(str(detail or exc).split())[:200] or type(exc).__name__
    if res.rc != 0:
        return " ".join(str(res.stderr or f"exit {res.rc}").split())[:200]
    return ""


class Target:
    """One inventory host as a control sees it."""

    def __init__(self, ctx: ComplyContext, name: str, nodeid: str = "") -> None:
        self.ctx: ComplyContext = ctx
        self.name = name
        self.nodeid = nodeid

    @property
    def host(self) -> Any:
        """The testinfra host (SSH through testinfra's Ansible backend); an unreachable host
        ends the control as *unreachable*."""
        self.ctx.used.add(self.nodeid)
        try:
            return self.ctx.testinfra_host(self.name)
        except Unreachable as exc:
            import pytest

            pytest.skip(UNREACHABLE + str(exc))

    def var(self, name: str, role: str | None = None, default: Any = None) -> Any:
        """The host's inventory variable, else the role's default, else ``default``."""
        return self.ctx.var(self.name, name, role, default)

    def threshold(self, name: str) -> float:
        """A threshold of this host (sop_runner.comply.thresholds)."""
        return self.ctx.threshold(self.name, name)

    @property
    def now(self) -> datetime:
        """The moment of the audit (one for the whole run)."""
        return self.ctx.now

    def __repr__(self) -> str:
        return self.name
