"""Bytes to text: the declared charset when it decodes cleanly (and, for a single-byte charset, when its letters
fit the page's script), else detection (charset_normalizer)."""

from __future__ import annotations

import codecs
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from charset_normalizer import CharsetMatch, CharsetMatches, from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HIGH_BYTES = bytes(range(128, 256))
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


# What browsers do (WHATWG Encoding Standard): a page labelled latin-1 or ASCII is decoded as windows-1252, whose
# 0x80-0x9F bytes are the curly quotes, dashes and euro sign that latin-1 would turn into invisible control codes.
_LABEL_ALIASES = {"latin-1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip()).name
    except LookupError:
        return None
    return _LABEL_ALIASES.get(codec, codec)


def _is_single_byte(charset: str) -> bool:
    """Whether every byte is one character in ``charset`` (so any byte string "decodes" under it)."""
    try:
        name = codecs.lookup(charset).name
        return not name.startswith("utf") and len(_HIGH_BYTES.decode(name, errors="replace")) == len(_HIGH_BYTES)
    except LookupError:
        return False


# -- do a single-byte decoding's letters fit the page? --------------------------------------------------------
# A single-byte charset decodes any bytes, so a wrong label (Greek ISO-8859-7 served as iso-8859-1) raises no error:
# it yields letters of the wrong script. Greek, Cyrillic, Hebrew, Arabic... read as windows-1252 become words made
# only of accented Latin letters ("ÅëëÜäá"), which Latin-script languages hardly ever write: their accented letters
# sit among ASCII ones ("été", "Grüße"). The other way round, Latin text read in a Cyrillic or Greek code page
# gets those letters inside ASCII words ("cafй"), which those scripts hardly ever write. And a page that declares
# its language should mostly use that language's script. Only letters outside ASCII count: markup is ASCII.

_WORD = re.compile(r"[^\W\d_]+")  # a run of letters
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_HTML_LANG = re.compile(rb"<html\b[^>]{0,2000}?(?<![\w-])lang\s*=\s*[\"']?\s*([A-Za-z]{2,3})(?![A-Za-z])", re.I)
_META = re.compile(rb"<meta\b[^>]{0,2000}>", re.I)
_META_LANG_NAME = re.compile(rb"""(?:http-equiv\s*=\s*["']?content-language|property\s*=\s*["']?og:locale)""", re.I)
_META_CONTENT = re.compile(rb"""(?<![\w-])content\s*=\s*["']?\s*([A-Za-z]{2,3})(?![A-Za-z])""", re.I)
_LANG_WINDOW = 16384  # <html lang> opens the page; the <meta> tags are in the head

# Scripts (the first word of a letter's Unicode name) of languages with a script of their own. Latin-script
# languages are left out on purpose: the two signs cover them, and lang="en" is a common template default on pages
# in other scripts, which must not pull their decoding towards Latin.
_SCRIPTS = {
    "el": frozenset({"GREEK"}),
    **dict.fromkeys(("ru", "uk", "bg", "be", "mk", "kk", "ky", "tg", "mn"), frozenset({"CYRILLIC"})),
    "sr": frozenset({"CYRILLIC", "LATIN"}),  # written in both
    **dict.fromkeys(("he", "iw", "yi"), frozenset({"HEBREW"})),
    **dict.fromkeys(("ar", "fa", "ur", "ps"), frozenset({"ARABIC"})),
    "th": frozenset({"THAI"}), "hy": frozenset({"ARMENIAN"}), "ka": frozenset({"GEORGIAN"}),
    **dict.fromkeys(("hi", "mr", "ne"), frozenset({"DEVANAGARI"})),
    "zh": frozenset({"CJK"}), "ja": frozenset({"CJK", "HIRAGANA", "KATAKANA"}), "ko": frozenset({"HANGUL", "CJK"}),
}
_MIN_LETTERS = 10  # fewer letters outside ASCII than this are no evidence either way
_MAX_WRONG = 0.5  # share of them that may look misread (real text: under 0.1; another script misread: over 0.9)
_MAX_WORDS = 5000  # words with letters outside ASCII examined at most: enough evidence, and a bounded cost


@functools.lru_cache(maxsize=4096)
def _script(char: str) -> str:
    return unicodedata.name(char, "?").split(" ", 1)[0]


def declared_scripts(body: bytes) -> frozenset[str] | None:
    """The scripts of the language the page declares (``<html lang>``, ``<meta http-equiv=content-language>``,
    og:locale), if it has a script of its own. Read from the bytes: the tags are ASCII in any single-byte charset."""
    head = body[:_LANG_WINDOW]
    codes = [m.group(1) for m in [_HTML_LANG.search(head)] if m]
    for tag in _META.finditer(head):
        if _META_LANG_NAME.search(tag.group()) and (content := _META_CONTENT.search(tag.group())):
            codes.append(content.group(1))
    for code in codes:
        if scripts := _SCRIPTS.get(code.decode("ascii").lower()):
            return scripts
    return None


@dataclass(frozen=True)
class _Letters:
    """A text's letters outside ASCII: how many of each script, and how many look misread."""

    by_script: Counter[str]
    misread: int  # Latin ones in words of 3+ letters none of them ASCII; non-Latin ones in words with ASCII letters

    @property
    def total(self) -> int:
        return sum(self.by_script.values())


def _letters(text: str) -> _Letters:
    long_pure, mixed, other = [], [], []  # words with letters outside ASCII: only those, 3+ of them; with ASCII ones
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isascii():
            continue
        if _ASCII_LETTER.search(word):
            mixed.append(word)
        else:
            (long_pure if len(word) >= 3 else other).append(word)
        if len(long_pure) + len(mixed) + len(other) >= _MAX_WORDS:
            break
    by_script: Counter[str] = Counter()
    misread = 0
    for words in (long_pure, mixed, other):
        for char, count in Counter("".join(words)).items():  # counted in C, then one look-up per distinct letter
            if char.isascii() or not char.isalpha():
                continue
            script = _script(char)
            by_script[script] += count
            if (words is long_pure and script == "LATIN") or (words is mixed and script != "LATIN"):
                misread += count
    return _Letters(by_script, misread)


def _fits(letters: _Letters, scripts: frozenset[str] | None, label: bool = False) -> bool:
    total = letters.total
    most = _MAX_WRONG * total
    if total < _MIN_LETTERS:
        return True
    if letters.misread > most:
        return False
    if scripts is None:
        return True
    if label:
        return "LATIN" in scripts or letters.by_script["LATIN"] <= most
    return total - sum(letters.by_script[s] for s in scripts) <= most


def letters_fit(text: str, scripts: frozenset[str] | None = None, label: bool = False) -> bool:
    """Whether the letters of ``text`` outside ASCII fit: no sign of another script read as Latin (most of them
    Latin, in words of three or more letters none of which is ASCII) or of Latin read as another script (most of
    them not Latin, in words with ASCII letters), and mostly in ``scripts`` (the declared language's), if known.

    ``label``: judging a declared charset rather than a detected one. A label is evidence in itself, so beyond the
    two signs it only has to give letters that are not Latin where the language is written in another script: a
    lang attribute copied from a template (a Greek page saying "ru") must not overturn a label that fits the text.
    """
    return _fits(_letters(text), scripts, label)


def _detected_fitting(matches: CharsetMatches, scripts: frozenset[str] | None) -> tuple[str, str] | None:
    """The detected decoding to use instead of a declared one whose letters do not fit, or None.

    charset_normalizer's order (best first), its single-byte candidates only if their letters show no sign of a
    misreading; the declared language's script first, but not only (a template's lang attribute can be wrong).
    """
    fitting: list[tuple[CharsetMatch, _Letters]] = []
    for match in matches:
        letters = _letters(str(match))
        if not _is_single_byte(match.encoding) or _fits(letters, None):
            fitting.append((match, letters))
    in_script = [(m, letters) for m, letters in fitting if scripts and _fits(letters, scripts)]
    fitting = in_script or fitting
    if not fitting:
        return None
    # Among candidates charset_normalizer calls too close to tell apart (its own margins: mess within 0.005,
    # coherence within 0.02) its order means nothing: charsets of one script that differ in a few bytes (ISO-8859-7
    # reads 0xB6 as "Ά", windows-1253 as "¶"). The one that reads more of the bytes as letters is the right one.
    first = fitting[0][0]
    tied = [(m, letters) for m, letters in fitting
            if abs(m.chaos - first.chaos) < 0.005 and abs(m.coherence - first.coherence) <= 0.02]
    chosen = max(tied, key=lambda pair: pair[1].total)[0]  # the first of equals on a tie
    return str(chosen), chosen.encoding


def declared_charsets(body: bytes, content_type: str | None) -> list[str]:
    """Charsets the response claims: the BOM, the Content-Type header, then the first <meta> in the head."""
    found: list[str | None] = []
    if body.startswith(codecs.BOM_UTF8):
        found.append("utf-8")
    if content_type and (match := _HEADER_CHARSET.search(content_type)):
        found.append(_codec(match.group(1)))
    if match := _META_CHARSET.search(body[:4096]):
        found.append(_codec(match.group(1).decode("ascii", "ignore")))
    return list(dict.fromkeys(c for c in found if c))


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """Decode a page; returns (text, encoding used).

    A declared charset is trusted only if the bytes decode under it without error. Single-byte charsets decode
    anything, so a single-byte claim ("latin-1", "iso-8859-15", "windows-1252", ...) over bytes that are valid UTF-8
    (with non-ASCII) is taken as UTF-8: that mislabel is far more common on the web than the reverse, and non-ASCII
    legacy text is almost never valid UTF-8 by chance. Otherwise a single-byte claim is trusted only if the letters
    it yields fit the page (:func:`letters_fit`); if they do not, the next declared charset and then the detected
    ones are tried, and the first whose letters fit is used. When none fits, the claim stands (no worse than before).
    """
    declared = declared_charsets(body, content_type)
    is_ascii = body.isascii()
    unfit: tuple[str, str] | None = None  # the first single-byte decoding whose letters did not fit
    scripts = declared_scripts(body) if not is_ascii and any(map(_is_single_byte, declared)) else None
    for charset in declared:
        single_byte = _is_single_byte(charset) and not is_ascii
        if single_byte:
            try:
                return body.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                pass
        try:
            text = body.decode(charset)
        except UnicodeDecodeError:
            continue
        if not single_byte:
            return text, charset
        if letters_fit(text, scripts, label=True):
            return text, charset
        unfit = unfit or (text, charset)
    if is_ascii:
        return body.decode("ascii"), "ascii"
    matches = from_bytes(body)
    if unfit is not None:
        return _detected_fitting(matches, scripts) or unfit
    best = matches.best()
    if best is not None:
        return str(best), best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"
