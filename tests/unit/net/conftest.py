"""Make the repository's module_utils importable as ansible.module_utils (as Ansible does)."""

from __future__ import annotations

import pathlib

import ansible.module_utils
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
if str(ROOT / "module_utils") not in ansible.module_utils.__path__:
    ansible.module_utils.__path__.append(str(ROOT / "module_utils"))

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


@pytest.fixture
def fixture_text():
    def read(name: str) -> str:
        return (FIXTURES / name).read_text(encoding="utf-8")

    return read
