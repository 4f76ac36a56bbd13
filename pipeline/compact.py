"""Compact per-article state for the run's stream steps: a dict costs ~100 bytes a key (key object, value object,
slot), which over a long run made the parent process grow with the number of pages. These keep fixed-width
integers in numpy arrays instead, a few tens of bytes a key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import numpy as np

# Keys added since the last merge wait in a dict until they are an eighth of the sorted ones (at least this many):
# merges stay rare (amortised O(log n) a key in numpy) and the dict small.
MIN_RECENT = 64


def hash64(text: str) -> int:
    """A stable 64-bit key for ``text`` (the same in every process and run, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


class U64Table:
    """uint64 key -> int64 value: sorted arrays, plus the keys added since the last merge in a small dict."""

    def __init__(self) -> None:
        self._keys = np.empty(0, np.uint64)
        self._values = np.empty(0, np.int64)
        self._recent: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self._keys) + len(self._recent)

    def _find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of ``keys`` in the sorted arrays, and which of them are there."""
        positions = np.searchsorted(self._keys, keys)
        if not len(self._keys):
            return positions, np.zeros(len(keys), bool)
        return positions, self._keys[np.minimum(positions, len(self._keys) - 1)] == keys

    def get(self, key: int) -> int | None:
        if (value := self._recent.get(key)) is not None:
            return value
        positions, found = self._find(np.array([key], np.uint64))
        return int(self._values[positions[0]]) if found[0] else None

    def set(self, key: int, value: int) -> None:
        positions, found = self._find(np.array([key], np.uint64))
        if found[0]:
            self._values[positions[0]] = value
        else:
            self._recent[key] = value
            self._merge_if_due()

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The values of ``keys`` (uint64), 0 for a key that is not there."""
        positions, found = self._find(keys)
        values = np.zeros(len(keys), np.int64)
        values[found] = self._values[positions[found]]
        missing = np.flatnonzero(~found)
        values[missing] = [self._recent.get(key, 0) for key in keys[missing].tolist()]
        return values

    def increment(self, keys: np.ndarray) -> None:
        """Add 1 to the value of each of ``keys`` (distinct uint64), from 0 for a new key."""
        positions, found = self._find(keys)
        self._values[positions[found]] += 1
        for key in keys[~found].tolist():
            self._recent[key] = self._recent.get(key, 0) + 1
        self._merge_if_due()

    def retain(self, keep: Callable[[np.ndarray], np.ndarray]) -> None:
        """Keep only the keys whose values pass ``keep`` (values -> bool mask)."""
        self._merge()
        mask = keep(self._values)
        self._keys, self._values = self._keys[mask], self._values[mask]

    def _merge_if_due(self) -> None:
        if len(self._recent) >= max(MIN_RECENT, len(self._keys) // 8):
            self._merge()

    def _merge(self) -> None:
        if not self._recent:
            return
        recent = np.fromiter(self._recent, np.uint64, len(self._recent))
        order = np.argsort(recent)
        at = np.searchsorted(self._keys, recent[order])
        self._keys = np.insert(self._keys, at, recent[order])
        self._values = np.insert(self._values, at, np.fromiter(self._recent.values(), np.int64, len(recent))[order])
        self._recent = {}


DIGEST_BYTES = 16


class DigestIndex:
    """16-byte digests numbered in order of first insertion, ~40 bytes each. Exact: the table is keyed by the first 8
    bytes and the full digest is checked; the rare digest whose first 8 bytes another one has waits in a dict."""

    def __init__(self) -> None:
        self._table = U64Table()
        self._digests = bytearray()
        self._clashes: dict[bytes, int] = {}

    def __len__(self) -> int:
        return len(self._digests) // DIGEST_BYTES

    def digest(self, number: int) -> bytes:
        return bytes(self._digests[number * DIGEST_BYTES:(number + 1) * DIGEST_BYTES])

    def find(self, digest: bytes) -> int | None:
        """The number of ``digest``, or None when it was never added."""
        number = self._table.get(int.from_bytes(digest[:8], "big"))
        if number is not None and self.digest(number) == digest:
            return number
        return self._clashes.get(digest)

    def add(self, digest: bytes) -> int:
        """Number a digest that :meth:`find` does not know."""
        if len(digest) != DIGEST_BYTES:
            raise ValueError(f"a digest has {DIGEST_BYTES} bytes, not {len(digest)}")
        number = len(self)
        key = int.from_bytes(digest[:8], "big")
        if self._table.get(key) is None:
            self._table.set(key, number)
        else:
            self._clashes[digest] = number
        self._digests += digest
        return number
