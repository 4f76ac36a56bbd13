"""Paragraphs pasted twice: a paragraph identical to an earlier one of the same article is dropped.

Only whole paragraphs count: a quotation repeated inside different paragraphs is the author's choice and stays,
as do very short lines ("Yes.", "– Why not?") that recur naturally in interviews.
"""

from __future__ import annotations

from pipeline.artifacts import ArtifactKind, remove_lines
from pipeline.document import Document
from pipeline.steps import DocumentStep

MIN_WORDS = 4


def paragraph_key(paragraph: str) -> str:
    return " ".join(paragraph.casefold().split())


class DropRepeatedParagraphs(DocumentStep):
    name = "repetition"

    def process(self, doc: Document) -> Document:
        seen: set[str] = set()

        def kind_of(_: int, paragraph: str) -> ArtifactKind | None:
            key = paragraph_key(paragraph)
            if key in seen and len(key.split()) >= MIN_WORDS:
                return ArtifactKind.REPETITION
            seen.add(key)
            return None

        doc.paragraphs, removed = remove_lines(doc.paragraphs, kind_of)
        doc.findings += removed
        return doc
