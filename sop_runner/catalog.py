"""The SOP catalog: the 45 activities as data, their time standards and schedules.

The packaged catalog (``sop_runner/data/catalog.yml``) is validated against
``catalog.schema.json``; a court extends or overrides it with its own file (same shape,
activities merged by id field by field, e.g. ``<inventory>/sop_catalog.yml``).

Public API:

- :func:`load_catalog` -- given override files, return a validated :class:`Catalog`.
  Raise :class:`CatalogError` with one line naming file, activity and field.
- :class:`Catalog` -- ``activities`` (id → :class:`Activity`, in SOP order), ``schedules``
  (name → RRULE text), ``timezone``, ``sources``; :meth:`Catalog.get`, :meth:`Catalog.resolve`
  (an id or a group: ``hourly``, ``daily``, ``day30``, ``all``).
- :func:`parse_waktu` -- the SOP's "Waktu" text → duration standard (seconds) or schedule.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from dateutil.rrule import rrulestr

from sop_runner import private

if TYPE_CHECKING:
    import jsonschema

GROUPS = ("hourly", "daily", "day30", "all")
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DAY30_RRULE = "FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1"

_UNITS = {"menit": 60, "jam": 3600, "hari": 86400, "minggu": 7 * 86400, "bulan": 30 * 86400}
_DURATION = re.compile(r"(\d+(?:[.,]\d+)?)\s*(menit|jam|hari|minggu|bulan)\b", re.IGNORECASE)
_DAY_OF_MONTH = re.compile(r"^(setiap\s+)?tanggal\s+30(\s+bulan\s+berjalan)?$", re.IGNORECASE)


class CatalogError(Exception):
    """A catalog problem a user can fix; the message is one line naming file, activity, field."""


@dataclass(frozen=True)
class Waktu:
    """The parsed Mutu Baku "Waktu": a duration standard in seconds (None = "relatif"), or the
    name of a schedule it implies (``day30`` for "tanggal 30")."""

    standard_s: float | None
    schedule: str | None = None


def parse_waktu(text: str) -> Waktu:
    """Given the SOP's Waktu text, return its :class:`Waktu`.

    "1 jam" → 3600 s, "15 menit" → 900 s, "1 Hari" → 86400 s, "relatif" → no standard,
    "Setiap tanggal 30 bulan berjalan" / "tanggal 30" → the ``day30`` schedule, a range such
    as "1 Hari - 3 Jam" → its upper bound. Raise ValueError for anything else.
    """
    t = " ".join(text.split())
    if t.lower() == "relatif":
        return Waktu(None)
    if _DAY_OF_MONTH.match(t):
        return Waktu(None, "day30")
    parts = [p.strip() for p in t.split("-")]
    values: list[float] = []
    for p in parts:
        m = _DURATION.fullmatch(p)
        if not m:
            raise ValueError(
                f"cannot read waktu {text!r} (expected e.g. '1 jam', '15 menit', 'relatif', 'tanggal 30')"
            )
        values.append(float(m.group(1).replace(",", ".")) * _UNITS[m.group(2).lower()])
    return Waktu(max(values))


@dataclass(frozen=True)
class Activity:
    """One SOP activity. ``standard_s`` is the Mutu Baku time standard in seconds (None when
    "relatif" or a schedule); ``schedule`` names an entry of :attr:`Catalog.schedules`;
    ``playbook``/``targets`` are set for activities a playbook carries out."""

    id: str
    source: str
    section: str
    aktifitas: str
    gloss: str
    pelaksana: tuple[str, ...]
    persyaratan: str
    waktu: str
    standard_s: float | None
    output: str
    kind: str
    playbook: str | None
    targets: tuple[str, ...]
    schedule: str | None
    grace_s: float | None
    produced_by: str | None
    enabled: bool
    origin: str = ""

    @property
    def runnable(self) -> bool:
        """True when ``sop run`` can carry it out (it has a playbook and is enabled)."""
        return bool(self.playbook) and self.enabled

    @property
    def scope(self) -> str:
        """The host pattern the activity covers, e.g. ``sipp_servers:backup_targets``."""
        return ":".join(self.targets)

    def to_dict(self) -> dict[str, Any]:
        """Return the activity as a JSON-serialisable dict."""
        d = dict(self.__dict__)
        d["pelaksana"] = list(self.pelaksana)
        d["targets"] = list(self.targets)
        return d


@dataclass(frozen=True)
class Catalog:
    """A validated catalog. ``files`` lists the files it was loaded from (packaged first)."""

    version: int
    timezone: str
    schedules: dict[str, str]
    schedule_descriptions: dict[str, str]
    sources: dict[str, dict[str, str]]
    sections: dict[str, str]
    activities: dict[str, Activity]
    files: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tz(self) -> ZoneInfo:
        """The court's timezone (schedules are evaluated in it)."""
        return ZoneInfo(self.timezone)

    def get(self, activity_id: str) -> Activity:
        """Return the activity with this id. Raise CatalogError naming the id otherwise."""
        try:
            return self.activities[activity_id]
        except KeyError:
            raise CatalogError(
                f"unknown SOP activity '{activity_id}' (see 'sop catalog list'; groups: {', '.join(GROUPS)})"
            ) from None

    def rrule(self, activity: Activity) -> str | None:
        """Return the RRULE text of the activity's schedule, or None when it has none."""
        return self.schedules[activity.schedule] if activity.schedule else None

    def group(self, name: str) -> list[Activity]:
        """Return the runnable activities of a group: a schedule name (``hourly``, ``daily``,
        ``day30``, or any other schedule of the catalog) or ``all``."""
        acts = [a for a in self.activities.values() if a.runnable]
        if name == "all":
            return acts
        return [a for a in acts if a.schedule == name]

    def resolve(self, target: str) -> list[Activity]:
        """Given an activity id or a group name, return the activities to run.

        Raise CatalogError for an unknown id, or an activity that has no playbook.
        """
        if target in GROUPS or (target in self.schedules and target not in self.activities):
            return self.group(target)
        act = self.get(target)
        if not act.runnable:
            why = (
                "is disabled in the catalog"
                if act.playbook
                else "is produced by 'sop report'"
                if act.produced_by == "report"
                else "is produced by 'sop comply'"
                if act.produced_by == "comply"
                else f"is a {act.kind} activity: record it with 'sop log {act.id} --note …'"
            )
            raise CatalogError(f"activity '{act.id}' has no playbook to run: it {why}")
        return [act]


