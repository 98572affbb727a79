"""Helpers for the court-website lab tests: set the web stand-in's knobs, run an activity's
playbook and return the host's ``sop_output`` (from the json callback's custom stats)."""

from __future__ import annotations

import json
import subprocess
from typing import Any

from labkit import ROOT, env

CLEAN = {
    "lab_web_plant_spam_page": False,
    "lab_web_plant_hidden_links": False,
    "lab_web_plant_webshell": False,
    "lab_web_attack_burst": False,
    "lab_web_cert_days": 365,
    "lab_web_stale_days": 0,
    "lab_web_domain_expires_days": 200,
}


def _run(path: str, extra_vars: dict[str, Any] | None = None) -> dict[str, Any]:
    e = env()
    e["ANSIBLE_STDOUT_CALLBACK"] = "ansible.posix.json"
    e["ANSIBLE_SHOW_CUSTOM_STATS"] = "true"
    argv = ["ansible-playbook", path]
    if extra_vars:
        argv += ["-e", json.dumps(extra_vars)]
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env=e, timeout=900)
    assert proc.returncode == 0, (
        f"{path} failed (rc={proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    )
    # the sop_records callback may print a line after the JSON document
    data, _end = json.JSONDecoder().raw_decode(proc.stdout[proc.stdout.index("{") :])
    return data


def set_site(**knobs: Any) -> dict[str, Any]:
    """Apply the web stand-in with the clean state overridden by ``knobs``; return the run's stats."""
    return _run("playbooks/lab/web.yml", {**CLEAN, **knobs})["stats"]


def activity(
    playbook: str, activity_id: str, host: str = "web", extra_vars: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run playbooks/<playbook>.yml; return sop_output[activity_id] of the host."""
    data = _run(f"playbooks/{playbook}.yml", extra_vars)
    return data["custom_stats"][host]["sop_output"][activity_id]


def codes(output: dict[str, Any]) -> set[str]:
    return {f["code"] for f in output["findings"]}
