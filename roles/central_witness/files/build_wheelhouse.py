"""Build the central witness's wheelhouse on the control node (run by roles/central_witness).

    build_wheelhouse.py PROJECT_DIR OUT_DIR

Writes ``OUT_DIR/central-wheelhouse.tar``: the project's own wheel (sop_runner + central, no
dependencies), the wheels of what the witness needs (the project's ``central`` extra and, from
its dependencies, click, cryptography and apprise, all with their pinned versions) and
``requirements.txt`` naming them, so that the witness host installs offline (``pip install
--no-index --find-links``). The archive is byte-for-byte the same for the same sources and pins
(so copying it again changes nothing), and nothing is rebuilt while they are unchanged (a
digest in ``OUT_DIR/.digest``). The wheels are built for the control node's Python: use a control
node with the witness host's Python version and architecture. Prints one JSON line:
``{"changed": bool, "archive": "<path>"}``.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

#: from the project's dependencies, what the witness imports beside its ``central`` extra
CORE = ("click", "cryptography", "apprise")
SOURCES = ("pyproject.toml", "README.md", "sop_runner", "central")
ARCHIVE = "central-wheelhouse.tar"


def requirements(pyproject: dict) -> list:
    project = pyproject["project"]
    wanted = list(project["optional-dependencies"]["central"])
    for dep in project["dependencies"]:
        name = re.split(r"[\s\[<>=!~;]", dep, maxsplit=1)[0].lower()
        if name in CORE:
            wanted.append(dep)
    return wanted


def digest(project: Path, reqs: list) -> str:
    h = hashlib.sha256("\n".join(reqs).encode())
    for top in SOURCES:
        root = project / top
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
        for f in files:
            if "__pycache__" in f.parts or f.suffix == ".pyc":
                continue
            h.update(str(f.relative_to(project)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def pip(*args: str) -> None:
    res = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"pip {args[0]} failed: {(res.stderr or res.stdout).strip().splitlines()[-1]}")


def archive(wheelhouse: Path, dest: Path) -> None:
    """Write the wheelhouse as a tar whose bytes depend only on the files' names and contents."""
    with tarfile.open(dest, "w", format=tarfile.PAX_FORMAT) as tar:
        for f in sorted(wheelhouse.iterdir()):
            info = tarfile.TarInfo(f.name)
            info.size, info.mode, info.mtime = f.stat().st_size, 0o644, 315532800
            info.uname = info.gname = "root"
            with f.open("rb") as fh:
                tar.addfile(info, fh)


def main() -> None:
    project, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    reqs = requirements(tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8")))
    want = digest(project, reqs)
    stamp, tar = out / ".digest", out / ARCHIVE
    if tar.is_file() and stamp.is_file() and stamp.read_text(encoding="ascii").strip() == want:
        print(json.dumps({"changed": False, "archive": str(tar)}))
        return
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="build-", dir=out))
    try:
        src, wheelhouse = staging / "src", staging / "wheels"
        src.mkdir()
        for top in SOURCES:
            if (project / top).is_dir():
                shutil.copytree(
                    project / top, src / top, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
                )
            else:
                shutil.copy2(project / top, src / top)
        os.environ["SOURCE_DATE_EPOCH"] = "315532800"  # the same sources give the same wheel
        pip("wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheelhouse), str(src))
        (wheelhouse / "requirements.txt").write_text("\n".join(reqs) + "\n", encoding="utf-8")
        pip("wheel", "--quiet", "--wheel-dir", str(wheelhouse), "-r", str(wheelhouse / "requirements.txt"))
        archive(wheelhouse, staging / ARCHIVE)
        (staging / ARCHIVE).replace(tar)
        stamp.write_text(want + "\n", encoding="ascii")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(json.dumps({"changed": True, "archive": str(tar)}))


if __name__ == "__main__":
    main()
