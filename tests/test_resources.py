"""Bounded resources: the extract pool's size follows cores and memory, and the DAG keeps extraction inside it."""

from __future__ import annotations

import json
import subprocess
import sys

from pipeline.sizing import extract_slots
from tests.conftest import REPO


def test_extract_slots_are_bounded_by_cores_and_memory() -> None:
    assert extract_slots(cores=2, memory=24, processes=1) == 2
    assert extract_slots(cores=2, memory=24, processes=2) == 1
    assert extract_slots(cores=16, memory=64, processes=2) == 8  # cores bound it
    assert extract_slots(cores=16, memory=8, processes=2) == 6  # memory bounds it: 0.75 * 8 / 0.9
    assert extract_slots(cores=1, memory=0.5, processes=4) == 1  # never zero: the pool must run something


def test_the_cli_suggests_the_extract_pool_in_the_pools_file_format() -> None:
    proc = subprocess.run([sys.executable, "-m", "pipeline", "pools", "--suggest", "--cores", "8", "--memory-gib",
                           "32", "--processes", "2"], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    suggested = json.loads(proc.stdout)
    assert suggested["extract"]["slots"] == 4
    pools = json.loads((REPO / "airflow" / "pools.json").read_text())
    assert set(suggested["extract"]) == set(pools["extract"])

