"""D.1 reachability probes: TCP connect (no privileges needed) or ICMP through `ping`, with
loss and latency, and the findings against thresholds."""

from __future__ import annotations

import re
import socket
import time

DEFAULT_THRESHOLDS = {"loss_percent_max": 20, "rtt_ms_max": 200}


def tcp_probe(host: str, port: int, count: int, timeout: float, interval: float) -> dict:
    """Open `count` TCP connections to host:port; return sent, received, loss and rtt (ms)."""
    rtts: list[float] = []
    errors: list[str] = []
    for attempt in range(count):
        started = time.monotonic()
        try:
            with socket.create_connection((host, port), timeout=timeout):
                rtts.append((time.monotonic() - started) * 1000.0)
        except OSError as exc:
            errors.append(exc.strerror or type(exc).__name__)
        if attempt < count - 1 and interval > 0:
            time.sleep(interval)
    return _result(count, rtts, errors[-1] if errors else None)


def _result(sent: int, rtts: list[float], error: str | None) -> dict:
    received = len(rtts)
    return {
        "sent": sent,
        "received": received,
        "loss_percent": round(100.0 * (sent - received) / sent, 1) if sent else 100.0,
        "rtt_avg_ms": round(sum(rtts) / received, 2) if received else None,
        "rtt_max_ms": round(max(rtts), 2) if received else None,
        "reachable": received > 0,
        "error": error,
    }


_PING_STATS = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
_PING_RTT = re.compile(r"(?:rtt|round-trip) min/avg/max(?:/(?:mdev|stddev))? = ([\d.]+)/([\d.]+)/([\d.]+)")


def parse_ping(text: str) -> dict:
    """Given iputils/busybox `ping -c N` output, return sent, received, loss and rtt (ms)."""
    stats = _PING_STATS.search(text or "")
    if not stats:
        return {
            "sent": 0,
            "received": 0,
            "loss_percent": 100.0,
            "rtt_avg_ms": None,
            "rtt_max_ms": None,
            "reachable": False,
            "error": (text or "no output").strip().splitlines()[-1] if (text or "").strip() else "no output",
        }
    sent, received = int(stats.group(1)), int(stats.group(2))
    rtt = _PING_RTT.search(text)
    return {
        "sent": sent,
        "received": received,
        "loss_percent": round(100.0 * (sent - received) / sent, 1) if sent else 100.0,
        "rtt_avg_ms": float(rtt.group(2)) if rtt else None,
        "rtt_max_ms": float(rtt.group(3)) if rtt else None,
        "reachable": received > 0,
        "error": None if received else "no reply",
    }


def target_findings(source: str, target: dict, result: dict, thresholds: dict | None = None) -> list[dict]:
    """Return the findings for one probed target (severity from its 'critical' flag)."""
    t = dict(DEFAULT_THRESHOLDS)
    t.update({k: v for k, v in (thresholds or {}).items() if v is not None})
    name = target["name"]
    where = f"{target['host']}" + (f":{target['port']}" if target.get("method", "tcp") == "tcp" else "")
    if not result["reachable"]:
        severity = "high" if target.get("critical", True) else "warning"
        return [
            {
                "severity": severity,
                "code": "lan_unreachable",
                "target": name,
                "incident": severity == "high",
                "message": f"{source} → {name} ({where}) tidak terjangkau: "
                f"{result.get('error') or 'tidak ada jawaban'}",
            }
        ]
    out = []
    if result["loss_percent"] > t["loss_percent_max"]:
        out.append(
            {
                "severity": "warning",
                "code": "lan_packet_loss",
                "target": name,
                "message": f"{source} → {name}: kehilangan paket {result['loss_percent']:g}% "
                f"(batas {t['loss_percent_max']}%)",
            }
        )
    if result["rtt_avg_ms"] is not None and result["rtt_avg_ms"] > t["rtt_ms_max"]:
        out.append(
            {
                "severity": "warning",
                "code": "lan_latency_high",
                "target": name,
                "message": f"{source} → {name}: latensi rata-rata {result['rtt_avg_ms']:g} ms "
                f"(batas {t['rtt_ms_max']} ms)",
            }
        )
    return out
