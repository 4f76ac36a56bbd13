"""Character-level repair shared by the rules: mojibake (ftfy), Unicode NFC, whitespace."""

from __future__ import annotations

import re
import unicodedata

import ftfy
from ftfy.badness import is_bad

_OTHER_SPACES = r"\t\u00a0\u2000-\u200a\u202f\u205f\u3000"
_SPACES = re.compile(rf"[ {_OTHER_SPACES}]+")
# Invisible characters that only get in the way of matching text: zero-width spaces, soft hyphens, BOMs.
_INVISIBLE_CHARS = r"\u00ad\u200b-\u200d\u2060\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# Text without these is squashed already but for its ends (most is): one search instead of two substitutions.
_UNSQUASHED = re.compile(f"[{_INVISIBLE_CHARS}{_OTHER_SPACES}]| {{2}}")
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False,  # trafilatura already unescaped entities; a literal "&amp;" in text is meant
    uncurl_quotes=False,  # curly quotes are correct text, not damage
    fix_latin_ligatures=False,
    fix_character_width=False,  # full-width forms are normal in CJK text
    normalization="NFC",
    explain=False,
)


# What ftfy's fixers act on besides mojibake: control and C1 characters, surrogates, odd line breaks, lossy bytes.
_FTFY_TARGETS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufffd]")
# Every match of ftfy's mojibake heuristic (is_bad) has two adjacent non-ASCII characters or one of these (a test
# proves it on the pinned ftfy's expression). Most paragraphs have neither, and this search costs a tenth of is_bad.
_MAYBE_MOJIBAKE = re.compile(r"[^\x00-\x7f]{2}|[\x80-\x9f\u00c2\u00c3\u0152\u0153]")


def squash_spaces(text: str) -> str:
    if _UNSQUASHED.search(text) is None:
        return text.strip()
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def normalise(text: str) -> str:
    """NFC, no invisible characters, single spaces, no leading or trailing space."""
    return squash_spaces(unicodedata.normalize("NFC", text))


def needs_repair(text: str) -> bool:
    """Whether ftfy has anything to do on ``text`` (most text has nothing: its passes are then skipped)."""
    return bool(_FTFY_TARGETS.search(text)) or (
        not text.isascii() and _MAYBE_MOJIBAKE.search(text) is not None and is_bad(text))


def repair(text: str) -> str:
    """Undo mojibake (UTF-8 read as a legacy charset, and the like), then normalise."""
    return normalise(ftfy.fix_text(text, _FTFY) if needs_repair(text) else text)
