"""One page to one article: trafilatura for body and metadata, plus the precise fields it leaves out.

trafilatura gives the body, title, authors, description, site name and a publication *day*; the page's own
metadata (rel=canonical, og:url, article:published_time, JSON-LD datePublished) gives the canonical URL and a
timestamp with its timezone, which the partitioning by UTC day needs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
import tldextract
import trafilatura
from courlan import normalize_url
from lxml import etree

# The public-suffix list bundled with tldextract: never fetched at run time.
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\band\b|\bund\b|\bet\b|\by\b|&)\s*")


@dataclass(frozen=True)
class ExtractOptions:
    """trafilatura's options, in one object (chosen by measurement in ``make eval``)."""

    favor_precision: bool = False
    favor_recall: bool = False
    include_comments: bool = False
    include_tables: bool = True


@dataclass
class Extracted:
    canonical_url: str
    site: str
    title: str | None
    description: str | None
    authors: list[str]
    published_at: dt.datetime | None
    paragraphs: list[str]


def registered_domain(url: str) -> str:
    """The publisher's registered domain (``www.thelimitedtimes.com`` -> ``thelimitedtimes.com``)."""
    parts = _TLD(url)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}".lower()
    return (parts.domain or parts.ipv4 or "unknown").lower()


def canonicalise_url(url: str) -> str:
    """Normalised URL: lower-case host, no fragment, no tracking parameters."""
    try:
        return normalize_url(url)
    except (ValueError, AttributeError):
        return url


def _canonical_from_tree(tree: etree._Element, url: str) -> str:
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        values = [v.strip() for v in tree.xpath(xpath) if v and v.strip()]
        if values:
            candidate = urljoin(url, values[0])
            if candidate.startswith(("http://", "https://")):
                return canonicalise_url(candidate)
    return canonicalise_url(url)


def parse_timestamp(value: str) -> dt.datetime | None:
    """An ISO 8601 timestamp as UTC; a naive one is taken as UTC, a date alone as midnight UTC."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


def _json_ld_dates(tree: etree._Element) -> list[str]:
    dates: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            value = node.get("datePublished")
            if isinstance(value, str):
                dates.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        try:
            walk(json.loads(script))
        except ValueError:
            continue
    return dates


def _published_from_tree(tree: etree._Element) -> dt.datetime | None:
    candidates = [
        *tree.xpath('//meta[@property="article:published_time"]/@content'),
        *tree.xpath('//meta[@itemprop="datePublished"]/@content'),
        *_json_ld_dates(tree),
        *tree.xpath('//meta[@name="date" or @name="pubdate" or @name="publish-date"]/@content'),
        *tree.xpath("//article//time/@datetime | //time[@itemprop='datePublished']/@datetime"),
        *tree.xpath("//time/@datetime"),
    ]
    for value in candidates:
        if parsed := parse_timestamp(value):
            return parsed
    return None


def split_authors(raw: str | None) -> list[str]:
    if not raw:
        return []
    names = [n.strip(" .") for n in _AUTHOR_SPLIT.split(raw)]
    return list(dict.fromkeys(n for n in names if n))


def split_paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def extract_article(html: str, url: str, options: ExtractOptions = ExtractOptions()) -> Extracted | None:
    """Body and metadata of one page, or None when it has no HTML tree or no body."""
    try:
        tree = lxml.html.document_fromstring(html)
    except (etree.ParserError, ValueError):
        return None
    canonical = _canonical_from_tree(tree, url)
    published = _published_from_tree(tree)
    result = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=True,
        include_comments=options.include_comments,
        include_tables=options.include_tables,
        favor_precision=options.favor_precision,
        favor_recall=options.favor_recall,
    )
    if result is None or not result.text:
        return None
    if published is None and result.date:
        published = parse_timestamp(result.date)
    return Extracted(
        canonical_url=canonical,
        site=registered_domain(canonical),
        title=(result.title or "").strip() or None,
        description=(result.description or "").strip() or None,
        authors=split_authors(result.author),
        published_at=published,
        paragraphs=split_paragraphs(result.text),
    )
