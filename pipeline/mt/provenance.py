"""Provenance anywhere on the page: the origin outlet, wherever the page names it, when it writes in another language.

Besides the title suffix and the attribution line (:mod:`pipeline.mt.title`, :mod:`pipeline.mt.source_line`, whose
lines are searched here also among the lines the cleaning steps removed: credit lines, bylines, learned boilerplate),
a page names where its text came from in four more places:

- ``byline_outlet_foreign``: the byline or meta line names the outlet, by domain or by name ("ynet.co.il",
  "By Israel Hayom", "Walla! | 06.01.2022", "19.11.2026 | Source: Der Spiegel", "Yomiuri Shimbun staff",
  "From the Asahi Shimbun"). Looked at: the page's byline, meta, kicker and source blocks, the byline lines moved out
  of the body, the authors, a short first line of the body, the title's last " | " or " - " part, a dateline's
  parenthesis ("MOSCOW (kommersant.ru) - ...") and a parenthesis closing a paragraph that is an attribution or a
  domain ("(Source: Israel Hayom)", "(caixin.com)"; a bare name there, "(Haaretz)", is how a story cites).
- ``link_outlet_foreign``: a link to an article (not a home page) on the outlet's domain, on a short line that is an
  attribution line or is mostly the link's own text, that text naming the outlet ("lemonde.fr", "Le Monde"); outside
  the page's navigation, header, footer and asides. A link inside a sentence of the story ("as Le Monde reported
  ...") is a citation, and a link that names a section ("Videos", "US") is navigation, not provenance.
- ``canonical_outlet_foreign``: the page's rel=canonical, og:url or original-source (Google News' syndication tag)
  on the outlet's domain.
- ``lead_outlet_foreign``: the first paragraph opens by crediting the outlet ("As reported by Corriere della Sera,
  ...", "Asharq Al-Awsat reported that ..."). Native stories open so too, so it weighs half a credit line.

Only outlets writing in a language that is neither the article's nor one of its source's count (agencies never: they
resolve to no outlet). One outlet is one fact: each outlet gets at most one finding here, and none when a title
suffix or attribution line already names it. A page that credits a human translator ("Translated from the German by
...") is a human translation; :func:`credits_human_translator` tells the site profile so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.document import Document, Link
from pipeline.mt.outlets import OutletIndex, name_key, outlet_keys
from pipeline.mt.resources import Outlet
from pipeline.mt.source_line import GENERIC_SOURCE_LINE, detect_source_lines, is_foreign, line_outlets
from pipeline.mt.title import suffix_outlets

TITLE_SEPARATORS = (" | ", " - ", " – ", " — ")

# Removed lines that may carry an attribution or a byline (the others are links, calls to action, headlines).
ATTRIBUTION_REMOVALS = frozenset({ArtifactKind.TEXT_CREDIT, ArtifactKind.BYLINE, ArtifactKind.SITE_BOILERPLATE})
# A first line of the body this short may be a meta line; longer is the story.
MAX_META_WORDS = 20
MIN_LINK_SHARE = 0.5  # of a line's characters that a link's text covers for the line to be that link
MIN_NAME_KEY = 4  # shorter names ("Kan", "AD", "fr") are common words or initials
MAX_NAME_WORDS = 5  # a longer part of a byline is a sentence or a list of people, not an outlet's name
_SEGMENTS = re.compile(r"\s*[|·•/,;–—()]\s*|\s+-\s+")
_BY = re.compile(r"^(?:by|from(?: the)?|von|par|por|di|da|door|av|od|от|автор|מאת|بقلم|文|记者|記者)\s*[:：]?\s+",
                 re.IGNORECASE)
# "Yomiuri Shimbun staff", "Maariv correspondents": the outlet's own people.
_STAFF = re.compile(r"\s+(?:staff|correspondents?|reporters?|newsroom|redaktion|rédaction|redacción|redazione)$",
                    re.IGNORECASE)
# A parenthesis that credits the text, closing a paragraph ("... 2,300 people. (Source: Gazeta Wyborcza)",
# "(caixin.com)"), or in the dateline opening one ("MOSCOW (kommersant.ru) - The ministry ...").
_CLOSING_PARENTHESIS = re.compile(r"\(([^()\n]{3,80})\)[\s|]*$", re.MULTILINE)
_DOMAIN = re.compile(r"(?:[a-z0-9-]+\.)+[a-z]{2,}", re.IGNORECASE)
_DATELINE = re.compile(r"^[\s|]*[A-Z][A-Z .'-]{1,30}\s*\(([^()\n]{3,80})\)\s*[-–—]", re.MULTILINE)
# A lead that attributes the story to an outlet: "As reported by Corriere della Sera, ...", "According to the
# Asahi Shimbun, ...", "Asharq Al-Awsat reported that ...". Native reporting opens like this too: it weighs less.
_LEAD_CITATION = re.compile(
    r"^(?:As (?:first )?(?:reported|written|published) (?:by|in)|According to|Citing) (?:the )?"
    r"(?P<named>[^,]{2,60}?),|"
    r"^(?P<subject>[A-Z][^,.]{1,60}?) (?:reported|reports|writes|wrote) (?:that|on)\b")
DECLARED_URLS = ("rel=canonical", "og:url", "original-source")  # how extraction keeps the page's declared URLs
# When several cues name one outlet, the finding is of the first kind here.
_PRIORITY = (ArtifactKind.CANONICAL_OUTLET_FOREIGN, ArtifactKind.BYLINE_OUTLET_FOREIGN,
             ArtifactKind.LINK_OUTLET_FOREIGN, ArtifactKind.LEAD_OUTLET_FOREIGN)
# A named human translator (the name capitalised; the words before it in any case): "Translated from the German by
# Anna Smith", "Aus dem Russischen von ...", "Traduit de l'anglais par ..."; never a machine ("translated by Google").
_HUMAN_TRANSLATOR = re.compile(
    r"(?i:\b(?:translated|translation)(?: from (?:the )?\w+)? by (?!google|deepl|bing|yandex|microsoft|machine|ai\b|"
    r"automatic|an? |the ))[A-Z]|(?i:\btranslator\s*:)|(?i:\bübersetzt von |\baus dem \w+ (?:übersetzt )?von )[A-Z]|"
    r"(?i:\btraduit (?:de l'|du |de )?\w* ?par |\btraducido (?:del \w+ )?por |\btradott[oa] (?:dall'\w+ )?da |"
    r"\btraduzido (?:do \w+ )?por )[A-Z]|(?i:\bперевод(?: с \w+)? |\bпереклад(?: з \w+)? )[А-ЯІЇЄ]"
)


def credits_human_translator(lines: Iterable[str]) -> bool:
    """Whether one of the lines credits a named human translator (a human translation, not a machine's)."""
    return any(_HUMAN_TRANSLATOR.search(line) for line in lines)


def removed_lines(doc: Document) -> list[str]:
    """The lines cleaning took out of the body that may attribute it."""
    return [f.evidence for f in doc.findings if f.kind in ATTRIBUTION_REMOVALS]


def named_outlets(findings: Iterable[Finding], index: OutletIndex) -> set[str]:
    """The outlets the title suffix and attribution findings already name."""
    names: set[str] = set()
    for finding in findings:
        if finding.kind is ArtifactKind.TITLE_OUTLET_LITERAL:
            names.update(o.name for o in suffix_outlets(finding.evidence, index))
        elif finding.kind is ArtifactKind.SOURCE_LINE_FOREIGN:
            names.update(o.name for o in line_outlets(finding.evidence, index, GENERIC_SOURCE_LINE) or ())
    return names


def _words(line: str) -> int:
    return len(line.split())


def _segment_outlet(segment: str, index: OutletIndex) -> Outlet | None:
    if (labelled := GENERIC_SOURCE_LINE.fullmatch(segment.strip())) is not None:  # "Source: Der Spiegel"
        segment = labelled.group("outlet")
    if len(segment.split()) > MAX_NAME_WORDS:
        return None
    segment = _STAFF.sub("", _BY.sub("", segment.strip()).strip(" .:"))
    key = name_key(segment)
    if len(key) < MIN_NAME_KEY or index.is_agency(segment):
        return None
    found = index.resolve(segment)
    if found and ("." in segment or key in index.by_name):  # a domain, or the outlet's name (not a literal)
        return found[0] if len(found) == 1 else None
    return None


def paragraph_credits(paragraphs: Iterable[str]) -> list[str]:
    """The parentheses of the paragraphs that may credit the text: in a dateline, any; closing a paragraph, an
    attribution ("(Source: X)") or a domain ("(caixin.com)"), not a bare name, which is how stories cite."""
    found = []
    for paragraph in paragraphs:
        found += _DATELINE.findall(paragraph)
        found += [credit for credit in _CLOSING_PARENTHESIS.findall(paragraph)
                  if _DOMAIN.fullmatch(credit.strip()) or GENERIC_SOURCE_LINE.fullmatch(credit) is not None]
    return found


def byline_outlets(doc: Document, index: OutletIndex) -> list[tuple[str, Outlet]]:
    """(line, outlet) for each byline, meta line, dateline or credit parenthesis segment that names an outlet."""
    lines = [*doc.bylines, *(f.evidence for f in doc.findings if f.kind is ArtifactKind.BYLINE), *doc.authors,
             *paragraph_credits(doc.paragraphs)]
    lines += [f"{separator.strip()} {tail}" for separator in TITLE_SEPARATORS
              if (tail := (doc.title or "").rpartition(separator)[2]) != (doc.title or "")][:1]
    lines += [p for p in doc.paragraphs[:1] if _words(p) <= MAX_META_WORDS and
              GENERIC_SOURCE_LINE.fullmatch(p) is None]
    found = []
    for line in lines:
        for segment in _SEGMENTS.split(line):
            if outlet := _segment_outlet(segment, index):
                found.append((line, outlet))
    return found


def _lead_outlet(text: str, index: OutletIndex) -> Outlet | None:
    match = _LEAD_CITATION.match(text)
    return _segment_outlet(match.group("named") or match.group("subject"), index) if match else None


def lead_outlets(doc: Document, index: OutletIndex) -> list[tuple[str, Outlet]]:
    """(the lead's opening, outlet) when the first paragraph opens by crediting an outlet by name or domain."""
    for paragraph in doc.paragraphs[:1]:
        if (match := _LEAD_CITATION.match(paragraph)) and (outlet := _lead_outlet(match.group(0), index)):
            return [(match.group(0), outlet)]
    return []


def _is_article(url: str) -> bool:
    return bool(urlsplit(url).path.strip("/"))


def _may_attribute(link: Link) -> bool:
    """What :func:`is_attribution_link` asks of the link before its outlet is known (cheap: most links fail it)."""
    return bool(link.line) and (len(link.text) >= MIN_LINK_SHARE * len(link.line) or
                                GENERIC_SOURCE_LINE.fullmatch(link.line) is not None) and _is_article(link.url)


def is_attribution_link(link: Link, outlet: Outlet) -> bool:
    """Whether the link to ``outlet``'s article is an attribution: on a short line that is an attribution line, or
    that is mostly the link's text, and that text names the outlet (its name, an alias, a domain or its stem)."""
    if not _may_attribute(link):
        return False
    return GENERIC_SOURCE_LINE.fullmatch(link.line) is not None or \
        name_key(link.text.removeprefix("www.")) in outlet_keys(outlet)


def link_outlets(doc: Document, index: OutletIndex) -> list[tuple[str, Outlet, ArtifactKind]]:
    """(evidence, outlet, kind) for the declared URLs and the attribution links on another site's domain."""
    found = []
    for link in doc.links:
        declared = link.text in DECLARED_URLS
        if not declared and not _may_attribute(link):
            continue
        host = urlsplit(link.url).hostname or ""
        if not host or (outlet := index.at_host(host, link.url, link.language)) is None:
            continue
        if declared:
            found.append((f"{link.text}: {link.url}"[:200], outlet, ArtifactKind.CANONICAL_OUTLET_FOREIGN))
        elif is_attribution_link(link, outlet):
            found.append((f"{link.line} -> {link.url}"[:200], outlet, ArtifactKind.LINK_OUTLET_FOREIGN))
    return found


def detect_provenance(doc: Document, index: OutletIndex, home: frozenset[str] = frozenset(),
                      found: Iterable[Finding] = ()) -> list[Finding]:
    """Attribution lines among the removed lines, and bylines, links and declared URLs naming a foreign outlet that
    neither the document's findings nor those ``found`` already name."""
    findings = detect_source_lines(removed_lines(doc), doc.language, index, home)
    seen = named_outlets([*doc.findings, *found, *findings], index)
    candidates = [(line, outlet, ArtifactKind.BYLINE_OUTLET_FOREIGN) for line, outlet in byline_outlets(doc, index)]
    candidates += [(line, outlet, ArtifactKind.LEAD_OUTLET_FOREIGN) for line, outlet in lead_outlets(doc, index)]
    for evidence, outlet, kind in sorted(link_outlets(doc, index) + candidates,
                                         key=lambda item: _PRIORITY.index(item[2])):
        if outlet.name not in seen and is_foreign([outlet], doc.language, home):
            seen.add(outlet.name)
            findings.append(Finding(kind, evidence))
    return findings


def finding_outlet(finding: Finding, index: OutletIndex) -> Outlet | None:
    """The outlet a finding of this module names (read back from its evidence), else None."""
    if finding.kind is ArtifactKind.BYLINE_OUTLET_FOREIGN:
        return next((o for segment in _SEGMENTS.split(finding.evidence)
                     if (o := _segment_outlet(segment, index)) is not None), None)
    if finding.kind is ArtifactKind.LEAD_OUTLET_FOREIGN:
        return _lead_outlet(finding.evidence, index)
    if finding.kind in (ArtifactKind.LINK_OUTLET_FOREIGN, ArtifactKind.CANONICAL_OUTLET_FOREIGN):
        url = finding.evidence.rpartition(" -> ")[2] if " -> " in finding.evidence else \
            finding.evidence.partition(": ")[2]
        return index.at_host(urlsplit(url).hostname or "", url)
    return None
