"""Run the per-article path for one source and one day, and commit it to the dataset: what the DAG and the CLI call.

Two ways through, with the same result byte for byte:

- :func:`run_source`: the whole source-day in this process (its per-article steps in a worker pool).
- Sharded, as the DAG runs it on any number of workers: :func:`plan_shards` says how many shards the source-day
  has; :func:`extract_shard` runs the steps that see each page alone (decode, extract, normalise, templates,
  bylines: most of the cost) on one shard's pages and stores the documents in the data root
  (``work/crawl_day=D/source=S/``); :func:`finish_source` merges every shard's documents back into the order of an
  unsharded read (pages are numbered by input file and record), runs the steps that need the whole source-day
  (learned site boilerplate, near-duplicates, the counts) and the rest, and commits the run.
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
import math
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import pyarrow as pa

from pipeline.config import Source, SourcesConfig, WarcSource
from pipeline.crawl.paths import raw_dir
from pipeline.crawl.rawzone import raw_warc_files
from pipeline.crawl.run import crawl_source, needs_crawl
from pipeline.dataset import Dataset, PartitionKey
from pipeline.document import Document
from pipeline.errors import InputError, PipelineError
from pipeline.pools import check_pools
from pipeline.progress import track
from pipeline.recipe import SourceSettings, default_steps, split_steps
from pipeline.sources import open_reader
from pipeline.spill import RunRows
from pipeline.steps import Step, run_steps
from pipeline.storage import Storage, as_storage, scratch_dir
from pipeline.translations import link_days
from pipeline.warcpages import Shard

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR = "data"
# Shards of one source-day at most: with Airflow's default max_map_length (1024), 16 such sources fit in one run.
MAX_SHARDS = 64
# Raw-zone bytes (gzip) per shard of a crawled source; a WARC source gets a shard per input file.
RAW_BYTES_PER_SHARD = 256 * 2**20
WORK_DIR = "work"


def use_system_allocator_for_arrow() -> None:
    """pyarrow's default allocator (mimalloc) keeps the memory a run's spill and partition writes free, and the peak
    grew with the number of pages; the system allocator returns it (``make bench``, 1,000 pages on two processes:
    962 -> 831 MiB). An explicit ``ARROW_DEFAULT_MEMORY_POOL`` is left as set."""
    if not os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        pa.set_memory_pool(pa.system_memory_pool())


def default_processes() -> int:
    return int(os.environ.get("NEWS_CORPUS_PROCESSES") or os.cpu_count() or 1)


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


def _require_crawl(source: Source, storage: Storage, day: dt.date) -> None:
    """A crawled source with no crawl of the day in the raw zone was crawled elsewhere (another worker's disk,
    another data root) or not at all: reading nothing would end green with 0 articles, so it is an error (its input
    is missing: no retry brings it)."""
    if needs_crawl(source) and not raw_warc_files(storage, day, source.name):
        raise InputError(f"source {source.name}: no crawl of {day} in {storage.url(raw_dir(day, source.name))} "
                         "(crawl it first; every worker must use the same data root)")


def _documents(source: Source, config: SourcesConfig, storage: Storage, day: dt.date, stats: Counter[str],
               shard: Shard) -> Iterator[Document]:
    _require_crawl(source, storage, day)
    reader = open_reader(source, config, storage)
    pages = track(reader.pages(day, stats, shard), f"extract {source.name} {day} shard {shard}", stats)
    for position, page in pages:
        yield Document(page=page, crawl_day=day, position=position)


def _commit(storage: Storage, source: Source, day: dt.date, docs: Iterable[Document],
            stats: Counter[str]) -> SourceRun:
    """Spill the run's finished documents (one row per article) and commit them to the dataset."""
    dataset = Dataset(storage)
    run_rows = RunRows(scratch_dir())
    try:
        for doc in docs:
            stats["extracted"] += 1
            if not run_rows.add(doc):
                stats["duplicate_url"] += 1
        stats["articles"] = len(run_rows)
        manifest = dataset.commit_run(source.name, day, run_rows.partitions(), dict(stats))
    finally:
        run_rows.discard()
    articles = manifest.counts["articles_owned"]
    log.info("source %s, day %s: %d articles (%d of them owned by earlier runs) in %d partitions; %s", source.name,
             day, len(run_rows), len(run_rows) - articles, len(manifest.partitions), dict(sorted(stats.items())))
    return SourceRun(
        source_name=source.name,
        day=day,
        articles=articles,
        partitions=[f"articles/{k.relative_dir()}" for k in manifest.partitions],
        counts=dict(sorted(manifest.counts.items())),
        manifest=storage.url(manifest.rel(source.name, day)),
    )


