# sop_records: write one maintenance record per SOP activity from Ansible's own events.
"""sop_records callback plugin."""

from __future__ import annotations

DOCUMENTATION = """
name: sop_records
type: notification
short_description: Write SOP maintenance records (hash-chained) from the playbook's events
description:
  - For every SOP activity a playbook carries out (tasks named C(<id> | KIND | what), custom stats
    C(sop_output.<id>) from C(ansible.builtin.set_stats)), writes one record into the sop_runner
    record store, with per-host stats, the output as data, findings, duration against the SOP's
    time standard, and the sha256 of the kept (compressed, secret-free) event log.
  - Works the same under plain C(ansible-playbook), C(sop run) (ansible-runner) and AWX.
  - Where records go follows sop_runner's configuration (SOP_RECORDS, SOP_CONFIG, or the
    default for the inventory); C(sop run) passes its run id, trigger and operator through
    C(SOP_RUN_ID), C(SOP_TRIGGER), C(SOP_OPERATOR) and C(SOP_VIA).
  - A run that dies without reaching the end (kill -9, power loss) is marked C(interrupted)
    by the next start of a playbook or of C(sop).
requirements:
  - the sop_runner package (installed, or this repository's checkout)
options:
  disabled:
    description: Do not write records (e.g. lab set-up playbooks).
    type: bool
    default: false
    env:
      - name: SOP_RECORDS_DISABLED
"""

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

from ansible import context
from ansible.parsing.vault import VaultSecretsContext
from ansible.plugins.callback import CallbackBase
from ansible.release import __version__ as ANSIBLE_VERSION

try:
    import sop_runner  # noqa: F401
except ImportError:  # running from the checkout without the package installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sop_runner.catalog import CatalogError, load_catalog  # noqa: E402
from sop_runner.config import ConfigError, load_config  # noqa: E402
from sop_runner.eventrecords import EventCollector, activity_of  # noqa: E402
from sop_runner.records import RecordStore, RecordStoreError  # noqa: E402
from sop_runner.scrub import Scrubber  # noqa: E402
from sop_runner.secrets import VaultError, collect_vault_values  # noqa: E402


def _now():
    return datetime.now(UTC)


