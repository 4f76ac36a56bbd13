"""news_corpus: crawl and extract every configured source for one day, then publish the article dataset.

Thin on purpose: every step is a call into the ``pipeline`` library. Configuration comes from the environment:
NEWS_CORPUS_SOURCES (sources YAML, default <repo>/sources.yaml) and NEWS_CORPUS_DATA (output root, default
<repo>/data).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task

REPO = Path(__file__).resolve().parent.parent
SOURCES_FILE = Path(os.environ.get("NEWS_CORPUS_SOURCES", REPO / "sources.yaml"))
DATA_DIR = Path(os.environ.get("NEWS_CORPUS_DATA", REPO / "data")).resolve()
ARTICLES = Asset(name="news_corpus_articles", uri=f"file://{DATA_DIR}/articles")

log = logging.getLogger(__name__)


@dag(
    dag_id="news_corpus",
    # A data-interval timetable on purpose: the run for day D covers [D, D+1) UTC and starts once D is over.
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=2,
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=2), "retry_exponential_backoff": True},
    params={
        "day": Param(None, type=["null", "string"], format="date", description="Day to process (YYYY-MM-DD); "
                     "default: the run's data interval start."),
        "sources": Param([], type="array", description="Only these source names (default: all enabled)."),
    },
    tags=["news", "etl"],
    doc_md=__doc__,
)
def news_corpus() -> None:
    @task
    def day_to_process(params: dict[str, Any] | None = None, data_interval_start: Any = None) -> str:
        from pipeline.runner import resolve_day

        return resolve_day((params or {}).get("day"), data_interval_start).isoformat()

    @task
    def sources_to_process(params: dict[str, Any] | None = None) -> list[str]:
        from pipeline.config import load_sources

        return [source.name for source in load_sources(SOURCES_FILE).enabled((params or {}).get("sources") or None)]

    @task(multiple_outputs=False, map_index_template="{{ task.op_kwargs['source_name'] }}")
    def process_source(source_name: str, day: str) -> dict[str, Any]:
        from pipeline.config import load_sources
        from pipeline.runner import run_source

        result = run_source(load_sources(SOURCES_FILE), source_name, dt.date.fromisoformat(day), DATA_DIR)
        return result.to_xcom()

    @task(outlets=[ARTICLES], trigger_rule="all_done", retries=0)
    def publish(results: list[dict[str, Any]], sources: list[str], day: str, outlet_events: Any = None) -> dict[str, Any]:
        done = [r for r in results if r]
        summary = {
            "day": day,
            "sources": len(sources),
            "succeeded": len(done),
            "articles": sum(r["articles"] for r in done),
            "partitions": sorted({p for r in done for p in r["partitions"]}),
        }
        log.info("news_corpus %s: %s", day, summary)
        missing = sorted(set(sources) - {r["source"] for r in done})
        if missing:
            # Fail the run visibly; the sources that succeeded have already written their partitions.
            raise RuntimeError(f"sources failed for {day}: {', '.join(missing)}")
        outlet_events[ARTICLES].extra = {"day": day, "articles": summary["articles"]}
        return summary

    day = day_to_process()
    sources = sources_to_process()
    results = process_source.partial(day=day).expand(source_name=sources)
    publish(results, sources, day)


news_corpus()
