"""Read the article dataset straight from a data root, local or ``s3://bucket/prefix``, offline.

Three small helpers for analysts, one per library::

    read_pandas(root, filters=[("date", "=", "2022-01-06")])        # pandas.DataFrame (through pyarrow.dataset)
    scan_polars(root).filter(pl.col("date") == "2022-01-06")         # polars.LazyFrame
    duckdb_connect(root).sql("SELECT count(*) FROM articles")        # DuckDB connection with an ``articles`` view

``root`` is what the pipeline writes to (``--data``): a local folder or ``s3://bucket/prefix`` (credentials, region
and endpoint from the usual AWS variables, ``AWS_ENDPOINT_URL`` included). Nothing is downloaded at run time: S3
goes through pyarrow's S3 filesystem (pandas, DuckDB) or Polars' own object-store reader, never DuckDB's httpfs.

Partition columns: ``date`` (``YYYY-MM-DD``) and ``source`` (a site) are **strings** in all three readers, as in the
schema table (pandas ``str``, Polars ``pl.String``, DuckDB ``VARCHAR``). Left alone, Polars and DuckDB would turn
``date`` into a Date and DuckDB a numeric-looking ``source`` into a number; compare with strings instead: ISO days
sort like dates, so ``date >= '2022-01-01'`` works. A filter on ``date`` or ``source`` skips the data of the other
partitions (DuckDB still reads every file's footer, see :func:`duckdb_articles_sql`). pandas and Polars read the
columns of :data:`pipeline.schema.ARTICLE_SCHEMA`, DuckDB the union of the files' columns; in all three, a file
written before a column existed gives nulls in it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipeline.errors import PipelineError
from pipeline.schema import ARTICLE_SCHEMA, PARTITION_COLUMNS
from pipeline.storage import Storage, aws_endpoint

if TYPE_CHECKING:  # imported where used: each reader needs only its own library
    import duckdb
    import pandas
    import polars

ARTICLES = "articles"
PARTITIONING = ds.partitioning(pa.schema([(name, pa.string()) for name in PARTITION_COLUMNS]), flavor="hive")


def _open(root: str | Path, *, object_stores: tuple[str, ...] = ("s3",)) -> tuple[Storage, pafs.FileSystem]:
    """The root's Storage and filesystem, after checking that it holds an ``articles/`` folder."""
    storage = Storage(root)  # a malformed root raises a ConfigError that names it
    scheme = storage.root.split("://", 1)[0].lower() if "://" in storage.root else "file"
    if not storage.is_local and scheme not in object_stores:
        raise PipelineError(f"data root {storage.root!r}: this reader takes a local folder or "
                            f"{', '.join(s + '://' for s in object_stores)} (read_pandas takes any root)")
    fs = storage.fs
    try:
        found = fs.get_file_info(f"{storage.base}/{ARTICLES}").type == pafs.FileType.Directory
    except OSError as exc:
        raise PipelineError(f"data root {storage.root!r}: cannot list {ARTICLES}/: {exc}") from exc
    if not found:
        raise PipelineError(f"data root {storage.root!r}: no {ARTICLES}/ folder "
                            f"(expected {ARTICLES}/date=YYYY-MM-DD/source=<site>/articles.parquet)")
    return storage, fs


def read_pandas(root: str | Path, filters: Any = None, columns: list[str] | None = None) -> pandas.DataFrame:
    """The articles as a pandas DataFrame, with ``date`` and ``source`` as string columns.

    ``filters`` is what ``pandas.read_parquet`` takes (``[("date", "=", "2022-01-06")]``, a list of lists for OR)
    or a ``pyarrow.dataset`` expression; filters on ``date``/``source`` read only the matching partitions.
    ``columns`` picks columns (partition columns included). Any root :class:`~pipeline.storage.Storage` takes.
    """
    storage, fs = _open(root, object_stores=("s3", "gs", "gcs", "abfs", "abfss"))
    if filters is not None and not isinstance(filters, ds.Expression):
        filters = pq.filters_to_expression(filters)
    # An explicit schema: partition columns stay strings (no type inference, no dictionary columns as with
    # pandas.read_parquet), no file is opened just to infer it, and files of an older schema version give nulls.
    schema = ARTICLE_SCHEMA.append(pa.field("date", pa.string())).append(pa.field("source", pa.string()))
    try:
        dataset = ds.dataset(f"{storage.base}/{ARTICLES}", filesystem=fs, format="parquet",
                             partitioning=PARTITIONING, schema=schema)
        return dataset.to_table(columns=columns, filter=filters).to_pandas()
    except (OSError, pa.ArrowException) as exc:
        raise PipelineError(f"data root {storage.root!r}: reading {ARTICLES}/: {exc}") from exc


