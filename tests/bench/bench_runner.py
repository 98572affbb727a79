"""Benchmarks of the runner backbone (not part of the test command). Prints figures and ratios.

1. runner overhead: `sop run SIPP-1` vs plain `ansible-playbook` of the same playbook on the same
   inventory, measured side by side (alternating), median of N runs;      goal ratio <= 1.03
   a) the real SIPP-1 playbook (playbooks/sipp_check.yml) against the running lab (skipped with
      a note when the lab is not up), b) the runner tests' 1-second stand-in on localhost, which
      shows the fixed start-up cost at its most visible;
2. `sop records verify` over 1,000,000 synthetic records;                 goal <= 10 s
   and `sop records verify --checkpoint` over the same store;            goal <= 10 s
3. `sop due` for a 1,000-host inventory with a year of records;           goal <= 1 s

Usage: python tests/bench/bench_runner.py [--runs N] [--records N] [--only overhead|lab|verify|due]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "runner"))

from sop_runner.catalog import load_catalog  # noqa: E402
from sop_runner.records import (  # noqa: E402
    GENESIS_HASH,
    RECORD_FIELDS,
    RecordStore,
    _chain_hash,
    canonical_json,
    iso,
)

BIN = Path(sys.executable).parent


def _cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _side_by_side(
    runs: int,
    plain: Callable[[], subprocess.CompletedProcess[str]],
    sop: Callable[[], subprocess.CompletedProcess[str]],
) -> tuple[list[float], list[float], list[float], list[float]]:
    """Run both once to warm caches, then alternately `runs` times; return wall and CPU seconds."""
    for f in (sop, plain):
        r = f()
        assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    walls: dict[str, list[float]] = {"plain": [], "sop": []}
    cpus: dict[str, list[float]] = {"plain": [], "sop": []}
    for _ in range(runs):
        for name, f in (("plain", plain), ("sop", sop)):
            t, c = time.perf_counter(), _cpu_children()
            r = f()
            walls[name].append(time.perf_counter() - t)
            cpus[name].append(_cpu_children() - c)
            assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    return walls["plain"], walls["sop"], cpus["plain"], cpus["sop"]


def _report(
    tag: str, what: str, runs: int, walls: tuple[list[float], list[float], list[float], list[float]]
) -> None:
    plain, sop, plain_cpu, sop_cpu = walls
    p, s = statistics.median(plain), statistics.median(sop)
    print(f"[{tag}] plain ansible-playbook (sop_records callback on): median {p:.2f} s over {runs} runs")
    print(f"[{tag}] sop run SIPP-1 (CLI + checks + ansible-runner)   : median {s:.2f} s over {runs} runs")
    print(f"[{tag}] ratio sop/plain = {s / p:.3f} wall (goal <= 1.03); overhead {s - p:+.2f} s")
    pc, sc = statistics.median(plain_cpu), statistics.median(sop_cpu)
    print(f"[{tag}] CPU: plain {pc:.2f} s, sop {sc:.2f} s, ratio {sc / pc:.3f}")
    if s > p:
        print(
            f"[{tag}] a fixed {s - p:.2f} s is within 1.03 for playbooks of {(s - p) / 0.03:.0f} s and longer"
        )
    print(
        f"RESULT | runner overhead, sop run vs plain ansible-playbook, {what} (wall) | {s / p:.3f} | <= 1.03"
    )


def bench_overhead(runs: int) -> None:
    """The runner tests' stand-in playbook (about 1 s) on localhost: fixed costs at their most visible."""
    from conftest import TEST_PLAYBOOK, make_court  # type: ignore[import-not-found]

    with tempfile.TemporaryDirectory() as tmp:
        court = make_court(Path(tmp), ghost=False)
        walls = _side_by_side(
            runs, lambda: court.ansible_playbook(TEST_PLAYBOOK), lambda: court.sop("run", "SIPP-1")
        )
        _report("overhead", "1-second stand-in on localhost", runs, walls)


def lab_is_up() -> bool:
    """True when the lab's SIPP server container is running."""
    proc = subprocess.run(
        ["podman", "inspect", "--format", "{{.State.Running}}", "courtlab-sipp"],
        capture_output=True,
        text=True,
        env=dict(os.environ, CONTAINERS_CONF=str(ROOT / "lab" / "containers.conf")),
        check=False,
    )
    return proc.returncode == 0 and proc.stdout.strip() == "true"


