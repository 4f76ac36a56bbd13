"""pipeline.readers against a local folder and a real S3-compatible server (moto on 127.0.0.1), offline.

One small dataset is written to both: four partitions over three days and two sites, built from the real schema;
the oldest partition is a schema-v1 file (no v2 columns), as an old day left untouched would be. A second copy adds
a partition whose file is not Parquet, so a filter that reads it would fail: that proves the pruning.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline import readers
from pipeline.errors import PipelineError
from pipeline.schema import ARTICLE_FIELDS, ARTICLE_SCHEMA, COLUMN_NAMES
from tests.support.s3 import s3_server, s3_environment

UTC = dt.timezone.utc
V1_COLUMNS = COLUMN_NAMES[:COLUMN_NAMES.index("pipeline_version") + 1]
BROKEN_DAY = "2022-01-08"


def _article(article_id: str, day: str, site: str, title: str) -> dict:
    date = dt.date.fromisoformat(day)
    text = f"{title}. Body of {article_id}."
    url = f"https://{site}/{article_id}"
    return {
        "article_id": article_id, "url": url, "canonical_url": url,
        "source_name": "sample", "title": title, "description": None, "authors": ["A. Writer"],
        "published_at": dt.datetime.combine(date, dt.time(9), UTC), "text": text, "language": "en",
        "language_probability": 0.99, "word_count": len(text.split()),
        "content_hash": hashlib.sha256(text.encode()).hexdigest(),
        "fetched_at": dt.datetime.combine(date, dt.time(12), UTC),
        "crawl_day": date, "pipeline_version": "test", "html_lang": "en", "captions": [], "paragraph_languages": ["en"],
        "duplicate_of": None, "artifacts": [{"kind": "byline", "evidence": "By A. Writer", "weight": 0.0}],
        "is_machine_translated": False, "mt_probability": 0.01, "mt_confidence": "low", "source_language": None,
        "source_language_confidence": None, "origin_outlet": None,
    }


# (date, source) -> articles; 2022-01-05 is written with the v1 columns only.
PARTITIONS = {
    ("2022-01-05", "a.example"): [_article("a0", "2022-01-05", "a.example", "Old news")],
    ("2022-01-06", "a.example"): [_article("a1", "2022-01-06", "a.example", "First"),
                                  _article("a2", "2022-01-06", "a.example", "Second")],
    ("2022-01-06", "b.example"): [_article("b1", "2022-01-06", "b.example", "Other site")],
    ("2022-01-07", "a.example"): [_article("a3", "2022-01-07", "a.example", "Next day"),
                                  _article("a4", "2022-01-07", "a.example", "Next day, again")],
}
# What every reader must give: (date, source, article_id, title, word_count, html_lang), sorted.
EXPECTED = sorted(
    (day, site, row["article_id"], row["title"], row["word_count"], None if day == "2022-01-05" else "en")
    for (day, site), rows in PARTITIONS.items() for row in rows
)
KEY = ["date", "source", "article_id", "title", "word_count", "html_lang"]


def _files(broken: bool) -> dict[str, bytes]:
    """The dataset as {relative path: Parquet bytes}; ``broken`` adds a partition that is not Parquet."""
    files = {}
    for (day, site), rows in PARTITIONS.items():
        table = pa.Table.from_pylist(rows, schema=ARTICLE_SCHEMA)
        if day == "2022-01-05":
            table = table.select(list(V1_COLUMNS)).replace_schema_metadata({b"news_corpus.schema_version": b"1"})
        sink = pa.BufferOutputStream()
        pq.write_table(table, sink)
        files[f"articles/date={day}/source={site}/articles.parquet"] = sink.getvalue().to_pybytes()
    if broken:
        files[f"articles/date={BROKEN_DAY}/source=a.example/articles.parquet"] = b"not a parquet file"
    return files


@pytest.fixture(scope="module")
def s3() -> Iterator:
    """One moto server for the module, its AWS variables set, both datasets uploaded; stopped afterwards."""
    with s3_server() as server, s3_environment(server):
        client = server.client()
        for prefix, broken in (("corpus", False), ("broken", True)):
            for rel, data in _files(broken).items():
                client.put_object(Bucket=server.bucket, Key=f"{prefix}/{rel}", Body=data)
        yield server


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("readers")
    for prefix, broken in (("corpus", False), ("broken", True)):
        for rel, data in _files(broken).items():
            path = base / prefix / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    return base


@pytest.fixture(params=["local", "s3"])
def where(request: pytest.FixtureRequest):
    """A function giving the root of a named copy (``corpus`` or ``broken``) in a local folder or on S3."""
    if request.param == "local":
        base = request.getfixturevalue("local")
        return lambda prefix: str(base / prefix)
    server = request.getfixturevalue("s3")
    return lambda prefix: server.url(prefix)


def _rows(records: list[dict]) -> list[tuple]:
    return sorted(tuple(r[k] for k in KEY) for r in records)


# pandas / pyarrow

def test_read_pandas_gives_every_row_with_string_partitions(where) -> None:
    df = readers.read_pandas(where("corpus"))
    assert list(df.columns) == [*COLUMN_NAMES, "date", "source"]
    assert _rows(df[KEY].astype(object).where(df[KEY].notna(), None).to_dict("records")) == EXPECTED
    assert df["date"].map(type).eq(str).all() and df["source"].map(type).eq(str).all()
    assert df.loc[df["article_id"] == "a1", "artifacts"].iloc[0][0]["kind"] == "byline"


def test_read_pandas_filter_reads_only_that_date(where) -> None:
    # the broken partition is never opened: the filter prunes it by its path
    df = readers.read_pandas(where("broken"), filters=[("date", "=", "2022-01-06")],
                             columns=["article_id", "date", "source"])
    assert sorted(map(tuple, df.to_numpy().tolist())) == [
        ("a1", "2022-01-06", "a.example"), ("a2", "2022-01-06", "a.example"), ("b1", "2022-01-06", "b.example")]
    with pytest.raises(PipelineError, match="broken"):  # unfiltered, it is read: the error names the root
        readers.read_pandas(where("broken"))


# Polars

def test_scan_polars_gives_every_row_with_string_partitions(where) -> None:
    import polars as pl

    lf = readers.scan_polars(where("corpus"))
    schema = lf.collect_schema()
    assert schema["date"] == pl.String and schema["source"] == pl.String
    assert list(schema) == [*COLUMN_NAMES, "date", "source"]
    df = lf.collect()
    assert _rows(df.select(KEY).to_dicts()) == EXPECTED


def test_scan_polars_filter_reads_only_that_date(where) -> None:
    import polars as pl

    lf = readers.scan_polars(where("broken"))
    df = lf.filter(pl.col("date") == "2022-01-06").select("article_id", "source").sort("article_id").collect()
    assert df.rows() == [("a1", "a.example"), ("a2", "a.example"), ("b1", "b.example")]
    assert lf.filter(pl.col("date") < BROKEN_DAY).select(pl.len()).collect().item() == len(EXPECTED)
    with pytest.raises(pl.exceptions.ComputeError, match="parquet"):  # unfiltered, it is read (Polars' message
        lf.collect()                                                # names neither the file nor the root)


# DuckDB

def test_duckdb_gives_every_row_with_string_partitions(where) -> None:
    conn = readers.duckdb_connect(where("corpus"))
    try:
        result = conn.sql(f"SELECT {', '.join(KEY)} FROM articles")
        assert dict(zip(result.columns, map(str, result.types)))["date"] == "VARCHAR"
        assert sorted(result.fetchall()) == EXPECTED
        # the README's spelling, straight on the URL, through the same connection
        url = f"{where('corpus')}/articles/**/*.parquet"
        plain = conn.sql(f"SELECT date, source, count(*) FROM read_parquet('{url}', hive_partitioning = true) "
                         "WHERE date = '2022-01-06' GROUP BY ALL ORDER BY ALL").fetchall()
        assert plain == [(dt.date(2022, 1, 6), "a.example", 2), (dt.date(2022, 1, 6), "b.example", 1)]
    finally:
        conn.close()


def test_duckdb_filter_reads_only_that_date(where) -> None:
    conn = readers.duckdb_connect(where("corpus"))
    try:
        rows = conn.sql("SELECT date, source, article_id FROM articles "
                        "WHERE date = '2022-01-06' ORDER BY ALL").fetchall()
        assert rows == [("2022-01-06", "a.example", "a1"), ("2022-01-06", "a.example", "a2"),
                        ("2022-01-06", "b.example", "b1")]
        plan = conn.sql("EXPLAIN ANALYZE SELECT count(*) FROM articles WHERE date = '2022-01-06'").fetchall()[0][1]
        assert re.search(r"Total Files Read:\s*2\b", plan)  # 2 of the 4 files: the others were pruned by their path
    finally:
        conn.close()


def test_duckdb_articles_sql_for_a_local_root(local: Path) -> None:
    import duckdb

    sql = readers.duckdb_articles_sql(str(local / "corpus"))
    assert sql.startswith(f"read_parquet('{local / 'corpus' / 'articles'}/**/*.parquet', hive_partitioning = true")
    assert duckdb.connect().sql(f"SELECT count(*) FROM {sql}").fetchall() == [(len(EXPECTED),)]


# errors name the root

def test_errors_name_the_root(where) -> None:
    missing = where("nothing-here")
    for read in (readers.read_pandas, readers.scan_polars, readers.duckdb_connect):
        with pytest.raises(PipelineError, match=f"data root '{missing}': no articles/ folder"):
            read(missing)
    with pytest.raises(PipelineError, match=f"data root '{where('broken')}': reading articles/ with DuckDB"):
        readers.duckdb_connect(where("broken"))  # DuckDB reads every file's footer (union_by_name)


def test_polars_storage_options_come_from_the_aws_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9000")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    assert readers.polars_storage_options() == {
        "aws_endpoint_url": "http://127.0.0.1:9000", "aws_region": "eu-west-3", "aws_access_key_id": "key",
        "aws_secret_access_key": "secret", "aws_allow_http": "true"}
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "https://s3.example.net")
    assert "aws_allow_http" not in readers.polars_storage_options()
    assert readers.polars_storage_options()["aws_endpoint_url"] == "https://s3.example.net"


def test_schema_v1_columns_are_a_prefix_of_the_schema() -> None:
    # the v1 file above relies on it: v2 only appended columns
    assert [f.name for f in ARTICLE_FIELDS[:len(V1_COLUMNS)]] == list(V1_COLUMNS)