def packaged_catalog_path() -> Path:
    """Return the path of the catalog shipped with the package."""
    return Path(str(resources.files("sop_runner") / "data" / "catalog.yml"))


def _schema_text() -> str:
    return (resources.files("sop_runner") / "data" / "catalog.schema.json").read_text(encoding="utf-8")


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_schema_text())
    return schema


VALIDATED_MARKER = ".catalog-validated"


def _inputs_digest(texts: list[tuple[Path, str]]) -> str:
    """Return the sha256 over the schema and the catalog files (names and contents)."""
    h = hashlib.sha256(_schema_text().encode())
    for path, text in texts:
        h.update(b"\0" + str(path).encode() + b"\0" + text.encode())
    return h.hexdigest()


def _validated_before(cache_dir: Path | None, digest: str) -> bool:
    if cache_dir is None:
        return False
    try:
        return (cache_dir / VALIDATED_MARKER).read_text(encoding="ascii").strip() == digest
    except (OSError, UnicodeDecodeError):
        return False


def _remember_validated(cache_dir: Path | None, digest: str) -> None:
    """Write the digest of a catalog that passed every check (atomically; best effort)."""
    if cache_dir is None or not cache_dir.is_dir():
        return
    with contextlib.suppress(OSError):
        private.write_atomic(cache_dir / VALIDATED_MARKER, digest + "\n")


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"catalog {path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise CatalogError(f"catalog {path}: not UTF-8 text") from None