def bench_overhead_lab(runs: int) -> None:
    """The real SIPP-1 playbook against the running lab, both ways on the project's settings."""
    if not lab_is_up():
        print("[lab] the lab is not up (./court lab-up): real-playbook overhead not measured")
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(
            os.environ,
            PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"),
            SOP_RECORDS=str(Path(tmp) / "records.sqlite"),
            SOP_CONFIG=str(Path(tmp) / "none.yml"),
        )
        Path(tmp, "none.yml").write_text("{}\n")

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(list(args), cwd=ROOT, env=env, capture_output=True, text=True, check=False)

        walls = _side_by_side(
            runs,
            lambda: run(str(BIN / "ansible-playbook"), "playbooks/sipp_check.yml"),
            lambda: run(str(BIN / "sop"), "run", "SIPP-1"),
        )
        _report("lab", "real SIPP-1 playbook on the lab", runs, walls)


def _fill(
    store_path: Path, events: Iterable[tuple[datetime, str, str]], hosts_of: dict[str, list[str]]
) -> int:
    """Bulk-write synthetic records (time, activity, scope) with the store's own hash chain."""
    store = RecordStore(store_path)
    db = store._db  # noqa: SLF001 - bulk load for the benchmark only
    prev = GENESIS_HASH
    seq = 0
    db.execute("BEGIN")
    for t, act, scope in events:
        hosts = {
            h: {"ok": 3, "changed": 0, "failures": 0, "unreachable": 0, "skipped": 0, "status": "ok"}
            for h in hosts_of[scope]
        }
        seq += 1
        started = iso(t)
        data = {
            "seq": seq,
            "record_id": str(uuid.uuid4()),
            "run_id": str(uuid.uuid4()),
            "activity_id": act,
            "via": "sop-run",
            "trigger": "schedule",
            "operator": "operator",
            "started_at": started,
            "ended_at": iso(t + timedelta(seconds=12)),
            "duration_s": 12.0,
            "standard_s": 3600.0,
            "verdict": "memenuhi",
            "status": "successful",
            "scope": scope,
            "hosts": hosts,
            "output": {
                h: {"summary": "Akses SIPP tersedia: ya", "online_users": 12} for h in list(hosts)[:3]
            },
            "findings": [],
            "check_mode": False,
            "inventory": "inventory/court",
            "playbook": "playbooks/x.yml",
            "git_revision": "0" * 40,
            "ansible_version": "2.19.14",
            "artifacts": {"sha256": "a" * 64, "size": 1000, "path": "blobs/aa/" + "a" * 64},
            "note": "",
            "attachments": [],
            "created_at": started,
        }
        body = canonical_json({k: data[k] for k in RECORD_FIELDS})
        cols = (data["record_id"], data["run_id"], act, started, "successful", "sop-run", 0)
        digest = _chain_hash(prev, seq, cols, body)
        db.execute(
            "INSERT INTO records(seq, record_id, run_id, activity_id, started_at, status, via, check_mode, "
            "body, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (seq, *cols, body, prev, digest),
        )
        for h in ["", *hosts]:
            db.execute(
                "INSERT INTO host_last VALUES (?,?,?,?,?) ON CONFLICT(activity_id, host) DO UPDATE SET "
                "started_at = excluded.started_at, status = excluded.status, seq = excluded.seq",
                (act, h, started, "ok" if h else "successful", seq),
            )
        prev = digest
    db.execute("INSERT OR REPLACE INTO chain_head(id, last_seq, last_hash) VALUES (1, ?, ?)", (seq, prev))
    db.execute("COMMIT")
    store.close()
    return seq