def _git_revision(where):
    try:
        out = subprocess.run(
            ["git", "-C", str(where), "describe", "--always", "--dirty", "--abbrev=40"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def _task_names(obj, out):
    """Collect task names of blocks/tasks recursively (static view of a play)."""
    for attr in ("block", "rescue", "always"):
        for child in getattr(obj, attr, None) or []:
            _task_names(child, out)
    name = getattr(obj, "name", None)
    if isinstance(name, str) and not hasattr(obj, "block"):
        out.append(name)


class CallbackModule(CallbackBase):
    """Writes SOP maintenance records."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "notification"
    CALLBACK_NAME = "sop_records"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._active = False
        self._store = None
        self._lock_fd = None
        self._collector = None
        self._catalog = None

    # -- set-up ---------------------------------------------------------------------------------
    def _warn(self, msg):
        self._display.warning(f"sop_records: {msg}")

    def v2_playbook_on_start(self, playbook):
        self.set_options()
        if self.get_option("disabled"):
            return
        args = context.CLIARGS
        inventories = [i for i in (args.get("inventory") or []) if i and Path(i).exists()]
        try:
            cfg = load_config(inventory=inventories[0] if inventories else None)
            self._catalog = load_catalog(cfg.catalog, cache_dir=cfg.records.parent)
        except (ConfigError, CatalogError) as exc:
            self._warn(f"no records will be written: {exc}")
            return
        self._cfg = cfg
        playbook_path = Path(playbook._file_name).resolve()
        dirs = [cfg.inventory_dir, playbook_path.parent]
        dirs += [Path(i) if Path(i).is_dir() else Path(i).parent for i in inventories]
        # the vault secrets this ansible-playbook process set up (password file, script, ids)
        vault_context = VaultSecretsContext.current(optional=True)
        secrets = []
        try:
            secrets = collect_vault_values(dirs, vault_context.secrets if vault_context else [])
        except VaultError as exc:
            self._warn(str(exc))
        self._collector = EventCollector(self._catalog.activities, Scrubber(secrets))
        env = os.environ
        self._run_id = env.get("SOP_RUN_ID") or str(uuid.uuid4())
        self._via = env.get("SOP_VIA") or "ansible-playbook"
        self._trigger = env.get("SOP_TRIGGER") or "manual"
        self._operator = env.get("SOP_OPERATOR") or cfg.operator
        self._check = bool(args.get("check"))
        self._subset = args.get("subset") or ""
        try:
            self._playbook = str(playbook_path.relative_to(cfg.project_dir))
        except ValueError:
            self._playbook = str(playbook_path)
        self._git = _git_revision(playbook_path.parent)
        try:
            self._store = RecordStore(cfg.records)
            self._store.recover_interrupted()
        except (RecordStoreError, OSError) as exc:
            self._warn(f"record store {cfg.records}: {exc}; no records will be written")
            return
        self._active = True

    def _register(self, activities):
        """Register the run (liveness lock) once it starts its first SOP activity; a playbook
        without SOP tasks (lab set-up, utilities) leaves no trace in the store."""
        if self._lock_fd is None:
            self._lock_fd = self._store.begin_run(
                self._run_id,
                via=self._via,
                trigger=self._trigger,
                operator=self._operator,
                activities=activities,
                playbook=self._playbook,
                inventory=str(self._cfg.inventory),
                check_mode=self._check,
            )
        else:
            self._store.add_run_activities(self._run_id, activities)

    # -- events ---------------------------------------------------------------------------------
    def v2_playbook_on_play_start(self, play):
        if not self._active:
            return
        declared = []
        try:
            pvars = play.vars or {}
            declared.extend(pvars.get("sop_activities", []) or [])
        except Exception:  # noqa: BLE001 - templated or odd play vars: fall back to the scan
            pass
        names = []
        try:
            for block in play.pre_tasks + play.tasks + play.post_tasks:
                _task_names(block, names)
            for role in play.get_roles():
                for block in role.get_task_blocks():
                    _task_names(block, names)
        except Exception:  # noqa: BLE001 - the static scan is a best effort
            pass
        for n in names:
            act = activity_of(n, self._catalog.activities)
            if act:
                declared.append(act)
        self._collector.play_start(play.get_name(), declared, _now())
        if declared:
            self._register(sorted(set(declared)))

    def v2_playbook_on_task_start(self, task, is_conditional):
        if self._active:
            act = self._collector.task_start(task.get_name(), _now())
            if act and act not in self._collector.play_declared.get(self._collector.play_no, set()):
                self._collector.play_declared.setdefault(self._collector.play_no, set()).add(act)
                self._register([act])

    def v2_playbook_on_handler_task_start(self, task):
        self.v2_playbook_on_task_start(task, False)

    def _result(self, result, outcome, ignore_errors=False):
        if not self._active:
            return
        res = result._result if isinstance(result._result, dict) else {}
        task = result._task
        no_log = bool(getattr(task, "no_log", False)) or "censored" in res
        self._collector.result(
            task_name=task.get_name(),
            host=result._host.get_name(),
            outcome=outcome,
            when=_now(),
            changed=bool(res.get("changed", False)),
            ignore_errors=ignore_errors,
            action=str(getattr(task, "action", "") or ""),
            rc=res.get("rc") if isinstance(res.get("rc"), int) else None,
            msg=res.get("msg") if isinstance(res.get("msg"), str) else None,
            no_log=no_log,
        )

    def v2_runner_on_ok(self, result):
        self._result(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._result(result, "failed", ignore_errors=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self._result(result, "unreachable")

    def v2_runner_on_skipped(self, result):
        self._result(result, "skipped")

    # -- the end --------------------------------------------------------------------------------
    def v2_playbook_on_stats(self, stats):
        if not self._active:
            return
        self._active = False
        host_stats = {}
        for host in sorted(stats.processed):
            host_stats[host] = stats.summarize(host)
        custom = dict(stats.custom or {})
        if self._lock_fd is None and not self._collector.activities_seen() and not custom:
            return  # no SOP activity in this playbook
        try:
            blob = self._store.put_blob(self._collector.archive({"hosts": host_stats}))
            base = {
                "run_id": self._run_id,
                "via": self._via,
                "trigger": self._trigger,
                "operator": self._operator,
                "check_mode": self._check,
                "inventory": str(self._cfg.inventory),
                "playbook": self._playbook,
                "git_revision": self._git,
                "ansible_version": ANSIBLE_VERSION,
                "artifacts": blob,
            }
            acts = self._catalog.activities
            scopes = {a: acts[a].scope + (f" limit {self._subset}" if self._subset else "") for a in acts}
            records = self._collector.build_records(
                host_stats=host_stats,
                custom=custom,
                base=base,
                standards={a: acts[a].standard_s for a in acts},
                scopes=scopes,
                fallback_time=_now(),
            )
            for rec in records:
                self._store.append_record(rec)
            if self._lock_fd is not None or self._store.get_run(self._run_id) is not None:
                self._store.end_run(self._run_id, lock_fd=self._lock_fd)
            self._lock_fd = None
        except (RecordStoreError, OSError) as exc:
            self._display.error(f"sop_records: could not write the maintenance records: {exc}")
            return
        for rec in records:
            self._display.display(
                f"SOP record: {rec['activity_id']} {rec['status']}"
                # the verdict is the Mutu Baku time standard's, not the outcome's: say so
                + (f" (Mutu Baku waktu: {rec['verdict']})" if rec["verdict"] else "")
                + (f" - {rec['note']}" if rec["note"] else ""),
                screen_only=True,
            )
