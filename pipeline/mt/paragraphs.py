"""``paragraph_language_mismatch``: a paragraph long enough to judge, in another language than the article.

Uses ``doc.paragraph_languages`` (filled by language detection; null where a paragraph is too short). The
evidence is "<language>: <paragraph>", so the source-language inference can read the language back.
"""

from __future__ import annotations

from pipeline.artifacts import ArtifactKind, Finding

MIN_WORDS = 12
MAX_EVIDENCE_CHARS = 200


def detect_language_mismatch(paragraphs: list[str], paragraph_languages: list[str | None],
                             language: str | None) -> list[Finding]:
    if language is None or len(paragraph_languages) != len(paragraphs):
        return []
    return [
        Finding(ArtifactKind.PARAGRAPH_LANGUAGE_MISMATCH, f"{lang}: {paragraph[:MAX_EVIDENCE_CHARS]}")
        for paragraph, lang in zip(paragraphs, paragraph_languages)
        if lang and lang != language and len(paragraph.split()) >= MIN_WORDS
    ]


def mismatch_language(evidence: str) -> str | None:
    code, found, _ = evidence.partition(": ")
    return code if found and 2 <= len(code) <= 3 else None
