"""Read one network device over SSH with netmiko and return its health in the common model.

Only `show`/`print`/`export` commands are sent: the collection is read-only."""

from __future__ import annotations

import contextlib
import re
import time

from ansible.module_utils.court_net import ios, routeros
from ansible.module_utils.court_net.common import strip_trailing_prompt

SUPPORTED_PLATFORMS = ("mikrotik_routeros", "cisco_ios")


class DeviceError(Exception):
    """A device could not be read; ``kind`` is a stable code, ``str()`` one clear line."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def _connect(params: dict):
    try:
        from netmiko import ConnectHandler
        from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException
    except ImportError as exc:  # pragma: no cover - environment problem
        raise DeviceError("missing_library", f"netmiko is not installed for this Python ({exc})") from exc
    where = f"{params['username']}@{params['host']}:{params['port']}"
    timeout = params["timeout"]
    args = {
        "device_type": params["platform"],
        "host": params["host"],
        "port": params["port"],
        "username": params["username"],
        "conn_timeout": timeout,
        "auth_timeout": timeout,
        "banner_timeout": timeout,
        "blocking_timeout": timeout,
        "read_timeout_override": timeout,
        "fast_cli": True,
    }
    if params.get("password"):
        args["password"] = params["password"]
    if params.get("key_file"):
        args["key_file"] = params["key_file"]
        args["use_keys"] = True
    if params.get("enable_secret"):
        args["secret"] = params["enable_secret"]
    if not params.get("password") and not params.get("key_file"):
        raise DeviceError("no_credentials", f"{where}: no password or SSH key given for this device")
    try:
        conn = ConnectHandler(**args)
    except NetmikoAuthenticationException as exc:
        raise DeviceError(
            "auth_failed", f"{where}: authentication failed — check the device credentials (vault)"
        ) from exc
    except NetmikoTimeoutException as exc:
        raise DeviceError(
            "timeout", f"{where}: no SSH answer within {timeout}s — device down or port blocked"
        ) from exc
    except Exception as exc:  # netmiko raises ValueError/ReadTimeout on a prompt it does not expect
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DeviceError(
            "unexpected_prompt", f"{where}: session did not reach the {params['platform']} prompt ({first})"
        ) from exc
    if params["platform"] == "mikrotik_routeros":
        # RouterOS sometimes prints its prompt twice while netmiko learns it ("[a@gw] > [a@gw] >");
        # every later command would then wait for the doubled prompt until it times out.
        prompts = re.findall(r"\[[^\]]+\]", conn.base_prompt or "")
        if len(prompts) > 1:
            conn.base_prompt = prompts[-1]
    return conn


def _run(conn, command: str, params: dict, failed_check) -> str:
    """Send one read command; a prompt mix-up (RouterOS can print its prompt twice) gets one
    retry after the channel is drained, a second failure is the device's error."""
    for attempt in (1, 2):
        try:
            output = conn.send_command(command, read_timeout=params["timeout"])
            break
        except Exception as exc:
            if attempt == 1 and "Pattern not detected" in str(exc):
                time.sleep(0.5)
                with contextlib.suppress(Exception):
                    conn.read_channel()
                continue
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DeviceError(
                "command_timeout", f"{params['host']}:{params['port']}: '{command}' did not finish ({first})"
            ) from exc
    output = strip_trailing_prompt(output, params["platform"])
    error = failed_check(output)
    if error:
        raise DeviceError(
            "command_rejected", f"{params['host']}:{params['port']}: device rejected '{command}': {error}"
        )
    return output


