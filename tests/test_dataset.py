"""The dataset writer: atomic partition replacement, idempotent re-runs, late articles, reading back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline.dataset import Dataset, PartitionKey
from pipeline.document import Document, Page
from pipeline.schema import ARTICLE_SCHEMA, SCHEMA_VERSION, SCHEMA_VERSION_KEY

UTC = dt.timezone.utc
DAY = dt.date(2022, 1, 6)


def row(url: str, published: str | None, crawl_day: dt.date = DAY, source: str = "s", text: str = "Some text.") -> dict:
    page = Page(url=url, body=b"", fetched_at=dt.datetime(2022, 1, 6, 12, tzinfo=UTC), source_name=source)
    doc = Document(page=page, crawl_day=crawl_day, canonical_url=url, site="example.org",
                   published_at=dt.datetime.fromisoformat(published) if published else None,
                   paragraphs=[text], title=url.rsplit("/", 1)[-1])
    return doc.to_row()


KEY = PartitionKey(DAY, "example.org")


def test_row_has_every_schema_column_and_the_file_carries_the_version(tmp_path: Path) -> None:
    r = row("https://example.org/a", "2022-01-06T08:00:00+00:00")
    assert set(r) == set(ARTICLE_SCHEMA.names)
    dataset = Dataset(tmp_path)
    dataset.replace_run_rows(KEY, "s", DAY, [r])
    metadata = pq.read_metadata(dataset.partition_path(KEY)).metadata
    assert metadata[SCHEMA_VERSION_KEY] == str(SCHEMA_VERSION).encode()


def test_rerun_with_same_rows_is_byte_identical(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    rows = [row(f"https://example.org/{n}", f"2022-01-06T0{n}:00:00+00:00") for n in (3, 1, 2)]
    dataset.replace_run_rows(KEY, "s", DAY, rows)
    first = dataset.partition_path(KEY).read_bytes()
    dataset.replace_run_rows(KEY, "s", DAY, list(reversed(rows)))
    assert dataset.partition_path(KEY).read_bytes() == first
    titles = dataset.read(KEY)["title"].to_pylist()
    assert titles == ["1", "2", "3"]  # sorted by publication time, whatever the input order


def test_rerun_replaces_only_its_own_rows(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    dataset.replace_run_rows(KEY, "s", DAY, [row("https://example.org/a", None), row("https://example.org/b", None)])
    late = row("https://example.org/late", None, crawl_day=DAY + dt.timedelta(days=1))
    dataset.replace_run_rows(KEY, "s", DAY + dt.timedelta(days=1), [late])
    # The re-run of DAY no longer yields b: it disappears; the next day's late article stays.
    dataset.replace_run_rows(KEY, "s", DAY, [row("https://example.org/a", None)])
    assert sorted(dataset.read(KEY)["title"].to_pylist()) == ["a", "late"]


def test_article_already_written_by_another_run_is_not_duplicated(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    dataset.replace_run_rows(KEY, "s", DAY, [row("https://example.org/a", "2022-01-06T01:00:00+00:00")])
    again = row("https://example.org/a", "2022-01-06T01:00:00+00:00", crawl_day=DAY + dt.timedelta(days=1))
    assert dataset.replace_run_rows(KEY, "s", DAY + dt.timedelta(days=1), [again]) == 1
    table = dataset.read(KEY)
    assert table.num_rows == 1
    assert table["crawl_day"].to_pylist() == [DAY]  # the first crawl owns the article


def test_failure_in_the_middle_of_a_write_leaves_the_previous_partition(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = Dataset(tmp_path)
    dataset.replace_run_rows(KEY, "s", DAY, [row("https://example.org/a", None)])
    before = dataset.partition_path(KEY).read_bytes()

    real_write = pq.write_table

    def write_half_then_fail(table, where, **kwargs):  # the disk fills up, the process is killed, ...
        real_write(table.slice(0, 0), where, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        dataset.replace_run_rows(KEY, "s", DAY, [row("https://example.org/b", None)])
    assert dataset.partition_path(KEY).read_bytes() == before
    assert [p.name for p in tmp_path.rglob(".*")] == []  # no partial file left behind


def test_partition_names_cannot_escape_the_dataset(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsafe partition name"):
        Dataset(tmp_path).partition_path(PartitionKey(DAY, "../../etc"))


def test_read_back_with_pandas_and_duckdb_filtered_by_date_and_source(tmp_path: Path) -> None:
    dataset = Dataset(tmp_path)
    dataset.replace_run_rows(KEY, "s", DAY, [row("https://example.org/a", "2022-01-06T05:00:00+00:00")])
    other = PartitionKey(DAY - dt.timedelta(days=1), "other.net")
    dataset.replace_run_rows(other, "s", DAY, [row("https://other.net/z", "2022-01-05T05:00:00+00:00")])

    frame = pd.read_parquet(tmp_path / "articles", filters=[("date", "=", "2022-01-06"),
                                                            ("source", "=", "example.org")])
    assert frame["title"].tolist() == ["a"]
    assert str(frame["published_at"].dt.tz) == "UTC"

    glob = str(tmp_path / "articles" / "**" / "*.parquet")
    rows = duckdb.sql(
        f"SELECT source, date, title, len(authors) AS n FROM read_parquet('{glob}', hive_partitioning=true) "
        "WHERE date = '2022-01-05' AND source = 'other.net'"
    ).fetchall()
    assert rows == [("other.net", dt.date(2022, 1, 5), "z", 0)]
