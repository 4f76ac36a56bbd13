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

from pipeline.artifacts import FAMILY, Family, Finding
from pipeline.mt.resources import Weights


@dataclass(frozen=True)
class Score:
    probability: float
    family_totals: dict[Family, float]  # capped contribution of each family with evidence

    def families_with_evidence(self) -> list[Family]:
        return [family for family, total in self.family_totals.items() if total > 0 and family is not Family.NOISE]


def weigh(findings: Iterable[Finding], weights: Weights, known_aggregator: bool) -> list[Finding]:
    """The findings with their weight from the weights file (cleaning steps emit them with weight 0).

    Template lines count only on a known aggregator: elsewhere they are the site boilerplate that the cleaning
    step learns on every site ("Follow us on ..."), which says nothing about translation.
    """
    return [
        dataclasses.replace(f, weight=weights.weights[f.kind]
                            if known_aggregator or FAMILY[f.kind] is not Family.TEMPLATE else 0.0)
        for f in findings
    ]


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
