"""Action plugin: run court_net_config (the Oxidized-like configuration store, which lives on the
control node) in Ansible's worker process instead of a module process; see court_net_facts.
The module in library/court_net_config.py documents the options and runs the same code.
"""

from __future__ import annotations

import ansible.module_utils
from ansible import constants as C
from ansible.plugins.action import ActionBase

for _path in C.DEFAULT_MODULE_UTILS_PATH:
    if _path not in ansible.module_utils.__path__:
        ansible.module_utils.__path__.append(_path)

from ansible.module_utils.court_net.tasks import CONFIG_ARGUMENT_SPEC, run_in_worker, store_config  # noqa: E402


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result.update(
            run_in_worker(
                CONFIG_ARGUMENT_SPEC, store_config, self._task.args,
                check_mode=bool(self._task.check_mode), diff=bool(self._task.diff),
            )
        )  # fmt: skip
        return result
