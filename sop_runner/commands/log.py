"""``sop log``: a manual (or partly manual) activity, with when it started and ended."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import click

from sop_runner.commands.common import (
    PATH_TYPE,
    STATE,
    UserError,
    catalog_of,
    emit_json,
    open_store,
    out,
    parse_when,
)
from sop_runner.records import iso, utcnow

_DURATION_PART = (
    r"(\d+(?:[.,]\d+)?)\s*(hari|jam|menit|detik|days?|hours?|minutes?|mins?|seconds?|secs?|[dhms])(?![a-z])"
)
_DURATION = re.compile(rf"(?:\s*{_DURATION_PART})+\s*")
_DURATION_UNITS = {"hari": 86400, "jam": 3600, "menit": 60, "detik": 1}
_DURATION_UNITS.update({"d": 86400, "h": 3600, "m": 60, "s": 1})


def parse_duration(text: str) -> float:
    """Given a duration such as ``90m``, ``1h30m``, ``2 jam``, ``45 menit`` or ``01:30``
    (hours:minutes), return seconds. Raise UserError naming the input otherwise."""
    t = text.strip().lower()
    hm = re.fullmatch(r"(\d+):([0-5]\d)", t)
    if hm:
        seconds = int(hm.group(1)) * 3600.0 + int(hm.group(2)) * 60.0
    elif _DURATION.fullmatch(t):
        seconds = sum(
            float(num.replace(",", ".")) * _DURATION_UNITS[unit if unit in _DURATION_UNITS else unit[0]]
            for num, unit in re.findall(_DURATION_PART, t)
        )
    else:
        seconds = 0.0
    if seconds <= 0:
        raise UserError(f"--duration {text!r}: not a duration (e.g. 90m, 1h30m, 2 jam, 45 menit, 01:30)")
    return seconds


def _log_times(
    started: datetime | None, ended: datetime | None, duration: float | None, act_standard: float | None
) -> tuple[datetime | None, datetime | None]:
    """Given what ``sop log`` was told (start, end, duration), return (start, end) to record.

    A start alone means the work ended now -- refused when that would claim the work took longer
    than its standard (or a day): a paper entry written up later needs --ended or --duration.
    """
    now = utcnow()
    if started and ended and duration is not None:
        raise UserError("give two of --started, --ended, --duration, not all three")
    if duration is not None:
        if started:
            ended = started + timedelta(seconds=duration)
        else:
            ended = ended or now
            started = ended - timedelta(seconds=duration)
    if ended and ended > now + timedelta(minutes=1):
        raise UserError(f"--ended {iso(ended)} is in the future")
    if started and started > now + timedelta(minutes=1):
        raise UserError(f"--started {iso(started)} is in the future")
    if started and ended and ended < started:
        raise UserError("the work cannot end before it starts (--ended is before --started)")
    if started and not ended:
        took = (now - started).total_seconds()
        if took > (act_standard or 86400):
            raise UserError(
                f"--started alone means the work ended now, {took / 3600:.1f} h later: give --ended "
                "(when the work ended) or --duration (how long it took)"
            )
        ended = now
    return started, ended


@click.command("log")
@click.argument("activity_id", metavar="activity_id")
@click.option("--note", required=True, help="What was done (Bahasa Indonesia).")
@click.option("--by", help="Who did it (default: the operator).")
@click.option("--attach", type=PATH_TYPE, multiple=True, help="File to attach (repeatable).")
@click.option("--started", help="When the work started (ISO; court time zone when naive).")
@click.option("--ended", help="When the work ended (ISO; default: now, or --started + --duration).")
@click.option("--duration", help="How long it took (90m, 1h30m, 2 jam), with --started or --ended.")
@click.option("--json", "as_json", is_flag=True)
def log_cmd(
    activity_id: str,
    note: str,
    by: str | None,
    attach: tuple[Path, ...],
    started: str | None,
    ended: str | None,
    duration: str | None,
    as_json: bool,
) -> None:
    """Record a manual (or partly manual) SOP activity in the same store.

    The Mutu Baku verdict compares the time from --started to --ended (or --duration) with the
    activity's standard; without a start there is no duration and no verdict.
    """
    cfg = STATE.config()
    catalog = catalog_of(cfg, write=True)
    act = catalog.get(activity_id)
    start, end = _log_times(
        parse_when(started, catalog, "started"),
        parse_when(ended, catalog, "ended"),
        parse_duration(duration) if duration is not None else None,
        act.standard_s,
    )
    with open_store(cfg) as store:
        store.recover_interrupted()
        rec = store.add_manual(
            act.id,
            note,
            operator=by or cfg.operator,
            attachments=list(attach),
            started_at=start,
            ended_at=end,
            standard_s=act.standard_s,
        )
    if as_json:
        emit_json(rec.to_dict())
    else:
        verdict = f", {rec.verdict}" if rec.verdict else ""
        took = f", {rec.duration_s / 60:.0f} menit" if rec.duration_s is not None else ""
        out.print(
            f"record #{rec.seq} {rec.activity_id} by {rec.operator}{took}{verdict} ({rec.record_id})",
            highlight=False,
        )
