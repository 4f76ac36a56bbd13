"""Site boilerplate learned in the run: a line that recurs on many pages of one site is not article text.

The step reads the stream through a window of pages: it counts, per site, on how many pages each paragraph
occurs (as a 64-bit hash), and removes from a page leaving the window the paragraphs seen on at least
``min_pages`` pages *and* on at least ``min_share`` of the site's pages so far. A quotation that two or three
articles of a large site share stays; "Follow us on ...", "Were we wrong? Fixed!" and the like go. Memory is
bounded by the window and by a cap on the counts of the whole run (over all its sites): past it, lines seen on one
page only are forgotten. They are almost all article text, and a boilerplate line is seen again within a few pages.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable, Iterator

import numpy as np

from pipeline.artifacts import ArtifactKind, remove_lines
from pipeline.clean.repetition import paragraph_key
from pipeline.compact import U64Table, hash64
from pipeline.document import Document
from pipeline.steps import Step

WINDOW = 200
MIN_PAGES = 3
MIN_SHARE = 0.2
# 10,000 pages of one run reach it; ~4 MiB in the table's arrays (a Counter took ~20).
MAX_KEYS = 200_000


def _hash(site: str, paragraph: str) -> int:
    # One table for all sites: the site is part of the key (a site name holds no newline).
    return hash64(f"{site}\n{paragraph_key(paragraph)}")


class DropSiteBoilerplate(Step):
    name = "boilerplate"

    def __init__(self, window: int = WINDOW, min_pages: int = MIN_PAGES, min_share: float = MIN_SHARE,
                 max_keys: int = MAX_KEYS) -> None:
        self.window, self.min_pages, self.min_share, self.max_keys = window, min_pages, min_share, max_keys

    def run(self, docs: Iterable[Document], stats: Counter[str]) -> Iterator[Document]:
        pages: Counter[str] = Counter()  # per site
        lines = U64Table()  # (site, line) -> on how many pages of the site it occurs
        pending: deque[tuple[Document, np.ndarray]] = deque()
        limit = self.max_keys
        for doc in docs:
            hashes = np.fromiter((_hash(doc.site, p) for p in doc.paragraphs), np.uint64, len(doc.paragraphs))
            pages[doc.site] += 1
            lines.increment(np.unique(hashes))
            if len(lines) > limit:
                lines.retain(lambda seen: seen > 1)
                limit = max(self.max_keys, 2 * len(lines))  # many lines on two pages or more: never prune on every page
            pending.append((doc, hashes))
            if len(pending) > self.window:
                yield self._clean(*pending.popleft(), pages, lines, stats)
        while pending:
            yield self._clean(*pending.popleft(), pages, lines, stats)

    def _clean(self, doc: Document, hashes: np.ndarray, pages: Counter[str], lines: U64Table,
               stats: Counter[str]) -> Document:
        seen = lines.lookup(hashes)
        boilerplate = (seen >= self.min_pages) & (seen >= self.min_share * pages[doc.site])
        doc.paragraphs, removed = remove_lines(
            doc.paragraphs, lambda index, _: ArtifactKind.SITE_BOILERPLATE if boilerplate[index] else None)
        doc.findings += removed
        if removed:
            stats["boilerplate_lines"] += len(removed)
        return doc
