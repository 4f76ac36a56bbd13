"""news_corpus: crawl and extract every configured source for one day, then publish the article dataset.

Thin on purpose: every step is a call into the ``pipeline`` library. Configuration comes from the environment:
NEWS_CORPUS_SOURCES (sources YAML, default <repo>/sources.yaml) and NEWS_CORPUS_DATA (output root, default
<repo>/data).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
from pathlib import Path
from typing import Any

from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task

REPO = Path(__file__).resolve().parent.parent
SOURCES_FILE = Path(os.environ.get("NEWS_CORPUS_SOURCES", REPO / "sources.yaml"))
DATA_DIR = Path(os.environ.get("NEWS_CORPUS_DATA", REPO / "data")).resolve()
# Named by its URI: a different data root is a different dataset (one name for two URIs makes Airflow refuse both).
ARTICLES = Asset(uri=f"file://{DATA_DIR}/articles")
# One crawl task per pool (a host family); a pool's slots bound how many crawls of that family run at once across
# all runs, so a backfill of many days stays as polite as one day. `make run`/`make airflow` import this file.
POOLS_FILE = REPO / "airflow" / "pools.json"
CRAWL_POOLS = sorted(name for name in json.loads(POOLS_FILE.read_text(encoding="utf-8")) if name.startswith("crawl_"))

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
        "from_raw": Param(False, type="boolean", description="No crawl: re-extract the day from the raw zone."),
        "refetch": Param(False, type="boolean", description="Fetch articles again that earlier runs fetched."),
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

    @task
    def to_crawl(sources: list[str], pool: str, params: dict[str, Any] | None = None) -> list[str]:
        """The sources of this pool to crawl; none when re-extracting from the raw zone."""
        from pipeline.config import load_sources
        from pipeline.crawl.run import needs_crawl

        if (params or {}).get("from_raw"):
            return []
        config = load_sources(SOURCES_FILE)
        crawled = [config.get(name) for name in sources if needs_crawl(config.get(name))]
        unknown = sorted({s.pool for s in crawled} - set(CRAWL_POOLS))
        if unknown:
            raise ValueError(f"pools {', '.join(unknown)} are not in {POOLS_FILE} (pools: {', '.join(CRAWL_POOLS)})")
        return [s.name for s in crawled if s.pool == pool]

    @task(map_index_template="{{ task.op_kwargs['source_name'] }}")
    def crawl_source(source_name: str, day: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        from pipeline.config import load_sources
        from pipeline.crawl.run import crawl_source as crawl

        summary = crawl(load_sources(SOURCES_FILE), source_name, dt.date.fromisoformat(day), DATA_DIR,
                        refetch=bool((params or {}).get("refetch")))
        return {"source": source_name, "outcomes": summary["outcomes"], "skipped": summary["skipped"]}

    # all_done: one source's failed crawl must not stop the other sources' extraction (publish reports it).
    @task(multiple_outputs=False, map_index_template="{{ task.op_kwargs['source_name'] }}", trigger_rule="all_done")
    def process_source(source_name: str, day: str) -> dict[str, Any]:
        from pipeline.config import load_sources
        from pipeline.runner import run_source

        result = run_source(load_sources(SOURCES_FILE), source_name, dt.date.fromisoformat(day), DATA_DIR)
        return result.to_xcom()

    @task(outlets=[ARTICLES], trigger_rule="all_done", retries=0)
    def publish(results: list[dict[str, Any]], sources: list[str], day: str, planned: list[str],
                crawled: list[dict[str, Any]], outlet_events: Any = None) -> dict[str, Any]:
        not_crawled = sorted(set(planned) - {c["source"] for c in crawled if c})
        if not_crawled:
            raise RuntimeError(f"crawls failed for {day}: {', '.join(not_crawled)}")
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
    plans = [to_crawl.override(task_id=f"to_{pool}")(sources, pool) for pool in CRAWL_POOLS]
    crawls = [crawl_source.override(task_id=pool, pool=pool).partial(day=day).expand(source_name=plan)
              for pool, plan in zip(CRAWL_POOLS, plans)]
    results = process_source.partial(day=day).expand(source_name=sources)
    for crawl in crawls:
        crawl >> results
    publish(results, sources, day, plans[0].concat(*plans[1:]), crawls[0].concat(*crawls[1:]))


news_corpus()
