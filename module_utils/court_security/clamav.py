"""ClamAV: database headers, signature age and clamscan reports (D.5).

Real formats handled:
- ``.cvd``/``.cld`` header: 512 bytes, ``ClamAV-VDB:<build time>:<version>:<sigs>:<flevel>:<md5>:
  <dsig>:<builder>:<stime>`` padded with spaces; ``.cld`` files written by freshclam after a cdiff
  update keep the header of the version they were built from. The build time looks like
  ``14 Nov 2026 09-22 +0000`` (note the dash between hour and minute); ``stime`` is Unix time.
- ``clamscan`` output with ``--infected``: ``<path>: <Signature> FOUND``, with ``--move``:
  ``<path>: moved to '<dest>'`` (``--copy``: ``copied to``), errors ``<path>: Can't open file or directory ERROR`` /
  ``WARNING: ...``, then the ``----------- SCAN SUMMARY -----------`` block. Paths may contain
  ``: `` themselves, so the split is on the LAST ``: ``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

CVD_MAGIC = b"ClamAV-VDB:"
OFFICIAL_DATABASES = ("main", "daily", "bytecode")
SIGNATURE_EXTENSIONS = (
    ".cvd",
    ".cld",
    ".cud",
    ".hdb",
    ".hsb",
    ".mdb",
    ".msb",
    ".ndb",
    ".ldb",
    ".ldu",
    ".yara",
    ".yar",
    ".cdb",
    ".ign2",
    ".fp",
    ".sfp",
    ".pdb",
    ".wdb",
    ".ftm",
    ".cbc",
    ".idb",
    ".crb",
    ".hdu",
    ".ndu",
)


def parse_cvd_header(raw: bytes) -> dict:
    """Given the first 512 bytes of a .cvd/.cld file, return version, signatures and build time.

    Raise ValueError if the bytes are not a ClamAV database header.
    """
    if not raw.startswith(CVD_MAGIC):
        raise ValueError("not a ClamAV database header")
    text = raw[:512].decode("ascii", errors="replace").rstrip(" \x00\n")
    fields = text.split(":")
    if len(fields) < 5:
        raise ValueError("truncated ClamAV database header")
    built = None
    if len(fields) >= 9 and fields[8].strip().isdigit():
        built = datetime.fromtimestamp(int(fields[8].strip()), tz=UTC)
    else:
        try:
            built = datetime.strptime(fields[1].strip(), "%d %b %Y %H-%M %z")
        except ValueError:
            built = None
    return {
        "version": int(fields[2]) if fields[2].isdigit() else None,
        "signatures": int(fields[3]) if fields[3].isdigit() else None,
        "functionality_level": int(fields[4]) if fields[4].isdigit() else None,
        "build_time": built.isoformat() if built else None,
        "build_epoch": built.timestamp() if built else None,
    }


def database_age(entries: list[dict], now: float) -> float | None:
    """Given database entries ({"name", "epoch"}), return the age in days of the newest one."""
    epochs = [e["epoch"] for e in entries if e.get("epoch") is not None]
    if not epochs:
        return None
    return round((now - max(epochs)) / 86400.0, 2)


_SUMMARY_KEYS = {
    "Known viruses": "known_signatures",
    "Scanned directories": "scanned_directories",
    "Scanned files": "scanned_files",
    "Infected files": "infected_files",
    "Total errors": "errors",
}
_HEADER = re.compile(r"^# court-clamscan (?P<rest>.*)$")


def parse_clamscan_log(text: str) -> dict:
    """Given clamscan output (optionally preceded by a ``# court-clamscan k=v …`` header line),
    return infected files, moved files, errors and the summary numbers."""
    infected: list[dict] = []
    moved: list[dict] = []
    errors: list[str] = []
    summary: dict = {}
    meta: dict = {}
    in_summary = False
    for line in text.splitlines():
        line = line.rstrip("\r")
        if not line.strip():
            continue
        m = _HEADER.match(line)
        if m:
            for part in m.group("rest").split():
                if "=" in part:
                    k, v = part.split("=", 1)
                    meta[k] = v
            continue
        if line.startswith("----------- SCAN SUMMARY"):
            in_summary = True
            continue
        if in_summary:
            key, _, value = line.partition(":")
            if key.strip() in _SUMMARY_KEYS:
                num = value.strip().split()[0] if value.strip() else ""
                summary[_SUMMARY_KEYS[key.strip()]] = int(num) if num.isdigit() else None
            elif key.strip() in ("Start Date", "End Date", "Engine version", "Time", "Data scanned"):
                summary[key.strip().lower().replace(" ", "_")] = value.strip()
            continue
        if line.startswith(("WARNING:", "LibClamAV Warning:", "LibClamAV Error:", "ERROR:")):
            errors.append(line)
            continue
        path, sep, rest = line.rpartition(": ")
        if not sep:
            continue
        if rest.endswith(" FOUND"):
            infected.append({"path": path, "signature": rest[: -len(" FOUND")]})
        elif rest.lower().startswith(("moved to '", "copied to '")) and rest.endswith("'"):
            moved.append({"path": path, "to": rest.split("'", 1)[1][:-1]})
        elif rest.endswith(" ERROR"):
            errors.append(line)
    return {"meta": meta, "infected": infected, "moved": moved, "errors": errors, "summary": summary}
