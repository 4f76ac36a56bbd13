"""Character-level repair: the quick check before ftfy's mojibake heuristic must never hide mojibake from it."""

from __future__ import annotations

from re import _constants as sre, _parser as sre_parse

import pytest
from ftfy.badness import BADNESS_RE, is_bad

from pipeline.clean import text as clean_text
from pipeline.clean.text import needs_repair, repair


def _item(item) -> tuple[bool, set[str]] | None:
    """(whether one character it matches may be ASCII, the non-ASCII ones it can match); None: matches no character
    (an anchor) or maybe none (an optional item)."""
    op, value = item
    if op is sre.LITERAL:
        return chr(value).isascii(), {chr(value)} - {chr(c) for c in range(128)}
    if op is sre.IN:
        if any(code in (sre.NEGATE, sre.CATEGORY) for code, _ in value):
            return True, set()
        members = set()
        for code, argument in value:
            low, high = argument if code is sre.RANGE else (argument, argument)
            members.update(chr(c) for c in range(low, high + 1))
        return any(ch.isascii() for ch in members), {ch for ch in members if not ch.isascii()}
    if op in (sre.CATEGORY, sre.ANY, sre.NOT_LITERAL):
        return True, set()
    if op is sre.AT or (op is sre.MAX_REPEAT and value[0] == 0):
        return None
    raise AssertionError(f"unexpected item in ftfy's expression: {item}")


def test_every_mojibake_match_passes_the_quick_check() -> None:
    """Each alternative of ftfy's expression needs two adjacent characters that cannot be ASCII, or else one
    character the quick check looks for by itself."""
    [(branch, (_, alternatives))] = sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    assert branch is sre.BRANCH and len(alternatives) > 30
    for alternative in alternatives:
        items = [_item(item) for item in alternative]
        needed = [i for i, item in enumerate(items) if item is not None and not item[0]]
        assert needed, alternative
        if any(i + 1 in needed for i in needed):
            continue
        for i in needed:
            assert all(clean_text._MAYBE_MOJIBAKE.search(ch) for ch in items[i][1]), alternative


@pytest.mark.parametrize("text", ["Ã©tÃ© Ã  Paris", "cafÃ©", "the â€œquoteâ€\x9d", "Ð¼Ð¾Ñ\x81ÐºÐ²Ð°", "Â£5"])
def test_mojibake_still_needs_repair(text: str) -> None:
    assert is_bad(text) and needs_repair(text)
    assert repair(text) != text


@pytest.mark.parametrize("text", ["été à Paris", "Größe und Maß", "„Zitat“ – 5 €", "Москва", "plain ASCII",
                                  "Władysław Łódź ‘quoted’"])
def test_clean_text_needs_no_repair(text: str) -> None:
    assert not needs_repair(text)
    assert repair(text) == text


@pytest.mark.parametrize(("text", "expected"), [
    ("  one  two\tthree\u00a0four\u3000five ", "one two three four five"),
    ("soft\u00adhyphen and zero\u200bwidth", "softhyphen and zerowidth"),
    ("a \u200b b", "a b"),  # a removed invisible character leaves two spaces: squashed too
    (" already single spaces ", "already single spaces"),  # nothing to squash: only the ends go
    ("line\nbreaks stay", "line\nbreaks stay"),
])
def test_spaces_are_squashed_and_invisible_characters_dropped(text: str, expected: str) -> None:
    assert clean_text.squash_spaces(text) == expected
