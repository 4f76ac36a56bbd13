"""``literal_idiom``: word-for-word renderings of foreign idioms and newsroom formulas (``data/idioms/<lang>.yaml``).

All idioms of all languages are one alternation, one capturing group each, so the text is scanned once; the
group that matched says which idiom (and so which source languages) fired.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.mt.resources import idiom_files


@dataclass(frozen=True)
class IdiomMatcher:
    regex: re.Pattern[str]
    languages: tuple[frozenset[str], ...]  # per group (1-based group n is languages[n - 1])

    def find(self, text: str) -> list[tuple[str, frozenset[str]]]:
        return [(m.group(), self.languages[m.lastindex - 1]) for m in self.regex.finditer(text) if m.lastindex]

    def languages_of(self, evidence: str) -> frozenset[str]:
        match = self.regex.fullmatch(evidence)
        return self.languages[match.lastindex - 1] if match and match.lastindex else frozenset()


@functools.cache
def idiom_matcher() -> IdiomMatcher:
    languages_by_regex: dict[str, set[str]] = {}
    for data in idiom_files():
        for idiom in data.idioms:
            languages_by_regex.setdefault(idiom.regex(), set()).add(data.language)
    alternation = "|".join(f"({regex})" for regex in languages_by_regex)
    return IdiomMatcher(re.compile(alternation, re.IGNORECASE | re.MULTILINE),
                        tuple(frozenset(languages) for languages in languages_by_regex.values()))


def detect_idioms(text: str) -> list[Finding]:
    return [Finding(ArtifactKind.LITERAL_IDIOM, phrase) for phrase, _ in idiom_matcher().find(text)]
