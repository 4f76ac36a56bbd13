"""The rows of one run, spilled to a staging Parquet file in row groups as they are produced.

Memory holds only an index (article id -> preference, row position, partition), not the documents, so the
per-article path stays flat however many pages a source yields; partitions are then built from the file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.dataset import PARQUET_OPTIONS, PartitionKey
from pipeline.document import Document
from pipeline.schema import ARTICLE_SCHEMA

ROWS_PER_GROUP = 512


def preference(doc: Document) -> tuple[bool, str]:
    """Of two pages of one article (same canonical URL), the smaller wins: fetched at the canonical URL, else first URL."""
    return (doc.page.url != doc.canonical_url, doc.page.url)


@dataclass(frozen=True)
class _Entry:
    preference: tuple[bool, str]
    position: int
    key: PartitionKey


class RunRows:
    def __init__(self, staging_dir: Path) -> None:
        staging_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="run-", suffix=".parquet", dir=staging_dir)
        os.close(fd)
        self.path = Path(name)
        self._writer = pq.ParquetWriter(self.path, ARTICLE_SCHEMA, compression=PARQUET_OPTIONS["compression"])
        self._buffer: list[dict] = []
        self._written = 0
        self._closed = False
        self._index: dict[str, _Entry] = {}

    def add(self, doc: Document) -> bool:
        """Record the article's row; False when an already recorded page of the same article is preferred."""
        rank = preference(doc)
        previous = self._index.get(doc.article_id)
        if previous is not None and previous.preference <= rank:
            return False
        self._index[doc.article_id] = _Entry(rank, self._written + len(self._buffer),
                                             PartitionKey(doc.partition_day, doc.site))
        self._buffer.append(doc.to_row())
        if len(self._buffer) >= ROWS_PER_GROUP:
            self._flush()
        return previous is None

    def __len__(self) -> int:
        return len(self._index)

    def _flush(self) -> None:
        if self._buffer:
            self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=ARTICLE_SCHEMA))
            self._written += len(self._buffer)
            self._buffer = []

    def by_partition(self) -> dict[PartitionKey, pa.Table]:
        """The kept rows, grouped by partition (closes the spill file; call once)."""
        self._flush()
        self._writer.close()
        self._closed = True
        positions: dict[PartitionKey, list[int]] = {}
        for entry in self._index.values():
            positions.setdefault(entry.key, []).append(entry.position)
        table = pq.read_table(self.path, schema=ARTICLE_SCHEMA)
        return {key: table.take(sorted(rows)) for key, rows in positions.items()}

    def discard(self) -> None:
        if not self._closed:
            self._writer.close()
            self._closed = True
        self.path.unlink(missing_ok=True)