def run_source(
    config: SourcesConfig,
    source_name: str,
    day: dt.date,
    data_dir: str | Path | Storage = DEFAULT_DATA_DIR,
    steps: list[Step] | None = None,
    processes: int | None = None,
) -> SourceRun:
    """Read a source's pages for ``day``, build the articles, and replace this run's rows in the dataset.

    The per-article steps run in ``processes`` worker processes (default: NEWS_CORPUS_PROCESSES, else all cores).
    """
    use_system_allocator_for_arrow()
    storage = as_storage(data_dir)
    source = config.get(source_name)
    stats: Counter[str] = Counter()
    documents = _documents(source, config, storage, day, stats, Shard())
    steps = steps if steps is not None else default_steps(settings=SourceSettings.of(source))
    docs = run_steps(documents, steps, stats, processes or default_processes())
    return _commit(storage, source, day, docs, stats)


# The sharded path


def plan_shards(config: SourcesConfig, source_name: str, day: dt.date, storage: Storage,
                requested: int | None = None) -> int:
    """How many shards the source-day is split into: ``requested``, else one per input file for a WARC source and
    one per RAW_BYTES_PER_SHARD of crawl WARCs for a crawled one, at most MAX_SHARDS."""
    if requested:
        if not 1 <= requested <= MAX_SHARDS:
            raise InputError(f"shards must be 1..{MAX_SHARDS}, got {requested}")
        return requested
    source = config.get(source_name)
    raw = [size for rel, size in storage.list_sizes(raw_dir(day, source.name), suffix=".warc.gz")]
    by_size = math.ceil(sum(raw) / RAW_BYTES_PER_SHARD)
    if isinstance(source, WarcSource):
        from pipeline.sources.warc import WarcFileReader

        return max(1, min(MAX_SHARDS, len(WarcFileReader(source, config, storage).files(day)) + by_size))
    return max(1, min(MAX_SHARDS, by_size))


def _shard_rel(source_name: str, day: dt.date, shard: Shard) -> str:
    return f"{WORK_DIR}/crawl_day={day.isoformat()}/source={source_name}/shard-{shard}"


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(Document)


def _write_documents(docs: Iterable[Document], path: Path) -> int:
    """Documents as length-prefixed msgpack records in a zstd stream (typed decoding: no code runs on reading)."""
    count = 0
    with pa.OSFile(str(path), "wb") as raw, pa.CompressedOutputStream(raw, "zstd") as out:
        for doc in docs:
            record = _ENCODER.encode(doc)
            out.write(len(record).to_bytes(4, "little"))
            out.write(record)
            count += 1
    return count


def _read_documents(storage: Storage, rel: str) -> Iterator[Document]:
    with storage.open_input(rel) as raw, pa.CompressedInputStream(raw, "zstd") as stream:
        while header := stream.read(4):
            yield _DECODER.decode(stream.read(int.from_bytes(header, "little")))


@dataclass
class ShardResult:
    source_name: str
    day: dt.date
    shard: Shard
    documents: int
    counts: dict[str, int]
    path: str

    def to_xcom(self) -> dict[str, Any]:
        return {"source": self.source_name, "day": self.day.isoformat(), "shard": self.shard.index,
                "shards": self.shard.count, "documents": self.documents, "counts": self.counts, "path": self.path}


def extract_shard(config: SourcesConfig, source_name: str, day: dt.date, storage: Storage, shard: Shard,
                  processes: int | None = None) -> ShardResult:
    """The first steps on one shard's pages; their documents and counts go to the data root (a retry overwrites)."""
    use_system_allocator_for_arrow()
    source = config.get(source_name)
    stats: Counter[str] = Counter()
    head, _ = split_steps(default_steps(settings=SourceSettings.of(source)))
    documents = _documents(source, config, storage, day, stats, shard)
    rel = _shard_rel(source.name, day, shard)
    with tempfile.NamedTemporaryFile(dir=scratch_dir(), prefix="shard-", suffix=".msgpack.zst") as tmp:
        written = _write_documents(run_steps(documents, head, stats, processes or default_processes()),
                                   Path(tmp.name))
        storage.upload(Path(tmp.name), f"{rel}.msgpack.zst")
    # Written last: a shard whose counts exist is complete.
    storage.write_json(f"{rel}.counts.json", dict(sorted(stats.items())))
    log.info("source %s, day %s, shard %s: %d documents; %s", source.name, day, shard, written,
             dict(sorted(stats.items())))
    return ShardResult(source.name, day, shard, written, dict(sorted(stats.items())),
                       storage.url(f"{rel}.msgpack.zst"))


