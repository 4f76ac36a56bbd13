"""The run's spill file gives back each partition's kept rows, across row groups, one partition at a time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.dataset import PartitionKey
from pipeline.document import Document, Page
from pipeline.spill import ROWS_PER_GROUP, RunRows

UTC = dt.timezone.utc


def doc(n: int, site: str, url: str | None = None) -> Document:
    url = url or f"https://{site}/a/{n}"
    page = Page(url=url, body=b"", fetched_at=dt.datetime(2022, 1, 6, 12, tzinfo=UTC), source_name="s")
    return Document(page=page, crawl_day=dt.date(2022, 1, 6), canonical_url=f"https://{site}/a/{n}", site=site,
                    published_at=dt.datetime(2022, 1, 6, tzinfo=UTC), paragraphs=[f"text {n}"])


def test_partitions_come_back_whole_across_row_groups(tmp_path: Path) -> None:
    rows = RunRows(tmp_path)
    total = 2 * ROWS_PER_GROUP + 7
    for n in range(total):
        assert rows.add(doc(n, "a.org" if n % 3 else "b.org"))
    # A second page of article 5, fetched at its canonical URL, is preferred over the first.
    assert not rows.add(doc(5, "a.org", url="https://a.org/a/5"))
    assert not rows.add(doc(4, "a.org", url="https://a.org/a/4?utm_source=x"))
    got = {key: table for key, table in rows.partitions()}
    rows.discard()
    day = dt.date(2022, 1, 6)
    assert list(got) == [PartitionKey(day, "a.org"), PartitionKey(day, "b.org")]
    a_texts = got[PartitionKey(day, "a.org")]["text"].to_pylist()
    assert sorted(a_texts, key=lambda t: int(t.split()[1])) == [f"text {n}" for n in range(total) if n % 3]
    assert got[PartitionKey(day, "b.org")].num_rows == len([n for n in range(total) if not n % 3])
    assert not list(tmp_path.iterdir())


def test_many_partitions_over_buckets_keep_key_order_and_spill_order(tmp_path: Path) -> None:
    rows = RunRows(tmp_path)
    total = 3 * ROWS_PER_GROUP
    sites = [f"s{n:02d}.org" for n in range(40)]
    for n in range(total):
        site = sites[n * 7 % len(sites)]
        assert rows.add(doc(n, site, url=f"https://{site}/a/{n}?amp" if n == 3 else None))
    # A preferred second page (at the canonical URL), in a later row group, moves its article to the end of its
    # partition; one that is not preferred changes nothing.
    assert not rows.add(doc(3, sites[3 * 7 % len(sites)]))
    assert not rows.add(doc(5, sites[5 * 7 % len(sites)], url="https://elsewhere.org/5"))
    got = [(key, table["text"].to_pylist()) for key, table in rows.partitions()]
    rows.discard()
    assert [key.site for key, _ in got] == sorted(set(sites))
    for key, texts in got:
        members = [n for n in range(total) if sites[n * 7 % len(sites)] == key.site]
        if 3 in members:
            members = [n for n in members if n != 3] + [3]
        assert texts == [f"text {n}" for n in members]
    assert not list(tmp_path.iterdir())
