"""Bylines and datelines in text: the names in a byline, dateline lines, and people told apart from desks and agencies.

Used on the body's first lines (:mod:`pipeline.clean.byline`) and on a page's byline block (:mod:`pipeline.extract`).
"""

from __future__ import annotations

import re


# Lead words of a byline, in the languages the pipeline meets most ("By", "Von", "Par", "Текст:", "מאת", "بقلم").
_LEAD = (r"(?:by|von|par|por|di|da|de|door|av|af|przez|autor(?:in|a)?|auteur|text|texte|testo|texto|"
         r"автор|текст|מאת|כתב|بقلم|كتب|作者|记者|文)")
_BYLINE = re.compile(rf"^{_LEAD}\s*[:：/／]?\s*(?P<names>[^\d|•·–—()]+?)\s*(?:[-|•·–—,(]|$)", re.IGNORECASE)
_LABEL = re.compile(rf"^{_LEAD}\s*[:：/／]?\s+", re.IGNORECASE)
# Between two names: punctuation or "and" in the common languages (the "/" of "Anna Weber/dpa" too).
_NAME_SEPARATOR = re.compile(r"\s*(?:[;,|/&]|\b(?:and|und|et|y|e|i|og|и)\b)\s*")
_NOT_A_NAME = re.compile(r"[@\d]|https?:|www\.")
# Desks, generic credits and wire agencies: a source of the text, not a person.
_NOT_A_PERSON = re.compile(
    r"^(?:redaktion|redacción|redaccion|rédaction|redazione|redação|redactie|newsroom|staff|editorial|"
    r"editors?|the editors|web desk|online desk|desk|agencia|agencies|agences?|agenturen|reuters|ap|afp|dpa|"
    r"epd|kna|efe|ansa|tass|ria novosti|xinhua|wam|upi|pa|pa media|bloomberg|associated press|"
    r"редакция|מערכת|المحرر|编辑|本报记者)$",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}[:h]\d{2}|"
    r"\d{1,2}\.?\s+[^\W\d_]{3,12}\.?\s+\d{4}|[^\W\d_]{3,12}\.?\s+\d{1,2},?\s+\d{4})\b"
)
MAX_BYLINE_WORDS = 12
MAX_NAME_WORDS = 5


def person_names(names: list[str]) -> list[str]:
    """Author names without labels, desks and agencies."""
    cleaned = [" ".join(_LABEL.sub("", name).split()).strip(" .:-–—") for name in names]
    return list(dict.fromkeys(n for n in cleaned if n and not _NOT_A_PERSON.match(n)))


def split_authors(raw: str | None) -> list[str]:
    """A metadata author field as a clean list of people: labels, e-mails, handles, dates, desks dropped."""
    parts = (part.strip(" .:-–—") for part in _NAME_SEPARATOR.split(raw or ""))
    return person_names([p for p in parts if p and not _NOT_A_NAME.search(p) and len(p.split()) <= MAX_NAME_WORDS])


def byline_names(line: str) -> list[str] | None:
    """The names in a byline line, or None when the line is not a byline."""
    if len(line.split()) > MAX_BYLINE_WORDS or not (match := _BYLINE.match(line)):
        return None
    names = [n.strip(" .:") for n in _NAME_SEPARATOR.split(match.group("names"))]
    return names if names and all(_looks_like_name(n) for n in names) else None


def _looks_like_name(text: str) -> bool:
    # In scripts with letter case a name starts with a capital ("By the time ..." is a sentence, not a byline).
    first = text[:1]
    return bool(first) and len(text.split()) <= MAX_NAME_WORDS and (first.isupper() or first.lower() == first.upper())


_SEGMENT = re.compile(r"\s*(?:[|•·\u3000]|\s{2,})\s*")


def names_in_byline_block(text: str) -> list[str] | None:
    """The names in a page's byline block ("Von X, mit Material von dpa | 06.01.2022", "来源：… 作者：记者 X 2022-01-06")."""
    for segment in _SEGMENT.split(text.strip()):
        if (names := byline_names(segment)) is not None and (people := person_names(names)):
            return people
    return None


def is_dateline(line: str) -> bool:
    """A short line that is mostly a date or a time ("06.01.2022, 09:05 Uhr", "6 gennaio 2022 - 18:30")."""
    words = line.split()
    if len(words) > 8 or not _DATE.search(line) or line.rstrip().endswith((".", "!", "?")):
        return False
    return len(_DATE.sub("", line).split()) <= 4
