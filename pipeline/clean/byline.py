"""Bylines and datelines: out of the body, into ``authors``; desks and agencies are not authors.

trafilatura often keeps the byline block as the body's first lines ("Par Julien Mercier - Publié le 06/01/2022 à
10h42", "di Laura Bonfanti", "6 gennaio 2022 - 18:30") and sometimes returns a label or a desk as the author
("Текст Анна Лебедева", "Redaktion", "Reuters"). Only the first few short lines are looked at, so a sentence of the
story that starts with "By" stays.
"""

from __future__ import annotations

import re

from pipeline.document import Document
from pipeline.steps import DocumentStep

# Lead words of a byline, in the languages the pipeline meets most ("By", "Von", "Par", "Текст:", "מאת", "بقلم").
_LEAD = (r"(?:by|von|par|por|di|da|de|door|av|af|przez|autor(?:in|a)?|auteur|text|texte|testo|texto|"
         r"автор|текст|מאת|כתב|بقلم|كتب|作者|记者|文)")
_BYLINE = re.compile(rf"^{_LEAD}\s*[:：/／]?\s*(?P<names>[^\d|•·–—()]+?)\s*(?:[-|•·–—,(]|$)", re.IGNORECASE)
_LABEL = re.compile(rf"^{_LEAD}\s*[:：/／]?\s+", re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\bund\b|\bet\b|\by\b|\be\b|\bи\b|\bו)\s*")
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
HEAD_LINES = 3
MAX_BYLINE_WORDS = 12
MAX_NAME_WORDS = 4


def person_names(names: list[str]) -> list[str]:
    """Author names without labels, desks and agencies."""
    cleaned = [" ".join(_LABEL.sub("", name).split()) for name in names]
    return list(dict.fromkeys(n for n in cleaned if n and not _NOT_A_PERSON.match(n)))


def byline_names(line: str) -> list[str] | None:
    """The names in a byline line, or None when the line is not a byline."""
    if len(line.split()) > MAX_BYLINE_WORDS or not (match := _BYLINE.match(line)):
        return None
    names = [n.strip(" .:") for n in _NAME_SPLIT.split(match.group("names"))]
    return names if names and all(_looks_like_name(n) for n in names) else None


def _looks_like_name(text: str) -> bool:
    # In scripts with letter case a name starts with a capital ("By the time ..." is a sentence, not a byline).
    first = text[:1]
    return bool(first) and len(text.split()) <= MAX_NAME_WORDS and (first.isupper() or first.lower() == first.upper())


def is_dateline(line: str) -> bool:
    """A short line that is mostly a date or a time ("06.01.2022, 09:05 Uhr", "6 gennaio 2022 - 18:30")."""
    words = line.split()
    if len(words) > 8 or not _DATE.search(line) or line.rstrip().endswith((".", "!", "?")):
        return False
    return len(_DATE.sub("", line).split()) <= 4


class ExtractBylines(DocumentStep):
    name = "byline"

    def process(self, doc: Document) -> Document:
        head, rest = doc.paragraphs[:HEAD_LINES], doc.paragraphs[HEAD_LINES:]
        kept: list[str] = []
        found: list[str] = []
        for line in head:
            names = byline_names(line)
            if names is not None:
                found.extend(names)
            elif not is_dateline(line):
                kept.append(line)
        doc.paragraphs = kept + rest
        doc.authors = person_names(doc.authors or found)
        return doc
