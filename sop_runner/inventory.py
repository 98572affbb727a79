"""Read the inventory's groups and hosts with Ansible's own inventory code.

A broken inventory is a user error: :class:`InventoryError` carries one line naming the source.
The group map is cached beside the record store, keyed by the inventory files' sizes and
modification times, so ``sop due`` stays fast on big inventories.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from sop_runner import private

_INVENTORY_SUFFIXES = ("", ".yml", ".yaml", ".ini", ".json", ".cfg", ".toml")


class InventoryError(Exception):
    """The inventory cannot be read (one line naming the source and the problem)."""


def _fingerprint(path: Path) -> str:
    h = hashlib.sha256(str(path.resolve()).encode())
    files = sorted(path.rglob("*")) if path.is_dir() else [path]
    for f in files:
        if f.is_file():
            st = f.stat()
            h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()


def load_groups(
    inventory: Path, cache_dir: Path | None = None, *, write_cache: bool = True
) -> dict[str, list[str]]:
    """Given an inventory path, return ``{group: [hosts]}`` (``all`` included, hosts sorted).

    Raise :class:`InventoryError` when a source cannot be parsed or holds no hosts.
    """
    inventory = Path(inventory)
    if not inventory.exists():
        raise InventoryError(f"inventory {inventory} does not exist")
    cache_file = None
    if cache_dir is not None and Path(cache_dir).is_dir():
        key = _fingerprint(inventory)
        cache_file = Path(cache_dir) / "inventory-cache" / f"{key}.json"
        if cache_file.is_file():
            with contextlib.suppress(OSError, ValueError):
                cached: dict[str, list[str]] = json.loads(cache_file.read_text())
                return cached
    groups = _parse(inventory)
    if cache_file is not None and write_cache:
        with contextlib.suppress(OSError):
            private.write_atomic(cache_file, json.dumps(groups))
    return groups


def _parse(inventory: Path) -> dict[str, list[str]]:
    from ansible import constants as C
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader
    from ansible.utils.display import Display

    display = Display()
    warnings: list[str] = []

    def _collect(*args: object, **kwargs: object) -> None:
        msg = kwargs.get("msg", args[0] if args else "")
        exc = kwargs.get("exception")
        warnings.append(f"{msg} {exc}" if exc else str(msg))

    saved = (
        C.INVENTORY_UNPARSED_IS_FAILED,
        C.INVENTORY_ANY_UNPARSED_IS_FAILED,
        display.warning,
        display.error_as_warning,
    )
    C.INVENTORY_UNPARSED_IS_FAILED = True
    C.INVENTORY_ANY_UNPARSED_IS_FAILED = True
    # keep Ansible's multi-line parser warnings off the terminal; the first one is the detail
    display.warning = _collect  # type: ignore[method-assign,assignment]
    display.error_as_warning = _collect  # type: ignore[method-assign,assignment]
    try:
        inv = InventoryManager(loader=DataLoader(), sources=[str(inventory)])
    except AnsibleError as exc:
        detail = next((w for w in warnings if "yaml" in w.lower()), warnings[0] if warnings else str(exc))
        detail = " ".join(detail.split())[:240]
        raise InventoryError(f"inventory {inventory}: cannot be parsed ({detail})") from None
    finally:
        (
            C.INVENTORY_UNPARSED_IS_FAILED,
            C.INVENTORY_ANY_UNPARSED_IS_FAILED,
            display.warning,
            display.error_as_warning,
        ) = saved
    groups = {name: sorted(h.name for h in g.get_hosts()) for name, g in inv.groups.items()}
    if not groups.get("all"):
        raise InventoryError(f"inventory {inventory}: holds no hosts")
    return groups


#: Inventory variables the roles of a playbook need on every host they run on, because they
#: differ per court and no default is safe (a wrong database name backs up nothing).
REQUIRED_VARS: dict[str, tuple[str, ...]] = {
    "playbooks/sipp_check.yml": ("sipp_db_name", "sipp_db_monitor_password"),
    "playbooks/sipp_user_activity.yml": ("sipp_db_name", "sipp_db_monitor_password"),
    "playbooks/sipp_backup.yml": ("sipp_db_name", "sipp_db_backup_password", "sipp_restic_password"),
    "playbooks/sipp_restore_drill.yml": ("sipp_db_name", "sipp_restic_password"),
}


def check_required_vars(
    inventory: Path,
    needs: list[tuple[str, tuple[str, ...], tuple[str, ...]]],
    limit: str | None = None,
    vault_password_file: Path | None = None,
) -> None:
    """Given the inventory, what each planned activity needs -- ``(activity id, target groups,
    variable names)`` -- an Ansible ``--limit`` pattern and the vault password file, check that
    every variable is set (and not empty) for every host the activity will run on.

    Raise :class:`InventoryError` with one line naming the host, the variable and where to set
    it, before anything runs.
    """
    needs = [n for n in needs if n[2]]
    if not needs:
        return
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.vars.manager import VariableManager

    from sop_runner.secrets import make_loader

    try:
        loader = make_loader(vault_password_file)
        inv = InventoryManager(loader=loader, sources=[str(inventory)])
        variables = VariableManager(loader=loader, inventory=inv)
        limited = {h.name for h in inv.get_hosts(limit)} if limit else None
        for activity_id, groups, names in needs:
            for group in groups:
                hosts = inv.groups[group].get_hosts() if group in inv.groups else []
                for host in sorted(hosts, key=lambda h: h.name):
                    if limited is not None and host.name not in limited:
                        continue
                    values = variables.get_vars(host=host, include_hostvars=False)
                    for name in names:
                        value = values.get(name)
                        # plain text only: an inline-vaulted value is set (never decrypted here)
                        if value is None or (isinstance(value, str) and not value.strip()):
                            state = "is not set" if name not in values else "is empty"
                            raise InventoryError(
                                f"inventory {inventory}: host {host.name}: variable {name} {state} "
                                f"(needed by {activity_id}; set it in group_vars/{group}/ or host_vars/"
                                f"{host.name}/)"
                            )
    except AnsibleError as exc:
        detail = " ".join(str(exc).split())[:240]
        raise InventoryError(f"inventory {inventory}: cannot read its variables ({detail})") from None
