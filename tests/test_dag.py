"""The news_corpus DAG in a real Airflow: it imports cleanly and a dag.test() run writes the sample's partitions."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from tests.conftest import SAMPLE_DAY
from tests.support.airflow import dag_test, load_dagbag

pytestmark = pytest.mark.airflow


def test_dagbag_imports_without_errors(airflow_home: Path, sample_sources: Path, tmp_path: Path) -> None:
    bag = load_dagbag(airflow_home, sample_sources, tmp_path / "data")
    assert bag["import_errors"] == {}
    assert "news_corpus" in bag["dag_ids"]
    assert {"day_to_process", "sources_to_process", "plan_shards", "extract_shard", "finish_source",
            "link_translations", "quality_gate", "daily_report", "publish"} <= set(bag["tasks"]["news_corpus"])


def test_dag_run_over_the_sample_writes_partitions(airflow_home: Path, sample_sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = dag_test(airflow_home, sample_sources, data, {"day": SAMPLE_DAY})
    assert result["state"] == "success", result["log"][-3000:]

    manifest = json.loads((data / "runs" / f"crawl_day={SAMPLE_DAY}" / "sample.json").read_text())
    assert manifest["counts"]["articles"] >= 30
    glob = str(data / "articles" / "**" / "*.parquet")
    by_source = dict(duckdb.sql(
        f"SELECT source, count(*) FROM read_parquet('{glob}', hive_partitioning=true) "
        f"WHERE date = '{SAMPLE_DAY}' GROUP BY source").fetchall())
    assert by_source.get("thelimitedtimes.com", 0) >= 10
    assert len(by_source) >= 6
    total = duckdb.sql(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true)").fetchall()[0][0]
    assert total == manifest["counts"]["articles"]
    # The day's tasks after the sources: the gate's verdict and the report in the data root.
    gate = json.loads((data / "quality" / f"crawl_day={SAMPLE_DAY}.json").read_text())
    assert gate["verdict"] == "pass" and [s["source"] for s in gate["sources"]] == ["sample"]
    assert "<svg" in (data / "reports" / f"crawl_day={SAMPLE_DAY}" / "report.html").read_text()
