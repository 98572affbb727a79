"""Parse NUT `upsc` output and derive the UPS findings for C.2."""

from __future__ import annotations

import re
from datetime import date

from ansible.module_utils.court_net.common import parse_float

STATUS_WORDS = {
    "OL": "online (listrik PLN)",
    "OB": "memakai baterai",
    "LB": "baterai lemah",
    "HB": "baterai tinggi",
    "RB": "baterai harus diganti",
    "CHRG": "mengisi baterai",
    "DISCHRG": "baterai terpakai",
    "BYPASS": "bypass",
    "CAL": "kalibrasi",
    "OFF": "mati",
    "OVER": "beban berlebih",
    "TRIM": "menurunkan tegangan",
    "BOOST": "menaikkan tegangan",
    "FSD": "shutdown paksa",
}

DEFAULT_THRESHOLDS = {
    "runtime_min_seconds": 600,
    "charge_min_percent": 50,
    "load_max_percent": 80,
    "battery_max_age_years": 3,
}


def parse_upsc(text: str) -> dict[str, str]:
    """Given `upsc <ups>` output ("battery.charge: 100" lines; upsc may print "Init SSL without
    certificate database" first), return the variables."""
    result: dict[str, str] = {}
    for line in (text or "").splitlines():
        m = re.match(r"^([a-z][a-z0-9_.]*):\s?(.*)$", line.strip())
        if m:
            result[m.group(1)] = m.group(2).strip()
    return result


def parse_battery_date(value: str | None) -> date | None:
    """Given a NUT battery date ("2019/04/10", "2019-04-10", APC "04/10/19" = mm/dd/yy), return it."""
    if not value:
        return None
    value = value.strip()
    m = re.match(r"^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$", value)
    try:
        if m:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{2,4})$", value)
        if m:
            year = int(m.group(3))
            year = year + 2000 if year < 100 else year
            return date(year, int(m.group(1)), int(m.group(2)))
    except ValueError:
        return None
    return None


def summarize(variables: dict[str, str], today: date | None = None) -> dict:
    """Return the UPS facts: status flags, charge, runtime, load, battery date and age."""
    status_raw = variables.get("ups.status", "")
    flags = status_raw.split()
    batt_date = parse_battery_date(variables.get("battery.date")) or parse_battery_date(
        variables.get("battery.mfr.date")
    )
    today = today or date.today()
    age_years = round((today - batt_date).days / 365.25, 1) if batt_date else None
    charge = parse_float(variables.get("battery.charge"))
    runtime = parse_float(variables.get("battery.runtime"))
    load = parse_float(variables.get("ups.load"))
    return {
        "status": status_raw,
        "status_flags": flags,
        "status_text": ", ".join(STATUS_WORDS.get(f, f) for f in flags),
        "on_battery": "OB" in flags,
        "low_battery": "LB" in flags,
        "replace_battery": "RB" in flags,
        "battery_charge_percent": charge,
        "battery_runtime_seconds": int(runtime) if runtime is not None else None,
        "load_percent": load,
        "battery_date": batt_date.isoformat() if batt_date else None,
        "battery_age_years": age_years,
        "model": variables.get("device.model") or variables.get("ups.model"),
        "manufacturer": variables.get("device.mfr") or variables.get("ups.mfr"),
        "serial": variables.get("device.serial") or variables.get("ups.serial"),
        "driver": variables.get("driver.name"),
    }


def ups_findings(name: str, ups: dict, thresholds: dict | None = None) -> list[dict]:
    """Given the summary of one UPS, return its findings (severity info|warning|high)."""
    t = dict(DEFAULT_THRESHOLDS)
    t.update({k: v for k, v in (thresholds or {}).items() if v is not None})
    out = []

    def add(severity: str, code: str, message: str, incident: bool = False) -> None:
        item = {"severity": severity, "code": code, "message": f"UPS {name}: {message}"}
        if incident:
            item["incident"] = True
        out.append(item)

    if not ups["status_flags"]:
        add("high", "ups_status_unknown", "status tidak terbaca (ups.status kosong)")
    if ups["on_battery"]:
        add("high", "ups_on_battery", "listrik PLN padam — UPS memakai baterai", incident=True)
    if ups["low_battery"]:
        add("high", "ups_low_battery", "baterai lemah — server akan segera mati", incident=True)
    if "OVER" in ups["status_flags"]:
        add("high", "ups_overload", "beban berlebih")
    if ups["replace_battery"]:
        add("warning", "ups_replace_battery", "UPS meminta penggantian baterai (RB)")
    runtime = ups["battery_runtime_seconds"]
    if runtime is not None and runtime < t["runtime_min_seconds"]:
        add(
            "warning",
            "ups_runtime_short",
            f"sisa waktu baterai {runtime // 60} menit {runtime % 60} detik "
            f"(minimum {t['runtime_min_seconds'] // 60} menit)",
        )
    charge = ups["battery_charge_percent"]
    if charge is not None and not ups["on_battery"] and charge < t["charge_min_percent"]:
        add(
            "warning",
            "ups_charge_low",
            f"muatan baterai {charge:g}% saat online (minimum {t['charge_min_percent']}%)",
        )
    load = ups["load_percent"]
    if load is not None and load > t["load_max_percent"]:
        add("warning", "ups_load_high", f"beban {load:g}% (batas {t['load_max_percent']}%)")
    age = ups["battery_age_years"]
    if age is not None and age >= t["battery_max_age_years"]:
        add(
            "warning",
            "ups_battery_due",
            f"baterai berumur {age:g} tahun (dipasang {ups['battery_date']}), jadwalkan penggantian",
        )
    return out
