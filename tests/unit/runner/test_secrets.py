"""Vault handling without Ansible: same values as Ansible's own loader, clear wrong-password error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sop_runner.secrets import VaultError, collect_vault_values, make_loader, vault_values_with_password

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
    whole.write_text('vault_db_password: "Db-Pass-123"\nvault_list: ["Item-Secret-1", 42]\n')
    _vault(["encrypt", "--vault-password-file", str(pw), str(whole)], tmp_path)
    inline = _vault(
        ["encrypt_string", "--vault-password-file", str(pw), "Inline-Secret-9", "--name", "api_token"],
        tmp_path,
    )
    (gv / "plain.yml").write_text("plain_value: visible\n" + inline)
    (gv / "nothing.yml").write_text("other: 1\n")
    return tmp_path / "inv", pw


def test_values_match_ansible_loader(inv: tuple[Path, Path]) -> None:
    d, pw = inv
    ours = vault_values_with_password([d], pw)
    assert sorted(ours) == ["Db-Pass-123", "Inline-Secret-9", "Item-Secret-1"]
    assert sorted(collect_vault_values(make_loader(pw), [d])) == sorted(ours)


def test_wrong_or_missing_password(inv: tuple[Path, Path], tmp_path: Path) -> None:
    d, _pw = inv
    wrong = tmp_path / "wrong"
    wrong.write_text("nope\n")
    with pytest.raises(VaultError, match=r"vault .*\.yml: cannot decrypt \(wrong vault password\)"):
        vault_values_with_password([d], wrong)
    with pytest.raises(VaultError, match="no vault password file is configured"):
        vault_values_with_password([d], None)
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(VaultError, match="is empty"):
        vault_values_with_password([d], empty)


def test_executable_password_file(inv: tuple[Path, Path], tmp_path: Path) -> None:
    d, _pw = inv
    script = tmp_path / "pw.sh"
    script.write_text("#!/bin/sh\necho s3cret-vault-pass\n")
    script.chmod(0o755)
    assert "Db-Pass-123" in vault_values_with_password([d], script)
