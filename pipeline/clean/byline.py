"""Bylines and datelines: out of the body, into ``authors``; desks and agencies are not authors.

trafilatura often keeps the byline block as the body's first lines ("Par Julien Mercier - Publié le 06/01/2022 à
10h42", "di Laura Bonfanti", "6 gennaio 2022 - 18:30") and sometimes returns a label or a desk as the author
("Текст Анна Лебедева", "Redaktion", "Reuters"). Only the first few lines are looked at, so a sentence of the
story that starts with "By" stays.
"""

from __future__ import annotations

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.bylines import byline_names, is_dateline, person_names
from pipeline.document import Document
from pipeline.steps import DocumentStep

HEAD_LINES = 3


class ExtractBylines(DocumentStep):
    name = "byline"

    def process(self, doc: Document) -> Document:
        head, rest = doc.paragraphs[:HEAD_LINES], doc.paragraphs[HEAD_LINES:]
        kept: list[str] = []
        found: list[str] = []
        for line in head:
            names = byline_names(line)
            if names is not None:
                found.extend(names)
            elif not is_dateline(line):
                kept.append(line)
                continue
            doc.findings.append(Finding.removed(ArtifactKind.BYLINE, line))
        doc.paragraphs = kept + rest
        doc.authors = person_names(doc.authors or found)
        return doc
