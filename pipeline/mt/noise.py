"""``mojibake`` and ``repetition``: weak signals, also common on native pages with a broken CMS.

The cleaning steps report both when they repair them; these detectors cover pages they did not repair.
"""

from __future__ import annotations

from collections import Counter

from ftfy.badness import BADNESS_RE

from pipeline.artifacts import ArtifactKind, Finding

MIN_REPEATED_WORDS = 8
EVIDENCE_CONTEXT = 20


def detect_mojibake(text: str) -> list[Finding]:
    match = BADNESS_RE.search(text)
    if match is None:
        return []
    start, end = max(0, match.start() - EVIDENCE_CONTEXT), match.end() + EVIDENCE_CONTEXT
    return [Finding(ArtifactKind.MOJIBAKE, text[start:end])]


def detect_repetition(paragraphs: list[str]) -> list[Finding]:
    counts = Counter(p for p in paragraphs if len(p.split()) >= MIN_REPEATED_WORDS)
    return [Finding(ArtifactKind.REPETITION, paragraph) for paragraph, n in counts.items() if n > 1]
