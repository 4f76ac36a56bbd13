"""The article dataset on disk: partition paths, atomic partition writes, reading back.

Each partition (publication day x site) is one Parquet file, replaced atomically: a new file is written under
``<data>/.staging`` on the same filesystem and renamed over the old one, so a reader sees the old file or the
new one, never half of either. A run of (source, crawl day) *replaces* the rows it wrote before and leaves the
rows of other runs alone; an article already in a partition from another run is not added again.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.schema import ARTICLE_SCHEMA, SORT_KEY

PARTITION_FILE = "articles.parquet"
PARQUET_OPTIONS: dict[str, Any] = {"compression": "zstd", "row_group_size": 2048}


@dataclass(frozen=True, order=True)
class PartitionKey:
    day: dt.date
    site: str

    def relative_dir(self) -> Path:
        return Path("articles") / f"date={self.day.isoformat()}" / f"source={self.site}"

    @classmethod
    def from_relative_dir(cls, path: str | Path) -> "PartitionKey":
        date_part, source_part = Path(path).parts[-2:]
        return cls(dt.date.fromisoformat(date_part.split("=", 1)[1]), source_part.split("=", 1)[1])


def _safe_site(site: str) -> str:
    # Sites come from URLs; make sure one can never name a path outside the dataset.
    if not site or "/" in site or "\\" in site or site.startswith(".") or site != site.strip():
        raise ValueError(f"unsafe partition name {site!r}")
    return site


class Dataset:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def partition_path(self, key: PartitionKey) -> Path:
        _safe_site(key.site)
        return self.root / key.relative_dir() / PARTITION_FILE

    def partitions(self, day: dt.date | None = None, site: str | None = None) -> list[PartitionKey]:
        base = self.root / "articles"
        pattern = f"date={day.isoformat() if day else '*'}/source={site or '*'}/{PARTITION_FILE}"
        return sorted(PartitionKey.from_relative_dir(p.parent) for p in base.glob(pattern))

    def read(self, key: PartitionKey) -> pa.Table:
        return pq.read_table(self.partition_path(key), schema=ARTICLE_SCHEMA)

    @contextmanager
    def _locked(self, key: PartitionKey) -> Iterator[None]:
        # Mapped tasks of different sources may write the same partition at the same time.
        locks = self.root / ".locks"
        locks.mkdir(parents=True, exist_ok=True)
        name = hashlib.sha256(str(key.relative_dir()).encode()).hexdigest()[:24]
        with open(locks / f"{name}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write_atomically(self, key: PartitionKey, table: pa.Table) -> None:
        target = self.partition_path(key)
        staging = self.root / ".staging"
        staging.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix="partition-", suffix=".parquet", dir=staging)
        os.close(fd)
        try:
            pq.write_table(table, tmp_name, **PARQUET_OPTIONS)
            with open(tmp_name, "rb") as handle:
                os.fsync(handle.fileno())
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def replace_run_rows(
        self, key: PartitionKey, source_name: str, crawl_day: dt.date, rows: list[dict[str, Any]] | pa.Table
    ) -> int:
        """Make ``rows`` the partition's rows of run (source_name, crawl_day); returns the partition's row count."""
        path = self.partition_path(key)
        with self._locked(key):
            new = rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)
            if path.exists():
                old = self.read(key)
                same_run = pc.and_(
                    pc.equal(old["source_name"], source_name), pc.equal(old["crawl_day"], pa.scalar(crawl_day))
                )
                kept = old.filter(pc.invert(same_run))
                # An article another run already wrote stays as it is: the first crawl owns it.
                new = new.filter(pc.invert(pc.is_in(new["article_id"], kept["article_id"])))
                table = pa.concat_tables([kept, new])
            else:
                table = new
            if table.num_rows == 0:
                path.unlink(missing_ok=True)
                return 0
            table = table.sort_by([(column, "ascending") for column in SORT_KEY])
            self._write_atomically(key, table.replace_schema_metadata(ARTICLE_SCHEMA.metadata))
            return table.num_rows


@dataclass
class RunManifest:
    """What one run of (source, crawl day) wrote: the partitions it owns rows in, and its counts."""

    source_name: str
    crawl_day: dt.date
    partitions: list[PartitionKey]
    counts: dict[str, int]

    @staticmethod
    def path(root: Path, source_name: str, crawl_day: dt.date) -> Path:
        return root / "runs" / f"crawl_day={crawl_day.isoformat()}" / f"{source_name}.json"

    def save(self, root: Path) -> Path:
        path = self.path(root, self.source_name, self.crawl_day)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "source_name": self.source_name,
            "crawl_day": self.crawl_day.isoformat(),
            "partitions": [str(k.relative_dir()) for k in self.partitions],
            "counts": dict(sorted(self.counts.items())),
        }
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, root: Path, source_name: str, crawl_day: dt.date) -> "RunManifest | None":
        path = cls.path(root, source_name, crawl_day)
        if not path.exists():
            return None
        payload = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            source_name=payload["source_name"],
            crawl_day=dt.date.fromisoformat(payload["crawl_day"]),
            partitions=[PartitionKey.from_relative_dir(p) for p in payload["partitions"]],
            counts=payload["counts"],
        )

