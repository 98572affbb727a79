"""Configuration store: history, diff, changed only on change, check mode, retention, atomicity."""

from __future__ import annotations

import os

import pytest
from ansible.module_utils.court_net import configstore


def test_first_backup_then_unchanged_then_changed(tmp_path):
    first = configstore.store(str(tmp_path), "gw", "a\nb\n", now=1_700_000_000)
    assert first["changed"] and first["first_backup"]
    assert (tmp_path / "gw" / "config.txt").read_text() == "a\nb\n"
    assert os.listdir(tmp_path / "gw" / "history") == ["20231114T221320Z.txt"]

    same = configstore.store(str(tmp_path), "gw", "a\nb\n", now=1_700_000_100)
    assert not same["changed"] and same["history_path"] is None

    changed = configstore.store(str(tmp_path), "gw", "a\nc\n", now=1_700_000_200)
    assert changed["changed"] and not changed["first_backup"]
    assert changed["lines_added"] == 1 and changed["lines_removed"] == 1
    diff = (tmp_path / "gw" / "history" / "20231114T221640Z.diff").read_text()
    assert "-b\n" in diff and "+c\n" in diff
    assert (tmp_path / "gw" / "config.txt").read_text() == "a\nc\n"


def test_check_mode_writes_nothing(tmp_path):
    res = configstore.store(str(tmp_path), "sw1", "x\n", check_mode=True)
    assert res["changed"] and not (tmp_path / "sw1").exists()


def test_history_is_trimmed(tmp_path):
    for i in range(5):
        configstore.store(str(tmp_path), "ap1", f"v{i}\n", keep=3, now=1_700_000_000 + i)
    names = sorted(os.listdir(tmp_path / "ap1" / "history"))
    assert [n for n in names if n.endswith(".txt")] == [
        "20231114T221322Z.txt",
        "20231114T221323Z.txt",
        "20231114T221324Z.txt",
    ]


def test_bad_device_name(tmp_path):
    with pytest.raises(ValueError, match="cannot be used as a file name"):
        configstore.store(str(tmp_path), "../etc", "x\n")


def test_failed_write_leaves_old_backup(tmp_path, monkeypatch):
    configstore.store(str(tmp_path), "gw", "old\n", now=1)

    def broken(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        configstore.store(str(tmp_path), "gw", "new\n", now=2)
    assert (tmp_path / "gw" / "config.txt").read_text() == "old\n"
    assert not [n for n in os.listdir(tmp_path / "gw" / "history") if n.startswith(".tmp-")]


def test_snapshot_roundtrip(tmp_path):
    path = str(tmp_path / "state" / "gw.json")
    assert configstore.load_snapshot(path) is None
    configstore.save_snapshot(path, {"uptime_seconds": 5})
    assert configstore.load_snapshot(path) == {"uptime_seconds": 5}
    (tmp_path / "state" / "gw.json").write_text("{broken")
    assert configstore.load_snapshot(path) is None
