"""Scale simulation: what grows with the number of courts (N courts × 6 hosts each).

For each N it generates a national inventory (one group per court, the court's SIPP server,
web server, backup target, router, switch and access point in the standard groups), a record
store with one day of the automation's records for every host (hourly SIPP-1, the daily
activities, one day-30 run), and measures side by side:

- inventory: reading the inventory with Ansible's own inventory code (as `sop due` does);
- write: appending the records to the hash chain (records per second);
- verify: `sop records verify` over the whole chain;
- due: `sop due` planning over all hosts from the store's newest runs;
- report: the monthly report (HTML) over the national store.

Run: ``python tests/bench/bench_scale.py [--courts 1,10,100,900]``. Prints one table of cost vs N
and the growth factor of each cost per 10× courts; not part of the test command.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from sop_runner.catalog import Catalog, load_catalog
from sop_runner.due import compute_due
from sop_runner.inventory import load_groups
from sop_runner.records import RecordStore, iso
from sop_runner.reports.court import CourtInfo
from sop_runner.reports.monthly import collect_monthly, render_monthly_html

ROLES = {
    "sipp": "sipp_servers",
    "web": "web_servers",
    "nas": "backup_targets",
    "gw": "routers",
    "sw1": "switches",
    "ap1": "access_points",
}
DAY = dt.datetime(2026, 10, 30, tzinfo=dt.UTC)


def generate_inventory(courts: int, dest: Path) -> Path:
    """Write a national inventory of `courts` courts × 6 hosts to `dest` (YAML) and return it."""
    groups: dict[str, dict[str, Any]] = {g: {"hosts": {}} for g in ROLES.values()}
    children: dict[str, Any] = dict(groups)
    for i in range(courts):
        court = f"court_{i:04d}"
        hosts = {f"{court}-{role}": None for role in ROLES}
        children[court] = {"hosts": dict.fromkeys(hosts)}
        for role, group in ROLES.items():
            groups[group]["hosts"][f"{court}-{role}"] = None
    children["ups_hosts"] = {"children": {"sipp_servers": None}}
    linux = {"sipp_servers": None, "web_servers": None, "backup_targets": None}
    children["linux_servers"] = {"children": linux}
    children["network_devices"] = {"children": {"routers": None, "switches": None, "access_points": None}}
    children["control"] = {"hosts": {"localhost": {"ansible_connection": "local"}}}
    dest.write_text(yaml.safe_dump({"all": {"children": children}}), encoding="utf-8")
    return dest


def _one_day_records(catalog: Catalog, groups: dict[str, list[str]], courts: int) -> list[dict[str, Any]]:
    """Return one day of records: every court runs each scheduled activity on its own hosts (as
    AWX jobs limited per court, or one control node per court, do)."""
    recs: list[dict[str, Any]] = []
    runnable = [a for a in catalog.activities.values() if a.runnable and a.schedule]
    for i in range(courts):
        court = f"court_{i:04d}"
        for act in runnable:
            hosts = sorted({h for g in act.targets for h in groups.get(g, []) if h.startswith(court + "-")})
            runs = 24 if act.schedule == "hourly" else 1
            for r in range(runs):
                start = DAY + dt.timedelta(hours=r, minutes=5)
                recs.append(
                    {
                        "run_id": f"{court}-{act.id}-{r}",
                        "activity_id": act.id,
                        "started_at": iso(start),
                        "ended_at": iso(start + dt.timedelta(seconds=40)),
                        "duration_s": 40.0,
                        "standard_s": act.standard_s,
                        "status": "successful",
                        "scope": f"{court}:&{act.scope}",
                        "hosts": {h: {"ok": 5, "changed": 0, "failures": 0, "status": "ok"} for h in hosts},
                        "output": {h: {"summary": "ok"} for h in hosts},
                    }
                )
    return recs


def _timed(fn: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    value = fn()
    return time.perf_counter() - t, value


def measure(courts: int, catalog: Catalog, work: Path) -> dict[str, float]:
    """Measure the costs for `courts` courts in `work`; return seconds per cost."""
    inv = generate_inventory(courts, work / "hosts.yml")
    t_inv, groups = _timed(lambda: load_groups(inv))
    recs = _one_day_records(catalog, groups, courts)
    store = RecordStore(work / "records.sqlite")

    def write() -> None:
        for rec in recs:
            store.append_record(rec)

    t_write, _ = _timed(write)
    t_verify, result = _timed(store.verify)
    assert result.ok
    at = DAY + dt.timedelta(days=1)
    t_due, items = _timed(lambda: compute_due(catalog, store, groups, at))
    assert items
    court = CourtInfo()
    t_report, _ = _timed(
        lambda: render_monthly_html(collect_monthly(store, catalog, 2026, 10, court=court, now=at))
    )
    store.close()
    return {
        "hosts": float(len(groups.get("all", []))),
        "records": float(len(recs)),
        "inventory_s": t_inv,
        "write_s": t_write,
        "verify_s": t_verify,
        "due_s": t_due,
        "report_s": t_report,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courts", default="1,10,100,900", help="comma-separated court counts")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.courts.split(",")]
    catalog = load_catalog()
    with tempfile.TemporaryDirectory(prefix="bench-scale-warmup-") as tmp:
        measure(1, catalog, Path(tmp))  # imports and caches warm, not counted
    print(f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}")
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-scale-{n}-") as tmp:
            rows.append((n, measure(n, catalog, Path(tmp))))
    cols = ("inventory_s", "write_s", "verify_s", "due_s", "report_s")
    print(f"{'courts':>7} {'hosts':>6} {'records':>8} " + " ".join(f"{c:>12}" for c in cols))
    for n, m in rows:
        cells = " ".join(f"{m[c]:>12.3f}" for c in cols)
        print(f"{n:>7} {int(m['hosts']):>6} {int(m['records']):>8} {cells}")
    if len(rows) > 1:
        (n0, first), (n1, last) = rows[0], rows[-1]
        factor = n1 / n0
        print(f"growth from {n0} to {n1} courts (×{factor:g}):")
        for c in cols:
            ratio = last[c] / first[c] if first[c] > 0 else float("inf")
            name = f"scale: {c[:-2]} cost, {n1} vs {n0} courts"
            print(f"RESULT | {name} | {ratio:.1f} | linear would be {factor:g}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
