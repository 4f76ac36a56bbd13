"""The one registry of artifact kinds, and the finding record every detector and cleaning rule emits.

A finding says what fired (``kind``), on what (``evidence``: the line or span), and how much it counts towards
"machine-translated" (``weight``, from the weights data file; 0 for pure cleaning evidence). Kinds are grouped in
families: scoring caps each family, so one site template cannot count several times.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Family(StrEnum):
    TEMPLATE = "template"  # lines of a known aggregator's template
    PROVENANCE = "provenance"  # statements of where the text came from
    LAYOUT = "layout"  # how the page was assembled (teaser pasted twice, credits)
    LINGUISTIC = "linguistic"  # the language of the text itself
    NOISE = "noise"  # weak signals also common in native text


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
    MOJIBAKE = "mojibake"
    REPETITION = "repetition"


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
    ArtifactKind.MOJIBAKE: Family.NOISE,
    ArtifactKind.REPETITION: Family.NOISE,
}


@dataclass(frozen=True)
class Finding:
    kind: ArtifactKind
    evidence: str
    weight: float = 0.0

    def to_row(self) -> dict[str, object]:
        return {"kind": str(self.kind), "evidence": self.evidence, "weight": self.weight}
