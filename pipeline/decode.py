"""Bytes to text: the declared charset when it decodes cleanly, else detection (charset_normalizer)."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

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
    legacy text is almost never valid UTF-8 by chance.
    """
    declared = declared_charsets(body, content_type)
    is_ascii = body.isascii()
    for charset in declared:
        if _is_single_byte(charset) and not is_ascii:
            try:
                return body.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                pass
        try:
            return body.decode(charset), charset
        except UnicodeDecodeError:
            continue
    if is_ascii:
        return body.decode("ascii"), "ascii"
    best = from_bytes(body).best()
    if best is not None:
        return str(best), best.encoding
    return body.decode("utf-8", errors="replace"), "utf-8"
