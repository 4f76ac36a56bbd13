"""Read HTTP responses from WARC / WARC.gz files, local or in an object store (Common Crawl CC-NEWS layout: one
folder or name per day), and copy remote (http) ones into the raw zone."""

from __future__ import annotations

import datetime as dt
import fnmatch
import glob
import logging
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

from urllib3.exceptions import HTTPError
from warcio.archiveiterator import ArchiveIterator, UnseekableYetTellable
from warcio.exceptions import ArchiveLoadFailed

from pipeline.config import CrawlSettings, SourcesConfig, WarcSource
from pipeline.crawl.decompress import gunzip_if_gzipped
from pipeline.crawl.fetcher import Fetcher, FetchFailure
from pipeline.crawl.netsafety import BlockedAddress
from pipeline.crawl.rawzone import RawZoneWriter, crawl_log, iter_raw_pages
from pipeline.document import Page
from pipeline.storage import Storage, is_url
from pipeline.warcpages import Shard, iter_warc_pages

log = logging.getLogger(__name__)

PATH_LIST_ROLE = "warc_paths"
WARC_ROLE = "warc"
# The crawl-log outcome of a remote WARC file whose download broke off after its response began.
CUT_OUTCOME = "cut"


def _is_url(path: str) -> bool:
    return path.startswith(("http://", "https://"))


def site_matches(url: str, sites: tuple[str, ...]) -> bool:
    """Whether the URL's host is one of ``sites`` or a subdomain of one (no sites: every URL)."""
    if not sites:
        return True
    host = (urlsplit(url).hostname or "").lower()
    return any(host == site or host.endswith("." + site) for site in (s.lower().lstrip(".") for s in sites))


def _store_glob(pattern: str) -> list[str]:
    """The object-store URLs matching a glob such as ``s3://bucket/cc-news/2022/01/*.warc.gz``."""
    scheme, rest = pattern.split("://", 1)
    bucket, _, key_pattern = rest.partition("/")
    store = Storage(f"{scheme}://{bucket}")
    static = re.split(r"[*?\[]", key_pattern, maxsplit=1)[0].rsplit("/", 1)[0]
    keys = store.list(static)
    return [store.url(key) for key in keys if fnmatch.fnmatchcase(key, key_pattern)]


@contextmanager
def _open_input(location: str) -> Iterator[BinaryIO]:
    if is_url(location):
        root, name = location.rsplit("/", 1)
        with Storage(root).open_input(name) as stream:
            yield stream
    else:
        with open(location, "rb") as stream:
            yield stream


