"""Duplicates within a run (one day): exact copies by content hash, near-copies by SimHash.

The same story with small edits, or the same article on two sites, has a 64-bit SimHash of its word 3-grams
within a few bits of the first copy's. Each row stays (one row per article URL) and the later copies get
``duplicate_of`` = the first copy's ``article_id``. Lookups use the pigeonhole trick: with at most
``MAX_DISTANCE`` differing bits, one of ``MAX_DISTANCE + 1`` blocks of the hash is equal, so each block is an
exact-match index; memory is a few fixed-width integers per article.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator

import numpy as np

from pipeline.compact import DIGEST_BYTES, DigestIndex, hash64
from pipeline.document import Document
from pipeline.steps import Step

_WORD = re.compile(r"\w+")
BITS = 64
# Measured on the fundus gold bodies: one article with its last paragraph cut is within 3 bits of itself on 31% of
# pages and within 6 on 72%, while two different articles are never closer than 17 bits (the one pair at 9 is the
# same op-ed published twice).
MAX_DISTANCE = 6
SHINGLE = 3
# Very short texts collide by chance (stubs, one-line notices): they are only compared exactly.
MIN_WORDS = 50


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser, element-wise: every input bit affects every output bit (uint64 arithmetic wraps)."""
    values = values ^ (values >> np.uint64(30))
    values = values * np.uint64(0xBF58476D1CE4E5B9)
    values = values ^ (values >> np.uint64(27))
    values = values * np.uint64(0x94D049BB133111EB)
    return values ^ (values >> np.uint64(31))


def simhash(text: str) -> int:
    words = [w.casefold() for w in _WORD.findall(text)]
    # Each distinct word is hashed once and the shingles are combined from word hashes in numpy: a stable hash
    # per shingle string cost as much as the rest of the step.
    word_hash = {word: hash64(word) for word in set(words)}
    hashes = np.fromiter((word_hash[w] for w in words), dtype=np.uint64, count=len(words))
    grams = hashes[:max(1, len(words) - SHINGLE + 1)].copy()
    for offset in range(1, min(SHINGLE, len(words))):
        grams = _mix(grams) ^ hashes[offset:offset + len(grams)]
    grams = _mix(grams).astype(">u8")
    bits = np.unpackbits(grams.view(np.uint8).reshape(-1, 8), axis=1)  # one row of 64 bits per shingle
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(grams)
    return int.from_bytes(np.packbits(votes > 0).tobytes(), "big")


def _blocks(value: int) -> list[int]:
    """The hash's blocks, each as one int that also holds the block's number."""
    size = BITS // (MAX_DISTANCE + 1)  # bits left over past the last block only make a match likelier
    return [i << size | value >> (i * size) & ((1 << size) - 1) for i in range(MAX_DISTANCE + 1)]


class NearDuplicateIndex:
    """First-seen articles by content hash and by SimHash blocks, in fixed-width arrays (~150 bytes an article)."""

    def __init__(self) -> None:
        self.exact = DigestIndex()  # content digest -> number of the first article with that text
        self.ids = bytearray()  # by that number: the article's id, 16 bytes
        self.simhashes = array("Q")  # by that number: its SimHash (0 for a short text, never looked up)
        self.blocks: dict[int, array] = {}  # block -> numbers of the articles with it, in order

    def _article_id(self, number: int) -> str:
        return self.ids[number * DIGEST_BYTES:(number + 1) * DIGEST_BYTES].hex()

    def find_or_add(self, article_id: str, text: str) -> str | None:
        """The id of an earlier copy of ``text``, or None after recording this one as the first."""
        digest = hashlib.sha256(text.encode()).digest()[:DIGEST_BYTES]
        if (first := self.exact.find(digest)) is not None:
            first_id = self._article_id(first)
            return first_id if first_id != article_id else None
        number = self.exact.add(digest)
        self.ids += bytes.fromhex(article_id)
        if len(_WORD.findall(text)) < MIN_WORDS:
            self.simhashes.append(0)
            return None
        value = simhash(text)
        self.simhashes.append(value)
        blocks = _blocks(value)
        near = self._near(value, blocks, article_id)
        if near is None:
            for block in blocks:
                self.blocks.setdefault(block, array("I")).append(number)
        return near

    def _near(self, value: int, blocks: list[int], article_id: str) -> str | None:
        """The first article within MAX_DISTANCE bits of ``value``, in block order, then in order of addition."""
        found = [np.frombuffer(self.blocks[block], np.uint32) for block in blocks if block in self.blocks]
        if not found:
            return None
        numbers = np.concatenate(found)
        distances = np.bitwise_count(np.frombuffer(self.simhashes, np.uint64)[numbers] ^ np.uint64(value))
        for number in numbers[distances <= MAX_DISTANCE].tolist():
            if (other_id := self._article_id(number)) != article_id:
                return other_id
        return None


class MarkDuplicates(Step):
    name = "dedup"

    def run(self, docs: Iterable[Document], stats: Counter[str]) -> Iterator[Document]:
        index = NearDuplicateIndex()
        for doc in docs:
            doc.duplicate_of = index.find_or_add(doc.article_id, doc.text)
            if doc.duplicate_of:
                stats["duplicates"] += 1
            yield doc
