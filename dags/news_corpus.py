"""news_corpus: crawl and extract every configured source for one day, link translations across sources, judge the
day (quality gate), write its report, then publish the article dataset.

Thin on purpose: every step is a call into the ``pipeline`` library. Configuration comes from the environment of
the task that runs, never from the DAG file's parse: NEWS_CORPUS_SOURCES (sources YAML, default
<repo>/sources.yaml) and NEWS_CORPUS_DATA (data root: a folder or an object-store URL such as s3://bucket/prefix,
default <repo>/data). Every task reads and writes only through the data root, so any worker can run any task.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import Asset, CronDataIntervalTimetable, Param, dag, task
from airflow.sdk.exceptions import AirflowFailException

from pipeline.pools import EXTRACT_POOL, crawl_pools, extract_processes

REPO = Path(__file__).resolve().parent.parent
# One name and URI whatever the environment of the process that parses the file: a URI made from the data root
# differed between a worker and the DAG processor, and the worker's asset event was dropped. The event's extra
# names the data root.
ARTICLES = Asset(name="news_corpus_articles", uri="news-corpus://articles")
# One crawl task per pool (a host family); a pool's slots bound how many crawls of that family run at once across
# all runs, so a backfill of many days stays as polite as one day. `make run`/`make airflow` import this file.
CRAWL_POOLS = list(crawl_pools())

log = logging.getLogger(__name__)


def fail_now_on_user_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    """The library's PipelineError (bad configuration, a bad parameter, a missing input) is not retried: the task
    fails at once with the error's one line. Every other error is retried as the task's retries say."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from pipeline.errors import PipelineError

        try:
            return function(*args, **kwargs)
        except PipelineError as exc:
            raise AirflowFailException(str(exc)) from None

    return wrapper


def sources_file() -> str:
    return os.environ.get("NEWS_CORPUS_SOURCES", str(REPO / "sources.yaml"))


def sources_config() -> Any:
    from pipeline.config import load_sources

    return load_sources(sources_file())


