"""Which parser reads which corpus fixture (the fixture's name says platform and command), and
the problems it reports, so that every parsed field and every complaint can be compared."""

from __future__ import annotations

from ansible.module_utils.court_net import ios, routeros


def _with_problems(fn):
    def run(text: str) -> dict:
        problems: list[str] = []
        out = fn(text, problems)
        return {"parsed": out, "problems": problems}

    return run


def _resource(text: str) -> dict:
    out = routeros.parse_resource(text)
    return {"parsed": out, "problems": routeros.resource_problems(out)}


def _monitor(text: str) -> dict:
    out = routeros.parse_monitor(text, "/interface ethernet monitor x once")
    return {"parsed": out, "problems": routeros.monitor_problems(out)}


def _stats(text: str) -> dict:
    out = routeros.parse_ethernet_stats(text)
    return {"parsed": out, "problems": routeros.stats_problems(out, sorted(out))}


def _export(text: str) -> dict:
    return {
        "parsed": {"header": routeros.parse_export_header(text), "sanitized": routeros.sanitize_export(text)},
        "problems": routeros.export_problems(text),
    }


def _cpu(text: str) -> dict:
    out = ios.parse_cpu(text)
    return {"parsed": out, "problems": [] if out["cpu_percent"] is not None else ["CPU utilization"]}


def _memory(text: str) -> dict:
    out = ios.parse_memory(text)
    return {"parsed": out, "problems": [] if out["memory_total_bytes"] is not None else ["Processor Pool"]}


PARSERS = {
    ("ros", "health"): _with_problems(routeros.parse_health),
    ("ros", "interfaces"): _with_problems(routeros.parse_interfaces_detail),
    ("ros", "stats"): _stats,
    ("ros", "monitor"): _monitor,
    ("ros", "resource"): _resource,
    ("ros", "export"): _export,
    ("ios", "interfaces"): _with_problems(ios.parse_interfaces),
    ("ios", "version"): _with_problems(ios.parse_version),
    ("ios", "cpu"): _cpu,
    ("ios", "memory"): _memory,
    ("ios", "temperature"): _with_problems(ios.parse_temperature),
}


def parser_for(name: str):
    """Given a fixture name like ``ros7_health__rb951.txt``, return its parser."""
    head = name.split("__", 1)[0]
    platform, command = head.split("_", 1)
    return PARSERS[("ros" if platform.startswith("ros") else "ios", command)]
