"""The rows of one run, spilled to a staging Parquet file in row groups as they are produced.

Memory holds only an index of fixed-width arrays (article id -> preference, row position, partition; ~150 bytes
an article), not the documents, so the per-article path stays flat however many pages a source yields; partitions
are then built from the file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from array import array
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.compact import DigestIndex
from pipeline.dataset import PARQUET_OPTIONS, PartitionKey
from pipeline.document import Document
from pipeline.schema import ARTICLE_SCHEMA

ROWS_PER_GROUP = 512
# Rows of one bucket are in memory at once when its partitions are built, as those of one row group are when it is
# read. Each bucket is an open file while the spill is routed, hence the cap (a run of more than
# MAX_BUCKETS * ROWS_PER_GROUP articles has larger buckets). Bucket files are not compressed: a compressing writer
# holds ~1 MiB of codec state, one per open bucket, and the peak grew with the run (lz4 or zstd, 10,000 synthetic
# articles: +39 MiB over the steps' peak against +17-23 at 1,000; uncompressed +27 and +26), for short-lived files
# deleted one by one as their partitions are built.
MAX_BUCKETS = 512


def preference(doc: Document) -> tuple[bool, str]:
    """Of two pages of one article (same canonical URL), the smaller wins: fetched at the canonical URL, else first URL."""
    return (doc.page.url != doc.canonical_url, doc.page.url)


class RunRows:
    def __init__(self, staging_dir: Path) -> None:
        staging_dir.mkdir(parents=True, exist_ok=True)
        self._staging_dir = staging_dir
        fd, name = tempfile.mkstemp(prefix="run-", suffix=".parquet", dir=staging_dir)
        os.close(fd)
        self.path = Path(name)
        self._buckets_dir: Path | None = None
        self._writer = pq.ParquetWriter(self.path, ARTICLE_SCHEMA, compression=PARQUET_OPTIONS["compression"])
        self._buffer: list[dict] = []
        self._written = 0
        self._closed = False
        # Article ids are numbered; by number: the kept row's position in the spill, its partition (a number in
        # _partition_keys), and its preference (flag; the URL as a span of _urls).
        self._ids = DigestIndex()
        self._positions = array("Q")
        self._partitions = array("I")
        self._flags = array("B")
        self._url_spans = array("Q")  # start and end, two entries a number
        self._urls = bytearray()
        self._partition_keys: list[PartitionKey] = []
        self._partition_numbers: dict[PartitionKey, int] = {}

    def _preference(self, number: int) -> tuple[bool, str]:
        start, end = self._url_spans[2 * number:2 * number + 2]
        return bool(self._flags[number]), self._urls[start:end].decode()

    def add(self, doc: Document) -> bool:
        """Record the article's row; False when an already recorded page of the same article is preferred."""
        rank = preference(doc)
        article = bytes.fromhex(doc.article_id)
        number = self._ids.find(article)
        if number is not None and self._preference(number) <= rank:
            return False
        key = PartitionKey(doc.partition_day, doc.site)
        partition = self._partition_numbers.setdefault(key, len(self._partition_keys))
        if partition == len(self._partition_keys):
            self._partition_keys.append(key)
        position = self._written + len(self._buffer)
        url = rank[1].encode()
        span = (len(self._urls), len(self._urls) + len(url))
        self._urls += url  # a replaced page's URL stays behind: a second page of an article is rare
        if number is None:
            self._ids.add(article)
            self._positions.append(position)
            self._partitions.append(partition)
            self._flags.append(rank[0])
            self._url_spans.extend(span)
        else:
            self._positions[number] = position
            self._partitions[number] = partition
            self._flags[number] = rank[0]
            self._url_spans[2 * number:2 * number + 2] = array("Q", span)
        self._buffer.append(doc.to_row())
        if len(self._buffer) >= ROWS_PER_GROUP:
            self._flush()
        return number is None

    def __len__(self) -> int:
        return len(self._ids)

    def _flush(self) -> None:
        if self._buffer:
            # Exactly ROWS_PER_GROUP rows per row group: partitions() finds a row by its position.
            self._writer.write_table(pa.Table.from_pylist(self._buffer, schema=ARTICLE_SCHEMA),
                                     row_group_size=ROWS_PER_GROUP)
            self._written += len(self._buffer)
            self._buffer = []

    def partitions(self) -> Iterator[tuple[PartitionKey, pa.Table]]:
        """The kept rows, one partition at a time, in key order, each in spill order (closes the spill; iterate once).

        Linear in the rows: each row group is read once and its kept rows are routed to bucket files, a bucket being
        a run of partitions in key order of about ROWS_PER_GROUP rows; then each bucket is read once and split into
        its partitions. Memory holds one row group, or one bucket and its partitions, never the whole run.
        """
        self._flush()
        self._writer.close()
        self._closed = True
        positions = np.frombuffer(self._positions, np.uint64).astype(np.int64)
        keys = sorted(self._partition_keys)
        rank_of = np.empty(len(keys), np.int64)
        rank_of[[self._partition_numbers[key] for key in keys]] = np.arange(len(keys))
        ranks = rank_of[np.frombuffer(self._partitions, np.uint32)]  # by article number: its partition's key rank
        sizes = np.bincount(ranks, minlength=len(keys))
        buckets = max(1, min(MAX_BUCKETS, -(-len(positions) // ROWS_PER_GROUP)))
        # A partition goes whole into the bucket where its first row falls when rows are laid out in key order.
        bucket_of_rank = (np.cumsum(sizes) - sizes) * buckets // max(1, len(positions))
        bucket = bucket_of_rank[ranks]
        self._buckets_dir = Path(tempfile.mkdtemp(prefix="run-buckets-", dir=self._staging_dir))
        self._route(positions, bucket)
        for b in np.unique(bucket).tolist():
            members = np.flatnonzero(bucket == b)
            members = members[np.argsort(positions[members], kind="stable")]  # the order _route wrote them in
            path = self._buckets_dir / f"{b}.arrow"
            with pa.OSFile(str(path)) as source:
                table = pa.ipc.open_file(source).read_all()
            path.unlink()
            order = np.lexsort((positions[members], ranks[members]))
            table = table.take(order)
            member_ranks = ranks[members][order]
            bounds = np.flatnonzero(np.diff(member_ranks)) + 1
            for start, end in zip([0, *bounds.tolist()], [*bounds.tolist(), len(order)]):
                yield keys[member_ranks[start]], table.slice(start, end - start).cast(ARTICLE_SCHEMA)

    def _route(self, positions: np.ndarray, bucket: np.ndarray) -> None:
        """Each row group's kept rows to their buckets' files, in spill order."""
        assert self._buckets_dir is not None
        spill = pq.ParquetFile(self.path)
        by_position = np.argsort(positions, kind="stable")
        group_of = positions[by_position] // ROWS_PER_GROUP
        bounds = np.searchsorted(group_of, np.arange(spill.num_row_groups + 1))
        writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
        try:
            for group in range(spill.num_row_groups):
                kept = by_position[bounds[group]:bounds[group + 1]]
                if not len(kept):
                    continue
                rows = spill.read_row_group(group).take(positions[kept] - group * ROWS_PER_GROUP)
                for b in np.unique(bucket[kept]).tolist():
                    if b not in writers:
                        writers[b] = pa.ipc.new_file(str(self._buckets_dir / f"{b}.arrow"), rows.schema)
                    writers[b].write_table(rows.take(np.flatnonzero(bucket[kept] == b)))
        finally:
            for writer in writers.values():
                writer.close()

    def discard(self) -> None:
        if not self._closed:
            self._writer.close()
            self._closed = True
        self.path.unlink(missing_ok=True)
        if self._buckets_dir is not None:
            shutil.rmtree(self._buckets_dir, ignore_errors=True)
