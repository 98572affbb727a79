"""Benchmarks of the central witness (not part of the test command). Prints figures.

1. a day of 900 courts (37 records each, 33,300 records) ingested by the witness: every court
   pushes its day's hashes and checkpoint over HTTPS on loopback, 8 courts at a time;
   goal <= 10 s;
2. one court's push after 7 days offline (259 records) over HTTPS on loopback, with the
   court's checkpoint signing, proofs and cosignature checks;                     goal <= 30 s.

A throwaway PostgreSQL cluster on loopback (Debian's postgresql package) holds the witness.
Usage: python tests/bench/bench_witness.py [--courts 900] [--per-court 37] [--clients 8]
"""

from __future__ import annotations

import argparse
import json
import ssl
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "unit" / "witness"))

import psycopg  # noqa: E402
import uvicorn  # noqa: E402
from pgcluster import cluster, free_port, pg_bindir  # noqa: E402

from central.admin import migrate, register_court  # noqa: E402
from central.app import Settings, create_app  # noqa: E402
from sop_runner.evidence.log import write_checkpoint  # noqa: E402
from sop_runner.evidence.note import ALG_COSIGNATURE_V1, Signer  # noqa: E402
from sop_runner.evidence.outbox import WitnessConfig, push  # noqa: E402
from sop_runner.evidence.push import build_push  # noqa: E402
from sop_runner.records import RecordStore  # noqa: E402


def _fill(store: RecordStore, n: int) -> None:
    for i in range(n):
        store.append_record(
            {
                "activity_id": "SIPP-1",
                "started_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
                "ended_at": f"2026-11-{1 + i % 28:02d}T{i % 24:02d}:00:05Z",
                "status": "successful",
            }
        )


class Witness:
    """The witness app served by uvicorn over HTTPS on a loopback port (a thread)."""

    def __init__(self, port: int, tmp: Path) -> None:
        from test_push import _cert  # a self-signed certificate for 127.0.0.1

        self.cert, keyfile = _cert(tmp)
        self.key = Signer.generate("witness.example/ma", ALG_COSIGNATURE_V1)
        app = create_app(
            Settings(f"host=127.0.0.1 port={port} user=sop_witness dbname=witness", self.key, pool_size=16)
        )
        self.port = free_port()
        self.url = f"https://127.0.0.1:{self.port}"
        self.srv = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=self.port,
                ssl_certfile=str(self.cert),
                ssl_keyfile=str(keyfile),
                log_level="critical",
            )
        )
        self.thread = threading.Thread(target=self.srv.run, daemon=True)

    def __enter__(self) -> Witness:
        self.thread.start()
        while not self.srv.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.srv.should_exit = True
        self.thread.join(timeout=10)


def _post(url: str, cafile: str, token: str, body: dict[str, object]) -> int:
    req = urllib.request.Request(
        url + "/v1/checkpoints",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, context=ssl.create_default_context(cafile=cafile), timeout=60) as resp:
        return int(resp.status)


def bench_day(w: Witness, base: str, courts: int, per_court: int, tmp: Path, clients: int) -> None:
    dsn = f"{base} dbname=witness"
    t = time.perf_counter()
    bodies = []
    for c in range(courts):
        store = RecordStore(tmp / f"c{c}" / "records.sqlite")
        key = Signer.generate(f"pn-{c}.example/sop")
        token = register_court(dsn, f"pn-{c}", key.verifier.vkey)
        _fill(store, per_court)
        cp, note = write_checkpoint(store, key)
        bodies.append((token, build_push(store, note.render(), cp, 0)))
        store.close()
    print(f"[witness] prepared {courts} courts x {per_court} records in {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        codes = list(pool.map(lambda tb: _post(w.url, str(w.cert), *tb), bodies))
    wall = time.perf_counter() - t
    assert codes == [200] * courts, codes
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM leaves").fetchone()
    assert row is not None and row[0] == courts * per_court
    n = courts * per_court
    print(
        f"[witness] ingested {n:,} records of {courts} courts over HTTPS, {clients} courts at a time: "
        f"{wall:.2f} s ({n / wall:,.0f} records/s)"
    )
    print(f"RESULT | witness ingest of a day of {courts} courts ({n:,} records) | {wall:.2f} s | <= 10 s")


def bench_offline_week(w: Witness, base: str, per_day: int, tmp: Path) -> None:
    dsn = f"{base} dbname=witness"
    store = RecordStore(tmp / "offline" / "records.sqlite")
    key = Signer.generate("pn-offline.example/sop")
    token = register_court(dsn, "pn-offline", key.verifier.vkey)
    cfg = WitnessConfig(w.url, token, w.key.verifier, str(w.cert))
    _fill(store, per_day)
    assert push(store, key, cfg).ok
    _fill(store, 7 * per_day)
    t = time.perf_counter()
    res = push(store, key, cfg, batch=100)
    wall = time.perf_counter() - t
    assert res.ok, res.problem
    sent = 7 * per_day
    print(f"[witness] push after 7 days offline ({sent} records, {res.batches} batches): {wall:.2f} s")
    print(f"RESULT | one court's push after 7 days offline ({sent} records) | {wall:.2f} s | <= 30 s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--courts", type=int, default=900)
    ap.add_argument("--per-court", type=int, default=37)
    ap.add_argument("--clients", type=int, default=8, help="Courts pushing at the same time.")
    args = ap.parse_args()
    bindir = pg_bindir()
    if bindir is None:
        print("[witness] skipped: PostgreSQL binaries absent (apt-get install postgresql)")
        return
    with cluster(bindir) as pg, tempfile.TemporaryDirectory() as tmp:
        with psycopg.connect(pg["base"] + " dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE witness")
        migrate(f"postgresql+psycopg://owner@127.0.0.1:{pg['port']}/witness")
        with psycopg.connect(pg["base"] + " dbname=postgres", autocommit=True) as conn:
            conn.execute("ALTER ROLE sop_witness LOGIN")
        with Witness(pg["port"], Path(tmp)) as w:
            bench_day(w, pg["base"], args.courts, args.per_court, Path(tmp), args.clients)
            bench_offline_week(w, pg["base"], args.per_court, Path(tmp))


if __name__ == "__main__":
    main()
