"""The data root on a real S3-compatible server (moto, on 127.0.0.1): the storage layer, the CLI, the sharded path
and the crawl state, compared byte for byte with the same runs on a local folder."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config import load_sources
from pipeline.crawl.state import FetchedState
from pipeline.errors import ConfigError, InputError
from pipeline.runner import extract_shard, finish_source
from pipeline.storage import Storage
from pipeline.warcpages import Shard
from tests.conftest import SAMPLE_DAY
from tests.support.s3 import S3Server, s3_environment, s3_server


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server, s3_environment(server):
        yield server


def articles(server: S3Server, prefix: str) -> dict[str, bytes]:
    client = server.client()
    return {key[len(prefix) + 1:]: client.get_object(Bucket=server.bucket, Key=key)["Body"].read()
            for key in server.keys(f"{prefix}/articles/")}


def local_articles(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "articles").rglob("*.parquet"))}


def test_storage_writes_lists_reads_and_deletes(s3: S3Server) -> None:
    storage = Storage(s3.url("unit"))
    storage.write_bytes("a/b.warc.gz", b"\x1f\x8b not really gzip")  # stored as given: no compression guessed
    storage.write_json("a/c.json", {"x": 1})
    assert storage.list("a") == ["a/b.warc.gz", "a/c.json"]
    assert storage.read_bytes("a/b.warc.gz") == b"\x1f\x8b not really gzip"
    assert storage.read_json("a/c.json") == {"x": 1}
    assert storage.exists("a/c.json") and not storage.exists("a/none.json")
    storage.delete("a/c.json")
    storage.delete("a/c.json")  # deleting what is gone is no error
    assert storage.list("a") == ["a/b.warc.gz"]
    with pytest.raises(FileNotFoundError, match=r"s3://news-corpus/unit/a/none\.json: no such file"):
        storage.read_bytes("a/none.json")


@pytest.mark.parametrize("root", ["s3:news-corpus/x", "s3:/news-corpus/x", "ftp://host/x"])
def test_a_data_root_that_is_not_a_supported_url_is_refused(root: str) -> None:
    with pytest.raises(ConfigError, match="data root"):
        Storage(root)


def test_cli_run_on_s3_writes_what_a_local_run_writes(s3: S3Server, sample_sources: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    local = tmp_path / "local"
    assert main(["run", "--day", SAMPLE_DAY, "--sources", str(sample_sources), "--data", str(local)]) == 0
    assert main(["run", "--day", SAMPLE_DAY, "--sources", str(sample_sources), "--data", s3.url("cli")]) == 0
    expected = local_articles(local)
    assert len(expected) >= 15
    assert articles(s3, "cli") == expected
    assert not Path("s3:").exists()
    capsys.readouterr()
    assert main(["show", "--data", s3.url("cli"), "--day", SAMPLE_DAY]) == 0
    assert "thelimitedtimes.com" in capsys.readouterr().out


def test_sharded_run_on_s3_writes_what_a_local_run_writes(s3: S3Server, sample_sources: Path, tmp_path: Path) -> None:
    local = tmp_path / "local"
    assert main(["run", "--day", SAMPLE_DAY, "--sources", str(sample_sources), "--data", str(local)]) == 0
    config, storage, day = load_sources(sample_sources), Storage(s3.url("sharded")), dt.date.fromisoformat(SAMPLE_DAY)
    for index in range(3):
        extract_shard(config, "sample", day, storage, Shard(index, 3), processes=1)
    finish_source(config, "sample", day, storage, 3, processes=1)
    assert articles(s3, "sharded") == local_articles(local)
    assert s3.keys("sharded/runs/") == [f"sharded/runs/crawl_day={SAMPLE_DAY}/sample.json"]


def test_crawl_state_written_on_one_worker_is_seen_on_another(s3: S3Server) -> None:
    day = dt.date(2022, 1, 6)
    first = FetchedState(Storage(s3.url("state")), "news")
    first.add([("https://example.org/a?utm_source=x", 200)], day, "crawl-1")
    other = FetchedState(Storage(s3.url("state")), "news")  # a fresh process elsewhere
    other.add([("https://example.org/b", 200)], day, "crawl-2")  # a concurrent crawl: its own object
    again = FetchedState(Storage(s3.url("state")), "news")
    assert again.was_fetched("https://example.org/a") and again.was_fetched("https://example.org/b")
    assert not again.was_fetched("https://example.org/c")
    assert len(s3.keys("state/state/source=news/")) == 2


def test_a_crawled_source_whose_crawl_is_not_in_the_data_root_fails(s3: S3Server, tmp_path: Path) -> None:
    """A worker that finds no crawl (it was written to another machine's disk) must not end green with 0 articles."""
    sources = tmp_path / "sources.yaml"
    sources.write_text("sources:\n  - name: feeds\n    kind: rss\n    feeds: ['https://example.org/feed.xml']\n",
                       encoding="utf-8")
    config = load_sources(sources)
    with pytest.raises(InputError, match=r"source feeds: no crawl of 2022-01-06 in s3://news-corpus/empty/raw/"):
        extract_shard(config, "feeds", dt.date(2022, 1, 6), Storage(s3.url("empty")), Shard(0, 1), processes=1)
    assert main(["run", "--day", "2022-01-06", "--sources", str(sources), "--data", s3.url("empty"),
                 "--from-raw"]) == 1
