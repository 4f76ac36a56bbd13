"""The ``rss`` source kind: RSS and Atom feeds; the entries dated on the day (or undated) are the day's articles."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter
from collections.abc import Iterator

import feedparser

from pipeline.config import RssSource
from pipeline.crawl.crawler import ContentRejected, Request, article_request
from pipeline.crawl.fetcher import Response
from pipeline.crawl.xmlsafe import check_xml_safe

FEED_ROLE = "feed"


def _entry_time(entry: feedparser.FeedParserDict) -> dt.datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        if parsed := entry.get(key):
            return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.timezone.utc)
    return None


class RssPlan:
    def __init__(self, source: RssSource, day: dt.date) -> None:
        self.source, self.day = source, day

    def seeds(self) -> list[Request]:
        return [Request(url, FEED_ROLE) for url in self.source.feeds]

    def discover(self, request: Request, response: Response, skipped: Counter[str]) -> Iterator[Request]:
        check_xml_safe(response.content)
        feed = feedparser.parse(response.content, response_headers={
            "content-location": response.url, "content-type": response.header("Content-Type") or ""})
        if feed.bozo and not feed.entries:
            raise ContentRejected("malformed_xml", f"not a feed: {feed.get('bozo_exception')}")
        for entry in feed.entries:
            published = _entry_time(entry)
            if published is not None and published.date() != self.day:
                skipped["other_day"] += 1
                continue
            hints = {"title": entry.get("title"), "published": published.isoformat() if published else None}
            if article := article_request(self.source, entry.get("link") or "", response.url, skipped, hints):
                yield article
