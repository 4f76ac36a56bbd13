"""``name_variant``: one person or place transliterated two ways in one article ("Qasim" / "Qassim Tokayev").

Two capitalised words count as one name spelled twice when their transliteration skeletons are equal (doubled
letters, kh/h, ph/f, ou/u, y/i, q/k, w/v folded) AND they stand in the same context: the same capitalised
neighbour on the left or right ("Qasim Tokayev" / "Qassim Tokayev", "President Zelensky" / "President
Zelenskyy"). Names that merely look alike (Austria/Australia, Iran/Iraq, Kim Jong Un/Il) have different
skeletons, and short words (Un, Il, Ann) never count.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections import defaultdict

from pipeline.artifacts import ArtifactKind, Finding

MIN_LETTERS = 4
_WORD = re.compile(r"\b[A-Z][a-zà-ÿ'’]+(?:-[A-Z][a-zà-ÿ]+)?\b|\S+")
# In order; a literal fold is a str.replace, which costs a tenth of a regular expression's substitution.
_FOLDS: tuple[tuple[re.Pattern[str] | str, str], ...] = (
    (re.compile(r"(?<=[aeiou])y(?=[aeiou])"), ""),  # Tokayev / Tokaev
    (re.compile(r"(?:iy|yy|ii)$"), "y"),  # Zelenskiy / Zelenskyy / Zelensky
    ("kh", "h"),
    ("ph", "f"),
    ("ck", "k"),
    ("ou", "u"),
    ("ee", "i"),
    ("y", "i"),
    ("q", "k"),
    ("w", "v"),
    ("'", ""),
    ("’", ""),
    (re.compile(r"(.)\1+"), r"\1"),  # Qassim / Qasim
)


def skeleton(word: str) -> str:
    folded = word.casefold()
    if not folded.isascii():  # accents off (ASCII has none)
        folded = "".join(ch for ch in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(ch))
    for pattern, replacement in _FOLDS:
        folded = folded.replace(pattern, replacement) if isinstance(pattern, str) else pattern.sub(replacement, folded)
    return folded


def detect_name_variants(text: str) -> list[Finding]:
    tokens = _WORD.findall(text)
    # which tokens are capitalised words, and one more: nothing stands right of the last token
    named = [token[:1].isupper() and token[1:2].islower() for token in tokens] + [False]
    # every capitalised word with the capitalised words beside it
    contexts: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for i in itertools.compress(range(len(tokens)), named):
        token = tokens[i]
        if len(token) < MIN_LETTERS:
            continue
        if i > 0 and named[i - 1]:
            contexts[token].add(("left", tokens[i - 1]))
        if named[i + 1]:
            contexts[token].add(("right", tokens[i + 1]))
    by_skeleton: dict[str, list[str]] = defaultdict(list)
    for word in contexts:  # only words with a capitalised neighbour can share one
        by_skeleton[skeleton(word)].append(word)
    findings = []
    for words in by_skeleton.values():
        for a_index, a in enumerate(words):
            for b in words[a_index + 1:]:
                shared = contexts[a] & contexts[b]
                if shared:
                    left = next((f"{w} " for side, w in sorted(shared) if side == "left"), "")
                    right = next((f" {w}" for side, w in sorted(shared) if side == "right"), "")
                    findings.append(Finding(ArtifactKind.NAME_VARIANT, f"{left}{a}{right} / {left}{b}{right}"))
    return findings
