"""Run SOP activities with ansible-runner -- the only module that calls ansible-runner.

The records themselves are written by the ``sop_records`` callback inside the playbook run (so
``sop run`` and plain ``ansible-playbook`` leave the same evidence); this module validates the
input first (catalog, inventory, vault password, playbook files -- nothing is written when any
is wrong), registers the run so a ``kill -9`` is later recorded as *interrupted*, passes run id,
trigger and operator to the callback, and keeps ansible-runner's raw artifacts (job events,
stdout, status) compressed and secret-scrubbed beside the store, their sha256 in the run row.
"""

from __future__ import annotations

import configparser
import contextlib
import io
import os
import shutil
import sys
import tarfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sop_runner import private
from sop_runner.catalog import Activity, Catalog, CatalogError
from sop_runner.config import Config
from sop_runner.inventory import REQUIRED_VARS, check_required_vars, load_groups
from sop_runner.records import Record, RecordStore
from sop_runner.scrub import Scrubber
from sop_runner.secrets import collect_vault_values, vault_secrets

GROUP_PLAYBOOKS = {
    "hourly": "playbooks/hourly.yml",
    "daily": "playbooks/daily.yml",
    "day30": "playbooks/day30.yml",
}


class RunError(Exception):
    """A run could not start (one line naming the problem); nothing was written."""


@dataclass
class PlannedRun:
    """One ansible-playbook run: a playbook and the activities it carries out."""

    playbook: str
    activities: list[str]
    limit: str | None = None
    # extra variables for the run (sop recover: the replacement server, the backup to restore)
    extravars: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunResult:
    """The outcome of one playbook run: ansible-runner's status and rc, and the records written."""

    run_id: str
    playbook: str
    activities: list[str]
    status: str
    rc: int
    records: list[Record] = field(default_factory=list)
    artifacts: dict[str, Any] = field(default_factory=dict)
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-serialisable dict (records in full)."""
        d = dict(self.__dict__)
        d["records"] = [r.to_dict() for r in self.records]
        return d


def plan(
    catalog: Catalog, project_dir: Path, target: str, limit: str | None = None
) -> tuple[list[PlannedRun], list[str]]:
    """Given an activity id or group, return the playbook runs to make and warnings about
    activities skipped because their playbook does not exist yet (groups only).

    Raise :class:`RunError` for an unknown id, an activity without playbook, or a missing
    playbook of an explicitly named activity.
    """
    try:
        acts = catalog.resolve(target)
    except CatalogError as exc:
        raise RunError(str(exc)) from None
    warnings: list[str] = []
    present: list[Activity] = []
    for a in acts:
        assert a.playbook
        if (project_dir / a.playbook).is_file():
            present.append(a)
        elif len(acts) == 1 and target == a.id:
            raise RunError(f"activity '{a.id}': playbook {a.playbook} does not exist in {project_dir}")
        else:
            warnings.append(f"{a.id}: playbook {a.playbook} does not exist yet; skipped")
    if not present:
        if acts:
            raise RunError(f"'{target}': none of its playbooks exist yet in {project_dir}")
        raise RunError(f"'{target}': no runnable activities in the catalog")
    group_pb = GROUP_PLAYBOOKS.get(target)
    if group_pb and (project_dir / group_pb).is_file():
        return [PlannedRun(group_pb, [a.id for a in present], limit)], warnings
    by_pb: dict[str, list[str]] = {}
    for a in present:
        assert a.playbook
        by_pb.setdefault(a.playbook, []).append(a.id)
    return [PlannedRun(pb, ids, limit) for pb, ids in by_pb.items()], warnings


def _project_setting(cfg: Config, section: str, key: str) -> str:
    """Return a setting of the project's ansible.cfg ('' when absent or unreadable)."""
    parser = configparser.ConfigParser(interpolation=None)
    with contextlib.suppress(OSError, configparser.Error):
        parser.read(cfg.project_dir / "ansible.cfg")
        return parser.get(section, key, fallback="").strip()
    return ""


def vault_password_file(cfg: Config) -> Path | None:
    """Return the vault password file ansible-playbook will use: sop's own setting, else
    ``ANSIBLE_VAULT_PASSWORD_FILE``, else ``vault_password_file`` of the project's ansible.cfg."""
    if cfg.vault_password_file:
        return cfg.vault_password_file
    if os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE"):
        return Path(os.environ["ANSIBLE_VAULT_PASSWORD_FILE"]).expanduser()
    value = _project_setting(cfg, "defaults", "vault_password_file")
    return (cfg.project_dir / Path(value).expanduser()).absolute() if value else None