def crawled_sources(sources: list[str], params: dict[str, Any] | None) -> list[Any]:
    """The sources that need a crawl: the network ones, none when re-extracting from the raw zone."""
    from pipeline.crawl.run import needs_crawl

    if (params or {}).get("from_raw"):
        return []
    config = sources_config()
    return [config.get(name) for name in sources if needs_crawl(config.get(name))]


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
                     "default: the run's data interval start, or for a manual run (which has none) yesterday "
                     "in UTC, the last complete day."),
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
    @fail_now_on_user_errors
    def day_to_process(params: dict[str, Any] | None = None, data_interval_start: Any = None) -> str:
        from pipeline.runner import resolve_day

        return resolve_day((params or {}).get("day"), data_interval_start).isoformat()

    @task
    @fail_now_on_user_errors
    def sources_to_process(params: dict[str, Any] | None = None) -> list[str]:
        from pipeline.errors import ConfigError

        names = [source.name for source in sources_config().enabled((params or {}).get("sources") or None)]
        if not names:
            raise ConfigError(f"{sources_file()}: no source is enabled")
        return names

    @task
    @fail_now_on_user_errors
    def to_crawl(sources: list[str], pool: str, params: dict[str, Any] | None = None) -> list[str]:
        """The sources of this pool to crawl; none when re-extracting from the raw zone."""
        from pipeline.pools import check_pools

        crawled = crawled_sources(sources, params)
        check_pools(crawled)
        return [s.name for s in crawled if s.pool == pool]

    @task(map_index_template="{{ task.op_kwargs['source_name'] }}")
    @fail_now_on_user_errors
    def crawl_source(source_name: str, day: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        from pipeline.crawl.run import crawl_source as crawl

        summary = crawl(sources_config(), source_name, dt.date.fromisoformat(day), data_root(),
                        refetch=bool((params or {}).get("refetch")))
        return {"source": source_name, "outcomes": summary["outcomes"], "skipped": summary["skipped"]}

    @task
    @fail_now_on_user_errors
    def plan_shards(sources: list[str], day: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """One entry per shard of every source: what extract_shard is mapped over."""
        from pipeline.runner import plan_shards as shards_of

        config, storage = sources_config(), data_root()
        plan = []
        for name in sources:
            count = shards_of(config, name, dt.date.fromisoformat(day), storage, (params or {}).get("shards"))
            plan += [{"source_name": name, "shard": index, "shards": count, "day": day} for index in range(count)]
        return plan

    @task(map_index_template="{{ task.op_kwargs['source_name'] }} {{ task.op_kwargs['shard'] }}", pool=EXTRACT_POOL)
    @fail_now_on_user_errors
    def extract_shard(source_name: str, shard: int, shards: int, day: str) -> dict[str, Any]:
        from pipeline.runner import extract_shard as extract
        from pipeline.warcpages import Shard

        result = extract(sources_config(), source_name, dt.date.fromisoformat(day), data_root(), Shard(shard, shards),
                         extract_processes())
        return result.to_xcom()

    @task(map_index_template="{{ task.op_kwargs['source_name'] }}", pool=EXTRACT_POOL)
    @fail_now_on_user_errors
    def finish_source(source_name: str, day: str, plan: list[dict[str, Any]]) -> dict[str, Any]:
        from pipeline.runner import finish_source as finish

        shards = next(entry["shards"] for entry in plan if entry["source_name"] == source_name)
        result = finish(sources_config(), source_name, dt.date.fromisoformat(day), data_root(), shards,
                        extract_processes())
        return result.to_xcom()

    # The day's tasks after its sources are written run whatever failed before them (all_done), each reading what it
    # needs from the data root; the day and the sources are pulled, not passed, as in publish (see below).
    @task(trigger_rule="all_done")
    @fail_now_on_user_errors
    def link_translations(results: list[dict[str, Any]]) -> dict[str, int]:
        """translation_of across the day's sources: once all of them are committed."""
        from pipeline.runner import link_translations as link

        return link(data_root(), [p for r in results if r for p in r["partitions"]])

    @task(trigger_rule="all_done", retries=0)
    def quality_gate(ti: Any = None) -> dict[str, Any]:
        """Each source's counts against its history and its `expect:`; fails the run after all data is written."""
        from pipeline.gate import check_day

        day, sources = ti.xcom_pull(task_ids="day_to_process"), ti.xcom_pull(task_ids="sources_to_process")
        result = check_day(sources_config(), dt.date.fromisoformat(day), data_root(), sources)
        for line in result.message().splitlines():
            log.warning("%s", line)
        if not result.ok:
            raise AirflowFailException(f"quality gate failed for {day}: {'; '.join(result.summary()['failures'])}")
        return result.summary()

    @task(trigger_rule="all_done")
    def daily_report(ti: Any = None) -> str:
        """The day's HTML report (and its JSON) in the data root, with the gate's verdict."""
        from pipeline.report import write_report

        url = write_report(ti.xcom_pull(task_ids="day_to_process"), data_root(), sources_config())
        log.info("daily report: %s", url)
        return url

    # all_done: it runs when a crawl or a source failed (and reports it); not when planning failed (see below). The
    # day and the sources are pulled, not passed: a setup's direct downstream tasks must be all_success. The asset
    # event is sent only when every source was written and the gate passed (or only warned).
    @task(outlets=[ARTICLES], trigger_rule="all_done", retries=0)
    def publish(results: list[dict[str, Any]], crawled: list[dict[str, Any]], ti: Any = None,
                params: dict[str, Any] | None = None, outlet_events: Any = None) -> dict[str, Any]:
        day, sources = ti.xcom_pull(task_ids="day_to_process"), ti.xcom_pull(task_ids="sources_to_process")
        planned = {s.name for s in crawled_sources(sources, params)}
        not_crawled = sorted(planned - {c["source"] for c in crawled if c})
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
        gate = ti.xcom_pull(task_ids="quality_gate")
        if not gate:
            raise RuntimeError(f"quality gate failed for {day} (see the quality_gate task): no asset event")
        outlet_events[ARTICLES].extra = {"day": day, "articles": summary["articles"], "data": summary["data"],
                                         "gate": gate}
        return summary

    # Planning (the day, the sources, which to crawl, the shards) is a chain of setup tasks: when one fails, every
    # task after it ends upstream_failed whatever its trigger rule, instead of running on a missing XCom. A failed
    # crawl or shard is not planning: the no-op joins below wait for all of them, so the other sources go on.
    day = day_to_process().as_setup()
    sources = sources_to_process().as_setup()
    plans = [to_crawl.override(task_id=f"to_{pool}")(sources, pool).as_setup() for pool in CRAWL_POOLS]
    crawls = [crawl_source.override(task_id=pool, pool=pool).partial(day=day).expand(source_name=plan)
              for pool, plan in zip(CRAWL_POOLS, plans)]
    crawls_done = EmptyOperator(task_id="crawls_done", trigger_rule="all_done")
    shard_plan = plan_shards(sources, day).as_setup()
    crawls >> crawls_done >> shard_plan
    extracted = extract_shard.expand_kwargs(shard_plan)
    shards_done = EmptyOperator(task_id="shards_done", trigger_rule="all_done")
    # A source whose shard failed fails in finish_source, naming the shard; the other sources still commit.
    results = finish_source.partial(day=day, plan=shard_plan).expand(source_name=sources)
    extracted >> shards_done >> results
    linked = link_translations(results)
    gate, report = quality_gate(), daily_report()
    linked >> gate >> report >> publish(results, crawls[0].concat(*crawls[1:]))


news_corpus()
