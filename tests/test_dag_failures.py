"""What the DAG does when planning fails: errors no retry can fix fail at once, with their one line, and nothing
after a failed planning task runs (dag.test() in a real Airflow)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.runner import resolve_day
from tests.conftest import SAMPLE, SAMPLE_DAY
from tests.support.airflow import dag_test

# Every task after planning: none may run when planning failed.
AFTER_PLANNING = ("crawls_done", "plan_shards", "extract_shard", "shards_done", "finish_source", "publish")


def _states(result: dict, task_id: str) -> set[str]:
    return {ti["state"] for ti in result["tasks"].get(task_id, [])}


@pytest.mark.airflow
def test_a_typo_in_the_sources_file_fails_at_once_and_stops_the_run(airflow_home: Path, tmp_path: Path) -> None:
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - name: sample\n    kind: warc\n"
                       f"    pathz:\n      - {SAMPLE / 'warc' / '{day}' / '*.warc.gz'}\n", encoding="utf-8")
    result = dag_test(airflow_home, sources, tmp_path / "data", {"day": SAMPLE_DAY})

    assert result["state"] == "failed"
    (planning,) = result["tasks"]["sources_to_process"]
    assert (planning["state"], planning["tries"]) == ("failed", 1), planning  # no retry
    assert f"{sources}: source 'sample': field 'paths': Field required" in result["log"]
    for task_id in AFTER_PLANNING:
        assert _states(result, task_id) == {"upstream_failed"}, (task_id, result["tasks"].get(task_id))
    assert not (tmp_path / "data" / "articles").exists()


@pytest.mark.airflow
def test_a_source_whose_shard_fails_stops_only_that_source(airflow_home: Path, tmp_path: Path) -> None:
    # from_raw with a feed never crawled: its shard has no input, fails at once, and so does its finish; the
    # sample source still commits, and publish names the failed source.
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - name: sample\n    kind: warc\n"
                       f"    paths:\n      - {SAMPLE / 'warc' / '{day}' / '*.warc.gz'}\n"
                       "  - name: feeds\n    kind: rss\n    feeds: ['https://feeds.example.org/news.xml']\n",
                       encoding="utf-8")
    data = tmp_path / "data"
    result = dag_test(airflow_home, sources, data, {"day": SAMPLE_DAY, "from_raw": True})

    assert result["state"] == "failed"
    assert _states(result, "extract_shard") == {"success", "failed"}
    assert [ti["tries"] for ti in result["tasks"]["extract_shard"] if ti["state"] == "failed"] == [1]
    assert _states(result, "finish_source") == {"success", "failed"}
    assert _states(result, "publish") == {"failed"}
    assert "sources failed for 2022-01-06: feeds" in result["log"]
    assert "source feeds: no crawl of 2022-01-06" in result["log"]
    assert (data / "runs" / f"crawl_day={SAMPLE_DAY}" / "sample.json").exists()
    assert not (data / "runs" / f"crawl_day={SAMPLE_DAY}" / "feeds.json").exists()


def test_a_manual_run_without_day_or_data_interval_processes_yesterday_utc() -> None:
    # 00:30 in Paris on 2022-01-07 is still 2022-01-06 in UTC: yesterday is 2022-01-05.
    paris_after_midnight = dt.datetime(2022, 1, 7, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert resolve_day(None, None, now=paris_after_midnight) == dt.date(2022, 1, 5)
    assert resolve_day(None, None) == dt.datetime.now(dt.timezone.utc).date() - dt.timedelta(days=1)
    # A scheduled run's data interval and an explicit day still win.
    start = dt.datetime(2022, 1, 6, tzinfo=dt.timezone.utc)
    assert resolve_day(None, start, now=paris_after_midnight) == dt.date(2022, 1, 6)
    assert resolve_day("2022-01-03", None) == dt.date(2022, 1, 3)
