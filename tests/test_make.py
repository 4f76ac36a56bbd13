"""What the Makefile asks of Airflow, checked against Airflow's own configuration."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.support.airflow import AIRFLOW_BIN, airflow_env


def test_make_airflow_serves_the_ui_on_loopback_only(tmp_path) -> None:
    commands = subprocess.run(["make", "-n", "airflow"], cwd=REPO, capture_output=True, text=True, check=True,
                              timeout=60).stdout
    standalone = next(line for line in commands.replace("\\\n", " ").splitlines() if "airflow standalone" in line)
    settings = dict(re.findall(r"(AIRFLOW__\w+)=(\S+)", standalone))
    host = subprocess.run([str(AIRFLOW_BIN), "config", "get-value", "api", "host"], capture_output=True, text=True,
                          check=True, timeout=120, env={**airflow_env(tmp_path), **settings}).stdout.strip()
    assert host == "127.0.0.1"


@pytest.mark.airflow
def test_a_failed_dag_run_prints_the_failing_tasks_own_error(airflow_home: Path, tmp_path: Path) -> None:
    """`make run`'s path: `airflow dags test` with its log at the default level into a file, then the script that
    prints the failing task's error from it."""
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - name: sample\n    kind: warc\n    pathz: [x.warc.gz]\n", encoding="utf-8")
    env = {**airflow_env(airflow_home, sources, tmp_path / "data"), "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"}
    log = tmp_path / "dags-test.log"
    with log.open("w") as out:
        run = subprocess.run([str(AIRFLOW_BIN), "dags", "test", "news_corpus", "--conf", '{"day": "2022-01-06"}'],
                             env=env, stdout=out, stderr=subprocess.STDOUT, timeout=600)
    assert run.returncode != 0
    printed = subprocess.run([sys.executable, str(REPO / "scripts" / "dag_test_errors.py"), str(log)],
                             capture_output=True, text=True, check=True, timeout=60).stdout
    assert printed.splitlines() == [
        f"sources_to_process: {sources}: source 'sample': field 'paths': Field required (and 1 more error)"]
