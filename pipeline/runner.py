"""Run the per-article path for one source and one day, and write the dataset: what the DAG and the CLI call."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.config import SourcesConfig
from pipeline.dataset import Dataset, PartitionKey, RunManifest
from pipeline.document import Document
from pipeline.sources import open_reader
from pipeline.spill import RunRows
from pipeline.steps import Step, default_steps, run_steps

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = Path("data")


def use_system_allocator_for_arrow() -> None:
    """pyarrow's default allocator (mimalloc) keeps the memory a run's spill and partition writes free, and the peak
    grew with the number of pages; the system allocator returns it (``make bench``, 1,000 pages on two processes:
    962 -> 831 MiB). An explicit ``ARROW_DEFAULT_MEMORY_POOL`` is left as set."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())


@dataclass
class SourceRun:
    """The outcome of one (source, day) run: small enough for XCom (paths and counts only)."""

    source_name: str
    day: dt.date
    articles: int = 0
    partitions: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    manifest: str = ""
    error: str | None = None

    def to_xcom(self) -> dict[str, Any]:
        return {
            "source": self.source_name,
            "day": self.day.isoformat(),
            "articles": self.articles,
            "partitions": self.partitions,
            "counts": self.counts,
            "manifest": self.manifest,
            "error": self.error,
        }


def run_source(
    config: SourcesConfig,
    source_name: str,
    day: dt.date,
    data_dir: str | Path = DEFAULT_DATA_DIR,
    steps: list[Step] | None = None,
    processes: int | None = None,
) -> SourceRun:
    """Read a source's pages for ``day``, build the articles, and replace this run's rows in the dataset.

    The per-article steps run in ``processes`` worker processes (default: NEWS_CORPUS_PROCESSES, else all cores).
    """
    processes = processes or int(os.environ.get("NEWS_CORPUS_PROCESSES") or os.cpu_count() or 1)
    use_system_allocator_for_arrow()
    source = config.get(source_name)
    dataset = Dataset(data_dir)
    stats: Counter[str] = Counter()
    reader = open_reader(source, config, data_dir)
    documents = (Document(page=page, crawl_day=day) for page in reader.pages(day, stats))

    # Partitions this run wrote before are rewritten too, so rows that a re-run no longer yields disappear.
    previous_run = RunManifest.load(dataset.root, source.name, day)
    stale = set(previous_run.partitions if previous_run else [])
    written: list[PartitionKey] = []
    run_rows = RunRows(dataset.root / ".staging")
    try:
        for doc in run_steps(documents, steps if steps is not None else default_steps(), stats, processes):
            stats["extracted"] += 1
            if not run_rows.add(doc):
                stats["duplicate_url"] += 1
        for key, rows in run_rows.partitions():
            dataset.replace_run_rows(key, source.name, day, rows)
            written.append(key)
            stale.discard(key)
    finally:
        run_rows.discard()
    for key in sorted(stale):
        dataset.replace_run_rows(key, source.name, day, [])
    stats["articles"] = len(run_rows)

    manifest = RunManifest(source.name, day, written, dict(stats))
    manifest_path = manifest.save(dataset.root)
    log.info("source %s, day %s: %d articles in %d partitions; %s", source.name, day, len(run_rows),
             len(written), dict(sorted(stats.items())))
    return SourceRun(
        source_name=source.name,
        day=day,
        articles=len(run_rows),
        partitions=[str(k.relative_dir()) for k in written],
        counts=dict(sorted(stats.items())),
        manifest=str(manifest_path),
    )


def run_day(
    config: SourcesConfig,
    day: dt.date,
    data_dir: str | Path = DEFAULT_DATA_DIR,
    source_names: list[str] | None = None,
    from_raw: bool = False,
    refetch: bool = False,
) -> list[SourceRun]:
    """Every (or the named) source for one day; a source that fails is reported, the others still run.

    Network sources are crawled into the raw zone first, unless ``from_raw`` (re-extract what the raw zone holds,
    no network); ``refetch`` fetches articles again that an earlier run fetched.
    """
    from pipeline.crawl.run import crawl_source, needs_crawl

    results = []
    for source in config.enabled(source_names):
        try:
            if needs_crawl(source) and not from_raw:
                crawl_source(config, source.name, day, data_dir, refetch=refetch)
            results.append(run_source(config, source.name, day, data_dir))
        except Exception as exc:  # a broken source must not sink the other sources' runs
            log.exception("source %s failed for %s", source.name, day)
            results.append(SourceRun(source_name=source.name, day=day, error=f"{type(exc).__name__}: {exc}"))
    return results


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def resolve_day(explicit: str | None, interval_start: dt.datetime | None) -> dt.date:
    """The day a scheduled or manual run processes: an explicit ``day`` wins, else the data interval's start (UTC).

    Never the logical date: with a data-interval timetable the run for day D starts after D has ended.
    """
    if explicit:
        try:
            return dt.date.fromisoformat(str(explicit))
        except ValueError:
            raise ValueError(f"day must be YYYY-MM-DD, got {explicit!r}") from None
    if interval_start is None:
        raise ValueError("no day given and the run has no data interval")
    return interval_start.astimezone(dt.timezone.utc).date()
