"""verify on a real dataset (the sample day, run once): clean passes; each kind of damage is found and named."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.config import load_sources
from pipeline.dataset import Dataset, PartitionKey, RunKey
from pipeline.runner import run_source
from pipeline.schema import ARTICLE_SCHEMA, SCHEMA_VERSION
from pipeline.storage import Storage
from pipeline.verify import verify
from tests.conftest import SAMPLE_DAY
from tests.support.s3 import s3_environment, s3_server

DAY = dt.date.fromisoformat(SAMPLE_DAY)
RUN = RunKey(DAY, "sample")
KEY = PartitionKey(DAY, "thelimitedtimes.com")
OTHER = PartitionKey(DAY, "rheinkurier.de")


@pytest.fixture(scope="module")
def sample_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("verify")
    sources = root / "sources.yaml"
    sources.write_text("sources:\n  - name: sample\n    kind: warc\n    paths:\n"
                       f"      - {Path(__file__).resolve().parents[1] / 'data/sample/warc/{day}/*.warc.gz'}\n",
                       encoding="utf-8")
    run_source(load_sources(sources), "sample", DAY, root / "data", processes=1)
    return root / "data"


@pytest.fixture
def data(sample_data: Path, tmp_path: Path) -> Path:
    shutil.copytree(sample_data, tmp_path / "data")
    return tmp_path / "data"


def lines(data: Path | str) -> list[str]:
    return [str(p) for p in verify(data, DAY - dt.timedelta(days=1), DAY)]


def rewrite(path: Path, table: pa.Table) -> None:
    pq.write_table(table, path)


def test_a_clean_dataset_has_no_problems(data: Path) -> None:
    assert lines(data) == []
    assert Dataset(data).partitions(DAY) and Dataset(data).partitions(DAY - dt.timedelta(days=1))


def test_a_wrong_schema_version_and_a_missing_column_are_found(data: Path) -> None:
    path = Dataset(data).partition_path(KEY)
    table = pq.read_table(path)
    rewrite(path, table.replace_schema_metadata({b"news_corpus.schema_version": b"1"}))
    assert lines(data) == [f"{path}: schema version '1' in news_corpus.schema_version, expected {SCHEMA_VERSION}"]
    rewrite(path, table.drop_columns(["origin_outlet"]).replace_schema_metadata({}))
    assert lines(data) == [f"{path}: missing columns: origin_outlet",
                           f"{path}: schema version none in news_corpus.schema_version, expected {SCHEMA_VERSION}"]


def test_a_deleted_part_is_found_from_the_manifest_and_the_partition(data: Path) -> None:
    dataset = Dataset(data)
    part = data / dataset.part_rel(KEY, RUN)
    part.unlink()
    manifest = data / "runs" / f"crawl_day={SAMPLE_DAY}" / "sample.json"
    assert lines(data) == [
        f"{dataset.partition_path(KEY)}: differs from its parts: 10 rows in no part or owned by an earlier run, "
        "0 rows of its parts missing (rebuild it)",
        f"{manifest}: lists {KEY.relative_dir()}, but its part {part} is missing"]


def test_a_deleted_partition_file_is_found(data: Path) -> None:
    dataset = Dataset(data)
    partition = dataset.partition_path(KEY)
    partition.unlink()
    manifest = data / "runs" / f"crawl_day={SAMPLE_DAY}" / "sample.json"
    assert lines(data) == [f"{partition}: is missing, but 1 part holds its rows",
                           f"{manifest}: lists {KEY.relative_dir()}, but {partition} is missing"]


def test_a_duplicated_row_and_an_article_in_two_partitions_are_found(data: Path) -> None:
    dataset = Dataset(data)
    path = dataset.partition_path(KEY)
    table = pq.read_table(path, schema=ARTICLE_SCHEMA)
    article_id = table["article_id"][0].as_py()
    rewrite(path, pa.concat_tables([table, table.slice(0, 1)]).replace_schema_metadata(ARTICLE_SCHEMA.metadata))
    assert lines(data) == [f"{path}: article_id {article_id} is in 2 rows"]

    rewrite(path, table.replace_schema_metadata(ARTICLE_SCHEMA.metadata))
    # The same article in another site's partition, through that partition's part, rebuilt as a run would.
    other_part = data / dataset.part_rel(OTHER, RUN)
    rewrite(other_part, pa.concat_tables([pq.read_table(other_part, schema=ARTICLE_SCHEMA), table.slice(0, 1)])
            .replace_schema_metadata(ARTICLE_SCHEMA.metadata))
    dataset.rebuild(OTHER)
    first, second = sorted([path, dataset.partition_path(OTHER)])
    assert lines(data) == [f"{first}: article_id {article_id} is also in {second}"]


def test_rows_and_parts_of_runs_without_a_manifest_are_found(data: Path) -> None:
    dataset = Dataset(data)
    stray = RunKey(DAY, "stray")
    table = pq.read_table(data / dataset.part_rel(KEY, RUN), schema=ARTICLE_SCHEMA)
    stray_rows = table.slice(0, 1).set_column(3, "source_name", pa.array(["stray"]))
    dataset.write_part(KEY, stray, stray_rows.set_column(0, "article_id", pa.array(["f" * 32])))
    dataset.rebuild(KEY)
    partition, part = dataset.partition_path(KEY), data / dataset.part_rel(KEY, stray)
    manifest = data / "runs" / f"crawl_day={SAMPLE_DAY}" / "stray.json"
    assert lines(data) == [
        f"{partition}: has rows of run stray@{SAMPLE_DAY}, whose manifest {manifest} is missing or unreadable",
        f"{part}: belongs to no run: its manifest {manifest} is missing or unreadable"]


def test_a_corrupt_manifest_is_named(data: Path) -> None:
    manifest = data / "runs" / f"crawl_day={SAMPLE_DAY}" / "sample.json"
    manifest.write_text("{", encoding="utf-8")
    found = lines(data)
    assert [line for line in found if line.startswith(f"{manifest}: ")] == [f"{manifest}: not valid JSON: Expecting "
                                                                             "property name enclosed in double "
                                                                             "quotes: line 1 column 2 (char 1)"]
    assert all(str(manifest) in line for line in found) and len(found) > 10  # every partition names it


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", "verify", *args], capture_output=True, text=True,
                          timeout=300)


def test_cli_exit_codes(data: Path) -> None:
    clean = cli("--start", "2022-01-05", "--end", SAMPLE_DAY, "--data", str(data))
    assert (clean.returncode, clean.stdout, clean.stderr) == (0, "", f"0 problems in 2022-01-05..{SAMPLE_DAY}\n")
    (data / Dataset(data).part_rel(KEY, RUN)).unlink()
    damaged = cli("--start", "2022-01-05", "--end", SAMPLE_DAY, "--data", str(data))
    assert damaged.returncode == 1 and len(damaged.stdout.splitlines()) == 2
    assert damaged.stderr == f"2 problems in 2022-01-05..{SAMPLE_DAY}\n"
    assert cli("--start", SAMPLE_DAY, "--end", "2022-01-05", "--data", str(data)).returncode == 2
    assert cli("--start", "2022-13-01", "--end", SAMPLE_DAY).returncode == 2
    bad_root = cli("--start", SAMPLE_DAY, "--end", SAMPLE_DAY, "--data", "s3:bucket")
    assert bad_root.returncode == 2 and "data root" in bad_root.stderr


def test_verify_on_s3(data: Path) -> None:
    with s3_server() as server, s3_environment(server):
        storage = Storage(server.url("verify"))
        for path in sorted(p for p in data.rglob("*") if p.is_file()):
            storage.upload(path, path.relative_to(data).as_posix())
        assert lines(server.url("verify")) == []
        storage.delete(Dataset(storage).part_rel(KEY, RUN))
        assert lines(server.url("verify")) == [
            f"s3://news-corpus/verify/articles/{KEY.relative_dir()}/articles.parquet: differs from its parts: 10 rows "
            "in no part or owned by an earlier run, 0 rows of its parts missing (rebuild it)",
            f"s3://news-corpus/verify/runs/crawl_day={SAMPLE_DAY}/sample.json: lists {KEY.relative_dir()}, but its "
            f"part s3://news-corpus/verify/parts/{KEY.relative_dir()}/sample@{SAMPLE_DAY}.parquet is missing"]
