"""Read HTTP responses from local WARC / WARC.gz files (Common Crawl CC-NEWS layout: one folder or name per day)."""

from __future__ import annotations

import datetime as dt
import glob
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord

from urllib3.exceptions import HTTPError

from pipeline.config import CrawlSettings, SourcesConfig, WarcSource
from pipeline.crawl.decompress import gunzip_if_gzipped
from pipeline.crawl.fetcher import Fetcher, FetchFailure
from pipeline.crawl.netsafety import BlockedAddress
from pipeline.crawl.rawzone import RawZoneWriter, iter_raw_pages
from pipeline.document import Page

log = logging.getLogger(__name__)

PATH_LIST_ROLE = "warc_paths"
WARC_ROLE = "warc"

# Pages larger than this are not articles (or are hostile); they are skipped and counted.
MAX_RECORD_BYTES = 8 * 1024 * 1024


def parse_warc_date(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def iter_warc_pages(stream: BinaryIO, source_name: str, stats: Counter[str],
                    accept: Callable[[ArcWarcRecord], bool] = lambda record: True) -> Iterator[Page]:
    """HTTP response records of one WARC stream (that ``accept`` lets through) as pages; a corrupt tail is counted."""
    try:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or not accept(record):
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


def _is_url(path: str) -> bool:
    return path.startswith(("http://", "https://"))


def site_matches(url: str, sites: tuple[str, ...]) -> bool:
    """Whether the URL's host is one of ``sites`` or a subdomain of one (no sites: every URL)."""
    if not sites:
        return True
    host = (urlsplit(url).hostname or "").lower()
    return any(host == site or host.endswith("." + site) for site in (s.lower().lstrip(".") for s in sites))


class WarcFileReader:
    """The ``warc`` source kind: local files (paths and globs, ``{day}`` filled in) read in place, plus the
    records that a crawl copied from remote WARC files into the raw zone."""

    def __init__(self, source: WarcSource, config: SourcesConfig, data_dir: str | Path = "data") -> None:
        self.source = source
        self.base_dir = config.base_dir
        self.data_dir = Path(data_dir)

    def files(self, day: dt.date) -> list[Path]:
        found: set[Path] = set()
        for pattern in self.source.paths:
            if _is_url(pattern):
                continue
            expanded = pattern.format(day=day)
            if not Path(expanded).is_absolute():
                expanded = str(self.base_dir / expanded)
            found.update(Path(p) for p in glob.glob(expanded, recursive=True))
        return sorted(found)

    def _wanted(self, pages: Iterator[Page], stats: Counter[str]) -> Iterator[Page]:
        for page in pages:
            if not site_matches(page.url, self.source.sites):
                stats["skipped_other_site"] += 1
            elif not self.source.accepts_url(page.url):
                stats["skipped_url_filter"] += 1
            else:
                yield page

    def pages(self, day: dt.date, stats: Counter[str]) -> Iterator[Page]:
        if self.source.is_remote:
            yield from self._wanted(iter_raw_pages(self.data_dir, day, self.source.name, stats), stats)
        files = self.files(day)
        if not files and not self.source.is_remote:
            log.warning("source %s: no WARC files for %s (patterns: %s)", self.source.name, day, self.source.paths)
        for path in files:
            stats["warc_files"] += 1
            try:
                with path.open("rb") as stream:
                    yield from self._wanted(iter_warc_pages(stream, self.source.name, stats), stats)
            except OSError as exc:
                stats["warc_read_errors"] += 1
                log.warning("source %s: cannot read %s: %s", self.source.name, path, exc)


def remote_warc_urls(source: WarcSource, day: dt.date, fetcher: Fetcher, recorder: RawZoneWriter) -> list[str]:
    """The WARC URLs of the day: the URL paths, with ``.paths``/``.paths.gz`` lists expanded (CC-NEWS layout)."""
    urls: list[str] = []
    day_marker = source.path_list_day.format(day=day)
    for pattern in filter(_is_url, source.paths):
        url = pattern.format(day=day)
        if not url.endswith((".paths", ".paths.gz")):
            urls.append(url)
            continue
        listing = fetcher.fetch(url)
        recorder.exchange(listing, PATH_LIST_ROLE, 0)
        if isinstance(listing, FetchFailure) or listing.status != 200:
            outcome = listing.outcome if isinstance(listing, FetchFailure) else str(listing.status)
            recorder.outcome(url, PATH_LIST_ROLE, outcome)
            continue
        try:
            text = gunzip_if_gzipped(listing.content, fetcher.settings.max_decompressed_bytes).decode("utf-8")
        except (ValueError, UnicodeDecodeError) as exc:
            recorder.outcome(url, PATH_LIST_ROLE, "bad_encoding", detail=str(exc))
            continue
        listed = [urljoin(source.path_list_base, line.strip()) for line in text.splitlines()
                  if line.strip() and day_marker in line.rsplit("/", 1)[-1]]
        recorder.outcome(url, PATH_LIST_ROLE, str(listing.status), files_of_day=len(listed))
        urls.extend(listed)
    return list(dict.fromkeys(urls))[: source.max_files]


def copy_remote_warcs(source: WarcSource, day: dt.date, settings: CrawlSettings, recorder: RawZoneWriter) -> None:
    """Stream the day's remote WARC files (never held in memory) and keep the records of the wanted sites.

    One file at a time: these are bulk downloads from an archive, not pages of a site.
    """
    fetcher = Fetcher(settings)
    try:
        for url in remote_warc_urls(source, day, fetcher, recorder):
            kept = read = 0
            try:
                with fetcher.stream(url) as response:
                    if response.status != 200:
                        recorder.outcome(url, WARC_ROLE, str(response.status))
                        continue
                    for record in ArchiveIterator(response):
                        if record.rec_type != "response":
                            continue
                        read += 1
                        target = record.rec_headers.get_header("WARC-Target-URI") or ""
                        if site_matches(target, source.sites) and source.accepts_url(target):
                            recorder.copy(record)
                            kept += 1
                recorder.outcome(url, WARC_ROLE, "200", records=read, kept=kept)
            except BlockedAddress as exc:
                recorder.outcome(url, WARC_ROLE, exc.reason, detail=str(exc))
            except (HTTPError, OSError, ArchiveLoadFailed, EOFError, ValueError) as exc:
                # A file that breaks off keeps the records read so far; the crawl log says it broke.
                recorder.outcome(url, WARC_ROLE, "connection_error", detail=f"{type(exc).__name__}: {exc}",
                                 records=read, kept=kept)
    finally:
        fetcher.close()