def finish_source(config: SourcesConfig, source_name: str, day: dt.date, storage: Storage, shards: int,
                  processes: int | None = None) -> SourceRun:
    """Merge the source-day's shards in read order, run the remaining steps on the whole of it, commit the run."""
    use_system_allocator_for_arrow()
    source = config.get(source_name)
    stats: Counter[str] = Counter()
    rels = [_shard_rel(source.name, day, Shard(index, shards)) for index in range(shards)]
    missing = [storage.url(f"{rel}.counts.json") for rel in rels if not storage.exists(f"{rel}.counts.json")]
    if missing:  # a shard failed (finish runs after every shard task ended): no retry of this task brings it
        raise InputError(f"source {source.name}, day {day}: {len(missing)} of {shards} shards have not finished "
                         f"(no {', '.join(missing)})")
    for rel in rels:
        stats.update(storage.read_json(f"{rel}.counts.json"))
    merged = track(heapq.merge(*(_read_documents(storage, f"{rel}.msgpack.zst") for rel in rels),
                               key=lambda doc: doc.position), f"finish {source.name} {day}", stats, unit="documents")
    _, tail = split_steps(default_steps(settings=SourceSettings.of(source)))
    docs = run_steps(merged, tail, stats, processes or default_processes())
    return _commit(storage, source, day, docs, stats)


def run_day(
    config: SourcesConfig,
    day: dt.date,
    data_dir: str | Path | Storage = DEFAULT_DATA_DIR,
    source_names: list[str] | None = None,
    from_raw: bool = False,
    refetch: bool = False,
) -> list[SourceRun]:
    """Every (or the named) source for one day: :func:`run_days` with one day."""
    return run_days(config, [day], data_dir, source_names, from_raw, refetch)


def run_days(
    config: SourcesConfig,
    days: list[dt.date],
    data_dir: str | Path | Storage = DEFAULT_DATA_DIR,
    source_names: list[str] | None = None,
    from_raw: bool = False,
    refetch: bool = False,
) -> list[SourceRun]:
    """Every (or the named) source for each day, in (day, source) order; a source that fails is reported, the others
    still run.

    Network sources are crawled into the raw zone first, unless ``from_raw`` (re-extract what the raw zone holds,
    no network); ``refetch`` fetches articles again that an earlier run fetched. The crawls run concurrently, as the
    DAG's crawl tasks do: at most a pool's slots (``airflow/pools.json``) at once, each source's days one after another (a
    day's crawl skips what the day before fetched, as when the days run one by one). Extraction starts once every
    crawl has ended (its worker processes are forked, which a process with crawl threads running must not do) and
    goes through the days and sources in order: the results do not depend on which crawl ends first.
    """
    storage = as_storage(data_dir)
    sources = config.enabled(source_names)
    to_crawl = [] if from_raw else [s for s in sources if needs_crawl(s)]
    slots = check_pools(to_crawl)
    crawls: dict[tuple[dt.date, str], Future] = {(day, s.name): Future() for day in days for s in to_crawl}
    executors = {pool: ThreadPoolExecutor(slots[pool], thread_name_prefix=pool) for pool in {s.pool for s in to_crawl}}
    try:
        for source in to_crawl:
            executors[source.pool].submit(_crawl_days, config, source.name, days, storage, refetch, crawls)
    finally:
        for executor in executors.values():
            executor.shutdown()
    results = []
    for day in days:
        for source in sources:
            try:
                if (day, source.name) in crawls:
                    crawls[(day, source.name)].result()
                results.append(run_source(config, source.name, day, storage))
            except Exception as exc:  # a broken source must not sink the other sources' runs
                if isinstance(exc, PipelineError):  # a refusal its message explains (another run crawls it, ...)
                    log.error("source %s failed for %s: %s", source.name, day, exc)
                else:
                    log.exception("source %s failed for %s", source.name, day)
                results.append(SourceRun(source_name=source.name, day=day, error=f"{type(exc).__name__}: {exc}"))
    link_translations(storage, [p for r in results for p in r.partitions])
    return results


def link_translations(storage: Storage, partitions: Iterable[str]) -> dict[str, int]:
    """Once a day's sources are committed: link the translations among the days their partitions are dated
    (``partitions`` as in :attr:`SourceRun.partitions`); returns the number of links per day."""
    return link_days(storage, {PartitionKey.from_relative_dir(p).day for p in partitions})


def _crawl_days(config: SourcesConfig, source_name: str, days: list[dt.date], storage: Storage, refetch: bool,
                crawls: dict[tuple[dt.date, str], Future]) -> None:
    for day in days:
        try:
            crawls[(day, source_name)].set_result(crawl_source(config, source_name, day, storage, refetch=refetch))
        except BaseException as exc:  # reported by the source's run of that day
            crawls[(day, source_name)].set_exception(exc)


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def resolve_day(explicit: str | None, interval_start: dt.datetime | None, now: dt.datetime | None = None) -> dt.date:
    """The day a scheduled or manual run processes: an explicit ``day`` wins, else the data interval's start (UTC),
    else (a manual run, which has no data interval) yesterday in UTC, the last complete day.

    Never the logical date: with a data-interval timetable the run for day D starts after D has ended.
    """
    if explicit:
        try:
            return dt.date.fromisoformat(str(explicit))
        except ValueError:
            raise InputError(f"day must be YYYY-MM-DD, got {explicit!r}") from None
    if interval_start is not None:
        return interval_start.astimezone(dt.timezone.utc).date()
    return (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).date() - dt.timedelta(days=1)
