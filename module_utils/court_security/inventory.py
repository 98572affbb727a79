"""C.4 software and hardware inventory: parsers of real command output and the monthly diff.

Formats: ``/proc/meminfo`` (``MemTotal:       16283480 kB``), ``/proc/cpuinfo`` (x86 ``model name``;
ARM has ``Hardware``/``CPU part`` instead and no model name), ``/etc/os-release`` (quoted or bare
values), ``dpkg-query -W -f='${Package}\\t${Version}\\t${db:Status-Abbrev}\\n'`` (``ii `` = installed,
``rc `` = removed with config left), ``lsblk -J -b -d -o NAME,SIZE,TYPE,MODEL,SERIAL,ROTA,TRAN``
(model/serial may be null or padded with spaces), ``smartctl -H -j`` JSON
(``smart_status.passed``; exit status bit 0/1 set when the device cannot be opened).
"""

from __future__ import annotations

import json
import shlex


def parse_os_release(text: str) -> dict:
    out = {}
    for line in text.splitlines():
        if "=" not in line or line.lstrip().startswith("#"):
            continue
        k, v = line.split("=", 1)
        try:
            parts = shlex.split(v)
            out[k.strip()] = parts[0] if parts else ""
        except ValueError:
            out[k.strip()] = v.strip().strip('"')
    return out


def parse_meminfo(text: str) -> int | None:
    """Return MemTotal in MiB."""
    for line in text.splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) // 1024
    return None


def parse_cpuinfo(text: str) -> dict:
    models = []
    count = 0
    hardware = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "processor":
            count += 1
        elif key == "model name":
            models.append(" ".join(value.split()))
        elif key == "Hardware":
            hardware = value.strip()
    model = models[0] if models else (hardware or "unknown")
    return {"model": model, "threads": count}


def parse_dpkg(text: str) -> dict[str, str]:
    """Return {package: version} of installed packages (status ``ii``/``hi``)."""
    out = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        status = parts[2].strip()
        if status[:2] in ("ii", "hi"):
            name = parts[0].split(":")[0]
            out[name] = parts[1]
    return out


def _flag(value) -> bool | None:
    """lsblk prints flags as JSON booleans (util-linux >= 2.33) or as "0"/"1" strings (older)."""
    if isinstance(value, bool):
        return value
    if str(value) in ("0", "1"):
        return str(value) == "1"
    return None


def parse_lsblk(text: str) -> list[dict]:
    data = json.loads(text) if text.strip() else {"blockdevices": []}
    out = []
    for dev in data.get("blockdevices", []):
        if dev.get("type") not in ("disk",):
            continue
        out.append(
            {
                "name": dev.get("name"),
                "size_gb": round(int(dev.get("size") or 0) / 1e9, 1),
                "model": (dev.get("model") or "").strip() or None,
                "serial": (dev.get("serial") or "").strip() or None,
                "rotational": _flag(dev.get("rota")),
                "transport": dev.get("tran"),
            }
        )
    return out


def parse_smartctl_health(text: str, rc: int) -> str:
    """Return passed / failed / unavailable from ``smartctl -H -j`` output and exit status."""
    if rc & 0b11:
        return "unavailable"
    try:
        data = json.loads(text)
    except ValueError:
        return "unavailable"
    status = data.get("smart_status", {})
    if "passed" not in status:
        return "unavailable"
    return "passed" if status["passed"] else "failed"


def diff_inventory(old: dict | None, new: dict) -> dict:
    """Given the previous and the current inventory, return what changed (C.4 "Update data")."""
    if not old:
        return {
            "baseline": True,
            "packages_added": [],
            "packages_removed": [],
            "packages_changed": [],
            "hardware_changed": [],
            "os_changed": [],
        }
    op, np = old.get("packages", {}), new.get("packages", {})
    added = sorted(f"{p} {np[p]}" for p in set(np) - set(op))
    removed = sorted(f"{p} {op[p]}" for p in set(op) - set(np))
    changed = sorted(f"{p} {op[p]} -> {np[p]}" for p in set(op) & set(np) if op[p] != np[p])
    hw = []
    for key in ("cpu_model", "cpu_threads", "memory_mb"):
        if old.get(key) != new.get(key):
            hw.append(f"{key}: {old.get(key)} -> {new.get(key)}")
    od = {d["name"]: d for d in old.get("disks", [])}
    nd = {d["name"]: d for d in new.get("disks", [])}
    for name in sorted(set(od) | set(nd)):
        a, b = od.get(name), nd.get(name)
        if a is None:
            hw.append(f"disk {name} added ({b.get('model')}, {b.get('size_gb')} GB)")
        elif b is None:
            hw.append(f"disk {name} removed ({a.get('model')}, {a.get('size_gb')} GB)")
        else:
            for k in ("model", "serial", "size_gb", "smart_health"):
                if a.get(k) != b.get(k):
                    hw.append(f"disk {name} {k}: {a.get(k)} -> {b.get(k)}")
    osd = []
    for key in ("os", "kernel"):
        if old.get(key) != new.get(key):
            osd.append(f"{key}: {old.get(key)} -> {new.get(key)}")
    return {
        "baseline": False,
        "packages_added": added,
        "packages_removed": removed,
        "packages_changed": changed,
        "hardware_changed": hw,
        "os_changed": osd,
    }
