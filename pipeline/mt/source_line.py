"""``source_line_foreign``: an attribution line ("Source: lemonde.fr") naming a foreign-language outlet.

The line's label may be in any common language ("Quelle:", "Источник:", "Джерело:", "מקור:", "المصدر:", "来源：",
"出典：", ...): an aggregator often leaves it untranslated. Wire agencies ("Source: Reuters", "Source: AP") and
outlets in the article's language (or one of its source's languages) are ordinary attribution on native articles and
never fire; only outlets whose language is another do (listed in ``outlets.yaml``, or a domain whose language
:func:`pipeline.mt.outlets.host_language` knows).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.mt.outlets import OutletIndex
from pipeline.mt.resources import Outlet

# The labels of attribution lines, by language.
ATTRIBUTION_LABELS = (
    # English
    r"Sources?|Via|Original(?: article| story)?|Originally published (?:in|by|on|at)|First published (?:in|by|on)|"
    r"Read the original(?: article| story)?(?: at| on| in)?|This (?:article|story) (?:first |originally )?appeared "
    r"(?:in|on)|Courtesy of|Republished from|Adapted from|Read (?:more|the full (?:article|story)) (?:at|on)|"
    r"Continue reading (?:at|on)|Translated from|(?:Article|Story|Report) from|Credits?|Originally appeared (?:in|on)|"
    r"To the original(?: article| story)?(?: in| at| on)?",
    r"Quellen?|(?:Ursprünglich|Zuerst|Erstmals) erschienen (?:in|bei|auf)|Originalartikel|Weiterlesen (?:bei|auf)",
    r"D'après|Publié (?:initialement|d'abord) (?:dans|par|sur)|Paru (?:initialement )?(?:dans|sur)|Article original|"
    r"Lire la suite sur",
    r"Fuentes?|Vía|Publicado (?:originalmente|inicialmente) (?:en|em|por|no|na)|Artículo original|Artigo original",
    r"Fonte|Fontes|Pubblicato (?:originariamente|originalmente|inizialmente) (?:su|da|in)|Articolo originale",
    r"Источник|Источники|По материалам|Оригинал(?: статьи)?|Першоджерело|Джерело|За матеріалами",  # ru, uk
    r"מקור|המקור|المصدر|مصدر|نقلا عن|نقلاً عن",  # Hebrew, Arabic
    r"来源|來源|原文|出处|出處|稿源|转载自|轉載自|出典|出所|元記事|配信元|引用元",  # Chinese, Japanese
    r"Bron|Źródło|Kaynak|Källa|Kilde|Zdroj",  # Dutch, Polish, Turkish, Swedish, Danish/Norwegian, Czech
)
# An attribution line of any site: short, alone on its line (in brackets, maybe), label, then the outlet.
GENERIC_SOURCE_LINE = re.compile(
    rf"[(\[]?\s*(?:{'|'.join(ATTRIBUTION_LABELS)})(?:\s*[:：]\s*|\s*[\-–—]\s*|\s+)"
    r"(?P<outlet>[^\n]{2,80}?)\s*[.。]?\s*[)\]]?",
    re.IGNORECASE,
)
MAX_LINE_CHARS = 120


def line_outlets(line: str, index: OutletIndex, pattern: re.Pattern[str] = GENERIC_SOURCE_LINE,
                 slugs: Mapping[str, str] = {}) -> list[Outlet] | None:
    """The outlets an attribution line names ([] for agencies and unknown names); None if not such a line."""
    if len(line) > MAX_LINE_CHARS:
        return None
    match = pattern.fullmatch(line.strip())
    if match is None:
        return None
    return index.resolve(match.group("outlet"), slugs)


def is_foreign(outlets: list[Outlet], article_language: str | None,
               home: frozenset[str] = frozenset()) -> bool:
    """Whether every outlet writes in a language that is neither the article's nor one of ``home`` (its source's)."""
    return bool(outlets) and all(outlet.language != (article_language or "en") and outlet.language not in home
                                 for outlet in outlets)


def detect_source_lines(lines: list[str], article_language: str | None, index: OutletIndex,
                        home: frozenset[str] = frozenset()) -> list[Finding]:
    findings = []
    for line in lines:
        outlets = line_outlets(line, index)
        if outlets and is_foreign(outlets, article_language, home):
            findings.append(Finding(ArtifactKind.SOURCE_LINE_FOREIGN, line))
    return findings
