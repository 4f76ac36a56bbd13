"""Run real Airflow in a subprocess with its own AIRFLOW_HOME, so no test leaks Airflow config into another.

Airflow reads its configuration once per process, at import; a subprocess per scenario keeps each test's
AIRFLOW_HOME, sources file and data root its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
AIRFLOW_BIN = Path(sys.executable).with_name("airflow")


def airflow_env(home: Path, sources: Path | None = None, data: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
    )
    if sources is not None:
        env["NEWS_CORPUS_SOURCES"] = str(sources)
    if data is not None:
        env["NEWS_CORPUS_DATA"] = str(data)
    return env


def migrate(home: Path) -> None:
    """A migrated SQLite metadata DB in ``home`` (what dag.test() needs)."""
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run([str(AIRFLOW_BIN), "db", "migrate"], env=airflow_env(home), check=True,
                   capture_output=True, timeout=300)


_DAG_TEST_SCRIPT = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
dag = bag.get_dag(sys.argv[2])
run = dag.test(run_conf=json.loads(sys.argv[3]))
tasks = {}
for ti in run.get_task_instances():
    tasks.setdefault(ti.task_id, []).append({"map_index": ti.map_index, "state": str(ti.state), "tries": ti.try_number})
print("DAG_TEST_RESULT " + json.dumps({"state": str(run.state), "tasks": tasks}))
"""

_DAGBAG_SCRIPT = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print("DAGBAG_RESULT " + json.dumps({
    "dag_ids": sorted(bag.dag_ids),
    "import_errors": {k: str(v) for k, v in bag.import_errors.items()},
    "tasks": {d: sorted(bag.get_dag(d).task_ids) for d in bag.dag_ids},
    "pools": sorted({t.pool for d in bag.dag_ids for t in bag.get_dag(d).tasks}),
    "task_pools": {d: {t.task_id: t.pool for t in bag.get_dag(d).tasks} for d in bag.dag_ids},
}))
"""


def _result(stdout: str, marker: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith(marker + " "):
            return json.loads(line[len(marker) + 1:])
    raise AssertionError(f"no {marker} line in output:\n{stdout[-4000:]}")


def dag_test(home: Path, sources: Path, data: Path, conf: dict, dag_id: str = "news_corpus") -> dict:
    """Run ``dag.test(run_conf=conf)`` in a subprocess; returns {"state": ..., "tasks": {task_id: [{"map_index",
    "state", "tries"}, ...]}} plus the captured log."""
    proc = subprocess.run(
        [sys.executable, "-c", _DAG_TEST_SCRIPT, str(DAGS), dag_id, json.dumps(conf)],
        env=airflow_env(home, sources, data), capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return {**_result(proc.stdout, "DAG_TEST_RESULT"), "log": proc.stdout + proc.stderr}


def load_dagbag(home: Path, sources: Path | None = None, data: Path | None = None) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", _DAGBAG_SCRIPT, str(DAGS)],
        env=airflow_env(home, sources, data), capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return _result(proc.stdout, "DAGBAG_RESULT")
