"""Permissions from the first byte: the store's folders 0700, its files 0600 (blobs 0400), also
after a kill -9 at any moment of the store's creation."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sop_runner import private
from sop_runner.records import RecordStore
from sop_runner.reports.render import write_atomic

REPO = Path(__file__).resolve().parents[3]


def _wide(root: Path) -> list[str]:
    """Return every folder or file under ``root`` (and root) that others could read or enter."""
    bad = []
    for p in [root, *root.rglob("*")]:
        mode = stat.S_IMODE(p.lstat().st_mode)
        if mode & 0o077 or (p.is_dir() and mode != 0o700):
            bad.append(f"{p.relative_to(root.parent)} {mode:o}")
    return bad


@pytest.fixture(autouse=True)
def ordinary_umask() -> object:
    """Run under the usual umask 022 (files would be 0644 without explicit modes)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_new_store_is_private(tmp_path: Path) -> None:
    store_dir = tmp_path / "var" / "sop"
    with RecordStore(store_dir / "records.sqlite") as store:
        ref = store.put_blob(b"kept artifact")
        fd = store.begin_run("r1", via="sop-run", trigger="manual", operator="t", activities=["SIPP-1"],
                             playbook="p.yml", inventory="i", check_mode=False)  # fmt: skip
        os.close(fd)
        write_atomic(store_dir / "reports" / "laporan.html", "<p>pengguna</p>")
        assert stat.S_IMODE(store.blob_path(ref["sha256"]).stat().st_mode) == 0o400
        names = {p.name for p in store_dir.rglob("*")}
        assert {"records.sqlite-wal", "records.sqlite-shm", "blobs", "runs", "laporan.html"} <= names
        assert _wide(store_dir) == []
    assert _wide(store_dir) == []
    assert stat.S_IMODE((store_dir / "records.sqlite").stat().st_mode) == 0o600


def test_store_left_wide_by_an_older_version_is_narrowed(tmp_path: Path) -> None:
    store_dir = tmp_path / "old"
    with RecordStore(store_dir / "records.sqlite"):
        pass
    store_dir.chmod(0o755)
    (store_dir / "records.sqlite").chmod(0o644)
    with RecordStore(store_dir / "records.sqlite") as store:
        assert store.count() == 0
    assert stat.S_IMODE(store_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((store_dir / "records.sqlite").stat().st_mode) == 0o600
    # a read-only open (an auditor's copy) changes nothing
    store_dir.chmod(0o750)
    RecordStore(store_dir / "records.sqlite", readonly=True).close()
    assert stat.S_IMODE(store_dir.stat().st_mode) == 0o750


def test_private_write_never_exists_wider(tmp_path: Path) -> None:
    path = private.write_atomic(tmp_path / "a" / "b" / "state.json", json.dumps({"x": 1}))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


# A child process that creates a store, a run lock, blobs and a report, and kills itself with
# SIGKILL at a chosen point of the creation (argv[2]), or runs until killed from outside ("loop").
CHILD = textwrap.dedent(
    """
    import os, signal, sqlite3, sys
    from pathlib import Path
    from sop_runner.records import RecordStore
    from sop_runner.reports.render import write_atomic
    from sop_runner import private
    root, where = Path(sys.argv[1]), sys.argv[2]
    os.umask(0o022)

    def die(point):
        def wrap(fn):
            def inner(*a, **k):
                if where == point:
                    os.kill(os.getpid(), signal.SIGKILL)
                return fn(*a, **k)
            return inner
        return wrap

    sqlite3.connect = die("connect")(sqlite3.connect)
    os.replace = die("replace")(os.replace)
    os.fsync = die("fsync")(os.fsync)
    private.create_file = die("create")(private.create_file)
    n = 0
    while True:
        store = RecordStore(root / f"store{n}" / "records.sqlite")
        if where == "schema":
            os.kill(os.getpid(), signal.SIGKILL)
        fd = store.begin_run(f"r{n}", via="sop-run", trigger="manual", operator="t",
                             activities=["SIPP-1"], playbook="p", inventory="i", check_mode=False)
        store.put_blob(os.urandom(200000))
        write_atomic(store.dir / "reports" / "r.html", "x" * 100000)
        os.close(fd)
        store.close()
        n += 1
        if where != "loop":
            break
    """
)


def _child(root: Path, where: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", CHILD, str(root), where], env=env)


@pytest.mark.parametrize("where", ["create", "connect", "schema", "fsync", "replace"])
def test_kill_9_at_each_step_of_creation_leaves_nothing_readable(tmp_path: Path, where: str) -> None:
    proc = _child(tmp_path / "court", where)
    assert proc.wait(timeout=60) == -signal.SIGKILL
    assert (tmp_path / "court").exists()
    assert _wide(tmp_path / "court") == []


def test_kill_9_from_outside_at_random_moments(tmp_path: Path) -> None:
    rng = random.Random(18)
    for i in range(6):
        root = tmp_path / f"court{i}"
        proc = _child(root, "loop")
        # once the child is creating stores (its start-up takes long on a busy machine) ...
        deadline = time.monotonic() + 120
        while not (root / "store0").exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        # ... kill it at a random moment of what follows
        time.sleep(rng.uniform(0.0, 0.8))
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        assert root.exists()
        assert _wide(root) == [], i
