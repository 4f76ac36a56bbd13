"""Page sources: one reader per source kind behind one interface.

A reader turns a configured source, a day and a shard into a stream of numbered
:class:`~pipeline.document.Page` s: ``((file number, record number), page)``, numbered the same whichever shard
reads them, so the shards of a source-day merge back into the order of one unsharded read. Failures of one record
or file are counted in ``stats`` and skipped, never raised, so one broken input cannot sink a run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Protocol

from pipeline.config import Source, SourcesConfig
from pipeline.document import Page
from pipeline.storage import Storage
from pipeline.warcpages import Shard

Position = tuple[int, int]


class PageReader(Protocol):
    def pages(self, day: dt.date, stats: Counter[str], shard: Shard = ...) -> Iterator[tuple[Position, Page]]: ...


def open_reader(source: Source, config: SourcesConfig, storage: Storage) -> PageReader:
    """The reader for a configured source (dispatch on its ``kind``). The network kinds (rss, sitemap, archive)
    read back what their crawl wrote to the raw zone in the data root; they never touch the network."""
    from pipeline.crawl.rawzone import RawZoneReader
    from pipeline.sources.warc import WarcFileReader

    readers = {"warc": WarcFileReader, "rss": RawZoneReader, "sitemap": RawZoneReader, "archive": RawZoneReader}
    return readers[source.kind](source, config, storage)
