"""Page sources: one reader per source kind behind one interface.

A reader turns a configured source and a day into a stream of :class:`~pipeline.document.Page`; failures of one
record or file are counted in ``stats`` and skipped, never raised, so one broken input cannot sink a run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from typing import Protocol

from pipeline.config import Source, SourcesConfig
from pipeline.document import Page


class PageReader(Protocol):
    def pages(self, day: dt.date, stats: Counter[str]) -> Iterator[Page]: ...


def open_reader(source: Source, config: SourcesConfig) -> PageReader:
    """The reader for a configured source (dispatch on its ``kind``)."""
    from pipeline.sources.warc import WarcFileReader

    readers = {"warc": WarcFileReader}
    return readers[source.kind](source, config)
