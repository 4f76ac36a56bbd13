"""The rows of one run, spilled to a staging Parquet file in row groups as they are produced.

Memory holds only an index (article id -> preference, row position, partition), not the documents, so the
per-article path stays flat however many pages a source yields; partitions are then built from the file.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from collections.abc import Iterator
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
            # Exactly ROWS_PER_GROUP rows per row group: partitions() finds a row by its position.
            self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=ARTICLE_SCHEMA),
                                     row_group_size=ROWS_PER_GROUP)
            self._written += len(self._buffer)
            self._buffer = []

    def partitions(self) -> Iterator[tuple[PartitionKey, pa.Table]]:
        """The kept rows, one partition at a time, in key order (closes the spill file; iterate once).

        Each partition is gathered row group by row group, so memory holds one partition and one row group, never
        the whole run: a run of 10,000 pages peaks no higher than one of 1,000.
        """
        self._flush()
        self._writer.close()
        self._closed = True
        groups: dict[PartitionKey, dict[int, list[int]]] = {}  # key -> row group -> rows within it
        for entry in self._index.values():
            group, row = divmod(entry.position, ROWS_PER_GROUP)
            groups.setdefault(entry.key, {}).setdefault(group, []).append(row)
        spill = pq.ParquetFile(self.path)
        for key in sorted(groups):
            pieces = [spill.read_row_group(group).take(sorted(rows)) for group, rows in sorted(groups[key].items())]
            yield key, pa.concat_tables(pieces).cast(ARTICLE_SCHEMA)

    def discard(self) -> None:
        if not self._closed:
            self._writer.close()
            self._closed = True
        self.path.unlink(missing_ok=True)
