"""``sop tick``'s scheduling: which playbooks to run now, and the per-playbook lock.

The choice is made from :func:`sop_runner.due.compute_due` alone (the one answer to "was it
done?"): every runnable activity whose state is ``due`` or ``overdue`` is run, grouped by
playbook, each activity once.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sop_runner import private
from sop_runner.due import DueItem

PENDING = ("due", "overdue")


def pending(items: Iterable[DueItem]) -> list[DueItem]:
    """Return the items a tick acts on: runnable and due or overdue."""
    return [i for i in items if i.state in PENDING and i.runnable]


def choose(
    items: Iterable[DueItem], playbook_exists: Callable[[str], bool]
) -> tuple[dict[str, list[str]], list[str]]:
    """Given due items and a test whether a playbook exists, return ``{playbook: [activity, …]}``
    to run (activities in catalog order, each once) and a warning per missing playbook."""
    playbooks: dict[str, list[str]] = {}
    warnings: list[str] = []
    for i in pending(items):
        assert i.playbook
        if not playbook_exists(i.playbook):
            warning = f"{i.activity_id}: playbook {i.playbook} does not exist yet; skipped"
            if warning not in warnings:
                warnings.append(warning)
            continue
        acts = playbooks.setdefault(i.playbook, [])
        if i.activity_id not in acts:
            acts.append(i.activity_id)
    return playbooks, warnings


def lock_path(lock_dir: Path, name: str) -> Path:
    """Return the lock file of a playbook (or of the reports) in ``lock_dir``."""
    return lock_dir / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".lock")


@contextmanager
def try_lock(path: Path) -> Iterator[bool]:
    """Take an exclusive lock on ``path`` without waiting; yield whether it was taken."""
    private.make_dir(path.parent)
    fd = private.open_fd(path, os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)
