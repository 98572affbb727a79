"""Benchmark-only callback: how long each host had a task in progress (its own work).

For each host, the time from ``v2_runner_on_start`` to its result is added up over the run; a
host never waits for another inside that sum, so the largest sum is the run's critical path as
far as Ansible can see it (a task a host must run cannot start before its previous task ended).
Written as JSON to the file named by ``BENCH_HOST_WORK`` when the playbook ends:
``{host: {"work_s": seconds, "top": [[task, seconds], …]}}``. Not used outside tests/bench/.
"""

from __future__ import annotations

import json
import os
import time
from collections import defaultdict

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "host_work"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._started: dict[tuple[str, str], float] = {}
        self._tasks: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def v2_runner_on_start(self, host, task):
        self._started[(host.get_name(), task._uuid)] = time.monotonic()

    def _ended(self, result, *_args, **_kwargs) -> None:
        host = result._host.get_name()
        t0 = self._started.pop((host, result._task._uuid), None)
        if t0 is not None:
            self._tasks[host][result._task.get_name()] += time.monotonic() - t0

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = v2_runner_on_unreachable = _ended

    def v2_playbook_on_stats(self, stats):
        dest = os.environ.get("BENCH_HOST_WORK")
        if not dest:
            return
        out = {
            host: {
                "work_s": round(sum(tasks.values()), 3),
                "top": [[name, round(s, 2)] for name, s in sorted(tasks.items(), key=lambda kv: -kv[1])[:6]],
            }
            for host, tasks in self._tasks.items()
        }
        with open(dest, "w", encoding="utf-8") as fh:
            json.dump(out, fh, indent=1)
