"""Listing pages (section fronts, "all articles on <day>" archives) are not articles: they are dropped.

trafilatura renders list items as paragraphs starting with "- ". A listing's body is almost all such items, each a
headline; an article may hold a list, but its prose carries most of its words.
"""

from __future__ import annotations

from pipeline.document import Document
from pipeline.steps import DocumentStep, Skip

LIST_ITEM_PREFIX = "- "
MIN_ITEMS = 8
MIN_ITEM_SHARE = 0.7  # of the paragraphs, and of the words


class DropListings(DocumentStep):
    name = "listing"

    def process(self, doc: Document) -> Document:
        items = [p for p in doc.paragraphs if p.startswith(LIST_ITEM_PREFIX)]
        if len(items) < MIN_ITEMS or len(items) < MIN_ITEM_SHARE * len(doc.paragraphs):
            return doc
        item_words = sum(len(p.split()) for p in items)
        all_words = sum(len(p.split()) for p in doc.paragraphs)
        if item_words >= MIN_ITEM_SHARE * all_words:
            raise Skip("listing")
        return doc
