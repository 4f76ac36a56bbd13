"""The DAG over the local test site (dag.test() in a real Airflow), and the pools its crawl tasks use."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import duckdb
import pytest

from tests.support.airflow import AIRFLOW_BIN, REPO, airflow_env, dag_test, load_dagbag
from tests.support.testsite import DAY, TestSite, write_sources

pytestmark = pytest.mark.airflow
POOLS_FILE = REPO / "airflow" / "pools.json"


def test_dag_crawls_each_source_then_extracts(airflow_home: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    with TestSite(lifetime=240) as site:
        sources = write_sources(site, tmp_path / "sources.yaml", ("sitemaps", "archive", "ccnews"))
        result = dag_test(airflow_home, sources, data, {"day": DAY})
        assert result["state"] == "success", result["log"][-4000:]
        assert {h.path for h in site.hits} >= {"/sitemap_index.xml", f"/archive/{DAY}"}
    glob = str(data / "articles" / "**" / "*.parquet")
    counts = dict(duckdb.sql(f"SELECT source_name, count(*) FROM read_parquet('{glob}') GROUP BY 1").fetchall())
    assert counts == {"sitemaps": 4, "archive": 5, "ccnews": 2}
    for name in ("sitemaps", "archive", "ccnews"):
        (summary,) = (data / "raw" / f"date={DAY}" / f"source={name}").glob("crawl-*.summary.json")
        assert json.loads(summary.read_text())["complete"]

    # The site is down now: from_raw re-extracts the day without a crawl.
    again = dag_test(airflow_home, sources, data, {"day": DAY, "from_raw": True})
    assert again["state"] == "success", again["log"][-4000:]
    assert dict(duckdb.sql(f"SELECT source_name, count(*) FROM read_parquet('{glob}') GROUP BY 1").fetchall()) == counts


def test_every_pool_the_dag_uses_is_in_the_pools_file(airflow_home: Path, tmp_path: Path) -> None:
    pools = json.loads(POOLS_FILE.read_text())
    bag = load_dagbag(airflow_home, tmp_path / "none.yaml", tmp_path / "data")
    assert bag["import_errors"] == {}
    used = set(bag["pools"]) - {"default_pool"}
    assert used and used <= set(pools), used - set(pools)
    assert {t for t in bag["tasks"]["news_corpus"] if t.startswith("crawl_")} >= used - {"extract"}
    # Extraction has a pool of its own: a backfill of many days runs at most its slots' worth at once.
    task_pools = bag["task_pools"]["news_corpus"]
    assert task_pools["extract_shard"] == task_pools["finish_source"] == "extract"


def test_pools_file_imports_into_airflow(airflow_home: Path) -> None:
    env = airflow_env(airflow_home)
    subprocess.run([str(AIRFLOW_BIN), "pools", "import", str(POOLS_FILE)], env=env, check=True,
                   capture_output=True, timeout=120)
    listed = subprocess.run([str(AIRFLOW_BIN), "pools", "list", "--output", "json"], env=env, check=True,
                            capture_output=True, text=True, timeout=120)
    slots = {p["pool"]: int(p["slots"]) for p in json.loads(listed.stdout)}
    assert {name: spec["slots"] for name, spec in json.loads(POOLS_FILE.read_text()).items()}.items() <= slots.items()
