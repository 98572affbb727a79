"""The SOP catalog: 45 activities, Waktu parsing, schema errors naming file/activity/field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sop_runner.catalog import CatalogError, load_catalog, parse_waktu

ACTIVITIES_MD = Path(__file__).resolve().parents[3] / "docs" / "CONVENTIONS.md"
EXPECTED_IDS = (
    [f"SIPP-{i}" for i in range(1, 8)]
    + [f"A.{i}" for i in range(1, 5)]
    + [f"B.{i}" for i in range(1, 8)]
    + [f"C.{i}" for i in range(1, 8)]
    + [f"D.{i}" for i in range(1, 8)]
    + [f"E.{i}" for i in range(1, 7)]
    + [f"F.{i}" for i in range(1, 8)]
)


def test_exactly_the_45_activities_in_sop_order() -> None:
    cat = load_catalog()
    sop = [a for a in cat.activities.values() if a.source in ("SIPP", "AS29")]
    assert len(sop) == 45
    assert [a.id for a in sop] == EXPECTED_IDS


def test_the_compliance_audit_is_one_daily_activity_beside_the_sop() -> None:
    """KK-1 (sop comply) is the only activity outside the two SOPs: daily, produced by comply."""
    cat = load_catalog()
    extra = [a for a in cat.activities.values() if a.source not in ("SIPP", "AS29")]
    assert [(a.id, a.produced_by, a.schedule, a.runnable) for a in extra] == [
        ("KK-1", "comply", "daily", False)
    ]
    with pytest.raises(CatalogError, match="produced by 'sop comply'"):
        cat.resolve("KK-1")


def test_activity_to_playbook_map_matches_conventions() -> None:
    """Every automated activity's playbook is the one CONVENTIONS.md names."""
    text = ACTIVITIES_MD.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| ([A-Z][A-Z0-9.-]+) \| (playbooks/\S+\.yml)", text, re.M))
    cat = load_catalog()
    mapped = {a.id: a.playbook for a in cat.activities.values() if a.playbook}
    assert mapped == table


def test_every_activity_has_sop_fields_and_kinds() -> None:
    cat = load_catalog()
    kinds = {a.id: a.kind for a in cat.activities.values()}
    assert kinds["SIPP-1"] == "automated" and kinds["SIPP-4"] == "manual" and kinds["C.3"] == "partly"
    for a in cat.activities.values():
        assert a.aktifitas and a.pelaksana and a.output and a.waktu
        if a.kind == "automated":
            assert a.playbook or a.produced_by in ("report", "comply")
    groups = {g: sorted(a.id for a in cat.group(g)) for g in ("hourly", "daily", "day30")}
    assert groups["hourly"] == ["SIPP-1"]
    assert groups["day30"] == ["C.2", "C.4", "D.4", "D.5", "D.7"]
    assert "SIPP-2" in groups["daily"] and "F.1" in groups["daily"]


@pytest.mark.parametrize(
    ("text", "seconds", "schedule"),
    [
        ("1 jam", 3600, None),
        ("2 Jam", 7200, None),
        ("15 menit", 900, None),
        ("30 Menit", 1800, None),
        ("1 Hari", 86400, None),
        ("relatif", None, None),
        ("1 Hari - 3 Jam", 86400, None),
        ("Setiap tanggal 30 bulan berjalan", None, "day30"),
        ("tanggal 30", None, "day30"),
    ],
)
def test_parse_waktu(text: str, seconds: float | None, schedule: str | None) -> None:
    w = parse_waktu(text)
    assert w.standard_s == seconds
    assert w.schedule == schedule


def test_parse_waktu_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="cannot read waktu"):
        parse_waktu("secepatnya")


def test_catalog_standards_from_waktu() -> None:
    cat = load_catalog()
    assert cat.get("SIPP-1").standard_s == 3600
    assert cat.get("SIPP-3").standard_s is None
    assert cat.get("C.2").schedule == "day30"
    assert cat.rrule(cat.get("C.2")).startswith("FREQ=MONTHLY;BYMONTHDAY=28,29,30;BYSETPOS=-1")


