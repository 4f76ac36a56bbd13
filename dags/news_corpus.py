"""news_corpus: crawl and extract every configured source for one day, then publish the article dataset.

Thin on purpose: every step is a call into the ``pipeline`` library. Configuration comes from the environment of
the task that runs, never from the DAG file's parse: NEWS_CORPUS_SOURCES (sources YAML, default
<repo>/sources.yaml) and NEWS_CORPUS_DATA (data root: a folder or an object-store URL such as s3://bucket/prefix,
default <repo>/data). Every task reads and writes only through the data root, so any worker can run any task.
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
# One name and URI whatever the environment of the process that parses the file: a URI made from the data root
# differed between a worker and the DAG processor, and the worker's asset event was dropped. The event's extra
# names the data root.
ARTICLES = Asset(name="news_corpus_articles", uri="news-corpus://articles")
# One crawl task per pool (a host family); a pool's slots bound how many crawls of that family run at once across
# all runs, so a backfill of many days stays as polite as one day. `make run`/`make airflow` import this file.
POOLS_FILE = REPO / "airflow" / "pools.json"
CRAWL_POOLS = sorted(name for name in json.loads(POOLS_FILE.read_text(encoding="utf-8")) if name.startswith("crawl_"))

log = logging.getLogger(__name__)


def sources_config() -> Any:
    from pipeline.config import load_sources

    return load_sources(os.environ.get("NEWS_CORPUS_SOURCES", REPO / "sources.yaml"))


def data_root() -> Any:
    from pipeline.storage import Storage

    return Storage(os.environ.get("NEWS_CORPUS_DATA", str(REPO / "data")))


@dag(
    dag_id="news_corpus",
    # A data-interval timetable on purpose: the run for day D covers [D, D+1) UTC and starts once D is over.
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=dt.datetime(2022, 1, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    # Days processed at once: a backfill's throughput on a cluster (each day's finish steps are serial per source).
    # Read when the file is parsed, which only the scheduler's side acts on; the pools bound the crawls anyway.
    max_active_runs=int(os.environ.get("NEWS_CORPUS_MAX_ACTIVE_RUNS", "2")),
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=2), "retry_exponential_backoff": True},
    params={
        "day": Param(None, type=["null", "string"], format="date", description="Day to process (YYYY-MM-DD); "
                     "default: the run's data interval start."),
        "sources": Param([], type="array", description="Only these source names (default: all enabled)."),
        "from_raw": Param(False, type="boolean", description="No crawl: re-extract the day from the raw zone."),
        "refetch": Param(False, type="boolean", description="Fetch articles again that earlier runs fetched."),
        "shards": Param(None, type=["null", "integer"], minimum=1, maximum=64,
                        description="Shards per source (default: one per input file, or per 256 MiB of crawl)."),
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
        return [source.name for source in sources_config().enabled((params or {}).get("sources") or None)]

    @task
    def to_crawl(sources: list[str], pool: str, params: dict[str, Any] | None = None) -> list[str]:
        """The sources of this pool to crawl; none when re-extracting from the raw zone."""
        from pipeline.crawl.run import needs_crawl
        from pipeline.pools import check_pools

        if (params or {}).get("from_raw"):
            return []
        config = sources_config()
        crawled = [config.get(name) for name in sources if needs_crawl(config.get(name))]
        check_pools(crawled, POOLS_FILE)
        return [s.name for s in crawled if s.pool == pool]

    @task(map_index_template="{{ task.op_kwargs['source_name'] }}")
    def crawl_source(source_name: str, day: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        from pipeline.crawl.run import crawl_source as crawl

        summary = crawl(sources_config(), source_name, dt.date.fromisoformat(day), data_root(),
                        refetch=bool((params or {}).get("refetch")))
        return {"source": source_name, "outcomes": summary["outcomes"], "skipped": summary["skipped"]}

    # all_done: one source's failed crawl must not stop the other sources' extraction (publish reports it).
    @task(trigger_rule="all_done")
    def plan_shards(sources: list[str], day: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One entry per shard of every source: what extract_shard is mapped over."""
        from pipeline.runner import plan_shards as shards_of

        config, storage = sources_config(), data_root()
        plan = []
        for name in sources:
            count = shards_of(config, name, dt.date.fromisoformat(day), storage, (params or {}).get("shards"))
            plan += [{"source_name": name, "shard": index, "shards": count} for index in range(count)]
        return plan

    @task(map_index_template="{{ task.op_kwargs['source_name'] }} {{ task.op_kwargs['shard'] }}")
    def extract_shard(source_name: str, shard: int, shards: int, day: str) -> dict[str, Any]:
        from pipeline.runner import extract_shard as extract
        from pipeline.warcpages import Shard

        result = extract(sources_config(), source_name, dt.date.fromisoformat(day), data_root(), Shard(shard, shards))
        return result.to_xcom()

    # all_done: a source whose shard failed fails here, naming the shard; the other sources still commit.
    @task(map_index_template="{{ task.op_kwargs['source_name'] }}", trigger_rule="all_done")
    def finish_source(source_name: str, day: str, plan: list[dict[str, Any]]) -> dict[str, Any]:
        from pipeline.runner import finish_source as finish

        shards = next(entry["shards"] for entry in plan if entry["source_name"] == source_name)
        result = finish(sources_config(), source_name, dt.date.fromisoformat(day), data_root(), shards)
        return result.to_xcom()

    @task(outlets=[ARTICLES], trigger_rule="all_done", retries=0)
    def publish(results: list[dict[str, Any]], sources: list[str], day: str, planned: list[str],
                crawled: list[dict[str, Any]], outlet_events: Any = None) -> dict[str, Any]:
        not_crawled = sorted(set(planned) - {c["source"] for c in crawled if c})
        if not_crawled:
            raise RuntimeError(f"crawls failed for {day}: {', '.join(not_crawled)}")
        from pipeline.dataset import Dataset, RunKey

        done = [r for r in results if r]
        storage = data_root()
        # Counted now, not at each commit: a run that committed later may own articles an earlier count included.
        owned = Dataset(storage).owned_rows(RunKey(dt.date.fromisoformat(day), r["source"]) for r in done)
        summary = {
            "day": day,
            "data": storage.url(),
            "sources": len(sources),
            "succeeded": len(done),
            "articles": sum(owned.values()),
            "partitions": sorted({p for r in done for p in r["partitions"]}),
        }
        log.info("news_corpus %s: %s", day, summary)
        missing = sorted(set(sources) - {r["source"] for r in done})
        if missing:
            # Fail the run visibly; the sources that succeeded have already written their partitions.
            raise RuntimeError(f"sources failed for {day}: {', '.join(missing)}")
        outlet_events[ARTICLES].extra = {"day": day, "articles": summary["articles"], "data": summary["data"]}
        return summary

    day = day_to_process()
    sources = sources_to_process()
    plans = [to_crawl.override(task_id=f"to_{pool}")(sources, pool) for pool in CRAWL_POOLS]
    crawls = [crawl_source.override(task_id=pool, pool=pool).partial(day=day).expand(source_name=plan)
              for pool, plan in zip(CRAWL_POOLS, plans)]
    shard_plan = plan_shards(sources, day)
    for crawl in crawls:
        crawl >> shard_plan
    extracted = extract_shard.partial(day=day).expand_kwargs(shard_plan)
    results = finish_source.partial(day=day, plan=shard_plan).expand(source_name=sources)
    extracted >> results
    publish(results, sources, day, plans[0].concat(*plans[1:]), crawls[0].concat(*crawls[1:]))


news_corpus()
