"""Vault values collected through Ansible's own DataLoader/VaultLib, one clear wrong-password line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sop_runner import secrets as secrets_mod
from sop_runner.secrets import VaultError, collect_vault_values, vault_secrets

BIN = Path(sys.executable).parent


def _vault(args: list[str], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    return subprocess.run(
        [str(BIN / "ansible-vault"), *args], check=True, capture_output=True, text=True, cwd=cwd, env=env
    ).stdout


@pytest.fixture
def inv(tmp_path: Path) -> tuple[Path, Path]:
    pw = tmp_path / "pw"
    pw.write_text("s3cret-vault-pass\n")
    gv = tmp_path / "inv" / "group_vars" / "all"
    gv.mkdir(parents=True)
    whole = gv / "vault.yml"
    whole.write_text(
        'vault_db_password: "Db-Pass-123"\nvault_list: ["Item-Secret-1", 42]\n'
        'vault_odd: "q\\"uo\\\\te\\nline2\\tñ"\n'
    )
    _vault(["encrypt", "--vault-password-file", str(pw), str(whole)], tmp_path)
    inline = _vault(
        ["encrypt_string", "--vault-password-file", str(pw), "Inline-Secret-9", "--name", "api_token"],
        tmp_path,
    )
    (gv / "plain.yml").write_text("plain_value: visible\n" + inline)
    (gv / "nothing.yml").write_text("other: 1\n")
    return tmp_path / "inv", pw


def test_values_come_from_ansibles_vault(inv: tuple[Path, Path]) -> None:
    d, pw = inv
    ours = collect_vault_values([d], vault_secrets(pw))
    assert sorted(ours) == sorted(["Db-Pass-123", "Inline-Secret-9", "Item-Secret-1", 'q"uo\\te\nline2\tñ'])
    assert "visible" not in ours  # a plain value beside an inline vault is not secret


def test_no_hand_written_decryptor_is_left() -> None:
    src = Path(secrets_mod.__file__).read_text()
    for gone in ("pbkdf2", "AES", "hmac", "cryptography", "unhexlify"):
        assert gone not in src, gone


def test_wrong_or_missing_password(inv: tuple[Path, Path], tmp_path: Path) -> None:
    d, _pw = inv
    wrong = tmp_path / "wrong"
    wrong.write_text("nope\n")
    with pytest.raises(VaultError, match=r"^vault .*\.yml: cannot decrypt \(wrong vault password\)") as exc:
        collect_vault_values([d], vault_secrets(wrong))
    assert "\n" not in str(exc.value)
    with pytest.raises(VaultError, match="no vault password file is configured"):
        collect_vault_values([d], vault_secrets(None))
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(VaultError, match=r"^vault password file .*empty: cannot read") as exc:
        vault_secrets(empty)
    assert "\n" not in str(exc.value)


def test_executable_password_file(inv: tuple[Path, Path], tmp_path: Path) -> None:
    d, _pw = inv
    script = tmp_path / "pw.sh"
    script.write_text("#!/bin/sh\necho s3cret-vault-pass\n")
    script.chmod(0o755)
    assert "Db-Pass-123" in collect_vault_values([d], vault_secrets(script))


def test_nothing_vaulted_needs_no_password(tmp_path: Path) -> None:
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text("a: 1\n")
    assert collect_vault_values([tmp_path], []) == []
