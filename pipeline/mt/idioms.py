"""``literal_idiom``: word-for-word renderings of foreign idioms and newsroom formulas (``data/idioms/<lang>.yaml``).

A phrase is tried only where a word equal to its first word starts (one dictionary look-up per word of the
text), so the cost grows with the text, not with the number of idioms; the few regular-expression idioms are
searched in one pass, as one alternation that only starts where a word starts (searched one by one, they cost
more than all the phrases). An idiom listed in several languages' files votes for each of them.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.mt.resources import idiom_files

_WORD = re.compile(r"\w+")

Rule = tuple[re.Pattern[str], frozenset[str]]


@dataclass(frozen=True)
class IdiomMatcher:
    by_first_word: dict[str, tuple[Rule, ...]]  # phrases, keyed by their first word, lower case
    patterns: tuple[Rule, ...]  # regular-expression idioms
    any_pattern: re.Pattern[str] | None  # all of them: group ``p<i>`` is ``patterns[i]``

    def find(self, text: str) -> list[tuple[str, frozenset[str]]]:
        found: list[tuple[int, str, frozenset[str]]] = []
        for word in _WORD.finditer(text):
            for regex, languages in self.by_first_word.get(word.group().lower(), ()):
                if match := regex.match(text, word.start()):
                    found.append((match.start(), match.group(), languages))
                    break
        if self.any_pattern is not None:
            found += [(match.start(), match.group(), self.patterns[int(match.lastgroup[1:])][1])
                      for match in self.any_pattern.finditer(text)]
        return [(phrase, languages) for _, phrase, languages in sorted(found, key=lambda item: item[0])]

    def languages_of(self, evidence: str) -> frozenset[str]:
        rules = [*self.by_first_word.get(evidence.split()[0].lower() if evidence.split() else "", ()), *self.patterns]
        return next((languages for regex, languages in rules if regex.fullmatch(evidence)), frozenset())


@functools.cache
def idiom_matcher() -> IdiomMatcher:
    languages_by_regex: dict[tuple[str, str | None], set[str]] = defaultdict(set)
    for data in idiom_files():
        for idiom in data.idioms:
            first = idiom.phrase.split()[0].lower().strip(",.") if idiom.phrase else None
            languages_by_regex[(idiom.regex(), first)].add(data.language)
    by_first_word: dict[str, list[Rule]] = defaultdict(list)
    patterns: list[Rule] = []
    for (regex, first), languages in languages_by_regex.items():
        rule = (re.compile(regex, re.IGNORECASE | re.MULTILINE), frozenset(languages))
        (by_first_word[first] if first else patterns).append(rule)
    any_pattern = re.compile(r"\b(?:" + "|".join(f"(?P<p{i}>{regex.pattern})" for i, (regex, _) in enumerate(patterns))
                             + ")", re.IGNORECASE | re.MULTILINE) if patterns else None
    # longest phrase first, so "the reporter learned from" wins over "the reporter learned"
    return IdiomMatcher({word: tuple(sorted(rules, key=lambda r: -len(r[0].pattern)))
                         for word, rules in by_first_word.items()}, tuple(patterns), any_pattern)


def detect_idioms(text: str) -> list[Finding]:
    return [Finding(ArtifactKind.LITERAL_IDIOM, phrase) for phrase, _ in idiom_matcher().find(text)]
