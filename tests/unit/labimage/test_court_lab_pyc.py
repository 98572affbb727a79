"""The lab image's bytecode cache for Ansible's module payloads (lab/image/court_lab_pyc.py):
code imported from a zip is compiled once and reused from the cache by later payloads at other
paths, with their own file names in tracebacks; a damaged entry is compiled again, never used."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

HOOK = Path(__file__).resolve().parents[3] / "lab" / "image" / "court_lab_pyc.py"

MODULE = """
VALUE = 41 + 1

def fail():
    raise RuntimeError("from the payload")
"""

# Run as a fresh interpreter, as a module payload is: install the hook with its cache in a test
# folder, import the module from the zip, print its value and the traceback's file name.
SCRIPT = """
import sys, traceback
hook = {}
exec(compile(open(sys.argv[1]).read().replace("/var/cache/court-lab-pyc", sys.argv[2]), "hook", "exec"), hook)
sys.path.insert(0, sys.argv[3])
import payload_mod
print(payload_mod.VALUE)
try:
    payload_mod.fail()
except RuntimeError as e:
    print(traceback.extract_tb(e.__traceback__)[-1].filename)
"""


def payload(tmp: Path, name: str) -> Path:
    z = tmp / name / "ansible_payload.zip"
    z.parent.mkdir()
    with zipfile.ZipFile(z, "w") as f:
        f.writestr("payload_mod.py", MODULE)
    return z


def run(cache: Path, zip_path: Path, **env: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(HOOK), str(cache), str(zip_path)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", **env},
    )
    return out.stdout.split()


def test_compiled_once_then_reused_with_the_new_payloads_file_name(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    first, second = payload(tmp_path, "a"), payload(tmp_path, "b")
    assert run(cache, first) == ["42", str(first / "payload_mod.py")]
    [entry] = cache.iterdir()
    written = entry.stat().st_mtime_ns
    assert run(cache, second) == ["42", str(second / "payload_mod.py")]
    assert [p.name for p in cache.iterdir()] == [entry.name] and entry.stat().st_mtime_ns == written


def test_damaged_entry_is_compiled_again(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    run(cache, payload(tmp_path, "a"))
    [entry] = cache.iterdir()
    entry.write_bytes(b"\x00 not marshal data")
    assert run(cache, payload(tmp_path, "b"))[0] == "42"
    assert entry.read_bytes() != b"\x00 not marshal data"


def test_unwritable_cache_still_imports(tmp_path: Path) -> None:
    assert run(tmp_path / "missing", payload(tmp_path, "a"))[0] == "42"


def test_switched_off(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    assert run(cache, payload(tmp_path, "a"), COURT_LAB_PYC="0")[0] == "42"
    assert not list(cache.iterdir())
