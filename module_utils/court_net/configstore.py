"""Oxidized-like configuration store: one current file per device, a timestamped history of
every version that differed, and the unified diff of each change. Writes are atomic."""

from __future__ import annotations

import difflib
import json
import os
import tempfile
import time


def _atomic_write(path: str, text: str, mode: int = 0o600) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_text(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def store(
    backup_dir: str,
    device: str,
    config: str,
    check_mode: bool = False,
    keep: int = 60,
    now: float | None = None,
) -> dict:
    """Given the sanitised config of ``device``, compare it with the stored one and, when it
    differs (or none is stored) and not in check mode, write it plus a history copy and the diff.
    Return {changed, path, history_path, diff, lines_added, lines_removed, first_backup}."""
    if not device or "/" in device or device.startswith("."):
        raise ValueError(f"device name '{device}' cannot be used as a file name")
    device_dir = os.path.join(backup_dir, device)
    current_path = os.path.join(device_dir, "config.txt")
    previous = read_text(current_path)
    result = {
        "changed": False,
        "path": current_path,
        "history_path": None,
        "diff": "",
        "lines_added": 0,
        "lines_removed": 0,
        "first_backup": previous is None,
    }
    if previous == config:
        return result
    diff_lines = list(
        difflib.unified_diff(
            (previous or "").splitlines(keepends=True),
            config.splitlines(keepends=True),
            fromfile=f"{device}/previous",
            tofile=f"{device}/current",
        )
    )
    result["diff"] = "".join(diff_lines)
    result["lines_added"] = sum(1 for ln in diff_lines if ln.startswith("+") and not ln.startswith("+++"))
    result["lines_removed"] = sum(1 for ln in diff_lines if ln.startswith("-") and not ln.startswith("---"))
    result["changed"] = True
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now if now is not None else time.time()))
    history_dir = os.path.join(device_dir, "history")
    result["history_path"] = os.path.join(history_dir, f"{stamp}.txt")
    if check_mode:
        return result
    _atomic_write(result["history_path"], config)
    if previous is not None:
        _atomic_write(os.path.join(history_dir, f"{stamp}.diff"), result["diff"])
    _atomic_write(current_path, config)
    versions = sorted(n for n in os.listdir(history_dir) if n.endswith(".txt"))
    for old in versions[: max(0, len(versions) - keep)]:
        for suffix in (".txt", ".diff"):
            stale = os.path.join(history_dir, old[: -len(".txt")] + suffix)
            if os.path.exists(stale):
                os.unlink(stale)
    return result


def load_snapshot(path: str) -> dict | None:
    """Return the JSON snapshot stored at path, None when absent or unreadable."""
    text = read_text(path)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def save_snapshot(path: str, data: dict) -> None:
    _atomic_write(path, json.dumps(data, indent=1, sort_keys=True) + "\n")
