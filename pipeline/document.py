"""The records that flow between pipeline steps.

A :class:`Page` is what a source yields (bytes as fetched); a :class:`Document` is the article being built from
it, filled in step by step (extract, clean, language, ...) and finally turned into one dataset row.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any

from pipeline import __version__
from pipeline.artifacts import Finding

_WORD = re.compile(r"\w+")
# Scripts written without spaces between words. Han and kana: one word per character, as word processors count
# them (a Chinese word is one or two characters). Thai, Lao, Myanmar and Khmer: no segmenter here, so each run of
# them counts one word per CHARS_PER_SOUTHEAST_ASIAN_WORD code points (marks included), at least one.
_HAN_KANA = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f"
_SOUTHEAST_ASIAN = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff"
_HAN_KANA_CHAR = re.compile(f"[{_HAN_KANA}]")
_SOUTHEAST_ASIAN_RUN = re.compile(f"[{_SOUTHEAST_ASIAN}]+")
_UNSPACED = re.compile(f"[{_HAN_KANA}{_SOUTHEAST_ASIAN}]+")
CHARS_PER_SOUTHEAST_ASIAN_WORD = 4


def count_words(text: str) -> int:
    """Words of ``text``: ``\\w+`` tokens in spaced scripts, plus the unspaced scripts counted as above."""
    spaced = len(_WORD.findall(_UNSPACED.sub(" ", text)))
    southeast_asian = sum(math.ceil(len(run) / CHARS_PER_SOUTHEAST_ASIAN_WORD)
                          for run in _SOUTHEAST_ASIAN_RUN.findall(text))
    return spaced + len(_HAN_KANA_CHAR.findall(text)) + southeast_asian


@dataclass(frozen=True)
class Page:
    """One fetched HTTP response, as a source yields it."""

    url: str
    body: bytes
    fetched_at: dt.datetime  # UTC, timezone-aware
    source_name: str
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


@dataclass(frozen=True)
class Link:
    """A link of the page to another site, or the page's declared URL there: what provenance reads of the HTML."""

    url: str  # absolute
    text: str  # the link's text; "rel=canonical" / "og:url" / "original-source" for the page's declared URLs
    language: str = ""  # its hreflang or lang attribute
    line: str = ""  # the text of the short block it stands in (an attribution line); "" for a declared URL


@dataclass
class Document:
    """An article under construction. Steps fill fields in; :meth:`to_row` gives the dataset row."""

    page: Page
    crawl_day: dt.date
    # Where the page was read: (file number, record number) in the source-day's inputs; the order of a run.
    position: tuple[int, int] = (0, 0)
    html: str = ""
    encoding: str | None = None
    canonical_url: str = ""
    site: str = ""  # registered domain of the publisher: the `source` partition
    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: dt.datetime | None = None
    paragraphs: list[str] = field(default_factory=list)
    language: str | None = None
    language_probability: float | None = None
    html_lang: str | None = None
    links: list[Link] = field(default_factory=list)  # to other sites, as provenance reads them (then they go)
    bylines: list[str] = field(default_factory=list)  # short byline and meta lines of the page, outside the body
    captions: list[str] = field(default_factory=list)
    paragraph_languages: list[str | None] = field(default_factory=list)
    duplicate_of: str | None = None
    findings: list[Finding] = field(default_factory=list)
    is_machine_translated: bool = False
    mt_probability: float = 0.0
    mt_confidence: str = "low"
    source_language: str | None = None
    source_language_confidence: str | None = None
    origin_outlet: str | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)

    @property
    def article_id(self) -> str:
        return stable_id(self.canonical_url or self.page.url)

    @property
    def partition_day(self) -> dt.date:
        """Publication day in UTC, or the fetch day when the page gives none."""
        return (self.published_at or self.page.fetched_at).astimezone(dt.timezone.utc).date()

    def to_row(self) -> dict[str, Any]:
        text = self.text
        row = {
            "article_id": self.article_id,
            "url": self.page.url,
            "canonical_url": self.canonical_url or self.page.url,
            "source_name": self.page.source_name,
            "title": self.title,
            "description": self.description,
            "authors": list(self.authors),
            "published_at": self.published_at,
            "text": text,
            "language": self.language,
            "language_probability": self.language_probability,
            "word_count": count_words(text),
            "content_hash": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "fetched_at": self.page.fetched_at,
            "crawl_day": self.crawl_day,
            "pipeline_version": __version__,
            "html_lang": self.html_lang,
            "captions": list(self.captions),
            "paragraph_languages": list(self.paragraph_languages),
            "duplicate_of": self.duplicate_of,
            "artifacts": [finding.to_row() for finding in self.findings],
            "is_machine_translated": self.is_machine_translated,
            "mt_probability": self.mt_probability,
            "mt_confidence": self.mt_confidence,
            "source_language": self.source_language,
            "source_language_confidence": self.source_language_confidence,
            "origin_outlet": self.origin_outlet,
            # Set across sources once a day is written (pipeline.translations), never by a run.
            "translation_of": None,
            "translation_evidence": None,
        }
        return row


def stable_id(url: str) -> str:
    """A stable article id: the first 32 hex digits of SHA-256 of the (canonical) URL."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
