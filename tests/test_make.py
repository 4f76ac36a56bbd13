"""What the Makefile asks of Airflow, checked against Airflow's own configuration."""

from __future__ import annotations

import re
import subprocess

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