def polars_storage_options() -> dict[str, str]:
    """Polars (object_store) options for S3 from the standard AWS variables; keys that are unset are left out."""
    env = os.environ.get
    options = {
        "aws_endpoint_url": aws_endpoint(),
        "aws_region": env("AWS_REGION") or env("AWS_DEFAULT_REGION"),
        "aws_access_key_id": env("AWS_ACCESS_KEY_ID"),
        "aws_secret_access_key": env("AWS_SECRET_ACCESS_KEY"),
        "aws_session_token": env("AWS_SESSION_TOKEN"),
    }
    if (options["aws_endpoint_url"] or "").startswith("http://"):
        options["aws_allow_http"] = "true"  # a local S3-compatible server (MinIO, moto) without TLS
    return {key: value for key, value in options.items() if value}


def scan_polars(root: str | Path) -> polars.LazyFrame:
    """The articles as a Polars LazyFrame over ``<root>/articles/**/*.parquet``; ``date``, ``source`` are pl.String.

    A local folder or ``s3://`` (Polars' native reader, configured by :func:`polars_storage_options`). Filters on
    ``date``/``source`` skip the other partitions' files. Errors in the files come at ``collect()``, and Polars'
    messages may name neither the file nor the root.
    """
    import polars as pl

    storage, _ = _open(root)
    return pl.scan_parquet(
        f"{storage.url(ARTICLES)}/**/*.parquet",
        hive_partitioning=True,
        # Polars would parse date=2022-01-06 into a pl.Date; keep both keys strings, as in the other readers.
        hive_schema={name: pl.String for name in PARTITION_COLUMNS},
        # Without a schema Polars takes the first file's columns and drops the rest: files of an older schema
        # version come first (they are older days), so columns added since would silently disappear.
        schema=pl.Schema(ARTICLE_SCHEMA),
        missing_columns="insert",
        extra_columns="ignore",
        storage_options=None if storage.is_local else polars_storage_options(),
    )


def duckdb_articles_sql(root: str | Path) -> str:
    """The ``read_parquet(...)`` expression for the articles under ``root``, for ``FROM`` in DuckDB SQL.

    For an ``s3://`` root the connection must have the root's filesystem registered: use :func:`duckdb_connect`.
    It reads every file's footer when a query is bound (``union_by_name``), even of partitions a filter skips; to
    query a few days of a large dataset, narrow the glob (``.../articles/date=2022-01-0*/**/*.parquet``).
    """
    storage, _ = _open(root)
    return _articles_sql(storage)


def _articles_sql(storage: Storage) -> str:
    glob = f"{storage.url(ARTICLES)}/**/*.parquet".replace("'", "''")
    # hive_types: strings, as in the schema table (DuckDB would make `date` a DATE, and a numeric-looking source a
    # number). union_by_name: without it DuckDB takes the first file's columns and silently drops columns that
    # later files add (an older schema version's files come first); the price is reading every file's footer.
    return (f"read_parquet('{glob}', hive_partitioning = true, "
            f"hive_types = {{'date': 'VARCHAR', 'source': 'VARCHAR'}}, union_by_name = true)")


def duckdb_connect(root: str | Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection that reads ``root`` (local or ``s3://``), with an ``articles`` view.

    ``SELECT ... FROM articles`` or ``FROM read_parquet('s3://bucket/prefix/articles/**/*.parquet',
    hive_partitioning = true)`` both work. For S3 the root's pyarrow filesystem is registered through fsspec under
    the protocol ``s3``: DuckDB hands a path to a filesystem registered from Python before any other that claims
    it, and looks for (and would download) httpfs only when no filesystem claims the path.
    """
    import duckdb
    from fsspec.implementations.arrow import ArrowFSWrapper

    storage, fs = _open(root)
    conn = duckdb.connect()
    conn.execute("SET autoinstall_known_extensions = false")  # never download an extension at run time
    if not storage.is_local:
        conn.register_filesystem(ArrowFSWrapper(fs))  # protocol = fs.type_name = "s3", the URLs' scheme
    try:
        conn.execute(f"CREATE VIEW articles AS SELECT * FROM {_articles_sql(storage)}")
    except duckdb.Error as exc:
        conn.close()
        raise PipelineError(f"data root {storage.root!r}: reading {ARTICLES}/ with DuckDB: {exc}") from exc
    return conn
