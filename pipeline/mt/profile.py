"""What a site does, learned over the run: a site whose pages keep naming foreign outlets is a republisher.

``aggregators.yaml`` knows a few aggregators by name; any other shows itself in a run by what its pages carry. The
step counts, per site (the registered domain that served the page), the run's pages that name a foreign origin (a
provenance finding other than a lead crediting an outlet), that carry mangled credits, that show any layout or
linguistic trace of translation, and that the linguistic model reads as translated; pages that credit a human
translator count as pages only. A page leaving the window is then judged with its site's counts
so far (every page before it and up to ``window`` after it; the run's order is fixed, so the outcome does not depend
on shards or processes):

- ``site_republisher`` (raises the score, alone past the threshold): at least half of the site's pages name a
  foreign origin, three or more of them (two, when two pages of the site show other traces of translation); or half
  or more, and two or more, carry mangled credits; or half or more show layout traces (a truncated teaser pasted
  above the body, ...) and one names a foreign origin.
  Or, naming no origin at all, half or more of the pages, two or more, read as machine translation to the linguistic
  model (at its flag threshold; three of them, or two when a page of the site shows a layout or linguistic trace):
  a site whose pages consistently read so republishes translations, where one odd page of a native site does not.
- ``site_native`` (lowers the score of a page with evidence): five pages or more, at most a fifth of them naming a
  foreign origin and none with mangled credits. A native site that cites a foreign outlet once stays clean.

The evidence says what the counts were; each finding re-scores the page (:func:`pipeline.mt.steps.judge`).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pipeline.artifacts import FAMILY, ArtifactKind, Family, Finding
from pipeline.document import Document
from pipeline.extract import registered_domain
from pipeline.mt.linguistic import strength
from pipeline.mt.provenance import credits_human_translator, removed_lines
from pipeline.mt.steps import judge
from pipeline.steps import Step

WINDOW = 1000
MIN_PAGES_WITH_SIGNAL = 2
MIN_PAGES_ALONE = 3  # pages naming a foreign origin (or reading as translated) that make a republisher alone
REPUBLISHER_SHARE = 0.5
MIN_NATIVE_PAGES = 5
NATIVE_MAX_SHARE = 0.2
_COUNTED = frozenset({Family.PROVENANCE, Family.LAYOUT, Family.LINGUISTIC, Family.STYLE})


@dataclass
class SiteCounts:
    pages: int = 0
    naming: int = 0  # pages naming a foreign origin
    mangled: int = 0  # pages with mangled credits
    layout: int = 0  # pages with layout traces (mangled credits, pasted teaser)
    traces: int = 0  # pages with layout or linguistic traces
    reads_translated: int = 0  # pages the linguistic model flags alone (log-odds at its flag threshold)

    def add(self, doc: Document) -> None:
        self.pages += 1
        families = {FAMILY[f.kind] for f in doc.findings if f.weight > 0}
        if not families & _COUNTED or credits_human_translator([*doc.paragraphs, *removed_lines(doc)]):
            return
        self.naming += any(FAMILY[f.kind] is Family.PROVENANCE and f.kind is not ArtifactKind.LEAD_OUTLET_FOREIGN
                           and f.weight > 0 for f in doc.findings)  # a press review's leads credit outlets too
        self.mangled += any(f.kind is ArtifactKind.CREDIT_MANGLED and f.weight > 0 for f in doc.findings)
        self.layout += Family.LAYOUT in families
        self.traces += bool(families & {Family.LAYOUT, Family.LINGUISTIC})
        self.reads_translated += any(f.kind is ArtifactKind.LINGUISTIC_MODEL and strength(f) >= 1.0
                                     for f in doc.findings)

    def _most(self, count: int) -> bool:
        return count >= MIN_PAGES_WITH_SIGNAL and count >= REPUBLISHER_SHARE * self.pages

    def kind(self) -> ArtifactKind | None:
        corroborated = self.traces >= MIN_PAGES_WITH_SIGNAL or self.naming >= MIN_PAGES_ALONE
        reads_corroborated = self.reads_translated >= MIN_PAGES_ALONE or self.traces >= 1
        if (self._most(self.naming) and corroborated) or \
                self._most(self.mangled) or \
                (self._most(self.layout) and self.naming) or \
                (self._most(self.reads_translated) and reads_corroborated):
            return ArtifactKind.SITE_REPUBLISHER
        if self.pages >= MIN_NATIVE_PAGES and self.naming <= NATIVE_MAX_SHARE * self.pages and not self.mangled:
            return ArtifactKind.SITE_NATIVE
        return None

    def evidence(self, site: str) -> str:
        return (f"{site}: {self.naming} of {self.pages} pages in this run name a foreign origin, {self.mangled} carry "
                f"mangled credits, {self.traces} show other traces of translation, {self.reads_translated} read as "
                "machine translation")


class LearnSiteProfiles(Step):
    name = "site_profile"

    def __init__(self, window: int = WINDOW) -> None:
        self.window = window

    def run(self, docs: Iterable[Document], stats: Counter[str]) -> Iterator[Document]:
        sites: dict[str, SiteCounts] = {}
        pending: deque[tuple[Document, str, SiteCounts]] = deque()
        for doc in docs:
            site = registered_domain(doc.page.url)
            counts = sites.setdefault(site, SiteCounts())
            counts.add(doc)
            pending.append((doc, site, counts))
            if len(pending) > self.window:
                yield self._profiled(*pending.popleft(), stats)
        while pending:
            yield self._profiled(*pending.popleft(), stats)

    def _profiled(self, doc: Document, site: str, counts: SiteCounts, stats: Counter[str]) -> Document:
        kind = counts.kind()
        if kind is None or (kind is ArtifactKind.SITE_NATIVE and not any(f.weight > 0 for f in doc.findings)):
            return doc  # a native site's page with no evidence has nothing to lower
        doc.findings.append(Finding(kind, counts.evidence(site)))
        stats[str(kind)] += 1
        return judge(doc)
