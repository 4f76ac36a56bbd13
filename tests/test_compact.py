"""The compact tables that hold the run's per-article state give the same answers as dicts would."""

from __future__ import annotations

import random

import numpy as np
import pytest

from pipeline.compact import MIN_RECENT, DigestIndex, U64Table


def test_table_answers_like_a_dict_across_merges() -> None:
    rng = random.Random(0)
    table, expected = U64Table(), {}
    for _ in range(20 * MIN_RECENT):
        key, value = rng.getrandbits(64), rng.randrange(1 << 40)
        if expected and rng.random() < 0.3:
            key = rng.choice(list(expected))  # overwrite a key, merged or recent
        table.set(key, value)
        expected[key] = value
    assert len(table) == len(expected)
    assert all(table.get(key) == value for key, value in expected.items())
    assert table.get(rng.getrandbits(64)) is None


def test_counts_lookup_and_retain() -> None:
    table = U64Table()
    keys = np.arange(1, 3 * MIN_RECENT, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    table.increment(keys)
    table.increment(keys[::2])
    assert table.lookup(keys).tolist() == [2 if i % 2 == 0 else 1 for i in range(len(keys))]
    assert table.lookup(np.array([7], np.uint64)).tolist() == [0]  # never added
    table.retain(lambda seen: seen > 1)
    assert len(table) == len(keys[::2])
    assert table.lookup(keys[1::2]).tolist() == [0] * len(keys[1::2])


def test_digests_sharing_their_first_eight_bytes_stay_apart() -> None:
    index = DigestIndex()
    first, clash = bytes(8) + b"A" * 8, bytes(8) + b"B" * 8
    assert index.add(first) == 0
    assert index.find(clash) is None
    assert index.add(clash) == 1
    assert (index.find(first), index.find(clash), len(index)) == (0, 1, 2)
    assert index.digest(1) == clash
    with pytest.raises(ValueError):
        index.add(b"short")
