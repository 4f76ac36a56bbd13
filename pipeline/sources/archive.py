"""The ``archive`` kind: a dated listing page per day (``/archive/{day}``), paginated; links matching
``article_pattern`` are the day's articles. The kind that makes a backfill of any past day possible."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

import lxml.html
from lxml.etree import ParserError

from pipeline.config import ArchiveSource
from pipeline.crawl.crawler import ContentRejected, Request, article_request
from pipeline.crawl.fetcher import Response
from pipeline.decode import decode_html

LISTING_ROLE = "listing"


class ArchivePlan:
    def __init__(self, source: ArchiveSource, day: dt.date) -> None:
        self.source, self.day = source, day
        self.article_pattern = re.compile(source.article_pattern)
        self.next_pattern = re.compile(source.next_page_pattern) if source.next_page_pattern else None

    def seeds(self) -> list[Request]:
        return [Request(self.source.url_template.format(day=self.day), LISTING_ROLE)]

    def discover(self, request: Request, response: Response, skipped: Counter[str]) -> Iterator[Request]:
        text, _ = decode_html(response.content, response.header("Content-Type"))
        try:
            tree = lxml.html.fromstring(text)
        except (ParserError, ValueError) as exc:
            raise ContentRejected("malformed_html", str(exc)) from None
        tree.make_links_absolute(response.url, handle_failures="discard")
        for element in tree.iter("a", "link"):
            href = (element.get("href") or "").strip()
            if not href:
                continue
            is_next = "next" in (element.get("rel") or "").lower().split()
            if is_next or (self.next_pattern and self.next_pattern.search(href)):
                if request.depth + 1 < self.source.max_pages:
                    yield Request(href, LISTING_ROLE, depth=request.depth + 1)
                else:
                    skipped["max_pages"] += 1
            elif self.article_pattern.search(href):
                if article := article_request(self.source, href, response.url, skipped, {}):
                    yield article
