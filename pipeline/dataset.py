"""The article dataset in the data root (local or object store): partitions, the commit protocol, reading back.

Layout under the data root (:class:`~pipeline.storage.Storage`):

- ``articles/date=D/source=S/articles.parquet``: the dataset readers see, one file per partition (publication day x
  site), Hive-partitioned.
- ``parts/date=D/source=S/<source name>@<crawl day>.parquet``: what one run (a source's crawl day) holds in that
  partition. Only runs write parts, each its own, under a name fixed by (partition, run): a retry or a re-run
  overwrites its part and touches no other run's.
- ``runs/crawl_day=D/<source name>.json``: the run's manifest (the partitions it holds rows in, its counts).
- ``links/date=D/translation_of.parquet``: which articles dated D translate which originals, across sources
  (:mod:`pipeline.translations`); written once a day's sources are committed.

A run commits in this order: its parts (one PUT each), the deletion of the parts it held before and no longer
does, its manifest, then each partition it touches is rebuilt. A partition's file is a pure function of the parts
beside it: their rows, one per article (when two runs hold the same article, the earlier crawl day wins, then the
smaller source name), sorted by :data:`~pipeline.schema.SORT_KEY`, with the day's translation links joined in. So the dataset does not depend on the order in
which runs commit, and no lock is needed across machines. Two runs rebuilding one partition at once may write
their files in either order, so a rebuild lists the parts again after writing and rebuilds once more if they
changed: the last write is always made from the complete set of parts. Each file is replaced by one PUT (on a local
disk, a rename), so a reader sees the old partition or the new one, never half of one; a run's manifest is written
before its partitions and the DAG's asset event after them.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter, deque
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.schema import ARTICLE_SCHEMA, SORT_KEY
from pipeline.storage import Storage, as_storage
from pipeline.translations import links_rel, read_links, with_links

log = logging.getLogger(__name__)

PARTITION_FILE = "articles.parquet"
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "row_group_size": 2048}
# A rebuild that sees the parts change under it tries again; this many changes in a row is not a race but a fault.
MAX_REBUILDS = 20
COMMIT_THREADS = 16


@dataclass(frozen=True, order=True)
class PartitionKey:
    day: dt.date
    site: str

    def __post_init__(self) -> None:
        # Sites come from URLs; make sure one can never name a path outside its partition.
        site = self.site
        if not site or "/" in site or "\\" in site or site.startswith(".") or site != site.strip() or "@" in site:
            raise ValueError(f"unsafe partition name {site!r}")

    def relative_dir(self) -> str:
        return f"date={self.day.isoformat()}/source={self.site}"

    @classmethod
    def from_relative_dir(cls, path: str) -> "PartitionKey":
        date_part, source_part = path.strip("/").split("/")[-2:]
        return cls(dt.date.fromisoformat(date_part.split("=", 1)[1]), source_part.split("=", 1)[1])


@dataclass(frozen=True, order=True)
class RunKey:
    """One run: a source's crawl day. Sorting by it gives the order in which runs own articles."""

    crawl_day: dt.date
    source_name: str

    @property
    def part_name(self) -> str:
        return f"{self.source_name}@{self.crawl_day.isoformat()}.parquet"

    @classmethod
    def from_part_name(cls, name: str) -> "RunKey":
        source_name, day = name.removesuffix(".parquet").rsplit("@", 1)
        return cls(dt.date.fromisoformat(day), source_name)


def _sorted(table: pa.Table) -> pa.Table:
    return table.sort_by([(column, "ascending") for column in SORT_KEY])


def one_row_per_article(table: pa.Table) -> pa.Table:
    """Of the rows of one article, the one of the earliest run (crawl day, then source name)."""
    if table.num_rows == 0:
        return table
    ordered = table.sort_by([("article_id", "ascending"), ("crawl_day", "ascending"), ("source_name", "ascending")])
    ids = ordered["article_id"].to_numpy(zero_copy_only=False)
    first = np.ones(len(ids), dtype=bool)
    first[1:] = ids[1:] != ids[:-1]
    return ordered.filter(pa.array(first))