def preflight(cfg: Config) -> Scrubber:
    """Check the inventory parses and the vault password decrypts every vault file of the
    inventory and playbooks; return a scrubber for the vault values. Raise InventoryError /
    VaultError (one line) otherwise."""
    load_groups(cfg.inventory, cache_dir=cfg.records.parent)
    vault_file = vault_password_file(cfg)
    if vault_file is not None and not vault_file.is_file():
        raise RunError(f"vault password file {vault_file} does not exist")
    dirs = [cfg.inventory_dir, cfg.project_dir / "playbooks"]
    return Scrubber(collect_vault_values(dirs, vault_secrets(vault_file)))


def check_inventory(cfg: Config, catalog: Catalog, planned: list[PlannedRun]) -> None:
    """Before any run: check the inventory variables the planned activities' roles need
    (:data:`sop_runner.inventory.REQUIRED_VARS`) on every host they will run on. Raise
    InventoryError naming host and variable otherwise."""
    for run in planned:
        needs = []
        for activity_id in run.activities:
            act = catalog.activities[activity_id]
            names = REQUIRED_VARS.get(act.playbook or "", ())
            needs.append((activity_id, act.targets, names))
        check_required_vars(cfg.inventory, needs, run.limit, vault_password_file(cfg))


def _child_env(cfg: Config, run_id: str, trigger: str) -> dict[str, str]:
    bindir = str(Path(sys.executable).parent)
    return {
        "PATH": bindir + os.pathsep + os.environ.get("PATH", "/usr/bin:/bin"),
        "ANSIBLE_CONFIG": str(cfg.project_dir / "ansible.cfg"),
        "ANSIBLE_CALLBACK_PLUGINS": str(cfg.project_dir / "plugins" / "callback"),
        "ANSIBLE_CALLBACKS_ENABLED": "sop_records",
        "ANSIBLE_NOCOLOR": "1",
        "SOP_PROJECT_DIR": str(cfg.project_dir),
        "SOP_INVENTORY": str(cfg.inventory),
        "SOP_RECORDS": str(cfg.records),
        "SOP_CATALOG": ":".join(str(p) for p in cfg.catalog),
        "SOP_OPERATOR": cfg.operator,
        "SOP_RUN_ID": run_id,
        "SOP_VIA": "sop-run",
        "SOP_TRIGGER": trigger,
        # ansible-runner turns host key checking off unless it is set: keep what the project's
        # ansible.cfg (or the operator's environment) says, as plain ansible-playbook would.
        "ANSIBLE_HOST_KEY_CHECKING": os.environ.get("ANSIBLE_HOST_KEY_CHECKING")
        or _project_setting(cfg, "defaults", "host_key_checking")
        or "True",
        **({"ANSIBLE_VAULT_PASSWORD_FILE": str(cfg.vault_password_file)} if cfg.vault_password_file else {}),
    }


