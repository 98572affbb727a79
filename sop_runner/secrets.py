"""Vault handling: check the vault password and collect vault values so they can be scrubbed.

Secrets must never reach records or kept artifacts. Roles mark secret tasks ``no_log`` (their
results reach callbacks censored); on top of that every string that comes out of a vault
(encrypted files and inline ``!vault`` values in the inventory's and playbook's
``group_vars``/``host_vars``/``vars``) is replaced by ``********`` in what is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

VAULT_MARK = "$ANSIBLE_VAULT"
_SUFFIXES = ("", ".yml", ".yaml", ".json")


class VaultError(Exception):
    """The vault password is missing or wrong (one line naming the file)."""


def vault_files(dirs: Iterable[Path]) -> Iterator[Path]:
    """Yield the variable files under ``dirs`` (their group_vars, host_vars, vars subfolders, and
    the dirs themselves when they are such folders) that contain vault data."""
    seen: set[Path] = set()
    for d in dirs:
        d = Path(d)
        roots = [d / "group_vars", d / "host_vars", d / "vars"]
        if d.name in ("group_vars", "host_vars", "vars"):
            roots.append(d)
        for root in roots:
            if not root.is_dir():
                continue
            for p in sorted(root.rglob("*")):
                if not p.is_file() or p.suffix not in _SUFFIXES or p in seen:
                    continue
                seen.add(p)
                try:
                    head = p.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                if VAULT_MARK in head:
                    yield p


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v)
    elif value is not None and not isinstance(value, bool | int | float):
        yield str(value)


def collect_vault_values(loader: Any, dirs: Iterable[Path]) -> list[str]:
    """Given an Ansible DataLoader that holds the vault secrets and the directories to scan,
    return every string value that came out of a vault. Raise :class:`VaultError` naming the
    file when one cannot be decrypted (no password, or the wrong one)."""
    from ansible.errors import AnsibleError

    values: list[str] = []
    for path in vault_files(dirs):
        try:
            data = loader.load_from_file(str(path))
            vals = list(_leaves(data))
        except AnsibleError as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise VaultError(
                f"vault {path}: cannot decrypt ({first}); check the vault password file"
            ) from None
        text = path.read_text(encoding="utf-8", errors="replace")
        if text.lstrip().startswith(VAULT_MARK):
            values.extend(vals)
        else:
            # only the inline !vault values of a plain file are secret
            values.extend(_inline_vault_values(loader, text))
    return values


def _inline_vault_values(loader: Any, text: str) -> list[str]:
    import yaml

    out: list[str] = []

    class _L(yaml.SafeLoader):
        pass

    def _vault(_loader: yaml.SafeLoader, node: yaml.Node) -> str:
        out.append(str(node.value))
        return ""

    _L.add_constructor("!vault", _vault)
    try:
        yaml.load(text, Loader=_L)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError:
        return []
    plain: list[str] = []
    vault = loader._vault  # the DataLoader's VaultLib with the CLI's secrets
    for blob in out:
        plain.append(vault.decrypt(blob.encode()).decode("utf-8", errors="replace"))
    return plain


def make_loader(vault_password_file: Path | None) -> Any:
    """Return an Ansible DataLoader with the vault secret from ``vault_password_file`` (if any)."""
    from ansible.cli import CLI
    from ansible.parsing.dataloader import DataLoader

    loader = DataLoader()
    if vault_password_file:
        secrets = CLI.setup_vault_secrets(
            loader, vault_ids=[], vault_password_files=[str(vault_password_file)], ask_vault_pass=False
        )
        loader.set_vault_secrets(secrets)
    return loader