def _parse_yaml(path: Path, text: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader (C if available)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise CatalogError(f"catalog {path}:{where}: not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise CatalogError(f"catalog {path}: expected a mapping at the top level")
    return data


def _describe(error: jsonschema.ValidationError, data: dict[str, Any]) -> str:
    path = list(error.absolute_path)
    where = ""
    if len(path) >= 2 and path[0] == "activities" and isinstance(path[1], int):
        acts = data.get("activities") or []
        aid = (
            acts[path[1]].get("id", f"#{path[1] + 1}")
            if isinstance(acts[path[1]], dict)
            else f"#{path[1] + 1}"
        )
        fld = ".".join(str(p) for p in path[2:])
        where = f"activity {aid}: " + (f"field '{fld}': " if fld else "")
    elif path:
        where = "field '" + ".".join(str(p) for p in path) + "': "
    msg = error.message
    if error.validator == "additionalProperties":
        msg = msg.replace("Additional properties are not allowed", "unknown field(s)")
    return where + msg


def _validate_schema(data: dict[str, Any], origin: str) -> None:
    import jsonschema  # only when the catalog changed since it was last validated (60 ms import)

    validator = jsonschema.Draft202012Validator(_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        raise CatalogError(f"catalog {origin}: {_describe(errors[0], data)}")


def _id_lines(text: str, activity_id: str) -> list[int]:
    """Return the line numbers (1-based) where ``id: <activity_id>`` appears in the
    ``activities`` list of a catalog file's text."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return []
    lines: list[int] = []
    if not isinstance(root, yaml.MappingNode):
        return lines
    for key, value in root.value:
        if key.value != "activities" or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            for k, v in item.value:
                if k.value == "id" and getattr(v, "value", None) == activity_id:
                    lines.append(v.start_mark.line + 1)
    return lines


def _refuse_duplicates(path: str, text: str, activities: Any) -> None:
    """Raise CatalogError naming both places when one file lists an activity id twice."""
    if not isinstance(activities, list):
        return
    first: dict[str, int] = {}
    for i, act in enumerate(activities):
        aid = act.get("id") if isinstance(act, dict) else None
        if not isinstance(aid, str):
            continue
        if aid in first:
            lines = _id_lines(text, aid)
            where = (
                f"lines {lines[0]} and {lines[1]}"
                if len(lines) >= 2
                else f"activities #{first[aid] + 1} and #{i + 1}"
            )
            raise CatalogError(
                f"catalog {path}: activity {aid}: duplicate id at {where} (one entry per activity; "
                "merge the two)"
            )
        first[aid] = i


def _merge(base: dict[str, Any], over: dict[str, Any], origin: str, origins: dict[str, str]) -> None:
    for key in ("version", "timezone"):
        if key in over:
            base[key] = over[key]
    for key in ("schedules", "sources", "sections"):
        if key in over:
            if not isinstance(over[key], dict):
                raise CatalogError(f"catalog {origin}: field '{key}': expected a mapping")
            base.setdefault(key, {}).update(copy.deepcopy(over[key]))
    acts = over.get("activities", [])
    if not isinstance(acts, list):
        raise CatalogError(f"catalog {origin}: field 'activities': expected a list")
    index = {a["id"]: a for a in base.get("activities", []) if isinstance(a, dict) and "id" in a}
    for i, act in enumerate(acts):
        if not isinstance(act, dict) or not isinstance(act.get("id"), str):
            raise CatalogError(f"catalog {origin}: activity #{i + 1}: field 'id' is required")
        if act["id"] in index:
            index[act["id"]].update(copy.deepcopy(act))
        else:
            new = copy.deepcopy(act)
            base.setdefault("activities", []).append(new)
            index[act["id"]] = new
        origins[act["id"]] = origin
    unknown = set(over) - {"version", "timezone", "schedules", "sources", "sections", "activities"}
    if unknown:
        raise CatalogError(f"catalog {origin}: unknown top-level field(s): {', '.join(sorted(unknown))}")


def load_catalog(
    overrides: list[Path] | tuple[Path, ...] = (), *, cache_dir: Path | None = None, write_cache: bool = True
) -> Catalog:
    """Load the packaged catalog, merge the override files in order, validate, and return it.

    Raise :class:`CatalogError` (one line: file, activity, field, problem) when a file is
    unreadable, not YAML, fails the schema, names an unknown schedule or source, has an
    unreadable "waktu", duplicates an id, or an automated activity lacks a playbook or a
    ``produced_by``.

    With ``cache_dir`` (the record store's folder), the sha256 of schema and files of the last
    catalog that passed is kept there, and the JSON-schema step is skipped while the files are
    byte for byte the same; every other check runs each time. ``write_cache=False`` (read
    commands) reads that mark but never writes it.
    """
    packaged = packaged_catalog_path()
    texts = [(p, _read_text(p)) for p in (packaged, *map(Path, overrides))]
    digest = _inputs_digest(texts)
    validated = _validated_before(cache_dir, digest)
    data = _parse_yaml(packaged, texts[0][1])
    if not validated:
        _validate_schema(data, str(packaged))
    origins = {a["id"]: str(packaged) for a in data["activities"]}
    _refuse_duplicates(str(packaged), texts[0][1], data["activities"])
    files = [str(packaged)]
    for path, text in texts[1:]:
        over = _parse_yaml(path, text)
        _refuse_duplicates(str(path), text, over.get("activities"))
        _merge(data, over, str(path), origins)
        files.append(str(path))
        if validated:
            continue
        try:
            _validate_schema(data, str(path))
        except CatalogError as exc:
            # Name the file the offending activity came from.
            msg = str(exc)
            m = re.search(r": activity (\S+):", msg)
            if m and m.group(1) in origins:
                msg = f"catalog {origins[m.group(1)]}: " + msg.split(": ", 1)[1]
            raise CatalogError(msg) from None
    try:
        ZoneInfo(data["timezone"])
    except (ZoneInfoNotFoundError, ValueError):
        raise CatalogError(
            f"catalog {files[-1]}: field 'timezone': unknown timezone {data['timezone']!r} "
            "(e.g. Asia/Jakarta)"
        ) from None
    schedules = {k: v["rrule"] for k, v in data["schedules"].items()}
    for name, rule in schedules.items():
        try:
            rrulestr(rule)
        except (ValueError, TypeError) as exc:
            raise CatalogError(f"catalog {files[-1]}: schedule {name}: field 'rrule': {exc}") from None
    activities: dict[str, Activity] = {}
    for a in data["activities"]:
        origin = origins[a["id"]]
        try:
            w = parse_waktu(a["waktu"])
        except ValueError as exc:
            raise CatalogError(f"catalog {origin}: activity {a['id']}: field 'waktu': {exc}") from None
        schedule = a.get("schedule", w.schedule)
        if schedule is not None and schedule not in schedules:
            raise CatalogError(
                f"catalog {origin}: activity {a['id']}: field 'schedule': unknown schedule '{schedule}' "
                f"(defined: {', '.join(schedules)})"
            )
        if a["source"] not in data["sources"]:
            raise CatalogError(
                f"catalog {origin}: activity {a['id']}: field 'source': unknown source '{a['source']}'"
            )
        if a["kind"] == "automated" and not a.get("playbook") and not a.get("produced_by"):
            raise CatalogError(
                f"catalog {origin}: activity {a['id']}: field 'playbook': an automated activity needs a "
                "playbook (or produced_by: report / comply)"
            )
        activities[a["id"]] = Activity(
            id=a["id"],
            source=a["source"],
            section=a["section"],
            aktifitas=a["aktifitas"],
            gloss=a.get("gloss", ""),
            pelaksana=tuple(a["pelaksana"]),
            persyaratan=a["persyaratan"],
            waktu=a["waktu"],
            standard_s=a.get("standard_s", w.standard_s),
            output=a["output"],
            kind=a["kind"],
            playbook=a.get("playbook"),
            targets=tuple(a.get("targets", ())),
            schedule=schedule,
            grace_s=a.get("grace_s"),
            produced_by=a.get("produced_by"),
            enabled=a.get("enabled", True),
            origin=origin,
        )
    if not validated and write_cache:
        _remember_validated(cache_dir, digest)
    return Catalog(
        version=data["version"],
        timezone=data["timezone"],
        schedules=schedules,
        schedule_descriptions={k: v.get("description", "") for k, v in data["schedules"].items()},
        sources=data["sources"],
        sections=data.get("sections", {}),
        activities=activities,
        files=tuple(files),
    )
