"""Run the compliance suite -- the one module that runs pytest and testinfra.

The suite (``sop_runner/comply/suite``) runs in this process under its own pytest settings;
:class:`_Collector` is the pytest plugin that hands it the :class:`ComplyContext`, keeps only the
controls of the activities asked for, and turns every test report into a structured
:class:`ControlResult` (never parsed from pytest's console output). A control whose host cannot
be reached -- at its first command or when it fails -- is *unreachable*, never passed.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sop_runner.comply.context import UNREACHABLE, ComplyContext
from sop_runner.eventrecords import Scrubber
from sop_runner.records import iso, utcnow

SUITE_DIR = Path(__file__).resolve().parent / "suite"
#: where the suite's conftest finds the context (pytest's per-session stash)
CTX_KEY: Any = None
PASSED, FAILED, UNREACHABLE_OUTCOME, NOT_APPLICABLE = "passed", "failed", "unreachable", "not applicable"
OUTCOMES = (PASSED, FAILED, UNREACHABLE_OUTCOME, NOT_APPLICABLE)
SEVERITIES = ("info", "warning", "high")


class ComplyError(Exception):
    """The suite could not run (one line naming the problem)."""


@dataclass
class ControlResult:
    """One control checked on one host."""

    activity: str
    control: str
    host: str
    outcome: str
    message: str = ""
    severity: str = "high"
    duration_s: float = 0.0
    description: str = ""

    @property
    def name(self) -> str:
        """The control without the ``test_`` prefix (``D5_firewall_default_deny``)."""
        return self.control.removeprefix("test_")

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dict."""
        return asdict(self)


@dataclass
class ComplyRun:
    """The outcome of one run of the suite."""

    started: datetime
    ended: datetime
    results: list[ControlResult] = field(default_factory=list)

    @property
    def activities(self) -> list[str]:
        """The SOP activities checked, in the order met."""
        return list(dict.fromkeys(r.activity for r in self.results))

    @property
    def ok(self) -> bool:
        """True when no control failed or was unreachable."""
        return all(r.outcome in (PASSED, NOT_APPLICABLE) for r in self.results)

    def counts(self) -> dict[str, int]:
        """Return how many controls had each outcome."""
        return {o: sum(1 for r in self.results if r.outcome == o) for o in OUTCOMES}

    def to_dict(self) -> dict[str, Any]:
        """Return the run as a JSON-serialisable dict."""
        return {
            "started": iso(self.started),
            "ended": iso(self.ended),
            "counts": self.counts(),
            "results": [r.to_dict() for r in self.results],
        }


def ctx_key() -> Any:
    """Return the pytest stash key under which the suite finds its :class:`ComplyContext`."""
    global CTX_KEY
    if CTX_KEY is None:
        import pytest

        CTX_KEY = pytest.StashKey[ComplyContext]()
    return CTX_KEY


