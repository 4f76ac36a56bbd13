"""Mojibake repair, NFC and whitespace on title and paragraphs; the title repeated as the first line goes."""

from __future__ import annotations

from pipeline.artifacts import MAX_EVIDENCE_CHARS, ArtifactKind, Finding
from pipeline.clean.text import needs_repair, normalise, repair
from pipeline.document import Document
from pipeline.steps import DocumentStep


class NormaliseText(DocumentStep):
    name = "normalise"

    def process(self, doc: Document) -> Document:
        paragraphs: list[str] = []
        for paragraph in doc.paragraphs:
            fixed = normalise(paragraph)
            if needs_repair(paragraph) and (repaired := repair(paragraph)) != fixed:
                doc.findings.append(Finding(ArtifactKind.MOJIBAKE, paragraph[:MAX_EVIDENCE_CHARS]))
                fixed = repaired
            if fixed:
                paragraphs.append(fixed)
        if doc.title:
            doc.title = repair(doc.title) or None
            if doc.title and paragraphs and paragraphs[0] == doc.title:
                doc.findings.append(Finding.removed(ArtifactKind.HEADLINE_REPEAT, paragraphs.pop(0)))
        if doc.description:
            doc.description = repair(doc.description) or None
        doc.authors = [name for name in (repair(a) for a in doc.authors) if name]
        doc.paragraphs = paragraphs
        return doc