def _override(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "sop_catalog.yml"
    p.write_text(text, encoding="utf-8")
    return p


def test_override_changes_pelaksana_and_schedule(tmp_path: Path) -> None:
    p = _override(
        tmp_path,
        "schedules:\n  twice_daily:\n    rrule: 'FREQ=DAILY;BYHOUR=7,15;BYMINUTE=0;BYSECOND=0'\n"
        "activities:\n  - id: F.1\n    pelaksana: [Operator Web]\n    schedule: twice_daily\n"
        "  - id: X.1\n    source: AS29\n    section: X\n    aktifitas: Cek genset\n"
        "    pelaksana: [Operator]\n"
        "    persyaratan: Genset\n    waktu: 1 jam\n    output: Genset siap\n    kind: manual\n",
    )
    cat = load_catalog([p])
    assert cat.get("F.1").pelaksana == ("Operator Web",)
    assert cat.get("F.1").schedule == "twice_daily"
    assert cat.get("F.1").origin == str(p)
    assert len(cat.activities) == 47  # 45 SOP activities, KK-1 (sop comply) and the one added here


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "activities:\n  - id: C.2\n    kind: sometimes\n",
            r"activity C\.2: field 'kind': 'sometimes' is not one of",
        ),
        (
            "activities:\n  - id: D.7\n    waktu: secepatnya\n",
            r"activity D\.7: field 'waktu': cannot read waktu",
        ),
        (
            "activities:\n  - id: F.1\n    schedule: weekly\n",
            r"activity F\.1: field 'schedule': unknown schedule 'weekly'",
        ),
        ("activities:\n  - id: F.1\n    colour: red\n", r"activity F\.1: unknown field\(s\)"),
        ("activities:\n  - id: Z.9\n    kind: manual\n", r"activity Z\.9: 'source' is a required property"),
        ("activities: [\n", r"not valid YAML"),
        ("timezone: Mars/Olympus\n", r"field 'timezone': unknown timezone"),
    ],
)
def test_bad_catalog_is_one_line_naming_file_activity_field(tmp_path: Path, text: str, expected: str) -> None:
    p = _override(tmp_path, text)
    with pytest.raises(CatalogError) as exc:
        load_catalog([p])
    msg = str(exc.value)
    assert "\n" not in msg
    assert str(p) in msg
    assert re.search(expected, msg), msg


def test_unknown_activity_and_manual_activity_cannot_run() -> None:
    cat = load_catalog()
    with pytest.raises(CatalogError, match="unknown SOP activity 'Q.1'"):
        cat.resolve("Q.1")
    with pytest.raises(CatalogError, match="sop log SIPP-4"):
        cat.resolve("SIPP-4")
    assert [a.id for a in cat.resolve("SIPP-1")] == ["SIPP-1"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["records", "export"], "Missing argument 'dest'"), (["nosuch"], "No such command 'nosuch'")],
)
def test_command_line_mistakes_give_usage_and_one_error_line(args: list[str], expected: str) -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "sop_runner.cli", *args], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.startswith("Error:")] == [f"Error: {expected}."]


def test_validated_catalog_is_remembered_and_a_changed_file_is_validated_again(tmp_path: Path) -> None:
    over = tmp_path / "court.yml"
    over.write_text("activities:\n  - id: SIPP-1\n    pelaksana: [Operator TI]\n", encoding="utf-8")
    cat = load_catalog([over], cache_dir=tmp_path)
    marker = tmp_path / ".catalog-validated"
    assert marker.is_file() and cat.get("SIPP-1").pelaksana == ("Operator TI",)
    assert load_catalog([over], cache_dir=tmp_path).get("SIPP-1").pelaksana == ("Operator TI",)
    # the same file changed to something the schema refuses: validated again, refused
    over.write_text("activities:\n  - id: SIPP-1\n    pelaksana: Operator TI\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"court.yml: activity SIPP-1: field 'pelaksana'"):
        load_catalog([over], cache_dir=tmp_path)
    # a marker that does not match (edited, another catalog) never skips validation
    marker.write_text("0" * 64 + "\n", encoding="ascii")
    with pytest.raises(CatalogError, match="pelaksana"):
        load_catalog([over], cache_dir=tmp_path)
