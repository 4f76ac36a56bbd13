"""Scoring: per-kind weights, capped per family, summed into a logit (``data/mt_weights.yaml``).

The cap per family is what keeps one template (banner + five boilerplate lines) from counting as five
independent pieces of evidence; ``high`` confidence needs evidence from several families.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from pipeline.artifacts import FAMILY, ArtifactKind, Family, Finding
from pipeline.mt.linguistic import strength
from pipeline.mt.resources import Weights


@dataclass(frozen=True)
class Score:
    probability: float
    family_totals: dict[Family, float]  # capped contribution of each family with evidence

    def families_with_evidence(self) -> list[Family]:
        return [family for family, total in self.family_totals.items() if total > 0 and family is not Family.NOISE]


def weigh(findings: Iterable[Finding], weights: Weights, known_aggregator: bool,
          max_per_kind: int | None = None) -> list[Finding]:
    """The findings with their weight from the weights file (cleaning steps emit them with weight 0).

    Template lines count only on a known aggregator: elsewhere they are the site boilerplate that the cleaning
    step learns on every site ("Follow us on ..."), which says nothing about translation. Beyond the first
    ``max_per_kind`` findings of a kind, a finding stays on record with weight 0. The linguistic model's finding
    weighs its kind's weight times its strength (log-odds over the model's flag threshold).
    """
    seen: dict[ArtifactKind, int] = defaultdict(int)
    weighed = []
    for f in findings:
        seen[f.kind] += 1
        counts = (known_aggregator or FAMILY[f.kind] is not Family.TEMPLATE) and \
            (max_per_kind is None or seen[f.kind] <= max_per_kind)
        weight = weights.weights[f.kind] * (strength(f) if f.kind is ArtifactKind.LINGUISTIC_MODEL else 1.0)
        weighed.append(dataclasses.replace(f, weight=round(weight, 6) if counts else 0.0))
    return weighed


def family_totals(findings: Iterable[Finding], weights: Weights) -> dict[Family, float]:
    raw: dict[Family, float] = defaultdict(float)
    for finding in findings:
        raw[FAMILY[finding.kind]] += finding.weight
    return {family: min(total, weights.family_caps[family]) for family, total in raw.items()}


def score(findings: list[Finding], weights: Weights) -> Score:
    totals = family_totals(findings, weights)
    logit = weights.bias + sum(totals.values())
    return Score(probability=1.0 / (1.0 + math.exp(-logit)), family_totals=totals)


def confidence(result: Score, is_translated: bool, weights: Weights) -> str:
    """low / medium / high for the verdict: a translated verdict is high only with independent families."""
    levels = weights.confidence
    if is_translated:
        if result.probability >= levels.high_probability and len(result.families_with_evidence()) >= levels.high_families:
            return "high"
        return "medium" if result.probability >= levels.medium_probability else "low"
    if not result.families_with_evidence():
        return "high"
    return "medium" if result.probability <= 1 - levels.medium_probability else "low"
