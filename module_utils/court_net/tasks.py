"""What the court_net_facts and court_net_config tasks do, shared by the modules (library/) and
the action plugins (plugins/action/) that run the same code inside Ansible's worker process on
the control node. Network devices are always read from the control node; doing it in the
worker saves a Python start-up and the module packaging per device and task, which is what
decides the time for 50 devices on a small PC."""

from __future__ import annotations

import os

from ansible.module_utils.court_net import configstore
from ansible.module_utils.court_net.collect import DeviceError, collect
from ansible.module_utils.court_net.findings import device_findings, snapshot

FACTS_ARGUMENT_SPEC = dict(
    device=dict(type="str", required=True),
    host=dict(type="str", required=True),
    port=dict(type="int", default=22),
    platform=dict(type="str", required=True, choices=["mikrotik_routeros", "cisco_ios"]),
    username=dict(type="str", required=True),
    password=dict(type="str", no_log=True),
    key_file=dict(type="path", no_log=False),
    enable_secret=dict(type="str", no_log=True),
    timeout=dict(type="int", default=20),
    backup=dict(type="bool", default=True),
    mask_secrets=dict(type="bool", default=True),
    state_file=dict(type="path"),
    update_state=dict(type="bool", default=True),
    thresholds=dict(type="dict", default={}),
    ports=dict(type="dict", default={}),
)

CONFIG_ARGUMENT_SPEC = dict(
    device=dict(type="str", required=True),
    config=dict(type="str", required=True),
    backup_dir=dict(type="path", required=True),
    keep=dict(type="int", default=60),
)


class TaskFailed(Exception):
    """One clear line in ``str()``; ``extra`` goes into the failed result as it is."""

    def __init__(self, msg: str, **extra):
        super().__init__(msg)
        self.extra = extra


def read_device(p: dict, check_mode: bool = False, diff: bool = False) -> dict:
    """court_net_facts: read the device, compare with the previous snapshot, return findings."""
    if p["timeout"] < 1:
        raise TaskFailed(f"{p['device']}: timeout must be at least 1 second (got {p['timeout']})")
    for name, want in p["ports"].items():
        if not isinstance(want, dict):
            raise TaskFailed(f"{p['device']}: ports.{name} must be a mapping like {{expect_up: true}}")
    try:
        facts, config, _raw = collect(p)
    except DeviceError as exc:
        raise TaskFailed(f"{p['device']}: {exc}", error_kind=exc.kind, device_name=p["device"]) from None

    previous = configstore.load_snapshot(p["state_file"]) if p["state_file"] else None
    findings = device_findings(p["device"], facts, previous, p["thresholds"], p["ports"])
    if p["state_file"] and p["update_state"] and not check_mode:
        try:
            configstore.save_snapshot(p["state_file"], snapshot(facts))
        except OSError as exc:
            raise TaskFailed(
                f"{p['device']}: cannot write the state file {p['state_file']}: {exc.strerror}"
            ) from None
    result = dict(changed=False, device=facts, findings=findings, compared_with_previous=previous is not None)
    if p["backup"]:
        result["config"] = config
    result["state_file"] = p["state_file"] and os.path.abspath(p["state_file"])
    return result


def store_config(p: dict, check_mode: bool = False, diff: bool = False) -> dict:
    """court_net_config: keep the configuration with history and diff (Oxidized-like)."""
    if not p["config"].strip():
        raise TaskFailed(f"{p['device']}: the configuration read from the device is empty; nothing stored")
    if p["keep"] < 1:
        raise TaskFailed(f"keep must be at least 1 (got {p['keep']})")
    try:
        before = configstore.read_text(f"{p['backup_dir']}/{p['device']}/config.txt") if diff else None
        res = configstore.store(p["backup_dir"], p["device"], p["config"], check_mode=check_mode, keep=p["keep"])
    except (OSError, ValueError) as exc:
        raise TaskFailed(f"{p['device']}: cannot store the configuration in {p['backup_dir']}: {exc}") from None
    result = dict(
        changed=res["changed"],
        path=res["path"],
        history_path=res["history_path"],
        lines_added=res["lines_added"],
        lines_removed=res["lines_removed"],
        first_backup=res["first_backup"],
        config_diff=res["diff"],
    )
    if diff and res["changed"]:
        result["diff"] = dict(
            before=before or "",
            after=p["config"],
            before_header=f"{p['device']} (stored)",
            after_header=f"{p['device']} (device)",
        )
    return result


def run_module(argument_spec: dict, task) -> None:
    """Entry point of the library/ modules: the same task as a module process."""
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    try:
        result = task(module.params, check_mode=module.check_mode, diff=module._diff)
    except TaskFailed as exc:
        module.fail_json(msg=str(exc), **exc.extra)
    module.exit_json(**result)


def run_in_worker(argument_spec: dict, task, args: dict, check_mode: bool, diff: bool) -> dict:
    """Entry point of the action plugins: validate like AnsibleModule would, run the task, and
    remove every no_log value (passwords) from the result, as AnsibleModule does."""
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
    from ansible.module_utils.common.parameters import remove_values

    validated = ArgumentSpecValidator(argument_spec).validate(args)
    if validated.error_messages:
        return dict(failed=True, changed=False, msg="; ".join(validated.error_messages))
    try:
        result = task(validated.validated_parameters, check_mode=check_mode, diff=diff)
    except TaskFailed as exc:
        result = dict(failed=True, changed=False, msg=str(exc), **exc.extra)
    return remove_values(result, validated._no_log_values)


def action_class(argument_spec: dict, task):
    """The ActionModule class of plugins/action/court_net_*.py (control node only: ActionBase is
    imported here, never in a module process)."""
    from ansible.plugins.action import ActionBase

    class ActionModule(ActionBase):
        TRANSFERS_FILES = False
        _supports_check_mode = True
        _supports_async = False

        def run(self, tmp=None, task_vars=None):
            result = super().run(tmp, task_vars)
            result.update(
                run_in_worker(
                    argument_spec,
                    task,
                    self._task.args,
                    check_mode=bool(self._task.check_mode),
                    diff=bool(self._task.diff),
                )
            )
            return result

    return ActionModule
