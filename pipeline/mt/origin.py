"""Source language and origin outlet, inferred from the findings that carry them.

Provenance names an outlet (an attribution line names one; a title literal may name several, "The World" being
Die Welt, Le Monde or El Mundo); linguistic findings vote for languages (a run of Hebrew script, a paragraph
detected as German, an idiom of French). An outlet named by an attribution line, or by an unambiguous title
literal, gives its language with high confidence; an ambiguous literal is settled by the language votes
(medium); without an outlet, the language votes alone decide (medium or low).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.mt.idioms import idiom_matcher
from pipeline.mt.outlets import OutletIndex
from pipeline.mt.paragraphs import mismatch_language
from pipeline.mt.provenance import finding_outlet
from pipeline.mt.resources import Outlet
from pipeline.mt.script import script_language
from pipeline.mt.source_line import GENERIC_SOURCE_LINE, line_outlets
from pipeline.mt.template import SiteTemplate
from pipeline.mt.title import suffix_outlets

# How much one finding of a kind votes for its language(s); a vote is split between the languages it allows.
LANGUAGE_VOTES = {
    ArtifactKind.SCRIPT_MIX: 1.0,
    ArtifactKind.PARAGRAPH_LANGUAGE_MISMATCH: 1.0,
    ArtifactKind.LITERAL_IDIOM: 0.5,
}
MEDIUM_VOTES = 1.5  # language votes that make a language without an outlet "medium" rather than "low"


@dataclass(frozen=True)
class Origin:
    outlet: str | None = None
    language: str | None = None
    confidence: str | None = None


def _finding_outlets(finding: Finding, index: OutletIndex, template: SiteTemplate | None) -> list[Outlet]:
    if finding.kind is ArtifactKind.TITLE_OUTLET_LITERAL:
        return suffix_outlets(finding.evidence, index)
    if finding.kind is ArtifactKind.SOURCE_LINE_FOREIGN:
        if template is not None and template.source_line is not None:
            found = line_outlets(finding.evidence, index, template.source_line, template.aggregator.outlet_slugs)
            if found:
                return found
        return line_outlets(finding.evidence, index, GENERIC_SOURCE_LINE) or []
    outlet = finding_outlet(finding, index)  # a byline, link or declared URL
    return [outlet] if outlet is not None else []


def _finding_languages(finding: Finding) -> frozenset[str]:
    if finding.kind is ArtifactKind.SCRIPT_MIX:
        return frozenset({script_language(finding.evidence)})
    if finding.kind is ArtifactKind.PARAGRAPH_LANGUAGE_MISMATCH:
        language = mismatch_language(finding.evidence)
        return frozenset({language}) if language else frozenset()
    if finding.kind is ArtifactKind.LITERAL_IDIOM:
        return idiom_matcher().languages_of(finding.evidence)
    return frozenset()


def infer_origin(findings: list[Finding], article_language: str | None, index: OutletIndex,
                 template: SiteTemplate | None) -> Origin:
    votes: Counter[str] = Counter()
    for finding in findings:
        languages = _finding_languages(finding) - {article_language}
        for language in languages:
            votes[language] += LANGUAGE_VOTES.get(finding.kind, 0.0) / len(languages)
    named: list[list[Outlet]] = [o for f in findings if (o := _finding_outlets(f, index, template))]
    single = [outlets[0] for outlets in named if len(outlets) == 1]
    if single:
        outlet = Counter(single).most_common(1)[0][0]
        return Origin(outlet.name, outlet.language, "high")
    if named:
        candidates = [o for outlets in named for o in outlets]
        best = max(candidates, key=lambda o: votes[o.language])
        if votes[best.language] > 0:
            return Origin(best.name, best.language, "medium")
        languages = {o.language for o in candidates}
        if len(languages) == 1:  # ambiguous outlet, but every reading has the same language
            return Origin(None, languages.pop(), "medium")
    if votes:
        language, total = votes.most_common(1)[0]
        return Origin(None, language, "medium" if total >= MEDIUM_VOTES else "low")
    return Origin()
