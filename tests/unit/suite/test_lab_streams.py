"""tests/conftest.py: the lab tests' two streams, their order and the lock between them."""

from __future__ import annotations

import fcntl
import importlib.util
import os
from pathlib import Path
from types import SimpleNamespace

import pytest

_spec = importlib.util.spec_from_file_location("suite_conftest", Path(__file__).parents[2] / "conftest.py")
assert _spec and _spec.loader
conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(conftest)


class Item:
    def __init__(self, name: str, module: object, *marks: str) -> None:
        self.name, self.module, self.marks, self.groups = name, module, set(marks), []

    def get_closest_marker(self, name: str) -> object:
        return SimpleNamespace(name=name) if name in self.marks else None

    def add_marker(self, mark: pytest.MarkDecorator) -> None:
        self.groups.append(mark.args[0])


def test_order_and_streams() -> None:
    m = object()
    items = [
        Item("comply", m, "lab", "runs_last"),
        Item("nas", m, "lab", "lab_alone"),
        Item("unit", m),
        Item("sipp", m, "lab"),
        Item("web", m, "lab", "lab_web"),
        Item("up", m, "lab", "lab_alone", "runs_first"),
    ]
    conftest.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]
    assert [i.name for i in items] == ["up", "unit", "sipp", "web", "nas", "comply"]
    assert {i.name: i.groups for i in items} == {
        "up": ["lab"],
        "unit": [],
        "sipp": ["lab"],
        "web": ["lab-web"],
        "nas": ["lab"],
        "comply": ["lab"],
    }


def _held_by_other_process(mode: int) -> bool:
    """Could another process not take the lock in this mode now?"""
    fd = os.open(conftest.LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def test_lock_is_held_for_a_whole_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "LOCK", tmp_path / "lab-streams.lock")
    web, alone = object(), object()
    w1, w2 = Item("w1", web, "lab", "lab_web"), Item("w2", web, "lab", "lab_web")
    a1 = Item("a1", alone, "lab", "lab_alone")

    def run(item: Item, nextitem: Item | None) -> None:
        gen = conftest.pytest_runtest_protocol(item, nextitem)
        next(gen)
        # a website module in progress: a lab_alone test cannot start, another website test can
        if item is not a1:
            assert _held_by_other_process(fcntl.LOCK_EX) and not _held_by_other_process(fcntl.LOCK_SH)
        else:
            assert _held_by_other_process(fcntl.LOCK_SH)
        with pytest.raises(StopIteration):
            gen.send(None)

    run(w1, w2)
    assert _held_by_other_process(fcntl.LOCK_EX)  # still held between two tests of the module
    run(w2, a1)
    assert not _held_by_other_process(fcntl.LOCK_EX)  # released after the module's last test
    run(a1, None)
    assert not _held_by_other_process(fcntl.LOCK_EX)
