"""Records under AWX: the same sop_records callback, run the way AWX runs a job.

AWX hands ansible-runner a private data directory (project/, inventory/, env/) inside the
execution environment, sets ANSIBLE_CALLBACK_PLUGINS itself (runner appends its own display
callback) and passes AWX_TASK_ENV as job environment. `sop awx export` sets AWX_TASK_ENV to
expose the project's callback and the record store path; this test builds that private data
directory, runs `ansible-runner run` as a separate process (as AWX's worker does) and reads
the record from the configured store.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from sop_runner.records import RecordStore

ROOT = Path(__file__).resolve().parents[3]

PLAYBOOK = """\
- name: Simulated AWX job for one SOP activity
  hosts: all
  gather_facts: false
  tasks:
    - name: "D.7 | AUDIT | Compare the restored copy (simulated)"
      ansible.builtin.set_stats:
        per_host: true
        aggregate: true
        data:
          sop_output:
            D.7:
              summary: "Back up data: pemulihan diuji"
              tables_compared: 4
              findings: []
"""


def test_records_are_written_by_the_callback_inside_an_awx_like_runner_job(tmp_path: Path) -> None:
    pdd = tmp_path / "runner"
    project = pdd / "project"
    project.mkdir(parents=True)
    # AWX checks the whole repository out as the project; the parts a job needs:
    for item in ("ansible.cfg", "plugins", "lab/vault-password"):
        src, dest = ROOT / item, project / item
        dest.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest)
    (project / "awx_job.yml").write_text(PLAYBOOK, encoding="utf-8")
    (pdd / "inventory").mkdir()
    (pdd / "inventory" / "hosts").write_text(
        "court-a ansible_connection=local ansible_python_interpreter=" + sys.executable + "\n",
        encoding="utf-8",
    )
    store = tmp_path / "sop" / "records.sqlite"
    # What `sop awx export` puts into AWX_TASK_ENV, plus what the EE image sets.
    env = {
        "ANSIBLE_CALLBACK_PLUGINS": str(project / "plugins" / "callback"),
        "SOP_RECORDS": str(store),
        "SOP_PROJECT_DIR": str(project),
        "SOP_VIA": "awx",
        "ANSIBLE_CONFIG": str(project / "ansible.cfg"),
    }
    (pdd / "env").mkdir()
    (pdd / "env" / "envvars").write_text(yaml.safe_dump(env), encoding="utf-8")

    runner_bin = Path(sys.executable).with_name("ansible-runner")
    result = subprocess.run(
        [str(runner_bin), "run", str(pdd), "-p", "awx_job.yml", "--ident", "awx-job-1"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        # In the EE, ansible-playbook is on PATH; here it sits beside this interpreter.
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    stats = [
        json.loads(p.read_text(encoding="utf-8"))
        for p in (pdd / "artifacts" / "awx-job-1" / "job_events").glob("*.json")
    ]
    assert any(e.get("event") == "playbook_on_stats" for e in stats)

    with RecordStore(store, readonly=True) as records:
        recs = records.list_records()
        assert [r.activity_id for r in recs] == ["D.7"]
        rec = recs[0]
        assert rec.via == "awx"
        assert rec.status == "successful"
        assert rec.output["court-a"]["tables_compared"] == 4
        assert records.verify().ok
