"""The site's name appended to the title (" | Site", " - Site", "：サイト") is removed.

A trailing segment goes only when it names the site: its letters match the page's declared site name or its
registered domain (either way round as a prefix, so "Golem.de" matches golem.de and "日本経済新聞" matches
"日本経済新聞社"). A date segment after the site's name ("| DW | 28.04.2023") goes with it.
"""

from __future__ import annotations

import re
import unicodedata


_SEPARATOR = re.compile(r"\s+[|\-–—·•:/»]\s+|\s*[｜|︱]\s*|\s*：\s*|\s+::\s+")
_DATE = re.compile(r"^[\d./\- ]{6,}$")
MIN_KEY_CHARS = 2


def _key(text: str) -> str:
    """Letters and digits only, lower case, accents off: "Seznam Zprávy" -> "seznamzpravy"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


def site_keys(site: str, site_name: str | None) -> set[str]:
    keys = {_key(site), _key(site.split(".")[0])}
    if site_name:
        keys.add(_key(site_name))
    return {k for k in keys if len(k) >= MIN_KEY_CHARS}


def names_site(segment: str, keys: set[str]) -> bool:
    key = _key(segment)
    return len(key) >= MIN_KEY_CHARS and any(k.startswith(key) or key.startswith(k) for k in keys)


def strip_site_suffix(title: str, keys: set[str]) -> str:
    while True:
        parts = [m for m in _SEPARATOR.finditer(title)]
        if not parts:
            return title
        last = parts[-1]
        head, tail = title[:last.start()], title[last.end():]
        if _DATE.match(tail) and len(parts) >= 2:
            before = parts[-2]
            if names_site(title[before.end():last.start()], keys):
                head, tail = title[:before.start()], ""
        if tail and not names_site(tail, keys):
            return title
        if not head.strip():
            return title
        title = head.strip()

