"""Findings for C.2: compare a device's health with thresholds and with the previous run."""

from __future__ import annotations

from ansible.module_utils.court_net.common import version_older

DEFAULT_THRESHOLDS = {
    "cpu_percent_max": 80,
    "temperature_c_max": 65,
    "memory_used_percent_max": 90,
    "error_growth_min": 1,
    "error_growth_high": 1000,
    "min_os_version": "",
    "min_firmware": "",
}


def _finding(severity: str, code: str, message: str, **data) -> dict:
    item = {"severity": severity, "code": code, "message": message}
    item.update({k: v for k, v in data.items() if v is not None})
    return item


def snapshot(facts: dict) -> dict:
    """Return the part of the facts the next run compares with (counters, uptime)."""
    return {
        "uptime_seconds": facts.get("uptime_seconds"),
        "interfaces": {
            name: {k: i.get(k) for k in ("crc_errors", "rx_errors", "tx_errors", "link_downs", "oper_up")}
            for name, i in (facts.get("interfaces") or {}).items()
        },
    }


def device_findings(
    device: str, facts: dict, previous: dict | None, thresholds: dict, ports: dict
) -> list[dict]:
    """Given the current facts, the previous snapshot (or None), thresholds and the expected
    ports ({name: {"expect_up": bool, "min_speed_mbps": int}}), return the findings."""
    t = dict(DEFAULT_THRESHOLDS)
    t.update({k: v for k, v in (thresholds or {}).items() if v is not None})
    out: list[dict] = []
    cpu = facts.get("cpu_percent")
    if cpu is not None and cpu >= t["cpu_percent_max"]:
        out.append(
            _finding(
                "warning", "cpu_high", f"{device}: CPU {cpu}% (batas {t['cpu_percent_max']}%)", value=cpu
            )
        )
    temp = facts.get("temperature_c")
    if temp is not None and temp >= t["temperature_c_max"]:
        out.append(
            _finding(
                "high",
                "temperature_high",
                f"{device}: suhu {temp} °C (batas {t['temperature_c_max']} °C)",
                value=temp,
            )
        )
    mem = facts.get("memory_used_percent")
    if mem is not None and mem >= t["memory_used_percent_max"]:
        out.append(_finding("warning", "memory_high", f"{device}: memori terpakai {mem}%", value=mem))
    if version_older(facts.get("os_version"), t.get("min_os_version")):
        out.append(
            _finding(
                "warning",
                "os_outdated",
                f"{device}: versi OS {facts.get('os_version')} lebih lama dari minimum {t['min_os_version']}",
            )
        )
    if version_older(facts.get("firmware"), t.get("min_firmware")):
        out.append(
            _finding(
                "warning",
                "firmware_outdated",
                f"{device}: firmware {facts.get('firmware')} lebih lama dari minimum {t['min_firmware']}",
            )
        )

    for item in facts.get("unreadable") or []:
        out.append(
            _finding(
                "warning",
                "output_unreadable",
                f"{device}: keluaran '{item['command']}' tidak terbaca sepenuhnya: {item['what']}",
                command=item["command"],
                what=item["what"],
            )
        )

    interfaces = facts.get("interfaces") or {}
    for name, want in (ports or {}).items():
        iface = interfaces.get(name)
        if iface is None:
            out.append(
                _finding(
                    "warning", "port_missing", f"{device}: port {name} yang diharapkan tidak ada", port=name
                )
            )
            continue
        if want.get("expect_up", True) and not iface.get("oper_up"):
            why = "dinonaktifkan" if not iface.get("admin_up") else "link mati"
            out.append(
                _finding(
                    "high", "port_down", f"{device}: port {name} seharusnya aktif tetapi {why}", port=name
                )
            )
            continue
        min_speed = want.get("min_speed_mbps")
        speed = iface.get("speed_mbps")
        if min_speed and iface.get("oper_up") and speed is None:
            # never a silent pass: say that (and why) the speed could not be checked
            out.append(
                _finding(
                    "info",
                    "port_speed_not_checked",
                    f"{device}: kecepatan port {name} tidak diperiksa (diharapkan {min_speed} Mb/s) — "
                    f"{iface.get('speed_note') or 'kecepatan tidak diketahui'}",
                    port=name,
                )
            )
        if min_speed and iface.get("oper_up") and speed is not None and speed < min_speed:
            out.append(
                _finding(
                    "warning",
                    "port_speed_low",
                    f"{device}: port {name} berjalan {speed} Mb/s (diharapkan {min_speed} Mb/s) "
                    "— periksa kabel",
                    port=name,
                    value=speed,
                )
            )
        if iface.get("oper_up") and iface.get("duplex") == "half":
            out.append(
                _finding(
                    "warning",
                    "port_half_duplex",
                    f"{device}: port {name} half-duplex — periksa kabel",
                    port=name,
                )
            )

    prev_ifaces = (previous or {}).get("interfaces") or {}
    prev_uptime = (previous or {}).get("uptime_seconds")
    uptime = facts.get("uptime_seconds")
    rebooted = prev_uptime is not None and uptime is not None and uptime < prev_uptime
    if rebooted:
        out.append(
            _finding(
                "info", "device_rebooted", f"{device}: perangkat dinyalakan ulang sejak pemeriksaan terakhir"
            )
        )
        return out
    for name, iface in interfaces.items():
        before = prev_ifaces.get(name)
        if not before:
            continue
        grown = {}
        for key in ("crc_errors", "rx_errors", "tx_errors"):
            now, then = iface.get(key), before.get(key)
            if now is not None and then is not None and now - then >= t["error_growth_min"]:
                grown[key] = now - then
        if grown:
            severity = "high" if max(grown.values()) >= t["error_growth_high"] else "warning"
            detail = ", ".join(f"{k.replace('_', ' ')} +{v}" for k, v in sorted(grown.items()))
            out.append(
                _finding(
                    severity,
                    "port_errors_growing",
                    f"{device}: error pada port {name} bertambah ({detail}) — periksa kabel/konektor",
                    port=name,
                    growth=grown,
                )
            )
        downs_now, downs_then = iface.get("link_downs"), before.get("link_downs")
        if downs_now is not None and downs_then is not None and downs_now > downs_then:
            out.append(
                _finding(
                    "warning",
                    "port_flapping",
                    f"{device}: port {name} putus-sambung {downs_now - downs_then} kali "
                    "sejak pemeriksaan terakhir",
                    port=name,
                    value=downs_now - downs_then,
                )
            )
    return out
