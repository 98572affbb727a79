"""Action plugin: run court_net_config (the Oxidized-like configuration store, which lives on the
control node) in Ansible's worker process instead of a module process; see court_net_facts.
The module in library/court_net_config.py documents the options and runs the same code.
"""

from __future__ import annotations

import ansible.module_utils
from ansible import constants as C

ansible.module_utils.__path__.extend(p for p in C.DEFAULT_MODULE_UTILS_PATH if p not in ansible.module_utils.__path__)

from ansible.module_utils.court_net.tasks import CONFIG_ARGUMENT_SPEC, action_class, store_config  # noqa: E402

ActionModule = action_class(CONFIG_ARGUMENT_SPEC, store_config)
