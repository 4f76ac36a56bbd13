"""Read HTTP responses from local WARC / WARC.gz files (Common Crawl CC-NEWS layout: one folder or name per day)."""

from __future__ import annotations

import datetime as dt
import glob
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipeline.config import SourcesConfig, WarcSource
from pipeline.document import Page

log = logging.getLogger(__name__)

# Pages larger than this are not articles (or are hostile); they are skipped and counted.
MAX_RECORD_BYTES = 8 * 1024 * 1024


def parse_warc_date(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def iter_warc_pages(stream: BinaryIO, source_name: str, stats: Counter[str]) -> Iterator[Page]:
    """HTTP response records of one WARC stream as pages; a corrupt tail is counted, not raised."""
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            stats["warc_responses"] += 1
            url = record.rec_headers.get_header("WARC-Target-URI")
            date = record.rec_headers.get_header("WARC-Date")
            if not url or not date or record.http_headers is None:
                stats["skipped_malformed_record"] += 1
                continue
            body = record.content_stream().read(MAX_RECORD_BYTES + 1)
            if len(body) > MAX_RECORD_BYTES:
                stats["skipped_too_large"] += 1
                continue
            status = int(record.http_headers.get_statuscode() or 0)
            yield Page(
                url=url,
                body=body,
                fetched_at=parse_warc_date(date),
                source_name=source_name,
                status=status,
                headers=tuple(record.http_headers.headers),
            )
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        stats["warc_read_errors"] += 1
        log.warning("stopped reading a WARC stream early: %s", exc)


class WarcFileReader:
    """The ``warc`` source kind over local files: paths and globs, ``{day}`` filled in."""

    def __init__(self, source: WarcSource, config: SourcesConfig) -> None:
        self.source = source
        self.base_dir = config.base_dir

    def files(self, day: dt.date) -> list[Path]:
        found: set[Path] = set()
        for pattern in self.source.paths:
            expanded = pattern.format(day=day.isoformat())
            if not Path(expanded).is_absolute():
                expanded = str(self.base_dir / expanded)
            found.update(Path(p) for p in glob.glob(expanded, recursive=True))
        return sorted(found)

    def pages(self, day: dt.date, stats: Counter[str]) -> Iterator[Page]:
        files = self.files(day)
        if not files:
            log.warning("source %s: no WARC files for %s (patterns: %s)", self.source.name, day, self.source.paths)
        for path in files:
            stats["warc_files"] += 1
            try:
                with path.open("rb") as stream:
                    for page in iter_warc_pages(stream, self.source.name, stats):
                        if self.source.accepts_url(page.url):
                            yield page
                        else:
                            stats["skipped_url_filter"] += 1
            except OSError as exc:
                stats["warc_read_errors"] += 1
                log.warning("source %s: cannot read %s: %s", self.source.name, path, exc)
