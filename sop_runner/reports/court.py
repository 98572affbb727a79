"""Who the report is for and who signs it: the court's letterhead and signatories (per court).

Read from a small YAML file (the `court_report` mapping, or the whole file):

    court_report:
      satker: Pengadilan Negeri Contoh
      singkatan: PN-CTH
      alamat: Jl. Contoh No. 1
      kota: Contoh
      tz: Asia/Jakarta
      signatures:
        operator: {name: ..., nip: ...}
        kasubbag: {name: ..., nip: ...}
        sekretaris: {name: ..., nip: ...}
        ketua: {name: ..., nip: ...}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sop_runner.reports.errors import ReportError

ROLES = (
    ("operator", "Dibuat oleh,", "Operator"),
    ("kasubbag", "Diperiksa oleh,", "Kasubbag Perencanaan TI dan Pelaporan"),
    ("sekretaris", "Mengetahui,", "Sekretaris"),
    ("ketua", "Menyetujui,", "Ketua"),
)


@dataclass(frozen=True)
class Signature:
    """One signature column: the label above, the office, the name and NIP below."""

    key: str
    label: str
    role: str
    name: str = ""
    nip: str = ""


@dataclass(frozen=True)
class CourtInfo:
    """The letterhead and signatories of one court (satuan kerja)."""

    satker: str = "Pengadilan (nama satker belum diisi)"
    singkatan: str = "SATKER"
    parent: str = "MAHKAMAH AGUNG REPUBLIK INDONESIA"
    alamat: str = ""
    kota: str = ""
    tz: str = "Asia/Jakarta"
    signatures: tuple[Signature, ...] = field(
        default_factory=lambda: tuple(Signature(k, label, role) for k, label, role in ROLES)
    )

    @classmethod
    def from_mapping(cls, data: dict[str, Any], source: str = "court file") -> CourtInfo:
        """Given the `court_report` mapping, return CourtInfo. Raise ReportError on a bad field."""
        if not isinstance(data, dict):
            raise ReportError(f"{source}: expected a mapping with satker, signatures, …")
        allowed = {"satker", "singkatan", "parent", "alamat", "kota", "tz", "signatures"}
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise ReportError(
                f"{source}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
            )
        sigs_in = data.get("signatures") or {}
        if not isinstance(sigs_in, dict):
            raise ReportError(
                f"{source}: signatures must map operator/kasubbag/sekretaris/ketua to name and nip"
            )
        bad = sorted(set(sigs_in) - {k for k, _, _ in ROLES})
        if bad:
            raise ReportError(
                f"{source}: unknown signatory {', '.join(bad)}; use operator, kasubbag, sekretaris, ketua"
            )
        sigs = []
        for key, label, role in ROLES:
            person = sigs_in.get(key) or {}
            if not isinstance(person, dict):
                raise ReportError(f"{source}: signatures.{key} must be a mapping with name and nip")
            sigs.append(Signature(key, label, role, str(person.get("name", "")), str(person.get("nip", ""))))
        base = cls()
        return cls(
            satker=str(data.get("satker", base.satker)),
            singkatan=str(data.get("singkatan", base.singkatan)),
            parent=str(data.get("parent", base.parent)),
            alamat=str(data.get("alamat", "")),
            kota=str(data.get("kota", "")),
            tz=str(data.get("tz", base.tz)),
            signatures=tuple(sigs),
        )

    @classmethod
    def load(cls, path: Path | None) -> CourtInfo:
        """Read CourtInfo from YAML at `path` (None → defaults). Raise ReportError if unreadable."""
        if path is None:
            return cls()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ReportError(f"cannot read court file {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise ReportError(f"court file {path} is not valid YAML: {str(exc).splitlines()[0]}") from exc
        if isinstance(data, dict) and "court_report" in data:
            data = data["court_report"]
        return cls.from_mapping(data, source=str(path))
