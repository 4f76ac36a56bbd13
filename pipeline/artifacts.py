"""The one registry of artifact kinds, and the finding record every detector and cleaning rule emits.

A finding says what fired (``kind``), on what (``evidence``: the line or span), and how much it counts towards
"machine-translated" (``weight``, from the weights data file; 0 for pure cleaning evidence). Kinds are grouped in
families: scoring caps each family, so one site template cannot count several times. Every line a rule removes from
the body is a finding, so an analyst can see why it is gone; the removals that say nothing about translation (links
to other stories, calls to action, the cuts of a page over the size limits) are in the ``REMOVAL`` family, which
never counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


class Family(StrEnum):
    TEMPLATE = "template"  # lines of a known aggregator's template
    PROVENANCE = "provenance"  # statements of where the text came from
    LAYOUT = "layout"  # how the page was assembled (teaser pasted twice, credits)
    LINGUISTIC = "linguistic"  # the language of the text itself
    STYLE = "style"  # the linguistic model's score of the whole text's wording and typography (pipeline.mt.linguistic)
    NOISE = "noise"  # weak signals also common in native text
    REMOVAL = "removal"  # lines that are not the story, on any site; never evidence of translation
    SITE = "site"  # what the run's other pages of the same site show it does (a per-run profile)


class ArtifactKind(StrEnum):
    AGGREGATOR_BANNER = "aggregator_banner"
    SITE_BOILERPLATE = "site_boilerplate"
    TITLE_OUTLET_LITERAL = "title_outlet_literal"
    SOURCE_LINE_FOREIGN = "source_line_foreign"
    TEASER_TRUNCATED_DUP = "teaser_truncated_dup"
    CREDIT_MANGLED = "credit_mangled"
    NAME_VARIANT = "name_variant"
    SCRIPT_MIX = "script_mix"
    PARAGRAPH_LANGUAGE_MISMATCH = "paragraph_language_mismatch"
    LITERAL_IDIOM = "literal_idiom"
    LINGUISTIC_MODEL = "linguistic_model"  # evidence: the model's log-odds
    MOJIBAKE = "mojibake"
    REPETITION = "repetition"
    RELATED_LINK = "related_link"  # the text of a link to another story
    HEADLINE_REPEAT = "headline_repeat"  # a first body line that repeats the page's <h1>
    CALL_TO_ACTION = "call_to_action"  # a notice addressing the reader: sign up, subscribe, follow, donate
    TEXT_CREDIT = "text_credit"  # a credit or copyright line of the text: "Reporting by ...", "Mit Agenturmaterial"
    BYLINE = "byline"  # a byline or dateline at the top of the body (its names go to ``authors``)
    BYLINE_OUTLET_FOREIGN = "byline_outlet_foreign"  # a byline or meta line naming a foreign outlet ("ynet.co.il")
    LINK_OUTLET_FOREIGN = "link_outlet_foreign"  # a link to a foreign outlet's article at the body's top or end
    CANONICAL_OUTLET_FOREIGN = "canonical_outlet_foreign"  # rel=canonical / og:url on a foreign outlet's domain
    LEAD_OUTLET_FOREIGN = "lead_outlet_foreign"  # the first sentence credits a foreign outlet ("As reported by X, ...")
    SITE_REPUBLISHER = "site_republisher"  # most of the site's pages in the run name a foreign origin
    SITE_NATIVE = "site_native"  # the site's other pages in the run show no sign of republishing (lowers)
    PAGE_CUT = "page_cut"  # the page's HTML was over the size limit and only its start was parsed (pipeline/budget.py)
    TEXT_CUT = "text_cut"  # the body was over the length limit and only its first paragraphs were kept


FAMILY: dict[ArtifactKind, Family] = {
    ArtifactKind.AGGREGATOR_BANNER: Family.TEMPLATE,
    ArtifactKind.SITE_BOILERPLATE: Family.TEMPLATE,
    ArtifactKind.TITLE_OUTLET_LITERAL: Family.PROVENANCE,
    ArtifactKind.SOURCE_LINE_FOREIGN: Family.PROVENANCE,
    ArtifactKind.TEASER_TRUNCATED_DUP: Family.LAYOUT,
    ArtifactKind.CREDIT_MANGLED: Family.LAYOUT,
    ArtifactKind.NAME_VARIANT: Family.LINGUISTIC,
    ArtifactKind.SCRIPT_MIX: Family.LINGUISTIC,
    ArtifactKind.PARAGRAPH_LANGUAGE_MISMATCH: Family.LINGUISTIC,
    ArtifactKind.LITERAL_IDIOM: Family.LINGUISTIC,
    ArtifactKind.LINGUISTIC_MODEL: Family.STYLE,
    ArtifactKind.MOJIBAKE: Family.NOISE,
    ArtifactKind.REPETITION: Family.NOISE,
    ArtifactKind.RELATED_LINK: Family.REMOVAL,
    ArtifactKind.HEADLINE_REPEAT: Family.REMOVAL,
    ArtifactKind.CALL_TO_ACTION: Family.REMOVAL,
    ArtifactKind.TEXT_CREDIT: Family.REMOVAL,
    ArtifactKind.BYLINE: Family.REMOVAL,
    ArtifactKind.BYLINE_OUTLET_FOREIGN: Family.PROVENANCE,
    ArtifactKind.LINK_OUTLET_FOREIGN: Family.PROVENANCE,
    ArtifactKind.CANONICAL_OUTLET_FOREIGN: Family.PROVENANCE,
    ArtifactKind.LEAD_OUTLET_FOREIGN: Family.PROVENANCE,
    ArtifactKind.SITE_REPUBLISHER: Family.SITE,
    ArtifactKind.SITE_NATIVE: Family.SITE,
    ArtifactKind.PAGE_CUT: Family.REMOVAL,
    ArtifactKind.TEXT_CUT: Family.REMOVAL,
}
# Families whose findings only explain a removal: the weights file must give their kinds weight 0 and them cap 0.
UNWEIGHED_FAMILIES = frozenset({Family.REMOVAL})
# Families learned over a run, not found in the article: the weights file sets them (a fit on articles keeps them).
RUN_FAMILIES = frozenset({Family.SITE})
# Evidence is cut to this many characters: enough to recognise the line, short enough for the dataset row.
MAX_EVIDENCE_CHARS = 200


@dataclass(frozen=True)
class Finding:
    kind: ArtifactKind
    evidence: str
    weight: float = 0.0

    @classmethod
    def removed(cls, kind: ArtifactKind, line: str) -> Finding:
        """The record of a line a rule removed from the body (evidence cut to ``MAX_EVIDENCE_CHARS``)."""
        return cls(kind, line[:MAX_EVIDENCE_CHARS])

    def to_row(self) -> dict[str, object]:
        return {"kind": str(self.kind), "evidence": self.evidence, "weight": self.weight}


def remove_lines(lines: list[str], kind_of: Callable[[int, str], ArtifactKind | None]) -> tuple[list[str], list[Finding]]:
    """The lines to which ``kind_of(index, line)`` gives no kind, and a finding of its kind for each of the others:
    how a cleaning rule removes lines and keeps the record."""
    kept: list[str] = []
    findings: list[Finding] = []
    for index, line in enumerate(lines):
        if (kind := kind_of(index, line)) is None:
            kept.append(line)
        else:
            findings.append(Finding.removed(kind, line))
    return kept, findings
