"""Listing pages are dropped; articles that contain lists are kept."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pipeline.clean.listing import DropListings
from pipeline.document import Document, Page


def doc(paragraphs: list[str]) -> Document:
    page = Page(url="https://example.org/x", body=b"", fetched_at=dt.datetime(2022, 1, 6, tzinfo=dt.timezone.utc),
                source_name="t")
    return Document(page=page, crawl_day=dt.date(2022, 1, 6), paragraphs=paragraphs)


def run(paragraphs: list[str]) -> tuple[list[Document], Counter[str]]:
    stats: Counter[str] = Counter()
    return list(DropListings().run([doc(paragraphs)], stats)), stats


def test_archive_of_headlines_is_dropped() -> None:
    headlines = [f"- Headline number {n} about the council and the weather | The world" for n in range(20)]
    kept, stats = run(["All news articles on 2022-01-06", *headlines])
    assert kept == [] and stats["skipped_listing"] == 1


def test_article_with_a_long_list_is_kept() -> None:
    prose = ("The council met on Thursday to discuss the budget, and members argued for hours about the cost of "
             "the new bridge, the schools and the roads before a vote that was postponed again. ") * 3
    bullets = [f"- Point {n}: a short item" for n in range(10)]
    kept, stats = run([prose, *bullets, prose, prose])
    assert len(kept) == 1 and not stats


def test_article_with_a_few_bullets_is_kept() -> None:
    kept, _ = run(["An opening paragraph of the story.", "- one", "- two", "- three", "A closing paragraph."])
    assert len(kept) == 1
