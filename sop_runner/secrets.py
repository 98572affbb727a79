"""Vault handling: check the vault password and collect vault values so they can be scrubbed.

Secrets must never reach records or kept artifacts. Roles mark secret tasks ``no_log`` (their
results reach callbacks censored); on top of that every string that comes out of a vault
(encrypted files and inline ``!vault`` values in the inventory's and playbook's
``group_vars``/``host_vars``/``vars``) is replaced by ``********`` in what is kept.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import os
import subprocess
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


def read_vault_password(path: Path) -> bytes:
    """Return the vault password from a password file (an executable file is run, as Ansible
    does, and its output is the password). Raise VaultError when it cannot be read."""
    try:
        if os.access(path, os.X_OK):
            out = subprocess.run([str(path)], capture_output=True, check=True, timeout=60).stdout
        else:
            out = path.read_bytes()
    except (OSError, subprocess.SubprocessError) as exc:
        raise VaultError(f"vault password file {path}: cannot read ({exc})") from None
    password = out.strip()
    if not password:
        raise VaultError(f"vault password file {path} is empty")
    return password


def decrypt_vault(vaulttext: str, password: bytes, where: str) -> bytes:
    """Given Ansible vault text (format 1.1/1.2, AES256) and the password, return the plaintext.

    This is the documented Ansible vault format (PBKDF2-SHA256, AES-256-CTR, HMAC-SHA256), done
    here so that checking the password does not need to import Ansible. Raise VaultError naming
    ``where`` when the password is wrong or the text is not vault data.
    """
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    lines = vaulttext.strip().splitlines()
    header = lines[0].strip().split(";") if lines else []
    if len(header) < 3 or header[0] != VAULT_MARK or header[2].strip() != "AES256":
        raise VaultError(f"vault {where}: not Ansible vault AES256 data")
    try:
        body = binascii.unhexlify("".join(ln.strip() for ln in lines[1:]))
        salt_hex, hmac_hex, cipher_hex = body.split(b"\n", 2)
        salt, expected, ciphertext = (binascii.unhexlify(x) for x in (salt_hex, hmac_hex, cipher_hex))
    except (binascii.Error, ValueError):
        raise VaultError(f"vault {where}: damaged vault data") from None
    key = hashlib.pbkdf2_hmac("sha256", password, salt, 10000, dklen=80)
    key1, key2, iv = key[:32], key[32:64], key[64:80]
    if not hmac.compare_digest(hmac.new(key2, ciphertext, hashlib.sha256).digest(), expected):
        raise VaultError(
            f"vault {where}: cannot decrypt (wrong vault password); check the vault password file"
        )
    decryptor = Cipher(algorithms.AES(key1), modes.CTR(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    pad = padded[-1] if padded else 0
    return padded[:-pad] if 0 < pad <= 16 else padded


def vault_values_with_password(dirs: Iterable[Path], password_file: Path | None) -> list[str]:
    """Given directories to scan and the vault password file, return every string value that
    came out of a vault (whole encrypted files and inline ``!vault`` values). Raise VaultError
    naming the file when one cannot be decrypted or no password is configured."""
    import yaml

    files = list(vault_files(dirs))
    if not files:
        return []
    if password_file is None:
        raise VaultError(f"vault {files[0]} is encrypted but no vault password file is configured")
    password = read_vault_password(password_file)
    values: list[str] = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        if text.lstrip().startswith(VAULT_MARK):
            plain = decrypt_vault(text, password, str(path)).decode("utf-8", errors="replace")
            try:
                data = yaml.load(plain, Loader=_SafeVaultLoader(password, str(path)))  # noqa: S506
            except yaml.YAMLError:
                values.append(plain)
                continue
            values.extend(_leaves(data))
        else:
            _L = _SafeVaultLoader(password, str(path))
            captured: list[str] = []
            _L.captured = captured  # type: ignore[attr-defined]
            try:
                yaml.load(text, Loader=_L)  # noqa: S506
            except yaml.YAMLError:
                continue
            values.extend(captured)
    return values


def _SafeVaultLoader(password: bytes, where: str) -> Any:  # noqa: N802 - a class factory
    import yaml

    class _L(yaml.SafeLoader):
        captured: list[str] = []

    def _vault(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        value = decrypt_vault(str(node.value), password, where).decode("utf-8", errors="replace")
        _L.captured.append(value)
        return value

    _L.add_constructor("!vault", _vault)
    _L.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))  # type: ignore[arg-type]
    return _L


def make_loader(vault_password_file: Path | None, *, initialize_context: bool = True) -> Any:
    """Return an Ansible DataLoader with the vault secret from ``vault_password_file`` (if any).

    Ansible keeps one process-wide vault context (for inline ``!vault`` values) and refuses to
    set it twice; ``initialize_context=False`` leaves it alone: vault files still decrypt, inline
    values stay encrypted."""
    from ansible.cli import CLI
    from ansible.parsing.dataloader import DataLoader

    loader = DataLoader()
    if vault_password_file:
        secrets = CLI.setup_vault_secrets(
            loader,
            vault_ids=[],
            vault_password_files=[str(vault_password_file)],
            ask_vault_pass=False,
            initialize_context=initialize_context,
        )
        loader.set_vault_secrets(secrets)
    return loader
