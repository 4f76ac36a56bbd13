"""``title_outlet_literal``: a title ending in the literal English rendering of a foreign outlet's name.

Machine translation renders the outlet suffix of the original title word for word: "... | ישראל היום" becomes
"... | Israel today". Literals that are also English outlet names ("The World", "The Press") count only on a
known aggregator, where no English outlet is expected.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.mt.outlets import OutletIndex
from pipeline.mt.resources import Outlet

DEFAULT_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ")


@dataclass(frozen=True)
class OutletSuffix:
    title: str  # the title without the suffix
    suffix: str  # the separator and the literal, as found ("| Israel today")
    outlets: list[Outlet]


def find_outlet_suffix(title: str, index: OutletIndex, separators: tuple[str, ...] = DEFAULT_SEPARATORS,
                       allow_ambiguous: bool = False) -> OutletSuffix | None:
    for separator in separators:
        head, found, tail = title.rpartition(separator)
        if not found or not head.strip():
            continue
        outlets = index.literal(tail, allow_ambiguous)
        if outlets:
            return OutletSuffix(head.rstrip(), f"{separator.strip()} {tail.strip()}", outlets)
    return None


def suffix_outlets(evidence: str, index: OutletIndex) -> list[Outlet]:
    """The outlets a finding's evidence ("| Israel today") names."""
    literal = evidence.lstrip("|-–—: ").strip()
    return index.literal(literal, allow_ambiguous=True)
