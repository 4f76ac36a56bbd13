"""HTTP response records of a WARC stream as pages, numbered, and the shards that split a source-day's pages.

Below both the raw zone (which reads back its crawls) and the ``warc`` source kind (which reads archives): neither
imports the other for it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from pipeline.compact import hash64
from pipeline.document import Page

log = logging.getLogger(__name__)

# Pages larger than this are not articles (or are hostile); they are skipped and counted.
MAX_RECORD_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` of a source-day. Every page belongs to exactly one shard: by input file when
    there are at least as many files as shards (a shard reads only its files), else by a stable hash of the URL.
    Each shard counts only what it owns, so the counts of all shards add up to those of one unsharded run."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} of {self.count} does not exist")

    def by_file(self, files: int) -> bool:
        return files >= self.count

    def owns_file(self, number: int, files: int) -> bool:
        return not self.by_file(files) or number % self.count == self.index

    def owns_url(self, url: str, files: int) -> bool:
        """Whether this shard owns a record of ``url`` in a file it reads ('' for what no URL names: shard 0)."""
        if self.by_file(files):
            return True
        return (hash64(url) % self.count if url else 0) == self.index

    @property
    def owns_whole_source_counts(self) -> bool:
        """Counts about the source-day as a whole (crawl outcomes, no input at all) are counted by shard 0 only."""
        return self.index == 0

    def __str__(self) -> str:
        return f"{self.index + 1:05d}-of-{self.count:05d}"


def parse_warc_date(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def iter_warc_pages(stream: BinaryIO, source_name: str, stats: Counter[str],
                    accept: Callable[[ArcWarcRecord], bool] = lambda record: True,
                    owns: Callable[[str], bool] = lambda url: True) -> Iterator[tuple[int, Page]]:
    """HTTP response records of one WARC stream (that ``accept`` lets through) as (record number, page).

    The record number counts every response record of the stream, so it is the same whichever shard reads it.
    Only records whose URL ``owns`` accepts are yielded or counted; a corrupt tail is counted by the owner of ''.
    """
    number = -1
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or not accept(record):
                continue
            number += 1
            url = record.rec_headers.get_header("WARC-Target-URI") or ""
            if not owns(url):
                continue
            stats["warc_responses"] += 1
            date = record.rec_headers.get_header("WARC-Date")
            if not url or not date or record.http_headers is None:
                stats["skipped_malformed_record"] += 1
                continue
            body = record.content_stream().read(MAX_RECORD_BYTES + 1)
            if len(body) > MAX_RECORD_BYTES:
                stats["skipped_too_large"] += 1
                continue
            status = int(record.http_headers.get_statuscode() or 0)
            yield number, Page(
                url=url,
                body=body,
                fetched_at=parse_warc_date(date),
                source_name=source_name,
                status=status,
                headers=tuple(record.http_headers.headers),
            )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        if owns(""):
            stats["warc_read_errors"] += 1
            log.warning("stopped reading a WARC stream early: %s", exc)
