"""Shared fixtures. Airflow runs only in subprocesses (tests/support/airflow.py), each with its own AIRFLOW_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import airflow as airflow_support

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "data" / "sample"
SAMPLE_DAY = "2022-01-06"


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An AIRFLOW_HOME with a migrated SQLite metadata DB, shared by the tests of one session."""
    home = tmp_path_factory.mktemp("airflow_home")
    airflow_support.migrate(home)
    return home


@pytest.fixture
def sample_sources(tmp_path: Path) -> Path:
    """A sources file with the embedded sample as its one source (absolute paths: usable from any cwd)."""
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - name: sample\n    kind: warc\n    paths:\n"
        f"      - {SAMPLE / 'warc' / '{day}' / '*.warc.gz'}\n",
        encoding="utf-8",
    )
    return path
