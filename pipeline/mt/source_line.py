"""``source_line_foreign``: an attribution line ("Source: lemonde.fr") naming a foreign-language outlet.

Wire agencies ("Source: Reuters", "Source: AP") and English-language outlets are ordinary attribution on native
articles and never fire; only outlets of ``outlets.yaml`` whose language is not the article's do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.mt.outlets import OutletIndex
from pipeline.mt.resources import Outlet

# An attribution line of any site: short, alone on its line.
GENERIC_SOURCE_LINE = re.compile(
    r"(?:Sources?|Via|Original(?: article| story)?|Originally published (?:in|by)|"
    r"Read the original(?: article)?(?: at| on| in)?|This article (?:first )?appeared (?:in|on))"
    r"\s*[:\-–]?\s+(?P<outlet>[^\n]{2,80}?)\s*\.?",
    re.IGNORECASE,
)
MAX_LINE_CHARS = 120


def line_outlets(line: str, index: OutletIndex, pattern: re.Pattern[str] = GENERIC_SOURCE_LINE,
                 slugs: Mapping[str, str] = {}) -> list[Outlet] | None:
    """The outlets an attribution line names ([] for agencies and unknown names); None if not such a line."""
    if len(line) > MAX_LINE_CHARS:
        return None
    match = pattern.fullmatch(line.strip())
    if match is None:
        return None
    return index.resolve(match.group("outlet"), slugs)


def is_foreign(outlets: list[Outlet], article_language: str | None) -> bool:
    return bool(outlets) and all(outlet.language != (article_language or "en") for outlet in outlets)


def detect_source_lines(paragraphs: list[str], article_language: str | None, index: OutletIndex) -> list[Finding]:
    findings = []
    for paragraph in paragraphs:
        outlets = line_outlets(paragraph, index)
        if outlets and is_foreign(outlets, article_language):
            findings.append(Finding(ArtifactKind.SOURCE_LINE_FOREIGN, paragraph))
    return findings
