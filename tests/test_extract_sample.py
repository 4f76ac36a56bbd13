"""Extraction of the sample pages, field by field, against the ground truth in data/sample/manifest.json."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

import pytest

from pipeline.document import Document, Page
from pipeline.extract import canonicalise_url
from pipeline.recipe import default_steps
from pipeline.steps import run_steps
from tests.conftest import SAMPLE

MANIFEST = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
ARTICLES = [e for e in MANIFEST if e["expect"]["kind"] in {"article", "near_duplicate", "truncated"}]


def page(entry: dict) -> Page:
    return Page(
        url=entry["url"],
        body=(SAMPLE / entry["file"]).read_bytes(),
        fetched_at=dt.datetime.fromisoformat(entry["warc_date"].replace("Z", "+00:00")),
        source_name="sample",
        status=entry["status"],
        headers=tuple((name, value) for name, value in entry["headers"]),
    )


@pytest.fixture(scope="module")
def extracted() -> tuple[dict[str, Document], Counter[str]]:
    """The whole sample through the default steps in one run, as the runner does (site rules learn across pages)."""
    stats: Counter[str] = Counter()
    docs = [Document(page=page(e), crawl_day=dt.date(2022, 1, 6)) for e in MANIFEST]
    return {d.page.url: d for d in run_steps(docs, default_steps(), stats)}, stats


@pytest.mark.parametrize("entry", ARTICLES, ids=lambda e: e["url"].split("//")[1][:70])
def test_article_fields(entry: dict, extracted: tuple[dict[str, Document], Counter[str]]) -> None:
    docs, _ = extracted
    expect = entry["expect"]
    doc = docs.get(entry["url"])
    assert doc is not None, "article was dropped"
    assert doc.title == expect["title"]
    assert doc.language == expect["language"]
    published = doc.published_at.date().isoformat() if doc.published_at else None
    assert published == expect["published"]
    assert doc.authors == expect["authors"]
    text = doc.text
    assert expect["first_sentence"] in text
    for line in expect.get("must_contain", []):
        assert line in text
    for line in expect["must_not_contain"]:
        assert line not in text, f"boilerplate left in text: {line!r}"


def test_pages_that_are_not_articles_are_skipped_and_counted(
        extracted: tuple[dict[str, Document], Counter[str]]) -> None:
    docs, stats = extracted
    for entry in MANIFEST:
        if entry["expect"]["kind"] in {"listing", "empty"}:
            assert entry["url"] not in docs, entry["url"]
    assert sum(n for reason, n in stats.items() if reason.startswith("skipped_")) >= 3


def test_same_article_under_two_urls_has_one_id(extracted: tuple[dict[str, Document], Counter[str]]) -> None:
    docs, _ = extracted
    for entry in MANIFEST:
        if entry["expect"]["kind"] == "duplicate_url":
            copy, original = docs[entry["url"]], docs[entry["expect"]["duplicate_of"]]
            assert copy.article_id == original.article_id


def test_canonical_url_drops_fragment_and_tracking() -> None:
    assert canonicalise_url("HTTPS://WWW.Example.org/a/b?utm_source=x&b=2&a=1#comments") == \
        "https://www.example.org/a/b?a=1&b=2"
