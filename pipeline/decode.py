"""Bytes to text: the declared charset when it decodes cleanly, else detection (charset_normalizer)."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip()).name
    except LookupError:
        return None


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
    anything, so a "latin-1"/"windows-1252" claim over bytes that are valid UTF-8 (with non-ASCII) is taken as UTF-8:
    that mislabel is far more common on the web than the reverse.
    """
    declared = declared_charsets(body, content_type)
    is_ascii = body.isascii()
    for charset in declared:
        if charset in {"latin-1", "iso8859-1", "cp1252"} and not is_ascii:
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
