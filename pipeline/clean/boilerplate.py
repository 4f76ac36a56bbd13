"""Site boilerplate learned in the run: a line that recurs on many pages of one site is not article text.

The step reads the stream through a window of pages: it counts, per site, on how many pages each paragraph
occurs (as a 64-bit hash), and removes from a page leaving the window the paragraphs seen on at least
``min_pages`` pages *and* on at least ``min_share`` of the site's pages so far. A quotation that two or three
articles of a large site share stays; "Follow us on ...", "Were we wrong? Fixed!" and the like go. Memory is
bounded by the window and by a cap on the counts of the whole run (over all its sites): past it, lines seen on one
page only are forgotten. They are almost all article text, and a boilerplate line is seen again within a few pages.
"""

from __future__ import annotations

import hashlib
from collections import Counter, deque
from collections.abc import Iterable, Iterator

from pipeline.artifacts import ArtifactKind, remove_lines
from pipeline.clean.repetition import paragraph_key
from pipeline.document import Document
from pipeline.steps import Step

WINDOW = 200
MIN_PAGES = 3
MIN_SHARE = 0.2
# About 20 MiB of counts; 10,000 pages of one run reach it.
MAX_KEYS = 200_000


def _hash(paragraph: str) -> int:
    return int.from_bytes(hashlib.blake2b(paragraph_key(paragraph).encode(), digest_size=8).digest(), "big")


class _SiteCounts:
    def __init__(self) -> None:
        self.pages = 0
        self.lines: Counter[int] = Counter()

    def add(self, hashes: set[int]) -> None:
        self.pages += 1
        self.lines.update(hashes)

    def forget_single_page_lines(self) -> None:
        self.lines = Counter({h: n for h, n in self.lines.items() if n > 1})

    def is_boilerplate(self, line_hash: int, min_pages: int, min_share: float) -> bool:
        seen = self.lines.get(line_hash, 0)
        return seen >= min_pages and seen >= min_share * self.pages


class DropSiteBoilerplate(Step):
    name = "boilerplate"

    def __init__(self, window: int = WINDOW, min_pages: int = MIN_PAGES, min_share: float = MIN_SHARE,
                 max_keys: int = MAX_KEYS) -> None:
        self.window, self.min_pages, self.min_share, self.max_keys = window, min_pages, min_share, max_keys

    def run(self, docs: Iterable[Document], stats: Counter[str]) -> Iterator[Document]:
        sites: dict[str, _SiteCounts] = {}
        pending: deque[tuple[Document, list[int]]] = deque()
        keys, limit = 0, self.max_keys
        for doc in docs:
            hashes = [_hash(p) for p in doc.paragraphs]
            counts = sites.setdefault(doc.site, _SiteCounts())
            keys -= len(counts.lines)
            counts.add(set(hashes))
            keys += len(counts.lines)
            if keys > limit:
                for site_counts in sites.values():
                    site_counts.forget_single_page_lines()
                keys = sum(len(site_counts.lines) for site_counts in sites.values())
                limit = max(self.max_keys, 2 * keys)  # many lines on two pages or more: never prune on every page
            pending.append((doc, hashes))
            if len(pending) > self.window:
                yield self._clean(*pending.popleft(), sites, stats)
        while pending:
            yield self._clean(*pending.popleft(), sites, stats)

    def _clean(self, doc: Document, hashes: list[int], sites: dict[str, _SiteCounts], stats: Counter[str]) -> Document:
        counts = sites[doc.site]
        doc.paragraphs, removed = remove_lines(
            doc.paragraphs, lambda index, _: ArtifactKind.SITE_BOILERPLATE
            if counts.is_boilerplate(hashes[index], self.min_pages, self.min_share) else None)
        doc.findings += removed
        if removed:
            stats["boilerplate_lines"] += len(removed)
        return doc
