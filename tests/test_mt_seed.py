"""The seed page (../shared/seed), rendered at test time in its site's layout, meets the issue's targets.

The seed's text is never copied into the repository: the test reads it from ../shared and skips without it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from pipeline.artifacts import FAMILY, UNWEIGHED_FAMILIES, ArtifactKind
from pipeline.document import Document, Page
from pipeline.mt.steps import MAX_FINDINGS_PER_KIND
from pipeline.recipe import default_steps
from pipeline.steps import run_steps
from tests.fixtures.mt.layouts import LimitedTimesPage

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "limited-times-example.txt"
TRAILER_START = "Were we wrong?"  # where the site's trailer begins, in the seed's layout


def render_seed(text: str) -> LimitedTimesPage:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    banner, (title, published, teaser), rest = lines[:2], lines[2:5], lines[5:]
    cut = rest.index(TRAILER_START)
    return LimitedTimesPage(url="https://www.thelimitedtimes.com/news/putin-s-order-russian-paratroopers.html",
                            banner=banner, title=title, published=published, teaser=teaser,
                            body=rest[:cut], trailer=rest[cut:])


@pytest.fixture(scope="module")
def seed() -> tuple[LimitedTimesPage, Document]:
    if not SEED.is_file():
        pytest.skip(f"seed page not on this machine ({SEED}); it lives in ../shared, outside the repository")
    page = render_seed(SEED.read_text(encoding="utf-8"))
    fetched = dt.datetime(2022, 1, 6, 12, tzinfo=dt.timezone.utc)
    doc = Document(page=Page(url=page.url, body=page.html().encode(), fetched_at=fetched, source_name="seed",
                             headers=(("Content-Type", "text/html; charset=utf-8"),)), crawl_day=fetched.date())
    docs = list(run_steps([doc], default_steps(), Counter()))
    assert len(docs) == 1
    return page, docs[0]


def test_seed_is_translated_from_hebrew_out_of_israel_hayom(seed: tuple[LimitedTimesPage, Document]) -> None:
    _, doc = seed
    assert doc.is_machine_translated
    assert doc.mt_confidence == "high"
    assert doc.source_language == "he"
    assert doc.origin_outlet == "Israel Hayom"


def test_seed_title_loses_the_outlet_literal(seed: tuple[LimitedTimesPage, Document]) -> None:
    page, doc = seed
    assert page.title.endswith("| Israel today")
    assert doc.title == page.title.removesuffix(" | Israel today")


def test_seed_text_keeps_only_the_article(seed: tuple[LimitedTimesPage, Document]) -> None:
    page, doc = seed
    for line in [*page.banner, *page.trailer, page.teaser, page.published]:
        assert line not in doc.paragraphs, line
    assert page.body[0] in doc.text  # the article itself is there, from its first paragraph
    assert page.body[-1] in doc.text or page.body[-1] in doc.captions


def test_seed_findings_explain_the_verdict(seed: tuple[LimitedTimesPage, Document]) -> None:
    _, doc = seed
    by_kind: dict[ArtifactKind, list[str]] = {}
    for finding in doc.findings:
        by_kind.setdefault(finding.kind, []).append(finding.evidence)
        # removals only explain; past the per-kind cap a finding is on record but counts no more
        assert finding.weight > 0 or FAMILY[finding.kind] in UNWEIGHED_FAMILIES or \
            len(by_kind[finding.kind]) > MAX_FINDINGS_PER_KIND
    assert any("Qasim" in e and "Qassim" in e for e in by_kind[ArtifactKind.NAME_VARIANT])
    assert any("Photo: API" in e for e in by_kind[ArtifactKind.CREDIT_MANGLED])
    assert by_kind[ArtifactKind.TITLE_OUTLET_LITERAL] == ["| Israel today"]
    assert "Source: israelhayom" in by_kind[ArtifactKind.SOURCE_LINE_FOREIGN]
    assert ArtifactKind.TEASER_TRUNCATED_DUP in by_kind
    assert ArtifactKind.AGGREGATOR_BANNER in by_kind and ArtifactKind.SITE_BOILERPLATE in by_kind
