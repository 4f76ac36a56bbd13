"""Page sources: one reader per source kind behind one interface.

A reader turns a configured source and a day into a stream of :class:`~pipeline.document.Page`; failures of one
record or file are counted in ``stats`` and skipped, never raised, so one broken input cannot sink a run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from pipeline.config import Source, SourcesConfig
from pipeline.document import Page


class PageReader(Protocol):
    def pages(self, day: dt.date, stats: Counter[str]) -> Iterator[Page]: ...


def open_reader(source: Source, config: SourcesConfig, data_dir: str | Path = "data") -> PageReader:
    """The reader for a configured source (dispatch on its ``kind``). The network kinds (rss, sitemap, archive)
    read back what their crawl wrote to the raw zone under ``data_dir``; they never touch the network."""
    from pipeline.crawl.rawzone import RawZoneReader
    from pipeline.sources.warc import WarcFileReader

    readers = {"warc": WarcFileReader, "rss": RawZoneReader, "sitemap": RawZoneReader, "archive": RawZoneReader}
    return readers[source.kind](source, config, data_dir)
