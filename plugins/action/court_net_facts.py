"""Action plugin: run court_net_facts in Ansible's worker process on the control node.

The device is read from the control node in any case (netmiko over SSH); running the task in
the worker instead of a module process saves the Python start-up, the module packaging and
the netmiko import per device. netmiko is imported here at plugin load, which the strategy does
once in the main process before it forks the workers, so 50 devices share one import.
The module in library/court_net_facts.py documents the options and runs the same code.
"""

from __future__ import annotations

import ansible.module_utils
from ansible import constants as C

# The project's module_utils folder (ansible.cfg: module_utils) becomes importable here too.
ansible.module_utils.__path__.extend(p for p in C.DEFAULT_MODULE_UTILS_PATH if p not in ansible.module_utils.__path__)

import netmiko  # noqa: E402,F401  (imported once in the main process, shared by the forks)
from ansible.module_utils.court_net.tasks import FACTS_ARGUMENT_SPEC, action_class, read_device  # noqa: E402

ActionModule = action_class(FACTS_ARGUMENT_SPEC, read_device)
