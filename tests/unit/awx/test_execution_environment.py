"""The AWX / AAP execution-environment definition lists exactly the project's dependencies."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
EE = ROOT / "awx" / "execution-environment.yml"


def _pyproject_deps() -> list[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def _requirements() -> list[str]:
    lines = (ROOT / "awx" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def test_ee_python_requirements_are_exactly_the_runtime_dependencies() -> None:
    ee = yaml.safe_load(EE.read_text(encoding="utf-8"))
    deps = ee["dependencies"]
    listed = [deps["ansible_core"]["package_pip"], deps["ansible_runner"]["package_pip"], *_requirements()]
    assert sorted(listed) == sorted(_pyproject_deps())


def test_ee_installs_the_sop_runner_package_for_the_records_callback() -> None:
    ee = yaml.safe_load(EE.read_text(encoding="utf-8"))
    steps = " ".join(ee["additional_build_steps"]["append_final"])
    assert "pip install --no-deps /build/sop" in steps
    sources = {item["src"] for item in ee["additional_build_files"]}
    assert {"../pyproject.toml", "../sop_runner"} <= sources


def test_ansible_builder_renders_the_build_context(tmp_path: Path) -> None:
    builder = Path(sys.executable).with_name("ansible-builder")
    result = subprocess.run(
        [str(builder), "create", "-f", str(EE), "-c", str(tmp_path / "ctx")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    containerfile = (tmp_path / "ctx" / "Containerfile").read_text(encoding="utf-8")
    assert "ansible-core==2.19.14" in containerfile
    built_reqs = (tmp_path / "ctx" / "_build" / "requirements.txt").read_text(encoding="utf-8")
    assert set(_requirements()) <= {line.strip() for line in built_reqs.splitlines()}
    assert (tmp_path / "ctx" / "_build" / "sop" / "sop_runner").is_dir()
