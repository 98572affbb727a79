"""Ledgers kept in the record store: IT service requests (B.1→B.7) and the SIPP problem book.

Both are written as ordinary manual records (``via: sop-log``) through the store's public
``append_record``/``put_blob``, so every step sits in the hash chain like any other evidence.
A step's record carries:

- ``scope``: ``request:<id>`` or ``complaint:<id>`` (which request/complaint it belongs to),
- ``started_at``: when the step became due (the previous step's time; for the first step the
  moment the request/complaint came in), ``ended_at``: when it was done,
- ``standard_s``: the SOP's Mutu Baku "Waktu" for that step, so the store's verdict says
  *memenuhi* / *tidak memenuhi*,
- ``output.ledger``: the structured data (title, requester, priority, linked incidents, …).

Service request (SOP/AS/29 B): B.1 receive → B.2 analyse → B.3 urgency/priority → B.4 forward →
B.5 disposition → B.6 verify → B.7 execute, each with a 1-day standard. A step done later than
its standard is *late*; an open request whose next step is past its due time is *overdue*.

SIPP problem book (SOP MAINTENANCE SIPP): SIPP-4 complaint received (15 minutes) → SIPP-5
reported to the leadership (15 minutes) → SIPP-6 problem-solving steps (any number) → SIPP-7
solved. A complaint links the incidents that checks opened (given, or those open when it came in).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sop_runner.catalog import Catalog, packaged_catalog_path
from sop_runner.records import Incident, Record, RecordStore, RecordStoreError, iso, parse_iso, utcnow

DAY_S = 86400.0

#: (step id, SOP activity text, output, who usually does it)
REQUEST_STEPS: tuple[tuple[str, str, str, str], ...] = (
    ("B.1", "Menerima permintaan layanan TI", "Form Permintaan", "Operator"),
    ("B.2", "Menganalisis permintaan layanan TI", "Form Permintaan / Analisis", "Operator"),
    (
        "B.3",
        "Menentukan urgensi serta prioritas penanganan insiden",
        "Form Permintaan / Analisis",
        "Kasubbag",
    ),
    ("B.4", "Meneruskan hasil analisis permintaan TI", "Form Eksekusi", "Kasubbag"),
    ("B.5", "Memberikan solusi atas permintaan layanan TI", "Disposisi", "Sekretaris"),
    ("B.6", "Memverifikasi permintaan layanan Teknologi Informasi", "Analisa", "Kasubbag"),
    ("B.7", "Mengeksekusi permintaan layanan TI", "Eksekusi", "Operator"),
)
REQUEST_STEP_IDS = tuple(s[0] for s in REQUEST_STEPS)
PRIORITIES = ("rendah", "sedang", "tinggi", "darurat")

COMPLAINT_STEPS: tuple[tuple[str, str, str], ...] = (
    ("SIPP-4", "Menerima pengaduan dan keluhan dari pengguna SIPP", "Layanan pengaduan"),
    ("SIPP-5", "Melaporkan situasi kondisi dan permasalahan kepada pimpinan", "Laporan situasi kondisi"),
    ("SIPP-6", "Mengambil langkah-langkah pemecahan masalah", "Solusi/pemecahan masalah"),
    ("SIPP-7", "Menyelesaikan pemecahan masalah (troubleshooting)", "Akses SIPP tersedia dan lancar"),
)
COMPLAINT_STEP_IDS = tuple(s[0] for s in COMPLAINT_STEPS)

#: Mutu Baku "Waktu" in seconds (SOP text: B.* "1 Hari", SIPP-4/5 "15 menit", SIPP-6/7 "relatif").
DEFAULT_STANDARDS: dict[str, float | None] = {
    **dict.fromkeys(REQUEST_STEP_IDS, DAY_S),
    "SIPP-4": 900.0,
    "SIPP-5": 900.0,
    "SIPP-6": None,
    "SIPP-7": None,
}


class LedgerError(Exception):
    """A ledger entry cannot be made; the message names the input and the fix."""


@dataclass
class Step:
    """One step of a request or complaint as recorded (or still to do)."""

    step: str
    title: str
    output: str
    done_at: dt.datetime | None = None
    due_from: dt.datetime | None = None
    operator: str = ""
    note: str = ""
    duration_s: float | None = None
    standard_s: float | None = None
    verdict: str | None = None
    record_seq: int | None = None
    record_hash: str = ""
    attachments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def late(self) -> bool:
        """True when the step was done later than its Mutu Baku time standard."""
        return self.verdict == "tidak memenuhi"

    @property
    def due_at(self) -> dt.datetime | None:
        """When the step was (or is) due: when it became due plus its standard."""
        if self.due_from is None or self.standard_s is None:
            return None
        return self.due_from + dt.timedelta(seconds=self.standard_s)


@dataclass
class ServiceRequest:
    """One IT service request with its seven steps (B.1…B.7)."""

    request_id: str
    title: str
    requester: str
    unit: str
    priority: str
    received_at: dt.datetime
    steps: list[Step]
    now: dt.datetime

    @property
    def done_steps(self) -> list[Step]:
        """The steps already recorded, in order."""
        return [s for s in self.steps if s.done_at is not None]

    @property
    def next_step(self) -> Step | None:
        """The first step not yet done (None when the request is complete)."""
        return next((s for s in self.steps if s.done_at is None), None)

    @property
    def complete(self) -> bool:
        """True once B.7 (execution) is recorded."""
        return self.next_step is None

    @property
    def late_steps(self) -> list[Step]:
        """Steps done later than the 1-day standard."""
        return [s for s in self.steps if s.late]

    @property
    def pending_overdue(self) -> bool:
        """True when the request is open and its next step is past its due time."""
        nxt = self.next_step
        return bool(nxt and nxt.due_at and self.now > nxt.due_at)

    @property
    def overdue(self) -> bool:
        """True when any step was late or the next step is past due (the report's flag)."""
        return bool(self.late_steps) or self.pending_overdue

    @property
    def finished_at(self) -> dt.datetime | None:
        """When B.7 was recorded, or None."""
        return self.steps[-1].done_at

    @property
    def duration_s(self) -> float | None:
        """Seconds from receipt to execution (None while open)."""
        end = self.finished_at
        return (end - self.received_at).total_seconds() if end else None


@dataclass
class Complaint:
    """One entry of the SIPP problem book (Buku riwayat permasalahan SIPP)."""

    complaint_id: str
    reporter: str
    description: str
    received_at: dt.datetime
    steps: list[Step]
    incidents: list[Incident]
    now: dt.datetime
    report_standard_s: float | None = DEFAULT_STANDARDS["SIPP-5"]

    @property
    def solved_at(self) -> dt.datetime | None:
        """When SIPP-7 (solved) was recorded, or None while open."""
        return next((s.done_at for s in self.steps if s.step == "SIPP-7"), None)

    @property
    def reported_at(self) -> dt.datetime | None:
        """When the problem was reported to the leadership (SIPP-5), or None."""
        return next((s.done_at for s in self.steps if s.step == "SIPP-5"), None)

    @property
    def open(self) -> bool:
        """True until SIPP-7 is recorded."""
        return self.solved_at is None

    @property
    def duration_s(self) -> float | None:
        """Seconds from the complaint to its solution (None while open)."""
        end = self.solved_at
        return (end - self.received_at).total_seconds() if end else None

    @property
    def late_steps(self) -> list[Step]:
        """Steps done later than their standard (SIPP-4 and SIPP-5: 15 minutes)."""
        return [s for s in self.steps if s.late]

    @property
    def overdue(self) -> bool:
        """True if a step was late or the report to the leadership (SIPP-5) is past due."""
        if self.late_steps:
            return True
        if self.reported_at is None:
            due = self.received_at + dt.timedelta(seconds=self.report_standard_s or 0)
            return self.now > due
        return False


def _aware(value: dt.datetime | None, name: str) -> dt.datetime:
    if value is None:
        return utcnow()
    if value.tzinfo is None:
        raise LedgerError(f"{name} {value.isoformat()} has no time zone; give e.g. 2026-11-21T09:00+07:00")
    return value


class Ledger:
    """Service requests and the SIPP problem book on top of a RecordStore."""

    def __init__(
        self,
        store: RecordStore,
        standards: dict[str, float | None] | None = None,
        *,
        catalog: Catalog | None = None,
    ) -> None:
        """Given the store and the catalog (with the court's overrides), take each step's Mutu
        Baku standard from the catalog, and its text and output where the court's override
        rewrites them (the book's short step names otherwise); without a catalog, the SOP's own
        standards. ``standards`` overrides single steps (tests)."""
        self.store = store
        self.texts: dict[str, tuple[str, str]] = {sid: (t, o) for sid, t, o, _ in REQUEST_STEPS}
        self.texts.update({sid: (t, o) for sid, t, o in COMPLAINT_STEPS})
        from_catalog: dict[str, float | None] = {}
        if catalog is not None:
            packaged = str(packaged_catalog_path())
            for sid in (*REQUEST_STEP_IDS, *COMPLAINT_STEP_IDS):
                act = catalog.activities.get(sid)
                if act is None:
                    continue
                from_catalog[sid] = act.standard_s
                if act.origin != packaged:  # the court's own wording of the step
                    self.texts[sid] = (act.aktifitas, act.output)
        self.standards = {**DEFAULT_STANDARDS, **from_catalog, **(standards or {})}

    # -- writing ------------------------------------------------------------------------------
    def _write(
        self,
        activity_id: str,
        scope: str,
        *,
        operator: str,
        note: str,
        due_from: dt.datetime,
        done_at: dt.datetime,
        data: dict[str, Any],
        attachments: Sequence[Path] = (),
    ) -> Record:
        if not operator.strip():
            raise LedgerError("who did it? give --operator NAME (the Pelaksana)")
        if not note.strip():
            raise LedgerError(f"{activity_id}: a ledger step needs a note (--note TEXT)")
        if done_at < due_from:
            raise LedgerError(
                f"{activity_id} at {done_at.isoformat()} is before the previous step "
                f"({due_from.isoformat()}); fix --at"
            )
        paths = [Path(p) for p in attachments]
        for p in paths:
            if not p.is_file() or not os.access(p, os.R_OK):
                raise LedgerError(f"attachment {p}: not a readable file")
        refs = [dict(self.store.put_blob(p), name=p.name) for p in paths]
        standard = self.standards.get(activity_id)
        try:
            return self.store.append_record(
                {
                    "activity_id": activity_id,
                    "via": "sop-log",
                    "trigger": "manual",
                    "operator": operator,
                    "started_at": iso(due_from),
                    "ended_at": iso(done_at),
                    "duration_s": (done_at - due_from).total_seconds(),
                    "standard_s": standard,
                    "status": "successful",
                    "scope": scope,
                    "note": note,
                    "output": {"ledger": data},
                    "attachments": [
                        {"name": r["name"], "sha256": r["sha256"], "size": r["size"]} for r in refs
                    ],
                }
            )
        except RecordStoreError as exc:
            raise LedgerError(str(exc)) from exc

    def _new_id(self, prefix: str, first_step: str, when: dt.datetime) -> str:
        stem = f"{prefix}-{when:%Y%m}-"
        taken = {
            r.scope.split(":", 1)[1]
            for r in self.store.iter_records(activity_id=first_step)
            if ":" in r.scope
        }
        n = 1 + sum(1 for t in taken if t.startswith(stem))
        while f"{stem}{n:03d}" in taken:
            n += 1
        return f"{stem}{n:03d}"

    def receive_request(
        self,
        title: str,
        *,
        requester: str,
        operator: str,
        note: str = "",
        unit: str = "",
        received_at: dt.datetime | None = None,
        at: dt.datetime | None = None,
        attachments: Sequence[Path] = (),
    ) -> ServiceRequest:
        """B.1: record a new service request; return it (with its new id PL-YYYYMM-NNN).

        ``received_at`` is when the request came in, ``at`` when B.1 was done (both default to now).
        """
        if not title.strip():
            raise LedgerError("a service request needs a title (what is asked)")
        if not requester.strip():
            raise LedgerError("who asks? give --requester NAME")
        done = _aware(at, "--at")
        came = _aware(received_at, "--received") if received_at else done
        rid = self._new_id("PL", "B.1", came)
        data = {
            "kind": "service_request",
            "request_id": rid,
            "title": title,
            "requester": requester,
            "unit": unit,
        }
        self._write(
            "B.1",
            f"request:{rid}",
            operator=operator,
            note=note or title,
            due_from=came,
            done_at=done,
            data=data,
            attachments=attachments,
        )
        return self.get_request(rid)

    def request_step(
        self,
        request_id: str,
        step: str,
        *,
        operator: str,
        note: str,
        at: dt.datetime | None = None,
        priority: str | None = None,
        attachments: Sequence[Path] = (),
    ) -> ServiceRequest:
        """Record step B.2…B.7 of a request, in order; return the updated request.

        Raise LedgerError for an unknown request, a step out of order or already done, or a
        priority (B.3) not in PRIORITIES.
        """
        step = step.upper()
        if step not in REQUEST_STEP_IDS[1:]:
            raise LedgerError(
                f"step {step!r} is not one of {', '.join(REQUEST_STEP_IDS[1:])} (B.1 opens a request)"
            )
        req = self.get_request(request_id)
        nxt = req.next_step
        if nxt is None:
            raise LedgerError(f"request {request_id} is already complete (B.7 recorded)")
        if nxt.step != step:
            raise LedgerError(f"request {request_id}: next step is {nxt.step}, not {step}")
        data: dict[str, Any] = {"kind": "service_request", "request_id": request_id, "step": step}
        if step == "B.3":
            if priority is None:
                raise LedgerError(f"B.3 sets the priority: give --priority ({'/'.join(PRIORITIES)})")
            if priority not in PRIORITIES:
                raise LedgerError(f"priority {priority!r} is not one of {', '.join(PRIORITIES)}")
            data["priority"] = priority
        elif priority is not None:
            raise LedgerError("--priority belongs to step B.3 only")
        prev = req.done_steps[-1].done_at or req.received_at
        self._write(
            step,
            f"request:{request_id}",
            operator=operator,
            note=note,
            due_from=prev,
            done_at=_aware(at, "--at"),
            data=data,
            attachments=attachments,
        )
        return self.get_request(request_id, now=req.now)

    def receive_complaint(
        self,
        description: str,
        *,
        reporter: str,
        operator: str,
        received_at: dt.datetime | None = None,
        at: dt.datetime | None = None,
        incident_ids: Iterable[int] | None = None,
        attachments: Sequence[Path] = (),
    ) -> Complaint:
        """SIPP-4: record a complaint in the problem book; return it (id PM-YYYYMM-NNN).

        Link the given incident ids, or (when None) every incident open when the complaint came in.
        """
        if not description.strip():
            raise LedgerError("a complaint needs a description of the problem (--note TEXT)")
        if not reporter.strip():
            raise LedgerError("who complains? give --reporter NAME (user, unit)")
        done = _aware(at, "--at")
        came = _aware(received_at, "--received") if received_at else done
        known = {i.incident_id: i for i in self.store.list_incidents()}
        if incident_ids is None:  # the incidents open when the complaint came in
            links = [
                i.incident_id
                for i in known.values()
                if parse_iso(i.opened_at) <= came and (i.closed_at is None or parse_iso(i.closed_at) >= came)
            ]
        else:
            links = list(incident_ids)
            missing = [str(i) for i in links if i not in known]
            if missing:
                raise LedgerError(f"no incident {', '.join(missing)} (see the incidents list)")
        cid = self._new_id("PM", "SIPP-4", came)
        data = {
            "kind": "complaint",
            "complaint_id": cid,
            "reporter": reporter,
            "description": description,
            "incidents": links,
        }
        self._write(
            "SIPP-4",
            f"complaint:{cid}",
            operator=operator,
            note=description,
            due_from=came,
            done_at=done,
            data=data,
            attachments=attachments,
        )
        return self.get_complaint(cid)

    def complaint_step(
        self,
        complaint_id: str,
        step: str,
        *,
        operator: str,
        note: str,
        at: dt.datetime | None = None,
        attachments: Sequence[Path] = (),
    ) -> Complaint:
        """Record SIPP-5 (reported), SIPP-6 (a problem-solving step) or SIPP-7 (solved)."""
        step = step.upper()
        if step not in COMPLAINT_STEP_IDS[1:]:
            raise LedgerError(
                f"step {step!r} is not one of {', '.join(COMPLAINT_STEP_IDS[1:])} (SIPP-4 opens one)"
            )
        comp = self.get_complaint(complaint_id)
        if not comp.open:
            raise LedgerError(f"complaint {complaint_id} is already solved (SIPP-7 recorded)")
        done_steps = [s for s in comp.steps if s.done_at is not None]
        if step == "SIPP-5" and comp.reported_at is not None:
            raise LedgerError(f"complaint {complaint_id} was already reported (SIPP-5)")
        due_from = comp.received_at if step == "SIPP-5" else (done_steps[-1].done_at or comp.received_at)
        data = {"kind": "complaint", "complaint_id": complaint_id, "step": step}
        self._write(
            step,
            f"complaint:{complaint_id}",
            operator=operator,
            note=note,
            due_from=due_from,
            done_at=_aware(at, "--at"),
            data=data,
            attachments=attachments,
        )
        return self.get_complaint(complaint_id, now=comp.now)

    # -- reading ------------------------------------------------------------------------------
    def _scoped(self, activity_ids: Iterable[str], scope: str | None = None) -> list[Record]:
        out: list[Record] = []
        for act in activity_ids:
            out.extend(
                r
                for r in self.store.iter_records(activity_id=act)
                if r.via == "sop-log" and (scope is None or r.scope == scope) and "ledger" in r.output
            )
        out.sort(key=lambda r: r.seq)
        return out

    @staticmethod
    def _step_from(rec: Record, template: Step) -> Step:
        return Step(
            step=template.step,
            title=template.title,
            output=template.output,
            done_at=parse_iso(rec.ended_at),
            due_from=parse_iso(rec.started_at),
            operator=rec.operator,
            note=rec.note,
            duration_s=rec.duration_s,
            standard_s=rec.standard_s,
            verdict=rec.verdict,
            record_seq=rec.seq,
            record_hash=rec.hash,
            attachments=list(rec.attachments),
        )

    def _build_request(self, recs: list[Record], now: dt.datetime) -> ServiceRequest:
        first = recs[0]
        head = first.output["ledger"]
        steps = [Step(sid, *self.texts[sid], standard_s=self.standards.get(sid)) for sid in REQUEST_STEP_IDS]
        by_id = {s.step: i for i, s in enumerate(steps)}
        priority = ""
        for rec in recs:
            i = by_id[rec.activity_id]
            steps[i] = self._step_from(rec, steps[i])
            priority = rec.output["ledger"].get("priority", priority)
        # The next open step became due when the last one was done.
        last_done = first_start = parse_iso(first.started_at)
        for s in steps:
            if s.done_at is None:
                s.due_from = last_done
                break
            last_done = s.done_at
        return ServiceRequest(
            request_id=head["request_id"],
            title=head.get("title", ""),
            requester=head.get("requester", ""),
            unit=head.get("unit", ""),
            priority=priority,
            received_at=first_start,
            steps=steps,
            now=now,
        )

    def get_request(self, request_id: str, now: dt.datetime | None = None) -> ServiceRequest:
        """Return one request by id. Raise LedgerError if there is none."""
        recs = self._scoped(REQUEST_STEP_IDS, f"request:{request_id}")
        if not recs or recs[0].activity_id != "B.1":
            raise LedgerError(f"no service request {request_id!r} (see 'sop request list')")
        return self._build_request(recs, now or utcnow())

    def requests(self, now: dt.datetime | None = None) -> list[ServiceRequest]:
        """Return every service request, oldest first."""
        groups: dict[str, list[Record]] = {}
        for rec in self._scoped(REQUEST_STEP_IDS):
            groups.setdefault(rec.scope, []).append(rec)
        stamp = now or utcnow()
        return [self._build_request(recs, stamp) for recs in groups.values() if recs[0].activity_id == "B.1"]

    def _build_complaint(
        self, recs: list[Record], incidents: dict[int, Incident], now: dt.datetime
    ) -> Complaint:
        first = recs[0]
        head = first.output["ledger"]
        templates = {sid: Step(sid, *self.texts[sid]) for sid in COMPLAINT_STEP_IDS}
        steps = [self._step_from(r, templates[r.activity_id]) for r in recs]
        return Complaint(
            complaint_id=head["complaint_id"],
            reporter=head.get("reporter", ""),
            description=head.get("description", first.note),
            received_at=parse_iso(first.started_at),
            steps=steps,
            incidents=[incidents[i] for i in head.get("incidents", []) if i in incidents],
            now=now,
            report_standard_s=self.standards.get("SIPP-5"),
        )

    def get_complaint(self, complaint_id: str, now: dt.datetime | None = None) -> Complaint:
        """Return one problem-book entry by id. Raise LedgerError if there is none."""
        recs = self._scoped(COMPLAINT_STEP_IDS, f"complaint:{complaint_id}")
        if not recs or recs[0].activity_id != "SIPP-4":
            raise LedgerError(f"no complaint {complaint_id!r} (see 'sop complaint list')")
        incidents = {i.incident_id: i for i in self.store.list_incidents()}
        return self._build_complaint(recs, incidents, now or utcnow())

    def complaints(self, now: dt.datetime | None = None) -> list[Complaint]:
        """Return the whole SIPP problem book, oldest first."""
        groups: dict[str, list[Record]] = {}
        for rec in self._scoped(COMPLAINT_STEP_IDS):
            groups.setdefault(rec.scope, []).append(rec)
        incidents = {i.incident_id: i for i in self.store.list_incidents()}
        stamp = now or utcnow()
        return [
            self._build_complaint(recs, incidents, stamp)
            for recs in groups.values()
            if recs[0].activity_id == "SIPP-4"
        ]