class WarcFileReader:
    """The ``warc`` source kind: files named by paths, globs (``{day}`` filled in) or object-store URLs, read in
    place, plus the records that a crawl copied from remote (http) WARC files into the raw zone."""

    def __init__(self, source: WarcSource, config: SourcesConfig, storage: Storage) -> None:
        self.source = source
        self.base_dir = config.base_dir
        self.storage = storage

    def files(self, day: dt.date) -> list[str]:
        """Local paths and object-store URLs of the day's files, sorted (the order pages are numbered in)."""
        found: set[str] = set()
        for pattern in self.source.paths:
            if _is_url(pattern):
                continue
            expanded = pattern.format(day=day)
            if is_url(expanded):
                found.update(_store_glob(expanded))
                continue
            if not Path(expanded).is_absolute():
                expanded = str(self.base_dir / expanded)
            found.update(glob.glob(expanded, recursive=True))
        return sorted(found)

    def _wanted(self, pages: Iterator[tuple[tuple[int, int], Page]],
                stats: Counter[str]) -> Iterator[tuple[tuple[int, int], Page]]:
        for position, page in pages:
            if not site_matches(page.url, self.source.sites):
                stats["skipped_other_site"] += 1
            elif not self.source.accepts_url(page.url):
                stats["skipped_url_filter"] += 1
            else:
                yield position, page

    def _count_downloads(self, day: dt.date, stats: Counter[str]) -> None:
        """The remote WARC files of the day, from the crawl logs (a file any crawl got whole counts as whole):
        ``warc_no_files`` when there is none (an empty or unreachable path list), ``warc_download_cut`` per file
        whose download broke off, ``warc_download_failed`` per file never received (404, refused, ...)."""
        rank = {"200": 2, CUT_OUTCOME: 1}
        best: dict[str, int] = {}
        for line in crawl_log(self.storage, day, self.source.name):
            if line.get("role") == WARC_ROLE:
                best[line["url"]] = max(best.get(line["url"], 0), rank.get(line.get("outcome", ""), 0))
        if not best:
            stats["warc_no_files"] += 1
            log.warning("source %s: no WARC files of %s were listed", self.source.name, day)
        for reason, outcome in (("warc_download_cut", 1), ("warc_download_failed", 0)):
            if n := sum(r == outcome for r in best.values()):
                stats[reason] += n

    def pages(self, day: dt.date, stats: Counter[str],
              shard: Shard = Shard()) -> Iterator[tuple[tuple[int, int], Page]]:
        """The day's pages that ``shard`` owns, as ((file number, record number), page): raw zone files first."""
        if self.source.is_remote:
            if shard.owns_whole_source_counts:
                self._count_downloads(day, stats)
            yield from self._wanted(iter_raw_pages(self.storage, day, self.source.name, stats, shard), stats)
        files = self.files(day)
        if not files and not self.source.is_remote and shard.owns_whole_source_counts:
            stats["warc_no_files"] += 1
            log.warning("source %s: no WARC files for %s (patterns: %s)", self.source.name, day, self.source.paths)
        # Numbered after the raw zone's files, so that positions never collide (the raw zone has at most this many).
        offset = 1 << 20
        for number, location in enumerate(files):
            if not shard.owns_file(number, len(files)):
                continue
            if shard.owns_url("", len(files)):  # read by every shard when split by URL: counted once
                stats["warc_files"] += 1
            try:
                with _open_input(location) as stream:
                    pages = iter_warc_pages(stream, self.source.name, stats,
                                            owns=lambda url: shard.owns_url(url, len(files)))
                    yield from self._wanted((((offset + number, record), page) for record, page in pages), stats)
            except OSError as exc:
                if shard.owns_url("", len(files)):
                    stats["warc_read_errors"] += 1
                log.warning("source %s: cannot read %s: %s", self.source.name, location, exc)


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
            began = False
            try:
                with fetcher.stream(url) as response:
                    if response.status != 200:
                        recorder.outcome(url, WARC_ROLE, str(response.status))
                        continue
                    began = True
                    records = ArchiveIterator(UnseekableYetTellable(response))
                    for record in records:
                        if record.rec_type != "response":
                            continue
                        read += 1
                        target = record.rec_headers.get_header("WARC-Target-URI") or ""
                        if site_matches(target, source.sites) and source.accepts_url(target):
                            recorder.copy(record)
                            kept += 1
                    # warcio ends quietly at a record cut short when the server closed an unframed response:
                    # bytes after the end of the last whole record are such a cut.
                    trailing = records.fh.tell() - records.offset
                if trailing:
                    recorder.outcome(url, WARC_ROLE, CUT_OUTCOME, records=read, kept=kept,
                                     detail=f"{trailing} bytes after the last whole record")
                else:
                    recorder.outcome(url, WARC_ROLE, "200", records=read, kept=kept)
            except BlockedAddress as exc:
                recorder.outcome(url, WARC_ROLE, exc.reason, detail=str(exc))
            except (HTTPError, OSError, ArchiveLoadFailed, EOFError, ValueError) as exc:
                # A file that breaks off keeps the records read so far; its outcome says it was cut, and the
                # extraction counts it (warc_download_cut).
                recorder.outcome(url, WARC_ROLE, CUT_OUTCOME if began else "connection_error",
                                 detail=f"{type(exc).__name__}: {exc}", records=read, kept=kept)
    finally:
        fetcher.close()
