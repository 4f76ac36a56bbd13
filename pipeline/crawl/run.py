"""Crawl one source for one day into the raw zone: what ``run`` (without --from-raw) and the DAG's crawl tasks call."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

from pipeline.config import NETWORK_KINDS, Source, SourcesConfig, WarcSource
from pipeline.crawl.crawler import CrawlPlan, Crawler
from pipeline.crawl.rawzone import RawZoneWriter
from pipeline.crawl.state import FetchedState
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


def crawl_source(config: SourcesConfig, source_name: str, day: dt.date, data_root: str | Path | Storage,
                 refetch: bool = False) -> dict[str, Any]:
    """Fetch the source's pages of ``day`` into ``raw/date=D/source=S/`` in the data root; returns the crawl summary.

    Articles an earlier run fetched are skipped (the per-source state) unless ``refetch``.
    """
    source = config.get(source_name)
    if not needs_crawl(source):
        raise ValueError(f"source {source_name!r} reads local files; there is nothing to crawl")
    settings = config.crawl_settings(source)
    storage = as_storage(data_root)
    state = FetchedState(storage, source.name)
    with RawZoneWriter(storage, day, source.name) as recorder:
        if isinstance(source, WarcSource):
            from pipeline.sources.warc import copy_remote_warcs

            copy_remote_warcs(source, day, settings, recorder)
            fetched: list[tuple[str, int]] = []
        else:
            crawler = Crawler(settings, plan_for(source, day, config), recorder,
                              already_fetched=(lambda url: False) if refetch else state.was_fetched)
            crawler.run()
            fetched = crawler.fetched_articles
        summary = recorder.close()
        # Only now that the WARC is complete: a crash before this line leaves the articles to fetch again.
        state.add(fetched, day, recorder.name)
    log.info("crawl %s %s: %s; skipped %s", source.name, day, summary["outcomes"], summary["skipped"])
    return summary
