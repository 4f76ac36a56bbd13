"""The ``sitemap`` kind: sitemaps and sitemap indexes (gzip or not, Google News sitemaps too), followed recursively.

A URL is taken when its news:publication_date (else its lastmod) falls on the day, in UTC; a child sitemap whose
lastmod is before the day cannot list anything of the day and is not fetched.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from xml.etree.ElementTree import Element

from pipeline.config import SitemapSource
from pipeline.crawl.crawler import ContentRejected, Request, article_request
from pipeline.crawl.decompress import BadEncoding, DecompressionBomb, gunzip_if_gzipped
from pipeline.crawl.fetcher import Response
from pipeline.crawl.xmlsafe import local_name, parse_xml
from pipeline.extract import parse_timestamp

SITEMAP_ROLE = "sitemap"


def _child_text(element: Element, *path: str) -> str | None:
    """Text of the first descendant along ``path`` of local names (namespaces ignored)."""
    current: Element | None = element
    for name in path:
        current = next((c for c in current if local_name(c.tag) == name), None) if current is not None else None
    return current.text.strip() if current is not None and current.text else None


def _day_of(value: str | None) -> dt.date | None:
    stamp = parse_timestamp(value) if value else None
    return stamp.date() if stamp else None


class SitemapPlan:
    def __init__(self, source: SitemapSource, day: dt.date, max_decompressed_bytes: int) -> None:
        self.source, self.day, self.max_bytes = source, day, max_decompressed_bytes

    def seeds(self) -> list[Request]:
        return [Request(url.format(day=self.day), SITEMAP_ROLE) for url in self.source.sitemaps]

    def discover(self, request: Request, response: Response, skipped: Counter[str]) -> Iterator[Request]:
        try:
            body = gunzip_if_gzipped(response.content, self.max_bytes)
        except DecompressionBomb as exc:
            raise ContentRejected("decompression_bomb", str(exc)) from None
        except BadEncoding as exc:
            raise ContentRejected("bad_encoding", str(exc)) from None
        root = parse_xml(body)
        kind = local_name(root.tag)
        if kind == "sitemapindex":
            yield from self._children(request, root, response.url, skipped)
        elif kind == "urlset":
            yield from self._articles(root, response.url, skipped)
        else:
            raise ContentRejected("malformed_xml", f"not a sitemap: root element <{kind}>")

    def _children(self, request: Request, root: Element, base: str, skipped: Counter[str]) -> Iterator[Request]:
        for entry in root:
            if local_name(entry.tag) != "sitemap" or not (loc := _child_text(entry, "loc")):
                continue
            lastmod = _day_of(_child_text(entry, "lastmod"))
            if lastmod is not None and lastmod < self.day:
                skipped["sitemap_before_day"] += 1
            elif request.depth >= self.source.max_depth:
                skipped["sitemap_too_deep"] += 1
            elif loc.startswith(("http://", "https://")):
                yield Request(loc, SITEMAP_ROLE, depth=request.depth + 1)

    def _articles(self, root: Element, base: str, skipped: Counter[str]) -> Iterator[Request]:
        for entry in root:
            if local_name(entry.tag) != "url" or not (loc := _child_text(entry, "loc")):
                continue
            published = _child_text(entry, "news", "publication_date")
            day = _day_of(published) or _day_of(_child_text(entry, "lastmod"))
            if day is None and self.source.undated == "skip":
                skipped["undated"] += 1
                continue
            if day is not None and day != self.day:
                skipped["other_day"] += 1
                continue
            hints = {"title": _child_text(entry, "news", "title"), "published": published}
            if article := article_request(self.source, loc, base, skipped, hints):
                yield article
