"""``literal_idiom``: word-for-word renderings of foreign idioms and newsroom formulas (``data/idioms/<lang>.yaml``).

A phrase is searched for only in a text that has all of its words (one set of the text's words, then a subset test
per phrase), so most texts are searched for no phrase at all and the cost grows with the text, not with the number
of idioms; the few regular-expression idioms are searched in one pass, as one alternation that only starts where a
word starts (searched one by one, they cost more). An idiom listed in several languages' files votes for each of
them.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.mt.resources import idiom_files

_WORD = re.compile(r"\w+")
RENDERING_LANGUAGE = "en"


@dataclass(frozen=True)
class Rule:
    regex: re.Pattern[str]
    languages: frozenset[str]
    words: frozenset[str] = frozenset()  # casefolded words it cannot match without


@dataclass(frozen=True)
class IdiomMatcher:
    phrases: tuple[Rule, ...]  # longest first: at one place, "the reporter learned from" wins over "the reporter learned"
    patterns: tuple[Rule, ...]  # regular-expression idioms
    any_pattern: re.Pattern[str] | None  # all of them: group ``p<i>`` is ``patterns[i]``

    def find(self, text: str) -> list[tuple[str, frozenset[str]]]:
        words = set(_WORD.findall(text.casefold()))
        at: dict[int, tuple[str, frozenset[str]]] = {}
        for rule in self.phrases:
            if rule.words <= words:
                for match in rule.regex.finditer(text):
                    at.setdefault(match.start(), (match.group(), rule.languages))
        found = sorted(at.items(), key=lambda item: item[0])
        if self.any_pattern is not None:
            found += [(match.start(), (match.group(), self.patterns[int(match.lastgroup[1:])].languages))
                      for match in self.any_pattern.finditer(text)]
        return [found_at for _, found_at in sorted(found, key=lambda item: item[0])]

    def languages_of(self, evidence: str) -> frozenset[str]:
        return next((rule.languages for rule in (*self.phrases, *self.patterns) if rule.regex.fullmatch(evidence)),
                    frozenset())


@functools.cache
def idiom_matcher() -> IdiomMatcher:
    # one rule per regular expression; phrases keep their words (None for a pattern)
    languages_by_regex: dict[tuple[str, frozenset[str] | None], set[str]] = defaultdict(set)
    for data in idiom_files():
        for idiom in data.idioms:
            words = frozenset(_WORD.findall(idiom.phrase.casefold())) if idiom.phrase else None
            languages_by_regex[(idiom.regex(), words)].add(data.language)
    phrases: list[Rule] = []
    patterns: list[Rule] = []
    for (regex, words), languages in languages_by_regex.items():
        compiled = re.compile(regex, re.IGNORECASE | re.MULTILINE)
        if words is None:
            patterns.append(Rule(compiled, frozenset(languages)))
        else:
            phrases.append(Rule(compiled, frozenset(languages), words))
    any_pattern = re.compile(r"\b(?:" + "|".join(f"(?P<p{i}>{rule.regex.pattern})" for i, rule in enumerate(patterns))
                             + ")", re.IGNORECASE | re.MULTILINE) if patterns else None
    return IdiomMatcher(tuple(sorted(phrases, key=lambda rule: -len(rule.regex.pattern))), tuple(patterns), any_pattern)


def detect_idioms(text: str, language: str | None = None) -> list[Finding]:
    """Idioms in ``text``; none when its ``language`` is known and not English, the language of every rendering in
    the idiom files (in an article in another language, one would be a quotation, not a trace of translation)."""
    if language not in (None, RENDERING_LANGUAGE):
        return []
    return [Finding(ArtifactKind.LITERAL_IDIOM, phrase) for phrase, _ in idiom_matcher().find(text)]