def _routeros(conn, params: dict) -> tuple[dict, str, dict]:
    raw = {
        key: _run(conn, cmd, params, routeros.command_failed)
        for key, cmd in routeros.COMMANDS.items()
        if key != "config" or params["backup"]
    }
    problems: list[dict] = []

    def note(command: str, whats: list[str]) -> None:
        problems.extend({"command": command, "what": what} for what in whats)

    cmds = routeros.COMMANDS
    found: list[str] = []
    detail = routeros.parse_interfaces_detail(raw["interfaces"], found)
    note(cmds["interfaces"], found)
    monitors = {}
    for name in routeros.ethernet_names(detail):
        command = routeros.MONITOR_COMMAND.format(name=name)
        raw["monitor " + name] = _run(conn, command, params, routeros.command_failed)
        monitors[name] = routeros.parse_monitor(raw["monitor " + name], command)
        note(command, routeros.monitor_problems(monitors[name]))
    facts = {"platform": "mikrotik_routeros"}
    resource = routeros.parse_resource(raw["resource"])
    note(cmds["resource"], routeros.resource_problems(resource))
    facts.update(resource)
    board = routeros.parse_routerboard(raw["routerboard"])
    facts.update(board)
    found = []
    facts.update(routeros.parse_health(raw["health"], found))
    note(cmds["health"], found)
    stats = routeros.parse_ethernet_stats(raw["ethernet_stats"])
    note(cmds["ethernet_stats"], routeros.stats_problems(stats, routeros.ethernet_names(detail)))
    facts["interfaces"] = routeros.build_interfaces(detail, stats, monitors)
    config = ""
    if params["backup"]:
        note(cmds["config"], routeros.export_problems(raw["config"]))
        config = routeros.sanitize_export(raw["config"], params["mask_secrets"])
    facts["unreadable"] = problems
    return facts, config, raw


def _ios(conn, params: dict) -> tuple[dict, str, dict]:
    raw = {}
    for key, cmd in ios.COMMANDS.items():
        if key == "config" and not params["backup"]:
            continue
        if key == "temperature":  # not every IOS box has the command; its absence is not an error
            raw[key] = strip_trailing_prompt(
                conn.send_command(cmd, read_timeout=params["timeout"]), "cisco_ios"
            )
            continue
        raw[key] = _run(conn, cmd, params, ios.command_failed)
    problems: list[dict] = []

    def note(key: str, whats: list[str]) -> None:
        problems.extend({"command": ios.COMMANDS[key], "what": what} for what in whats)

    facts = {"platform": "cisco_ios"}
    found: list[str] = []
    facts.update(ios.parse_version(raw["version"], found))
    note("version", found)
    facts.update(ios.parse_cpu(raw["cpu"]))
    if facts["cpu_percent"] is None:
        note("cpu", ["CPU utilization tidak ditemukan"])
    facts.update(ios.parse_memory(raw["memory"]))
    if facts["memory_total_bytes"] is None:
        note("memory", ["Processor Pool Total/Used/Free tidak ditemukan"])
    found = []
    facts.update(ios.parse_temperature(raw["temperature"], found))
    note("temperature", found)
    facts["voltage_v"] = None
    found = []
    facts["interfaces"] = ios.parse_interfaces(raw["interfaces"], found)
    note("interfaces", found)
    config = ios.sanitize_running_config(raw["config"], params["mask_secrets"]) if params["backup"] else ""
    facts["unreadable"] = problems
    return facts, config, raw


def collect(params: dict) -> tuple[dict, str, dict]:
    """Given connection params (host, port, platform, username, password/key_file, timeout,
    backup, mask_secrets), return (facts, sanitised config, raw outputs). Raise DeviceError."""
    if params["platform"] not in SUPPORTED_PLATFORMS:
        raise DeviceError(
            "unsupported_platform",
            f"platform '{params['platform']}' is not supported (use one of {', '.join(SUPPORTED_PLATFORMS)})",
        )
    started = time.monotonic()
    conn = _connect(params)
    try:
        if params["platform"] == "mikrotik_routeros":
            facts, config, raw = _routeros(conn, params)
        else:
            facts, config, raw = _ios(conn, params)
    finally:
        with contextlib.suppress(Exception):  # the session may already be gone
            conn.disconnect()
    facts["collect_seconds"] = round(time.monotonic() - started, 2)
    return facts, config, raw
