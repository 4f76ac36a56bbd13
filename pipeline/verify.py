"""Check the dataset of a range of days: what ``python -m pipeline verify`` runs.

For every partition ``articles/date=D/source=S/articles.parquet`` with D in the range:

- its schema: the version in its metadata is :data:`~pipeline.schema.SCHEMA_VERSION` and its columns are those of
  :data:`~pipeline.schema.ARTICLE_SCHEMA`;
- one row per article: no article_id twice in it, nor in another partition of the range;
- its rows: each is owned by a run whose manifest exists and lists the partition, and the rows are exactly the
  merge of the partition's parts (one row per article, the earliest run's);
- its parts: each belongs to a run whose manifest lists the partition.

For every run manifest of a crawl day in the range: it reads, and each partition it lists has its part and its file.
Each problem is one line that names the file. The range's article ids are held in memory as 16 bytes a row.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.compact import hash64
from pipeline.dataset import Dataset, PartitionKey, RunKey, RunManifest, one_row_per_article
from pipeline.runner import days_between
from pipeline.schema import ARTICLE_SCHEMA, SCHEMA_VERSION, SCHEMA_VERSION_KEY
from pipeline.storage import Storage, as_storage

OWNER_COLUMNS = ["article_id", "crawl_day", "source_name"]


@dataclass(frozen=True, order=True)
class Problem:
    location: str  # the file, as a path or URL
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def _id_key(article_id: str) -> int:
    """A 64-bit key of an article id (its first 16 hex digits; any other string hashed)."""
    try:
        return int(article_id[:16], 16)
    except ValueError:
        return hash64(article_id)


class _Verifier:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self.dataset = Dataset(storage)
        self.problems: list[Problem] = []
        self._manifests: dict[RunKey, RunManifest | None] = {}

    def problem(self, rel: str, message: str) -> None:
        self.problems.append(Problem(self.storage.url(rel), message))

    def manifest(self, run: RunKey) -> RunManifest | None:
        """The run's manifest, None when it is missing or unreadable (reported once)."""
        if run not in self._manifests:
            rel = RunManifest.rel(run.source_name, run.crawl_day)
            try:
                self._manifests[run] = RunManifest.load(self.storage, run.source_name, run.crawl_day)
            except (ValueError, OSError) as exc:  # the message starts with the file's URL
                self.problem(rel, str(exc).removeprefix(f"{self.storage.url(rel)}: "))
                self._manifests[run] = None
        return self._manifests[run]

    def check_manifests(self, day: dt.date) -> None:
        for rel in self.storage.list(f"runs/crawl_day={day.isoformat()}", suffix=".json"):
            run = RunKey(day, rel.rsplit("/", 1)[-1].removesuffix(".json"))
            manifest = self.manifest(run)
            for key in manifest.partitions if manifest else []:
                if not self.storage.exists(self.dataset.part_rel(key, run)):
                    self.problem(rel, f"lists {key.relative_dir()}, but its part "
                                      f"{self.storage.url(self.dataset.part_rel(key, run))} is missing")
                if not self.storage.exists(self.dataset.partition_rel(key)):
                    self.problem(rel, f"lists {key.relative_dir()}, but "
                                      f"{self.storage.url(self.dataset.partition_rel(key))} is missing")

    def check_schema(self, rel: str) -> bool:
        try:
            schema = self.storage.read_parquet_schema(rel)
        except (OSError, pa.ArrowException) as exc:
            self.problem(rel, f"unreadable: {exc}")
            return False
        version = (schema.metadata or {}).get(SCHEMA_VERSION_KEY)
        if version != str(SCHEMA_VERSION).encode():
            found = "none" if version is None else repr(version.decode(errors="replace"))
            self.problem(rel, f"schema version {found} in {SCHEMA_VERSION_KEY.decode()}, expected {SCHEMA_VERSION}")
        expected = {f.name: f.type for f in ARTICLE_SCHEMA}
        found_types = {f.name: f.type for f in schema}
        missing = [name for name in expected if name not in found_types]
        extra = [name for name in found_types if name not in expected]
        changed = [f"{name} is {found_types[name]}, expected {expected[name]}" for name in expected
                   if name in found_types and found_types[name] != expected[name]]
        for label, names in (("missing columns", missing), ("unknown columns", extra), ("wrong types", changed)):
            if names:
                self.problem(rel, f"{label}: {', '.join(names)}")
        return not (missing or changed)

    def check_partition(self, key: PartitionKey) -> pa.Table | None:
        """The partition's checks; returns its article ids, or None when they cannot be read."""
        rel = self.dataset.partition_rel(key)
        if not self.check_schema(rel):
            return None
        rows = self.storage.read_parquet(rel, columns=OWNER_COLUMNS)
        repeated = {article_id: n for article_id, n in Counter(rows["article_id"].to_pylist()).items() if n > 1}
        for article_id, n in sorted(repeated.items()):
            self.problem(rel, f"article_id {article_id} is in {n} rows")
        owners = sorted(set(zip(rows["crawl_day"].to_pylist(), rows["source_name"].to_pylist())))
        for crawl_day, source_name in owners:
            run = RunKey(crawl_day, source_name)
            manifest = self.manifest(run)
            where = self.storage.url(RunManifest.rel(source_name, crawl_day))
            if manifest is None:
                self.problem(rel, f"has rows of run {source_name}@{crawl_day}, whose manifest {where} is missing "
                                  "or unreadable")
            elif key not in manifest.partitions:
                self.problem(rel, f"has rows of run {source_name}@{crawl_day}, whose manifest {where} does not list "
                                  "it")
        self.check_parts(key, rows)
        return rows.select(["article_id"])

    def check_parts(self, key: PartitionKey, rows: pa.Table | None) -> None:
        """The partition's parts belong to runs that list it, and its rows are their merge."""
        parts = []
        for part_rel in self.storage.list(f"parts/{key.relative_dir()}", suffix=".parquet"):
            try:
                run = RunKey.from_part_name(part_rel.rsplit("/", 1)[-1])
            except ValueError:
                self.problem(part_rel, "not a part: its name is not <source>@<crawl day>.parquet")
                continue
            manifest = self.manifest(run)
            if manifest is None or key not in manifest.partitions:
                where = self.storage.url(RunManifest.rel(run.source_name, run.crawl_day))
                self.problem(part_rel, f"belongs to no run: its manifest {where} "
                                       f"{'does not list this partition' if manifest else 'is missing or unreadable'}")
            try:
                parts.append(self.storage.read_parquet(part_rel, schema=ARTICLE_SCHEMA, columns=OWNER_COLUMNS))
            except (OSError, pa.ArrowException) as exc:
                self.problem(part_rel, f"unreadable: {exc}")
                return
        if rows is None:
            if parts:
                self.problem(self.dataset.partition_rel(key), f"is missing, but {len(parts)} part{'s' * (len(parts) > 1)} hold"
                                                             f"{'' if len(parts) > 1 else 's'} its rows")
            return
        merged = one_row_per_article(pa.concat_tables(parts) if parts else rows.schema.empty_table())
        expected = set(zip(*(merged[c].to_pylist() for c in OWNER_COLUMNS)))
        found = set(zip(*(rows[c].to_pylist() for c in OWNER_COLUMNS)))
        if expected != found:
            self.problem(self.dataset.partition_rel(key),
                         f"differs from its parts: {len(found - expected)} rows in no part or owned by an earlier "
                         f"run, {len(expected - found)} rows of its parts missing (rebuild it)")

    def check_day(self, day: dt.date) -> list[tuple[PartitionKey, pa.Table]]:
        self.check_manifests(day)
        keys = set(self.dataset.partitions(day))
        for part_dir in {rel.rsplit("/", 1)[0] for rel in self.storage.list(f"parts/date={day.isoformat()}",
                                                                              suffix=".parquet")}:
            key = PartitionKey.from_relative_dir(part_dir)
            if key not in keys:
                self.check_parts(key, None)
        found = []
        for key in sorted(keys):
            ids = self.check_partition(key)
            if ids is not None:
                found.append((key, ids))
        return found

    def check_across(self, partitions: list[tuple[PartitionKey, pa.Table]]) -> None:
        """No article in two partitions: ids as 64-bit keys, sorted, neighbours compared."""
        if not partitions:
            return
        keys = np.concatenate([np.fromiter((_id_key(a) for a in ids["article_id"].to_pylist()), dtype=np.uint64,
                                           count=ids.num_rows) for _, ids in partitions])
        owner = np.concatenate([np.full(ids.num_rows, n, dtype=np.int32) for n, (_, ids) in enumerate(partitions)])
        order = np.argsort(keys, kind="stable")
        keys, owner = keys[order], owner[order]
        same = np.flatnonzero((keys[1:] == keys[:-1]) & (owner[1:] != owner[:-1]))
        pairs = sorted({(int(owner[i]), int(owner[i + 1]), int(keys[i])) for i in same})
        for first, second, id_key in pairs:
            key, ids = partitions[first]
            article_id = next(a for a in ids["article_id"].to_pylist() if _id_key(a) == id_key)
            other = self.storage.url(self.dataset.partition_rel(partitions[second][0]))
            self.problem(self.dataset.partition_rel(key), f"article_id {article_id} is also in {other}")


def verify(root: str | Path | Storage, start: dt.date, end: dt.date) -> list[Problem]:
    """Every problem found in the partitions and run manifests of the days ``start``..``end``, sorted."""
    verifier = _Verifier(as_storage(root))
    partitions = []
    for day in days_between(start, end):
        partitions.extend(verifier.check_day(day))
    verifier.check_across(partitions)
    return sorted(set(verifier.problems))

