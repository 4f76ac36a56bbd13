"""Bylines and datelines leave the body for ``authors``; story sentences that look alike stay."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pipeline.artifacts import ArtifactKind
from pipeline.clean.byline import ExtractBylines
from pipeline.document import Document, Page

STORY = "Le conseil municipal a voté jeudi soir le budget de la ville après un long débat sur les écoles."


def run(paragraphs: list[str], authors: list[str] | None = None) -> Document:
    page = Page(url="https://example.org/x", body=b"", fetched_at=dt.datetime(2022, 1, 6, tzinfo=dt.timezone.utc),
                source_name="t")
    doc = Document(page=page, crawl_day=dt.date(2022, 1, 6), paragraphs=paragraphs, authors=authors or [])
    (out,) = ExtractBylines().run([doc], Counter())
    return out


def test_byline_and_dateline_move_out_of_the_body() -> None:
    doc = run(["Par Julien Mercier - Publié le 06/01/2022 à 10h42", STORY])
    assert doc.authors == ["Julien Mercier"] and doc.paragraphs == [STORY]
    doc = run(["di Laura Bonfanti", "6 gennaio 2022 - 18:30", STORY])
    assert doc.authors == ["Laura Bonfanti"] and doc.paragraphs == [STORY]
    assert [(f.kind, f.evidence, f.weight) for f in doc.findings] == [
        (ArtifactKind.BYLINE, "di Laura Bonfanti", 0.0), (ArtifactKind.BYLINE, "6 gennaio 2022 - 18:30", 0.0)]


def test_metadata_authors_win_and_lose_labels_and_desks() -> None:
    doc = run(["Von Max Muster", STORY], authors=["Текст Анна Лебедева", "Redaktion", "Reuters"])
    assert doc.authors == ["Анна Лебедева"]
    assert doc.paragraphs == [STORY]


def test_story_sentences_that_look_like_bylines_stay() -> None:
    lines = ["By the time the council met, the budget was already spent.",
             "The mayor said on 6 January 2022 that the vote would be held again.", STORY]
    doc = run(lines)
    assert doc.paragraphs == lines and doc.authors == [] and doc.findings == []


def test_only_the_head_of_the_body_is_searched() -> None:
    lines = [STORY, STORY, STORY, "Par Julien Mercier"]
    assert run(lines).paragraphs == lines