def bench_verify(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "records.sqlite"
        t = time.perf_counter()
        t0 = datetime(2020, 1, 1, tzinfo=UTC)
        events = ((t0 + timedelta(minutes=10 * i), "SIPP-1", "sipp_servers") for i in range(n))
        _fill(path, events, {"sipp_servers": ["sipp"]})
        print(
            f"[verify] built {n:,} synthetic records in {time.perf_counter() - t:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB)"
        )
        env = dict(os.environ, SOP_RECORDS=str(path), SOP_CONFIG=str(Path(tmp) / "none.yml"))
        Path(tmp, "none.yml").write_text("{}\n")
        t, c = time.perf_counter(), _cpu_children()
        res = subprocess.run(
            [str(BIN / "sop"), "records", "verify", "--json"], env=env, capture_output=True, text=True
        )
        wall, cpu = time.perf_counter() - t, _cpu_children() - c
        out = json.loads(res.stdout)
        assert out["ok"] and out["count"] == n, res.stdout + res.stderr
        print(
            f"[verify] sop records verify, {n:,} records: {wall:.2f} s wall, {cpu:.2f} s CPU (goal <= 10 s), "
            f"{n / wall:,.0f} records/s"
        )
        print(f"RESULT | records verify over {n:,} records | {wall:.2f} s | <= 10 s")
        # the same store against a signed checkpoint (chain + RFC 6962 tree over every record)
        sop = [str(BIN / "sop")]
        subprocess.run(
            [*sop, "keys", "init", "--name", "bench.example/sop"], env=env, check=True, capture_output=True
        )
        cp = Path(tmp) / "cp.txt"
        t = time.perf_counter()
        subprocess.run(
            [*sop, "records", "checkpoint", "--out", str(cp)], env=env, check=True, capture_output=True
        )
        first = time.perf_counter() - t
        t, c = time.perf_counter(), _cpu_children()
        res = subprocess.run(
            [*sop, "records", "verify", "--checkpoint", str(cp), "--json"],
            env=env,
            capture_output=True,
            text=True,
        )
        wall, cpu = time.perf_counter() - t, _cpu_children() - c
        assert json.loads(res.stdout)["ok"], res.stdout + res.stderr
        print(
            f"[verify] first checkpoint over {n:,} records: {first:.2f} s; sop records verify --checkpoint: "
            f"{wall:.2f} s wall, {cpu:.2f} s CPU (goal <= 10 s)"
        )
        print(f"RESULT | records verify --checkpoint over {n:,} records | {wall:.2f} s | <= 10 s")


def bench_due(keep: Path | None = None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = keep or Path(tmp)
        groups = {
            "sipp_servers": [f"sipp{i:03d}" for i in range(334)],
            "web_servers": [f"web{i:03d}" for i in range(333)],
            "backup_targets": [f"nas{i:03d}" for i in range(333)],
        }
        lines = ["all:", "  children:"]
        for g, hs in groups.items():
            lines += [f"    {g}:", "      hosts:"] + [f"        {h}:" for h in hs]
        lines += [
            "    linux_servers:",
            "      children:",
            "        sipp_servers:",
            "        web_servers:",
            "        backup_targets:",
        ]
        inv = root / "inventory"
        inv.mkdir()
        (inv / "hosts.yml").write_text("\n".join(lines) + "\n")
        groups["linux_servers"] = sorted(h for hs in list(groups.values()) for h in hs)
        cat = load_catalog()
        start = datetime(2025, 11, 20, 23, 0, tzinfo=UTC)
        end = datetime(2026, 11, 21, 1, 0, tzinfo=UTC)

        def year_of_runs() -> Iterator[tuple[datetime, str, str]]:
            """Each runnable activity on its own schedule for a year, per target group."""
            from sop_runner.due import make_rule

            evs = []
            for a in cat.activities.values():
                if not (a.runnable and a.targets and a.schedule):
                    continue
                rule = make_rule(cat.schedules[a.schedule], cat.tz, start)
                for slot in rule.between(start.astimezone(cat.tz), end.astimezone(cat.tz)):
                    evs += [
                        (slot.astimezone(UTC) + timedelta(minutes=2), a.id, g)
                        for g in a.targets
                        if g in groups
                    ]
            yield from sorted(evs)

        path = root / "records" / "records.sqlite"
        t = time.perf_counter()
        n = _fill(path, year_of_runs(), groups)
        print(
            f"[due] built a year of records: {n:,} records, 1,000 hosts, in {time.perf_counter() - t:.1f} s "
            f"({path.stat().st_size / 1e6:.0f} MB)"
        )
        env = dict(
            os.environ, SOP_RECORDS=str(path), SOP_INVENTORY=str(inv), SOP_CONFIG=str(root / "none.yml")
        )
        (root / "none.yml").write_text("{}\n")
        times, cpus = [], []
        for i in range(4):
            t, c = time.perf_counter(), _cpu_children()
            res = subprocess.run(
                [str(BIN / "sop"), "due", "--json", "--at", "2026-11-21T09:00"],
                env=env,
                capture_output=True,
                text=True,
            )
            times.append(time.perf_counter() - t)
            cpus.append(_cpu_children() - c)
            assert res.returncode == 0, res.stderr
            if i == 0:
                items = json.loads(res.stdout)["items"]
        print(
            f"[due] sop due (CLI, 1,000 hosts, a year): first {times[0]:.2f} s (parses the inventory), "
            f"then median {statistics.median(times[1:]):.2f} s wall, {statistics.median(cpus[1:]):.2f} s CPU "
            f"(goal <= 1 s); {len(items)} due/overdue scopes"
        )
        print(
            f"RESULT | sop due, 1,000 hosts, a year of records | {statistics.median(times[1:]):.2f} s | <= 1s"
        )
        from sop_runner.due import compute_due

        store = RecordStore(path, readonly=True)
        t = time.perf_counter()
        compute_due(cat, store, groups, datetime(2026, 11, 21, 2, 0, tzinfo=UTC))
        print(f"[due] in-process (store read + compute): {time.perf_counter() - t:.3f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--only", choices=["overhead", "lab", "verify", "due"])
    args = ap.parse_args()
    if args.only in (None, "lab"):
        bench_overhead_lab(args.runs)
    if args.only in (None, "overhead"):
        bench_overhead(args.runs)
    if args.only in (None, "verify"):
        bench_verify(args.records)
    if args.only in (None, "due"):
        bench_due()


if __name__ == "__main__":
    main()
