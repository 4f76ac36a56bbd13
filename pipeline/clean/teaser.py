"""A teaser repeated as the first paragraph: a lead that is a truncated prefix of the body's start.

Aggregators and some CMSs paste the teaser (often cut mid-word, with or without an ellipsis) above the full
first paragraph. The lead goes when, without its ellipsis, it is a prefix of the text that follows it.
"""

from __future__ import annotations

import re

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.document import Document
from pipeline.steps import DocumentStep

# Shorter leads can coincide with a body's opening words by chance.
MIN_WORDS = 6
_ELLIPSIS = re.compile(r"\s*(?:\.{3}|…|\[…\]|\[\.\.\.\])\s*$")


def is_truncated_copy(lead: str, following: str) -> bool:
    """Whether ``lead`` is the start of ``following`` cut short (case and spacing ignored)."""
    stem = " ".join(_ELLIPSIS.sub("", lead).casefold().split())
    rest = " ".join(following.casefold().split())
    return len(stem.split()) >= MIN_WORDS and len(rest) > len(stem) and rest.startswith(stem)


class DropTeaserCopy(DocumentStep):
    name = "teaser"

    def process(self, doc: Document) -> Document:
        paragraphs = doc.paragraphs
        if len(paragraphs) >= 2 and is_truncated_copy(paragraphs[0], " ".join(paragraphs[1:3])):
            doc.findings.append(Finding.removed(ArtifactKind.TEASER_TRUNCATED_DUP, paragraphs[0]))
            doc.paragraphs = paragraphs[1:]
        return doc