class Dataset:
    def __init__(self, root: str | Path | Storage) -> None:
        self.storage = as_storage(root)

    @property
    def root(self) -> str:
        return self.storage.root

    def partition_rel(self, key: PartitionKey) -> str:
        return f"articles/{key.relative_dir()}/{PARTITION_FILE}"

    def partition_path(self, key: PartitionKey) -> Path:
        """The partition's local file (local data roots only)."""
        path = self.storage.local_path(self.partition_rel(key))
        if path is None:
            raise ValueError(f"{self.storage.url(self.partition_rel(key))} is not a local file")
        return path

    def part_rel(self, key: PartitionKey, run: RunKey) -> str:
        return f"parts/{key.relative_dir()}/{run.part_name}"

    def partitions(self, day: dt.date | None = None, site: str | None = None) -> list[PartitionKey]:
        prefix = f"articles/date={day.isoformat()}" if day else "articles"
        keys = [PartitionKey.from_relative_dir(rel.rsplit("/", 1)[0])
                for rel in self.storage.list(prefix, suffix=f"/{PARTITION_FILE}")]
        return sorted(k for k in keys if site is None or k.site == site)

    def read(self, key: PartitionKey) -> pa.Table:
        return self.storage.read_parquet(self.partition_rel(key), schema=ARTICLE_SCHEMA)

    def owned_rows(self, runs: Iterable[RunKey]) -> dict[RunKey, int]:
        """The rows each run holds in the dataset now, from the partitions its manifest names. Every row has one
        owner, so the counts of distinct runs add up to distinct rows (a run's count at its commit may since have
        gone to an earlier run that committed later)."""
        runs = sorted(set(runs))
        owned = dict.fromkeys(runs, 0)
        keys: set[PartitionKey] = set()
        for run in runs:
            manifest = RunManifest.load(self.storage, run.source_name, run.crawl_day)
            keys.update(manifest.partitions if manifest else [])
        for key in sorted(keys):
            if not self.storage.exists(self.partition_rel(key)):
                continue
            table = self.storage.read_parquet(self.partition_rel(key), schema=ARTICLE_SCHEMA).select(
                ["crawl_day", "source_name"])
            for (crawl_day, source_name), n in Counter(zip(table["crawl_day"].to_pylist(),
                                                          table["source_name"].to_pylist())).items():
                run = RunKey(crawl_day, source_name)
                if run in owned:
                    owned[run] += n
        return owned

    def write_part(self, key: PartitionKey, run: RunKey, table: pa.Table) -> None:
        self.storage.write_parquet(self.part_rel(key, run), _sorted(table).replace_schema_metadata(
            ARTICLE_SCHEMA.metadata), **PARQUET_OPTIONS)

    def delete_part(self, key: PartitionKey, run: RunKey) -> None:
        self.storage.delete(self.part_rel(key, run))

    def _inputs(self, key: PartitionKey) -> list[tuple[str, int]]:
        """What a partition is made from, as (path, size): its parts and its day's translation links."""
        return self.storage.list_sizes(f"parts/{key.relative_dir()}", suffix=".parquet") + self.storage.list_sizes(
            links_rel(key.day).rsplit("/", 1)[0])

    def rebuild(self, key: PartitionKey) -> pa.Table:
        """Make the partition's file the merge of its parts, with its day's translation links joined in (see the
        module docstring); returns its rows."""
        for _ in range(MAX_REBUILDS):
            inputs = self._inputs(key)
            tables = [self.storage.read_parquet(rel, schema=ARTICLE_SCHEMA)
                      for rel, _ in inputs if rel.startswith("parts/")]
            table = _sorted(one_row_per_article(pa.concat_tables(tables) if tables else ARTICLE_SCHEMA.empty_table()))
            table = with_links(table, read_links(self.storage, key.day))
            if table.num_rows:
                self.storage.write_parquet(self.partition_rel(key), table.replace_schema_metadata(
                    ARTICLE_SCHEMA.metadata), **PARQUET_OPTIONS)
            else:
                self.storage.delete(self.partition_rel(key))
            if self._inputs(key) == inputs:
                return table
            log.info("partition %s changed while it was rebuilt; rebuilding again", key.relative_dir())
        raise RuntimeError(f"{self.storage.url(self.partition_rel(key))}: its parts kept changing over "
                           f"{MAX_REBUILDS} rebuilds")

    def replace_run_rows(self, key: PartitionKey, source_name: str, crawl_day: dt.date,
                         rows: list[dict[str, Any]] | pa.Table) -> int:
        """Make ``rows`` the run's rows in one partition and rebuild it; returns the partition's row count."""
        run = RunKey(crawl_day, source_name)
        table = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)
        if table.num_rows:
            self.write_part(key, run, table)
        else:
            self.delete_part(key, run)
        return self.rebuild(key).num_rows

    def commit_run(self, source_name: str, crawl_day: dt.date, partitions: Iterable[tuple[PartitionKey, pa.Table]],
                   counts: dict[str, int]) -> "RunManifest":
        """Commit a run's rows, given partition by partition (see the module docstring); returns its manifest,
        whose counts gain ``articles_owned``: the rows of this run in the dataset once it is committed."""
        run = RunKey(crawl_day, source_name)
        previous = RunManifest.load(self.storage, source_name, crawl_day)
        written: list[PartitionKey] = []
        # Parts and partitions are independent objects: written from threads, since on an object store each is a
        # few round trips (a CC-NEWS source's run touches thousands). At most COMMIT_THREADS partitions' tables
        # are in memory at once.
        # A local disk gains nothing from threads, and each thread's malloc arena raised the run's peak memory.
        with ThreadPoolExecutor(1 if self.storage.is_local else COMMIT_THREADS) as pool:
            pending: deque[Future[None]] = deque()
            for key, table in partitions:
                pending.append(pool.submit(self.write_part, key, run, table))
                written.append(key)
                if len(pending) >= COMMIT_THREADS:
                    pending.popleft().result()
            for future in pending:
                future.result()
            stale = sorted(set(previous.partitions if previous else []) - set(written))
            list(pool.map(lambda key: self.delete_part(key, run), stale))
            manifest = RunManifest(source_name, crawl_day, sorted(written), dict(counts))
            manifest.save(self.storage)
            owned = 0
            for table in pool.map(self.rebuild, sorted({*written, *stale})):
                mine = pc.and_(pc.equal(table["source_name"], source_name),
                               pc.equal(table["crawl_day"], pa.scalar(crawl_day, pa.date32())))
                owned += pc.sum(mine.cast(pa.int64())).as_py() or 0
        manifest.counts["articles_owned"] = owned
        return manifest


