"""Notifications through Apprise: failed runs, overdue activities and high findings.

Configured per court in a YAML file (default ``<inventory>/notify.yml``)::

    urls:                       # any Apprise URLs (mail, Telegram, WhatsApp gateways, JSON…)
      - "json://127.0.0.1:8099/hook"
    events: [failed_run, high_finding, overdue]    # default: all three
    satker: Pengadilan Negeri Contoh                # shown in every title

:func:`notify_since_last` reads the records appended since the previous call (the last seen
``seq`` is kept in ``notify.state`` beside the store), builds one message per event, sends them
and only then moves the mark forward, so a failed delivery is retried by the next call.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sop_runner import private
from sop_runner.catalog import Catalog
from sop_runner.due import DueItem, compute_due
from sop_runner.records import Record, RecordStore, iso, parse_iso, utcnow

EVENTS = ("failed_run", "high_finding", "overdue")
FAILED = ("failed", "unreachable", "interrupted")


class NotifyError(Exception):
    """A notification problem the user can fix (bad config, delivery failed)."""


@dataclass(frozen=True)
class NotifyConfig:
    """Where to send and which events."""

    urls: tuple[str, ...]
    events: tuple[str, ...] = EVENTS
    satker: str = ""

    @classmethod
    def load(cls, path: Path) -> NotifyConfig:
        """Read the YAML at `path`. Raise NotifyError naming the file and the field."""
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise NotifyError(f"cannot read {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise NotifyError(f"{path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
        if not isinstance(data, dict):
            raise NotifyError(f"{path}: expected a mapping with urls")
        urls = data.get("urls")
        if not isinstance(urls, list) or not urls or not all(isinstance(u, str) and u for u in urls):
            raise NotifyError(f"{path}: 'urls' must be a non-empty list of Apprise URLs")
        events = data.get("events", list(EVENTS))
        bad = [e for e in events if e not in EVENTS] if isinstance(events, list) else [str(events)]
        if bad:
            raise NotifyError(f"{path}: unknown event(s) {', '.join(map(str, bad))}; use {', '.join(EVENTS)}")
        unknown = sorted(set(data) - {"urls", "events", "satker"})
        if unknown:
            raise NotifyError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: urls, events, satker")
        return cls(urls=tuple(urls), events=tuple(events), satker=str(data.get("satker", "")))


@dataclass(frozen=True)
class Message:
    """One notification: a title, a body and the Apprise type (info/warning/failure)."""

    event: str
    title: str
    body: str
    kind: str = "warning"
    key: str = field(default="", compare=False)


def messages_for_records(records: Iterable[Record], events: Iterable[str] = EVENTS) -> list[Message]:
    """Given new records, return the messages for failed runs and high findings (check mode skipped)."""
    wanted = set(events)
    out: list[Message] = []
    for rec in records:
        if rec.check_mode:
            continue
        when = rec.started_at[:16].replace("T", " ") + " UTC"
        if "failed_run" in wanted and rec.status in FAILED:
            hosts = ", ".join(h for h, st in sorted(rec.hosts.items()) if st.get("status") != "ok") or "-"
            out.append(
                Message(
                    "failed_run",
                    f"{rec.activity_id} {rec.status.upper()}",
                    f"{rec.activity_id} pada {when}: status {rec.status} (host: {hosts}). "
                    f"{rec.summary or rec.note}".strip(),
                    "failure",
                    f"run:{rec.record_id}",
                )
            )
        if "high_finding" in wanted:
            for f in rec.findings:
                if f.get("severity") != "high":
                    continue
                out.append(
                    Message(
                        "high_finding",
                        f"{rec.activity_id} temuan TINGGI: {f.get('code', '')}",
                        f"{rec.activity_id} {f.get('host', '')} pada {when}: {f.get('message', '')}",
                        "failure",
                        f"finding:{rec.record_id}:{f.get('host', '')}:{f.get('code', '')}",
                    )
                )
    return out


def overdue_items(items: Iterable[DueItem]) -> list[DueItem]:
    """Given due items, return the first overdue item of each runnable activity (the ones a
    notification announces)."""
    out: list[DueItem] = []
    seen: set[str] = set()
    for item in items:
        if item.state == "overdue" and item.runnable and item.activity_id not in seen:
            seen.add(item.activity_id)
            out.append(item)
    return out


def overdue_messages(
    store: RecordStore,
    catalog: Catalog,
    now: dt.datetime,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> list[Message]:
    """Return one message per scheduled, runnable activity that ``sop due`` calls overdue at
    ``now`` (the same function decides: :func:`sop_runner.due.compute_due`), keyed by its
    slot so each slot is announced once. ``groups`` are the inventory's hosts per group (None:
    each activity judged on its records as a whole)."""
    out: list[Message] = []
    for item in overdue_items(compute_due(catalog, store, groups, now)):
        act = catalog.activities[item.activity_id]
        slot = parse_iso(item.slot) if item.slot else now
        stamp = slot.astimezone(catalog.tz).strftime("%Y-%m-%d %H:%M %Z")
        last = f" (terakhir: {item.last_run[:16]} {item.last_status})" if item.last_run else " (belum pernah)"
        out.append(
            Message(
                "overdue",
                f"{act.id} terlambat (overdue)",
                f"{act.id} {act.aktifitas}: jadwal {stamp} belum terlaksana{last}",
                "warning",
                f"overdue:{act.id}:{item.slot}",
            )
        )
    return out


def send(messages: list[Message], cfg: NotifyConfig) -> int:
    """Send the messages through Apprise; return how many were delivered. Raise NotifyError
    when a delivery fails (nothing is retried here; the caller keeps its mark)."""
    import apprise

    if not messages:
        return 0
    sender = apprise.Apprise()
    for url in cfg.urls:
        if not sender.add(url):
            raise NotifyError(f"not an Apprise URL: {url}")
    prefix = f"[{cfg.satker}] " if cfg.satker else ""
    kinds = {"failure": apprise.NotifyType.FAILURE, "warning": apprise.NotifyType.WARNING}
    for msg in messages:
        ok = sender.notify(
            title=prefix + msg.title, body=msg.body, notify_type=kinds.get(msg.kind, apprise.NotifyType.INFO)
        )
        if not ok:
            raise NotifyError(f"delivery failed for '{msg.title}' (check the notify urls)")
    return len(messages)


def _state_path(store: RecordStore) -> Path:
    return store.dir / "notify.state"


def _read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def notify_since_last(
    store: RecordStore,
    catalog: Catalog,
    cfg: NotifyConfig,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    echo: Callable[[str], Any] | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> int:
    """Send messages for records appended since the previous call and for overdue activities
    not yet announced; return how many messages were sent (or prepared when ``dry_run``)."""
    now = now or utcnow()
    state_path = _state_path(store)
    state = _read_state(state_path)
    last_seq = int(state.get("last_seq", 0))
    announced = set(state.get("overdue", []))
    new = [r for r in store.iter_records() if r.seq > last_seq]
    msgs = messages_for_records(new, cfg.events)
    if "overdue" in cfg.events:
        msgs += [m for m in overdue_messages(store, catalog, now, groups) if m.key not in announced]
    if echo:
        for m in msgs:
            echo(f"{m.event}: {m.title} — {m.body}")
    if dry_run:
        return len(msgs)
    sent = send(msgs, cfg)
    state = {
        "last_seq": max([last_seq, *(r.seq for r in new)]),
        "overdue": sorted(announced | {m.key for m in msgs if m.event == "overdue"})[-500:],
        "updated_at": iso(now),
    }
    private.write_atomic(state_path, json.dumps(state))
    return sent


def notify_if_configured(
    store: RecordStore,
    catalog: Catalog,
    inventory_dir: Path,
    groups: Mapping[str, Sequence[str]] | None = None,
) -> str | None:
    """For the runner after a run or tick: when ``<inventory_dir>/notify.yml`` exists, send what
    is new and return a one-line status ("3 notification(s) sent" or the delivery problem);
    return None when notifications are not configured. Never raises for a delivery problem, so a
    broken chat gateway cannot fail a maintenance run (the next call retries)."""
    path = inventory_dir / "notify.yml"
    if not path.is_file():
        return None
    try:
        sent = notify_since_last(store, catalog, NotifyConfig.load(path), groups=groups)
    except NotifyError as exc:
        return f"notifications not sent: {exc}"
    return f"{sent} notification(s) sent"
