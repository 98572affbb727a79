"""A synthetic but realistic record set for report tests and the benchmark.

Writes, through the store's public API, what a court's automation would write: hourly SIPP-1
checks (with an outage that opens and closes an incident), daily SIPP-2/F.1/F.2/D.1 runs with
backup sizes, day-30 C.2/D.4/D.5/D.7 runs with findings, plus one missed day of backups.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from sop_runner.records import RecordStore, iso

WIB = ZoneInfo("Asia/Jakarta")


def _rec(
    activity: str,
    start: dt.datetime,
    seconds: float,
    status: str,
    output: dict,
    findings: list,
    standard_s: float | None,
    hosts: dict,
) -> dict:
    return {
        "activity_id": activity,
        "via": "sop-run",
        "trigger": "schedule",
        "operator": "operator-lab",
        "started_at": iso(start),
        "ended_at": iso(start + dt.timedelta(seconds=seconds)),
        "duration_s": seconds,
        "standard_s": standard_s,
        "status": status,
        "output": output,
        "findings": findings,
        "hosts": hosts,
    }


def _ok(host: str) -> dict:
    return {host: {"ok": 3, "changed": 0, "failures": 0, "unreachable": 0, "status": "ok"}}


def _failed(host: str) -> dict:
    return {host: {"ok": 1, "changed": 0, "failures": 1, "unreachable": 0, "status": "failed"}}


def fill(
    store: RecordStore,
    start: dt.date,
    end: dt.date,
    *,
    outage: tuple[dt.datetime, dt.datetime] | None = None,
    skip_backup_on: dt.date | None = None,
    slow_backup_on: dt.date | None = None,
) -> int:
    """Append records for every day in [start, end); return how many were written."""
    n = 0
    day = start
    while day < end:
        base = dt.datetime(day.year, day.month, day.day, tzinfo=WIB)
        for hour in range(24):
            t = base + dt.timedelta(hours=hour, minutes=5)
            down = outage is not None and outage[0] <= t < outage[1]
            if down:
                findings = [
                    {
                        "host": "sipp",
                        "severity": "high",
                        "code": "sipp_http_down",
                        "incident": True,
                        "message": "SIPP tidak menjawab di http://sipp/SIPP (HTTP 502)",
                    }
                ]
                out = {"sipp": {"summary": "Akses SIPP tersedia: tidak", "akses_sipp_tersedia": False}}
                store.append_record(_rec("SIPP-1", t, 2.0, "failed", out, findings, 3600, _failed("sipp")))
            else:
                out = {
                    "sipp": {
                        "summary": "Akses SIPP tersedia: ya",
                        "akses_sipp_tersedia": True,
                        "online_users": 3 + hour % 7,
                    }
                }
                store.append_record(_rec("SIPP-1", t, 1.5, "successful", out, [], 3600, _ok("sipp")))
            n += 1
        t = base + dt.timedelta(hours=6, minutes=30)
        if day != skip_backup_on:
            size = 2_000_000_000 + (day.toordinal() % 40) * 15_000_000
            seconds = 9000.0 if day == slow_backup_on else 600.0
            out = {
                "sipp": {
                    "summary": f"ADK / Data File: backup {size} byte",
                    # the shape roles/sipp_backup hands over (restic snapshots per source)
                    "snapshots": [
                        {"name": "database", "bytes_processed": size // 10, "snapshot_id": "1f2e3d4c"},
                        {"name": "files", "bytes_processed": size - size // 10, "snapshot_id": "5a6b7c8d"},
                    ],
                    "check": "ok",
                    "repository_bytes": size * 3,
                }
            }
            store.append_record(_rec("SIPP-2", t, seconds, "successful", out, [], 7200, _ok("sipp")))
            n += 1
        for act, host, out in (
            ("F.1", "web", {"summary": "Akses website yang terpantau: ya", "http_status": 200}),
            (
                "F.2",
                "web",
                {"summary": "ADK / Dokumen elektronik: backup website", "size_bytes": 150_000_000},
            ),
            ("D.1", "localhost", {"summary": "Konfigurasi Sistem Keamanan: LAN normal"}),
        ):
            store.append_record(
                _rec(act, t + dt.timedelta(minutes=5), 30.0, "successful", {host: out}, [], 86400, _ok(host))
            )
            n += 1
        last_day = (day + dt.timedelta(days=1)).month != day.month
        if day.day == 30 or (last_day and day.day < 30):
            t30 = base + dt.timedelta(hours=7)
            store.append_record(
                _rec(
                    "C.2",
                    t30,
                    120.0,
                    "successful",
                    {"gw": {"summary": "Sistem Security: 3 perangkat diperiksa"}},
                    [
                        {
                            "host": "sw1",
                            "severity": "warning",
                            "code": "iface_crc_errors",
                            "message": "Gi0/3: 152 CRC error (kabel perlu diperiksa)",
                        },
                        {
                            "host": "sipp",
                            "severity": "high",
                            "code": "ups_on_battery",
                            "message": "UPS ups@sipp: baterai 41 %, on battery",
                        },
                    ],
                    None,
                    {**_ok("gw"), **_ok("sw1")},
                )
            )
            store.append_record(
                _rec(
                    "D.5",
                    t30,
                    200.0,
                    "successful",
                    {"sipp": {"summary": "Securyti Sistem: firewall aktif"}},
                    [
                        {
                            "host": "web",
                            "severity": "high",
                            "code": "clamav_signatures_old",
                            "message": "Tanda tangan ClamAV berumur 9 hari",
                        }
                    ],
                    None,
                    _ok("sipp"),
                )
            )
            store.append_record(
                _rec(
                    "D.7",
                    t30 + dt.timedelta(minutes=30),
                    900.0,
                    "successful",
                    {
                        "sipp": {
                            "summary": "Back up data: restorasi berhasil, 41 tabel cocok",
                            "restore_ok": True,
                        }
                    },
                    [],
                    None,
                    _ok("sipp"),
                )
            )
            n += 3
        day += dt.timedelta(days=1)
    return n


def build_store(path: Path, start: dt.date, end: dt.date, **kwargs: object) -> RecordStore:
    """Create a store at `path` filled with `fill` and return it (open)."""
    store = RecordStore(path)
    fill(store, start, end, **kwargs)  # type: ignore[arg-type]
    return store
