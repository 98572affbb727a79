"""Read the inventory's groups and hosts with Ansible's own inventory code.

A broken inventory is a user error: :class:`InventoryError` carries one line naming the source.
The group map is cached beside the record store, keyed by the inventory files' sizes and
modification times, so ``sop due`` stays fast on big inventories.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path

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


def load_groups(inventory: Path, cache_dir: Path | None = None) -> dict[str, list[str]]:
    """Given an inventory path, return ``{group: [hosts]}`` (``all`` included, hosts sorted).

    Raise :class:`InventoryError` when a source cannot be parsed or holds no hosts.
    """
    inventory = Path(inventory)
    if not inventory.exists():
        raise InventoryError(f"inventory {inventory} does not exist")
    cache_file = None
    if cache_dir is not None:
        key = _fingerprint(inventory)
        cache_file = Path(cache_dir) / "inventory-cache" / f"{key}.json"
        if cache_file.is_file():
            with contextlib.suppress(OSError, ValueError):
                cached: dict[str, list[str]] = json.loads(cache_file.read_text())
                return cached
    groups = _parse(inventory)
    if cache_file is not None:
        with contextlib.suppress(OSError):
            cache_file.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=cache_file.parent)
            with os.fdopen(fd, "w") as out:
                json.dump(groups, out)
            os.replace(tmp, cache_file)
    return groups


def _parse(inventory: Path) -> dict[str, list[str]]:
    from ansible import constants as C
    from ansible.errors import AnsibleError
    from ansible.inventory.manager import InventoryManager
    from ansible.parsing.dataloader import DataLoader

    saved = (C.INVENTORY_UNPARSED_IS_FAILED, C.INVENTORY_ANY_UNPARSED_IS_FAILED)
    C.INVENTORY_UNPARSED_IS_FAILED = True
    C.INVENTORY_ANY_UNPARSED_IS_FAILED = True
    try:
        inv = InventoryManager(loader=DataLoader(), sources=[str(inventory)])
    except AnsibleError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
        detail = next((ln for ln in lines[1:] if "Unable to parse" not in ln), "")
        msg = lines[0] if lines else "cannot be parsed"
        raise InventoryError(
            f"inventory {inventory}: {msg}" + (f" ({detail[:200]})" if detail else "")
        ) from None
    finally:
        C.INVENTORY_UNPARSED_IS_FAILED, C.INVENTORY_ANY_UNPARSED_IS_FAILED = saved
    groups = {name: sorted(h.name for h in g.get_hosts()) for name, g in inv.groups.items()}
    if not groups.get("all"):
        raise InventoryError(f"inventory {inventory}: holds no hosts")
    return groups