def _keep_artifacts(store: RecordStore, artifact_dir: Path, scrub: Scrubber) -> dict[str, Any]:
    """Pack job_events, stdout, status and rc (never env/: passwords, ssh key, extra vars) into a
    tar.gz, vault values masked (the JSON events parsed and scrubbed value by value, the text
    files as text with every escaped form), store it by sha256; return the blob reference."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", compresslevel=6) as tar:
        files = (
            sorted((artifact_dir / "job_events").glob("*.json"))
            if (artifact_dir / "job_events").is_dir()
            else []
        )
        files += [artifact_dir / n for n in ("stdout", "status", "rc") if (artifact_dir / n).is_file()]
        for f in files:
            text = f.read_text(encoding="utf-8", errors="replace")
            data = (scrub.json_text(text) if f.suffix == ".json" else scrub.text(text)).encode()
            info = tarfile.TarInfo(str(f.relative_to(artifact_dir)))
            info.size = len(data)
            info.mtime = int(f.stat().st_mtime)
            info.mode = 0o400
            tar.addfile(info, io.BytesIO(data))
    return store.put_blob(buf.getvalue())


def run_playbook(
    cfg: Config,
    catalog: Catalog,
    planned: PlannedRun,
    *,
    check: bool = False,
    trigger: str = "manual",
    scrubber: Scrubber | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> RunResult:
    """Run one planned playbook with ansible-runner and return what was recorded.

    The caller has run :func:`preflight`. The run's lifecycle has one owner, the ``sop_records``
    callback, as under plain ansible-playbook or AWX: it registers the activities it starts,
    writes the records and marks the run finished. This function only registers the planned
    activities first (so a crash before the first play is still recorded) and, when
    ansible-playbook has exited, reads the run's state from the store: a run not marked finished
    gets an *interrupted* record for each activity without one. ansible-runner's artifacts are
    kept compressed in the store.
    """
    import ansible_runner

    scrub = scrubber or Scrubber()
    run_id = str(uuid.uuid4())
    store = RecordStore(cfg.records)
    store.recover_interrupted()
    cleanup_stale_work(cfg, store)
    lock_fd = store.begin_run(
        run_id,
        via="sop-run",
        trigger=trigger,
        operator=cfg.operator,
        activities=planned.activities,
        playbook=planned.playbook,
        inventory=str(cfg.inventory),
        check_mode=check,
    )
    work = cfg.records.parent / "work" / run_id
    private.make_dir(work)  # ansible-runner writes extra vars and passwords into env/
    cmdline: list[str] = []
    if check:
        cmdline.append("--check")

    def handler(event: dict[str, Any]) -> bool:
        if on_event is not None:
            on_event(event)
        return True

    try:
        r = ansible_runner.run(
            private_data_dir=str(work),
            project_dir=str(cfg.project_dir),
            playbook=str(cfg.project_dir / planned.playbook),
            inventory=str(cfg.inventory),
            limit=planned.limit,
            extravars=planned.extravars or None,
            cmdline=" ".join(cmdline) or None,
            envvars=_child_env(cfg, run_id, trigger),
            ident="run",
            quiet=True,
            # ansible-runner's default ("jsonfile") points the fact cache into this run's artifact
            # dir, removed below: every run would gather facts again. Any other value leaves the
            # project's ansible.cfg fact cache in force, as for plain ansible-playbook.
            fact_cache_type="ansible.cfg",
            event_handler=handler,
            settings={"suppress_ansible_output": True, "job_timeout": 0},
        )
        status, rc = str(r.status), int(r.rc if r.rc is not None else -1)
        artifacts = _keep_artifacts(store, work / "artifacts" / "run", scrub)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    # The callback owns the run's end: it marks the run finished after writing its records.
    # Anything else (a crash, a signal, a callback that never loaded) ended it unfinished.
    store.set_run_artifacts(run_id, artifacts)
    os.close(lock_fd)
    run = store.get_run(run_id)
    error = ""
    if run is not None and run.state == "finished":
        records = store.list_records(run_id=run_id)
    else:
        error = f"ansible-playbook {planned.playbook} ended ({status}, rc {rc}) before writing its records"
        records = [*store.list_records(run_id=run_id), *store.interrupt_run(run_id, note=error)]
    store.close()
    return RunResult(run_id, planned.playbook, planned.activities, status, rc, records, artifacts, error)


def run_utility_playbook(
    cfg: Config,
    playbook: str,
    *,
    extravars: dict[str, Any],
    check: bool = False,
    limit: str | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
) -> int:
    """Run a project playbook that is not an SOP activity (e.g. install_schedule.yml) with
    ansible-runner, records disabled; return its rc. Its output is shown, unless ``on_event`` is
    given: then the events go there instead (``sop backups list`` reads its custom stats)."""
    import ansible_runner

    if not (cfg.project_dir / playbook).is_file():
        raise RunError(f"playbook {playbook} does not exist in {cfg.project_dir}")
    env = _child_env(cfg, "", "manual")
    env["SOP_RECORDS_DISABLED"] = "1"
    work = cfg.records.parent / "work" / f"utility-{uuid.uuid4()}"
    private.make_dir(work)  # ansible-runner writes extra vars and passwords into env/
    try:
        r = ansible_runner.run(
            private_data_dir=str(work),
            project_dir=str(cfg.project_dir),
            playbook=str(cfg.project_dir / playbook),
            inventory=str(cfg.inventory),
            limit=limit,
            extravars=extravars,
            cmdline="--check" if check else None,
            envvars=env,
            quiet=on_event is not None,
            event_handler=(lambda ev: on_event(ev) or True) if on_event is not None else None,
            fact_cache_type="ansible.cfg",  # as in run_playbook: the project's fact cache
        )
        return int(r.rc if r.rc is not None else 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def cleanup_stale_work(cfg: Config, store: RecordStore) -> None:
    """Remove private data dirs left by runs that are no longer running (killed runs leave
    theirs; they can hold extra vars)."""
    work = cfg.records.parent / "work"
    if work.is_dir():
        for d in work.iterdir():
            run = store.get_run(d.name)
            if run is None or run.state != "running":
                with contextlib.suppress(OSError):
                    shutil.rmtree(d)
