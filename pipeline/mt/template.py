"""``aggregator_banner`` / ``site_boilerplate``: the template of known aggregators, found and taken out.

For a page of a site in ``aggregators.yaml`` the banner, template lines, the trailer (from "You may like" on),
the attribution line, the teaser slot above the body and the outlet suffix of the title are removed from the
document; each removal is a finding, so the evidence stays in ``artifacts`` while ``text`` keeps only the
article. (The cleaning step drops a teaser that is a bare prefix of the body on any site; an aggregator's teaser
may also begin with a subtitle, which goes to ``description``.)
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.document import Document
from pipeline.mt.outlets import OutletIndex
from pipeline.mt.resources import Aggregator, aggregators_file
from pipeline.mt.source_line import is_foreign, line_outlets
from pipeline.mt.title import find_outlet_suffix


# Words of the body's opening that a teaser must repeat to count as a copy of it.
TEASER_MIN_WORDS = 8


def _line_key(line: str) -> str:
    return " ".join(line.split()).casefold()


@dataclass(frozen=True)
class SiteTemplate:
    aggregator: Aggregator
    banner: frozenset[str]
    boilerplate: frozenset[str]
    patterns: re.Pattern[str] | None
    cut_after: frozenset[str]
    source_line: re.Pattern[str] | None

    @classmethod
    def of(cls, aggregator: Aggregator) -> SiteTemplate:
        patterns = "|".join(f"(?:{p})" for p in aggregator.patterns)
        return cls(
            aggregator=aggregator,
            banner=frozenset(map(_line_key, aggregator.banner)),
            boilerplate=frozenset(map(_line_key, aggregator.boilerplate)),
            patterns=re.compile(patterns, re.IGNORECASE) if patterns else None,
            cut_after=frozenset(map(_line_key, aggregator.cut_after)),
            source_line=re.compile(aggregator.source_line, re.IGNORECASE) if aggregator.source_line else None,
        )

    def line_kind(self, line: str, index: OutletIndex, language: str | None) -> ArtifactKind | None:
        """What template line this is, or None for article text."""
        key = _line_key(line)
        if key in self.banner:
            return ArtifactKind.AGGREGATOR_BANNER
        if key in self.boilerplate or (self.patterns is not None and self.patterns.fullmatch(line.strip())):
            return ArtifactKind.SITE_BOILERPLATE
        if self.source_line is not None:
            outlets = line_outlets(line, index, self.source_line, self.aggregator.outlet_slugs)
            if outlets is not None:
                foreign = is_foreign(outlets, language)
                return ArtifactKind.SOURCE_LINE_FOREIGN if foreign else ArtifactKind.SITE_BOILERPLATE
        return None


@functools.cache
def _templates_by_domain() -> dict[str, SiteTemplate]:
    return {domain: SiteTemplate.of(site) for site in aggregators_file().sites for domain in site.domains}


def template_for(site: str) -> SiteTemplate | None:
    """The template of the known aggregator at this registered domain, if it is one."""
    return _templates_by_domain().get(site.lower())


def strip_template(doc: Document, template: SiteTemplate, index: OutletIndex) -> list[Finding]:
    """Remove the template's lines from ``doc`` (paragraphs and title); return what was removed, as findings."""
    findings: list[Finding] = []
    kept: list[str] = []
    for position, paragraph in enumerate(doc.paragraphs):
        if _line_key(paragraph) in template.cut_after:
            rest = len(doc.paragraphs) - position - 1
            findings.append(Finding(ArtifactKind.SITE_BOILERPLATE, f"{paragraph} (and the {rest} lines after it)"))
            break
        kind = template.line_kind(paragraph, index, doc.language)
        if kind is None:
            kept.append(paragraph)
        else:
            findings.append(Finding(kind, paragraph))
    doc.paragraphs = kept
    findings += _strip_teaser(doc)
    if doc.title:
        findings += _strip_title(doc, template, index)
    if not any(f.kind is ArtifactKind.AGGREGATOR_BANNER for f in findings):
        # the banner sat outside the extracted body (a page header): the domain itself is the site's mark
        findings.append(Finding(ArtifactKind.AGGREGATOR_BANNER, f"page of {template.aggregator.name} ({doc.site})"))
    return findings


def split_teaser(lead: str, following: str) -> str | None:
    """The subtitle before a teaser, when ``lead`` is [subtitle +] the start of ``following`` cut short; else None.

    Aggregators print a teaser above the body: sometimes a subtitle run into the body's opening words, cut
    mid-word ("Moscow has sent paratroopers ... A special unit of Russian fighters ... whether other cou").
    """
    opening = " ".join(following.split()[:TEASER_MIN_WORDS])
    start = lead.find(opening)
    if len(opening.split()) < TEASER_MIN_WORDS or start < 0:
        return None
    copy = " ".join(lead[start:].split())
    if len(copy) >= len(" ".join(following.split())) or not " ".join(following.split()).startswith(copy):
        return None
    return lead[:start].strip()


def _strip_teaser(doc: Document) -> list[Finding]:
    if len(doc.paragraphs) < 2:
        return []
    subtitle = split_teaser(doc.paragraphs[0], " ".join(doc.paragraphs[1:4]))
    if subtitle is None:
        return []
    teaser = doc.paragraphs.pop(0)
    if subtitle and not doc.description:
        doc.description = subtitle
    return [Finding.removed(ArtifactKind.TEASER_TRUNCATED_DUP, teaser)]


def _strip_title(doc: Document, template: SiteTemplate, index: OutletIndex) -> list[Finding]:
    findings = []
    title = doc.title or ""
    for separator in template.aggregator.title_separators:  # "Headline | The Limited Times"
        head, found, tail = title.rpartition(separator)
        if found and head.strip() and _line_key(tail) in template.banner:
            findings.append(Finding(ArtifactKind.AGGREGATOR_BANNER, f"{separator.strip()} {tail.strip()}"))
            title = head.rstrip()
            break
    suffix = find_outlet_suffix(title, index, template.aggregator.title_separators, allow_ambiguous=True)
    if suffix is not None:
        findings.append(Finding(ArtifactKind.TITLE_OUTLET_LITERAL, suffix.suffix))
        title = suffix.title
    else:  # the outlet's own name ("| HK01"): the aggregator's way of crediting, not part of the headline
        for separator in template.aggregator.title_separators:
            head, found, tail = title.rpartition(separator)
            if found and head.strip() and index.resolve(tail):
                findings.append(Finding(ArtifactKind.SITE_BOILERPLATE, f"{separator.strip()} {tail.strip()}"))
                title = head.rstrip()
                break
    doc.title = title
    return findings
