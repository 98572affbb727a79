"""Benchmark-only callback: how long each host was busy with its own work.

A host is busy while one of its tasks is in progress (``v2_runner_on_start`` to its result) and
while a background job it started (``async`` with ``poll: 0``, e.g. day 30's Lynis) is running,
up to the ``async_status`` result that says it finished. The union of those intervals is the
host's own work: no host waits for another inside it, so the largest is the run's critical path
as far as Ansible can see it. Written as JSON to the file named by ``BENCH_HOST_WORK`` when the
playbook ends: ``{host: {"work_s": seconds, "top": [[task, seconds], …]}}``. Not used outside
tests/bench/.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict

from ansible.plugins.callback import CallbackBase


def union_length(intervals: list[tuple[float, float]]) -> float:
    """Return the total length covered by ``intervals`` (overlaps counted once)."""
    total, end = 0.0, float("-inf")
    for a, b in sorted(intervals):
        if b <= end:
            continue
        total += b - max(a, end)
        end = b
    return total


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "host_work"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._started: dict[tuple[str, str], float] = {}
        self._jobs: dict[tuple[str, str], tuple[float, str]] = {}  # (host, jid) -> (start, task)
        self._busy: dict[str, list[tuple[float, float]]] = defaultdict(list)
        self._tasks: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()

    def _ended(self, result, *_args, **_kwargs) -> None:
        host, now = result._host.get_name(), time.monotonic()
        t0 = self._started.pop((host, result._task._uuid), None)
        if t0 is None:
            return
        self._busy[host].append((t0, now))
        self._tasks[host][result._task.get_name()] += now - t0
        res = result._result if isinstance(result._result, dict) else {}
        jid = res.get("ansible_job_id")
        if jid and res.get("started") and not res.get("finished"):
            self._jobs[(host, jid)] = (t0, result._task.get_name())
        elif jid and res.get("finished") and (host, jid) in self._jobs:
            start, name = self._jobs.pop((host, jid))
            self._busy[host].append((start, now))
            self._tasks[host][f"{name} (in the background)"] += now - start

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = v2_runner_on_unreachable = _ended

    def v2_playbook_on_stats(self, stats):
        dest = os.environ.get("BENCH_HOST_WORK")
        if not dest:
            return
        out = {
            host: {
                "work_s": round(union_length(self._busy[host]), 3),
                "top": [[name, round(s, 2)] for name, s in sorted(tasks.items(), key=lambda kv: -kv[1])[:6]],
            }
            for host, tasks in self._tasks.items()
        }
        with open(dest, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1)