def controls(activity_ids: set[str] | None = None) -> dict[str, list[str]]:
    """Return ``{activity: [control, …]}`` of the suite (by reading the markers of its tests).
    Used to refuse an activity without a control before anything runs."""
    import ast

    found: dict[str, list[str]] = {}
    for path in sorted(SUITE_DIR.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_sop = _sop_of(tree.body)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                sop = _sop_of(node.decorator_list, decorators=True) or module_sop
                if sop and (activity_ids is None or sop in activity_ids):
                    found.setdefault(sop, []).append(node.name)
    return found


def _sop_of(nodes: list[Any], decorators: bool = False) -> str | None:
    """Find ``pytest.mark.sop("X")`` among decorators or in a module's ``pytestmark``."""
    import ast

    calls: list[ast.Call] = []
    if decorators:
        calls = [n for n in nodes if isinstance(n, ast.Call)]
    else:
        for n in nodes:
            if isinstance(n, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in n.targets
            ):
                value = n.value
                calls = [e for e in getattr(value, "elts", [value]) if isinstance(e, ast.Call)]
    for call in calls:
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "sop" and call.args:
            arg = call.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return arg.value
    return None


class _Collector:
    """The pytest plugin: context for the suite, selection, structured results."""

    def __init__(
        self,
        ctx: ComplyContext,
        scrub: Scrubber,
        on_result: Callable[[ControlResult, int, int], None] | None,
    ) -> None:
        self.ctx = ctx
        self.scrub = scrub
        self.on_result = on_result
        self.meta: dict[str, dict[str, str]] = {}
        self.results: list[ControlResult] = []
        self.errors: list[str] = []
        self.total = 0

    def pytest_configure(self, config: Any) -> None:
        config.stash[ctx_key()] = self.ctx

    # -- collection -------------------------------------------------------------------------------
    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.errors.append(f"{report.nodeid}: {self._first_line(report)}")

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        keep, drop = [], []
        for item in items:
            sop = item.get_closest_marker("sop")
            activity = str(sop.args[0]) if sop and sop.args else ""
            if not activity or (self.ctx.activities is not None and activity not in self.ctx.activities):
                drop.append(item)
                continue
            sev = item.get_closest_marker("severity")
            severity = str(sev.args[0]) if sev and sev.args else "high"
            doc = (getattr(item.function, "__doc__", "") or "").strip()
            params = getattr(item, "callspec", None)
            has_host = params is not None and "target" in params.params
            if "target" in getattr(item, "fixturenames", ()) and not has_host:
                drop.append(item)  # no host of its groups in the inventory (or --limit)
                continue
            host = str(params.params["target"]) if params is not None and has_host else "-"
            self.meta[item.nodeid] = {
                "activity": activity,
                "control": item.originalname,
                "host": host,
                "severity": severity if severity in SEVERITIES else "high",
                "description": " ".join(doc.split()),
            }
            keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
        items[:] = keep
        self.total = len(keep)

    # -- results ----------------------------------------------------------------------------------
    def pytest_runtest_logreport(self, report: Any) -> None:
        meta = self.meta.get(report.nodeid)
        if meta is None:
            return
        if report.when == "call" or (report.when == "setup" and not report.passed):
            host = meta["host"]
            if report.passed:
                outcome, message = PASSED, ""
            elif report.skipped:
                reason = self._skip_reason(report)
                if reason.startswith(UNREACHABLE):
                    outcome, message = UNREACHABLE_OUTCOME, reason[len(UNREACHABLE) :]
                else:
                    outcome, message = NOT_APPLICABLE, reason.removeprefix("not applicable: ")
            else:
                why = self.ctx.recheck(host) if report.nodeid in self.ctx.used else ""
                if why:
                    outcome, message = UNREACHABLE_OUTCOME, why
                else:
                    outcome, message = FAILED, self._first_line(report)
                    if report.when == "setup":
                        message = "could not be checked: " + message
            res = ControlResult(
                activity=meta["activity"],
                control=meta["control"],
                host=host,
                outcome=outcome,
                message=self.scrub.text(message)[:500],
                severity=meta["severity"],
                duration_s=round(float(getattr(report, "duration", 0.0)), 3),
                description=meta["description"],
            )
            self.results.append(res)
            if self.on_result is not None:
                self.on_result(res, len(self.results), self.total)

    @staticmethod
    def _skip_reason(report: Any) -> str:
        longrepr = report.longrepr
        if isinstance(longrepr, tuple) and len(longrepr) == 3:
            return str(longrepr[2]).removeprefix("Skipped: ")
        return str(longrepr or "")

    @staticmethod
    def _first_line(report: Any) -> str:
        crash = getattr(getattr(report, "longrepr", None), "reprcrash", None)
        text = str(getattr(crash, "message", "") or report.longreprtext or "failed")
        for prefix in ("AssertionError: ", "Failed: ", "RuntimeError: "):
            text = text.removeprefix(prefix)
        line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "failed")
        return line


def run_suite(
    ctx: ComplyContext,
    *,
    scrub: Scrubber | None = None,
    on_result: Callable[[ControlResult, int, int], None] | None = None,
) -> ComplyRun:
    """Run the compliance suite against ``ctx`` (its hosts, limit and activities) and return the
    structured results. Raise :class:`ComplyError` when the suite cannot be collected or run."""
    import pytest

    collector = _Collector(ctx, scrub or Scrubber(), on_result)
    args = [
        str(SUITE_DIR),
        "-c",
        str(SUITE_DIR / "pytest.ini"),
        "--rootdir",
        str(SUITE_DIR),
        "-p",
        "no:cacheprovider",
        "-p",
        "no:xdist",
        "-p",
        "no:randomly",
        "--strict-markers",
        "--import-mode=importlib",
        "--assert=plain",  # every check names its problem itself; nothing is rewritten or cached
        "--capture=no",  # the live status line (stderr) stays visible while controls run
        "-q",
        "--no-header",
        "--disable-warnings",
        "-o",
        "console_output_style=classic",
    ]
    started = utcnow()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = pytest.main(args, plugins=[collector])
    if collector.errors:
        raise ComplyError("compliance suite cannot be loaded: " + collector.errors[0])
    if int(code) not in (0, 1, 5):
        tail = " ".join(out.getvalue().split())[-300:]
        raise ComplyError(f"compliance suite did not run (pytest exit {int(code)}): {tail}")
    return ComplyRun(started=started, ended=utcnow(), results=_not_confirmed(collector.results))


def _not_confirmed(results: list[ControlResult]) -> list[ControlResult]:
    """A host that did not answer has no *passed* control: one judged from the records or the
    inventory alone (D.7, C.2, a threshold) is *unreachable* too -- nothing about the host itself
    was confirmed. Failures stay failures (what the records show is wrong is wrong)."""
    dark = {r.host: r.message for r in results if r.outcome == UNREACHABLE_OUTCOME}
    return [
        replace(
            r, outcome=UNREACHABLE_OUTCOME, message=f"not confirmed: the host did not answer ({dark[r.host]})"
        )
        if r.host in dark and r.outcome == PASSED
        else r
        for r in results
    ]