_RUN_MANIFEST = re.compile(r"^runs/crawl_day=(\d{4}-\d\d-\d\d)/([^/]+)\.json$")


@dataclass
class RunManifest:
    """What one run of (source, crawl day) wrote: the partitions it holds rows in, and its counts."""

    source_name: str
    crawl_day: dt.date
    partitions: list[PartitionKey]
    counts: dict[str, int]

    @staticmethod
    def rel(source_name: str, crawl_day: dt.date) -> str:
        return f"runs/crawl_day={crawl_day.isoformat()}/{source_name}.json"

    @staticmethod
    def days_by_source(storage: Storage) -> dict[str, list[dt.date]]:
        """The crawl days of every run manifest in the data root, by source name, oldest first (one listing)."""
        days: dict[str, list[dt.date]] = {}
        for rel in storage.list("runs", suffix=".json"):
            if match := _RUN_MANIFEST.match(rel):
                days.setdefault(match[2], []).append(dt.date.fromisoformat(match[1]))
        return {name: sorted(found) for name, found in days.items()}

    def save(self, storage: Storage) -> str:
        rel = self.rel(self.source_name, self.crawl_day)
        storage.write_json(rel, {
            "source_name": self.source_name,
            "crawl_day": self.crawl_day.isoformat(),
            "partitions": [k.relative_dir() for k in self.partitions],
            "counts": dict(sorted(self.counts.items())),
        })
        return storage.url(rel)

    @classmethod
    def load(cls, storage: Storage, source_name: str, crawl_day: dt.date) -> "RunManifest | None":
        rel = cls.rel(source_name, crawl_day)
        if not storage.exists(rel):
            return None
        payload = storage.read_json(rel)  # its error names the file
        try:
            counts = payload["counts"]
            if not isinstance(counts, dict) or not all(type(n) is int for n in counts.values()):
                raise TypeError("counts must map names to integers")
            return cls(
                source_name=payload["source_name"],
                crawl_day=dt.date.fromisoformat(payload["crawl_day"]),
                partitions=[PartitionKey.from_relative_dir(p) for p in payload["partitions"]],
                counts=counts,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{storage.url(rel)}: not a run manifest: {type(exc).__name__}: {exc}") from None
