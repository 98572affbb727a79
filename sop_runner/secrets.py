"""Vault handling: the one place that collects vault values, through Ansible's own VaultLib.

Secrets must never reach records or kept artifacts. Roles mark secret tasks ``no_log`` (their
results reach callbacks censored); on top of that every string that comes out of a vault
(encrypted files and inline ``!vault`` values in the inventory's and playbook's
``group_vars``/``host_vars``/``vars``) is masked in what is kept (:mod:`sop_runner.scrub`).

Decryption is Ansible's: the files are read with its ``DataLoader`` and inline values decrypted
with its ``VaultLib``, given the vault secrets Ansible itself set up (the password file, an
executable password script, vault ids). ``sop run`` collects the values in its preflight (which
also proves the password before anything runs); the ``sop_records`` callback collects them with
the same function inside ansible-playbook, with the secrets that process already holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
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


def vault_secrets(password_file: Path | None) -> list[Any]:
    """Given the vault password file (a plain file, or an executable whose output is the
    password, as Ansible reads it), return Ansible's vault secrets for it ([] without a file):
    only this file, whatever an ansible.cfg in the current directory says. The process-wide
    vault context Ansible keeps for inline values is left alone (it can be set only once per
    process). Raise :class:`VaultError` naming the file when it cannot be read."""
    if password_file is None:
        return []
    from ansible import constants as C
    from ansible.errors import AnsibleError
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import get_file_vault_secret

    try:
        secret = get_file_vault_secret(
            filename=str(password_file), vault_id=C.DEFAULT_VAULT_IDENTITY, loader=DataLoader()
        )
        secret.load()
    except AnsibleError as exc:
        raise VaultError(f"vault password file {password_file}: cannot read ({_first_line(exc)})") from None
    return [(C.DEFAULT_VAULT_IDENTITY, secret)]


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__


def _walk(value: Any, whole_file_secret: bool, decrypt: Any) -> Iterator[str]:
    """Yield the secret strings in loaded data: every string of a whole-file vault; the
    decrypted inline ``!vault`` values of a plain file."""
    from ansible.parsing.vault import EncryptedString, VaultHelper

    if isinstance(value, EncryptedString) or VaultHelper.get_ciphertext(value, with_tags=False):
        ciphertext = VaultHelper.get_ciphertext(value, with_tags=False)
        if ciphertext:
            yield decrypt(ciphertext)
        return
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v, whole_file_secret, decrypt)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _walk(v, whole_file_secret, decrypt)
    elif whole_file_secret and isinstance(value, str):
        yield str(value)


def collect_vault_values(dirs: Iterable[Path], secrets: Sequence[Any]) -> list[str]:
    """Given the directories to scan and Ansible's vault secrets (:func:`vault_secrets`, or those
    an ansible-playbook process holds), return every string value that came out of a vault:
    all strings of a whole-file vault, and the inline ``!vault`` values of plain files.

    Raise :class:`VaultError` naming the file when one cannot be decrypted (no password, or the
    wrong one)."""
    from ansible.errors import AnsibleError
    from ansible.module_utils.common.text.converters import to_text
    from ansible.parsing.dataloader import DataLoader
    from ansible.parsing.vault import VaultLib

    files = list(vault_files(dirs))
    if not files:
        return []
    if not secrets:
        raise VaultError(f"vault {files[0]} is encrypted but no vault password file is configured")
    loader = DataLoader()
    loader.set_vault_secrets(list(secrets))
    vault = VaultLib(secrets=list(secrets))
    values: list[str] = []
    for path in files:
        try:
            whole = path.read_text(encoding="utf-8", errors="replace").lstrip().startswith(VAULT_MARK)
            data = loader.load_from_file(str(path))
            values.extend(_walk(data, whole, lambda c: to_text(vault.decrypt(c))))
        except AnsibleError as exc:
            why = "wrong vault password" if "decrypt" in str(exc).lower() else _first_line(exc)
            raise VaultError(f"vault {path}: cannot decrypt ({why}); check the vault password file") from None
    return values


def make_loader(vault_password_file: Path | None) -> Any:
    """Return an Ansible DataLoader holding the vault secret of ``vault_password_file`` (if any);
    vault files decrypt through it (the process-wide context for inline values is left alone)."""
    from ansible.parsing.dataloader import DataLoader

    loader = DataLoader()
    secrets = vault_secrets(vault_password_file)
    if secrets:
        loader.set_vault_secrets(secrets)
    return loader
