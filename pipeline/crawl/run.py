"""Crawl one source for one day into the raw zone: what ``run`` (without --from-raw) and the DAG's crawl tasks call."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from pipeline.config import NETWORK_KINDS, Source, SourcesConfig, WarcSource
from pipeline.crawl.crawler import CrawlPlan, Crawler
from pipeline.crawl.lease import HostLeases, Leases, crawl_lease
from pipeline.crawl.paths import raw_dir, state_dir
from pipeline.crawl.rawzone import RawZoneWriter
from pipeline.crawl.state import FetchedState
from pipeline.errors import PipelineError
from pipeline.storage import Storage, as_storage

log = logging.getLogger(__name__)


def needs_crawl(source: Source) -> bool:
    """Whether the source's pages come from the network (and so through the raw zone)."""
    return source.kind in NETWORK_KINDS or (isinstance(source, WarcSource) and source.is_remote)


def plan_for(source: Source, day: dt.date, config: SourcesConfig) -> CrawlPlan:
    from pipeline.sources.archive import ArchivePlan
    from pipeline.sources.rss import RssPlan
    from pipeline.sources.sitemap import SitemapPlan

    if source.kind == "rss":
        return RssPlan(source, day)
    if source.kind == "sitemap":
        return SitemapPlan(source, day, config.crawl_settings(source).max_decompressed_bytes)
    if source.kind == "archive":
        return ArchivePlan(source, day)
    raise ValueError(f"source {source.name!r} of kind {source.kind!r} is not crawled page by page")


def _remove_leftovers(storage: Storage, source_name: str, day: dt.date) -> None:
    """Remove what killed crawls of this source-day left in the data root (we hold its lease, so none is at work):
    partial files in its raw zone, and partial state files of its crawls (named after them)."""
    raw = raw_dir(day, source_name)
    crawls = tuple(f".{rel.rsplit('/', 1)[1].removesuffix('.summary.json')}." for rel in
                   storage.list(raw, suffix=".summary.json"))
    state = [rel for rel in storage.hidden_files(state_dir(source_name)) if rel.rsplit("/", 1)[1].startswith(crawls)]
    for rel in [*storage.hidden_files(raw), *state]:
        storage.delete(rel)
        log.warning("removed %s, left by a crawl that was killed", storage.url(rel))


class CrawlBusy(PipelineError):
    """Another run holds the crawl of this source-day (its lease), and did for as long as this one waited."""


def crawl_source(config: SourcesConfig, source_name: str, day: dt.date, data_root: str | Path | Storage,
                 refetch: bool = False) -> dict[str, Any]:
    """Fetch the source's pages of ``day`` into ``raw/date=D/source=S/`` in the data root; returns the crawl summary.

    Articles an earlier run fetched are skipped (the per-source state) unless ``refetch``. One run at a time crawls
    a source-day: a second one waits for the first for up to ``lease_wait_seconds``, then raises :class:`CrawlBusy`.
    """
    source = config.get(source_name)
    if not needs_crawl(source):
        raise ValueError(f"source {source_name!r} reads local files; there is nothing to crawl")
    settings = config.crawl_settings(source)
    storage = as_storage(data_root)
    leases = Leases(storage, settings.lease_ttl_seconds, settings.lease_settle_seconds)
    try:
        lease = crawl_lease(source.name, day)
        holder = leases.acquire(lease)
        if not leases.mine(holder) and settings.lease_wait_seconds:
            log.warning("source %s, day %s: crawled by %s; waiting up to %.0f s", source.name, day,
                        holder.describe() if holder else "another run", settings.lease_wait_seconds)
            holder = leases.wait(lease, settings.lease_wait_seconds, leases.poll)
        if not leases.mine(holder):
            raise CrawlBusy(f"source {source.name!r}, day {day}: not crawled: another run is crawling it, "
                            f"{holder.describe() if holder else 'holder unknown'} ({storage.url(lease)})")
        _remove_leftovers(storage, source.name, day)
        # Read once the lease is ours: a crawl that held it before has stored what it fetched.
        state = FetchedState(storage, source.name)
        with RawZoneWriter(storage, day, source.name) as recorder:
            if isinstance(source, WarcSource):
                from pipeline.sources.warc import copy_remote_warcs

                copy_remote_warcs(source, day, settings, recorder)
                fetched: list[tuple[str, int]] = []
            else:
                crawler = Crawler(settings, plan_for(source, day, config), recorder,
                                  already_fetched=(lambda url: False) if refetch else state.was_fetched,
                                  host_leases=HostLeases(leases))
                crawler.run()
                fetched = crawler.fetched_articles
            summary = recorder.close()
            # Only now that the WARC is complete: a crash before this line leaves the articles to fetch again.
            state.add(fetched, day, recorder.name)
    finally:
        leases.close()
    log.info("crawl %s %s: %s; skipped %s", source.name, day, summary["outcomes"], summary["skipped"])
    return summary
