"""Invariants of the sharded path and of the commit protocol: the dataset does not depend on the number of shards,
on the order in which shards or runs finish, nor on which of two runs that saw one article commits first."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.config import load_sources
from pipeline.dataset import Dataset, PartitionKey, RunKey, RunManifest
from pipeline.errors import InputError
from pipeline.runner import extract_shard, finish_source, plan_shards, run_source
from pipeline.storage import Storage
from pipeline.warcpages import Shard
from tests.conftest import SAMPLE

DAYS = (dt.date(2022, 1, 6), dt.date(2022, 1, 7))
INPUT_FILES = 3


def split_warc(source: Path, dest: Path, files: int) -> None:
    """The records of ``source`` in ``files`` WARC files of consecutive records (gzip members copied as they are)."""
    data = source.read_bytes()
    with source.open("rb") as stream:
        iterator = ArchiveIterator(stream)
        bounds = []
        for _ in iterator:
            bounds.append(iterator.get_record_offset())
    bounds.append(len(data))
    per_file = -(-(len(bounds) - 1) // files)
    dest.mkdir(parents=True)
    for n in range(files):
        start, end = bounds[min(n * per_file, len(bounds) - 1)], bounds[min((n + 1) * per_file, len(bounds) - 1)]
        (dest / f"part-{n}.warc.gz").write_bytes(data[start:end])


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each sample day split into three input files, under two sources that read the same files."""
    base = tmp_path_factory.mktemp("inputs")
    for day in DAYS:
        (warc,) = (SAMPLE / "warc" / day.isoformat()).glob("*.warc.gz")
        split_warc(warc, base / day.isoformat(), INPUT_FILES)
    path = base / "sources.yaml"
    path.write_text("sources:\n" + "".join(
        f"  - name: {name}\n    kind: warc\n    paths: ['{base}/{{day}}/*.warc.gz']\n" for name in ("sample", "copy")),
        encoding="utf-8")
    return path


def dataset_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted((root / "articles").rglob("*.parquet"))}


def run_sharded(sources: Path, day: dt.date, root: Path, shards: int, source: str = "sample") -> RunManifest:
    config, storage = load_sources(sources), Storage(root)
    assert plan_shards(config, source, day, storage, shards) == shards
    for index in reversed(range(shards)):  # finishing out of order changes nothing
        extract_shard(config, source, day, storage, Shard(index, shards), processes=1)
    finish_source(config, source, day, storage, shards, processes=1)
    manifest = RunManifest.load(storage, source, day)
    assert manifest is not None
    return manifest


def test_one_three_and_eight_shards_give_byte_identical_partitions(sources: Path, tmp_path: Path) -> None:
    config = load_sources(sources)
    reference = tmp_path / "unsharded"
    counts = {}
    for day in DAYS:
        run_source(config, "sample", day, reference, processes=2)
        counts[day] = RunManifest.load(Storage(reference), "sample", day).counts
    expected = dataset_files(reference)
    assert len(expected) >= 15
    # 3 shards split by input file, 8 (more shards than files) by URL hash
    for shards in (1, 3, 8):
        root = tmp_path / f"shards-{shards}"
        for day in DAYS:
            assert run_sharded(sources, day, root, shards).counts == counts[day], (shards, day)
        assert dataset_files(root) == expected, shards


def test_a_source_gets_one_shard_per_input_file(sources: Path, tmp_path: Path) -> None:
    assert plan_shards(load_sources(sources), "sample", DAYS[0], Storage(tmp_path)) == INPUT_FILES


def test_a_missing_shard_fails_the_finish_naming_it(sources: Path, tmp_path: Path) -> None:
    config, storage = load_sources(sources), Storage(tmp_path)
    extract_shard(config, "sample", DAYS[0], storage, Shard(0, 2), processes=1)
    with pytest.raises(InputError, match=r"1 of 2 shards have not finished .*shard-00002-of-00002\.counts\.json"):
        finish_source(config, "sample", DAYS[0], storage, 2, processes=1)


def test_runs_committed_in_either_order_give_the_same_dataset_with_one_owner_per_article(
        sources: Path, tmp_path: Path) -> None:
    """Two sources see the same articles on two days; whatever order the four runs commit in, the dataset is the
    same, each article is one row, owned by the earliest crawl day and then the smaller source name."""
    config = load_sources(sources)
    runs = [(source, day) for day in DAYS for source in ("sample", "copy")]
    results = {}
    for order in ("forward", "backward"):
        root = tmp_path / order
        for source, day in (runs if order == "forward" else list(reversed(runs))):
            run_source(config, source, day, root, processes=1)
        results[order] = dataset_files(root)
        table = pq.read_table(root / "articles")
        assert table.num_rows == len(set(table["article_id"].to_pylist()))
        assert set(table["source_name"].to_pylist()) == {"copy"}  # "copy" < "sample"
        owned = Dataset(root).owned_rows(RunKey(day, source) for source, day in runs)
        assert sum(owned.values()) == table.num_rows  # what the DAG's publish counts: every row once
    assert results["forward"] == results["backward"]


def test_a_rerun_replaces_only_its_own_rows(sources: Path, tmp_path: Path) -> None:
    config = load_sources(sources)
    for day in DAYS:
        run_source(config, "sample", day, tmp_path, processes=1)
    before = dataset_files(tmp_path)
    run_source(config, "sample", DAYS[0], tmp_path, processes=1)
    assert dataset_files(tmp_path) == before


def test_runs_committing_at_the_same_time_give_the_dataset_of_runs_committing_in_turn(
        sources: Path, tmp_path: Path) -> None:
    """Four runs whose partitions overlap commit from four threads at once, released together, several times: no
    lock, and every time the dataset is the one they give committed one after another."""
    config = load_sources(sources)
    runs = [RunKey(day, source) for day in DAYS for source in ("sample", "copy")]
    in_turn = tmp_path / "in-turn"
    for run in runs:
        run_source(config, run.source_name, run.crawl_day, in_turn, processes=1)
    parts = {run: [(PartitionKey.from_relative_dir(p.parent.relative_to(in_turn / "parts").as_posix()),
                    pq.read_table(p)) for p in sorted((in_turn / "parts").rglob(run.part_name))] for run in runs}
    assert all(len(found) >= 3 for found in parts.values()), {run: len(found) for run, found in parts.items()}
    for attempt in range(3):
        root = tmp_path / f"at-once-{attempt}"
        barrier = threading.Barrier(len(runs))

        def commit(run: RunKey) -> None:
            barrier.wait()
            Dataset(root).commit_run(run.source_name, run.crawl_day, parts[run], {})

        with ThreadPoolExecutor(len(runs)) as pool:
            list(pool.map(commit, runs))
        assert dataset_files(root) == dataset_files(in_turn), attempt
