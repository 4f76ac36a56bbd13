"""A run killed with kill -9 (the whole process group, as when a worker or its machine dies) at several points, then
run again: the dataset of an uninterrupted run, and nothing left behind (scratch folders, hidden partial files in
the data root, held leases). A scratch folder whose process still runs is never touched."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.crawl.lease import crawl_lease
from pipeline.storage import Storage, clean_scratch
from tests.support.newshost import REPO, add_feed, add_robots, run_env, start_run, write_feed_sources
from tests.support.testsite import DAY, TestSite

HOSTS = ("127.0.0.41",)


def dataset(data: Path) -> list[tuple]:
    """The rows, but for when each page was fetched (the runs fetch at different times)."""
    glob = str(data / "articles" / "**" / "*.parquet")
    return duckdb.sql(f"SELECT * EXCLUDE (fetched_at) FROM read_parquet('{glob}', hive_partitioning = true) "
                      "ORDER BY article_id").fetchall()


def kill_group(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def wait_for(condition, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, "the run ended before the point it was to be killed at"
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.mark.parametrize("point", ["crawling", "extracting", "crawl_stored"])
def test_a_run_killed_then_run_again_gives_the_dataset_of_an_uninterrupted_run(
        point: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data, scratch = tmp_path / "data", tmp_path / "scratch"
    raw = data / "raw" / f"date={DAY}" / "source=news"
    hold = threading.Event()
    with TestSite(HOSTS, lifetime=240) as site:
        add_robots(site, 0)
        feed = add_feed(site, 0, "news", 3, hold=hold if point == "crawling" else None)
        sources = write_feed_sources(tmp_path / "sources.yaml", {"news": (feed, "crawl_default")})
        env = run_env(scratch)
        killed = start_run(sources, str(data), env, tmp_path / "killed.log")
        try:
            if point == "crawling":  # an article is being fetched: the WARC is open in scratch
                wait_for(lambda: site.requests_to(0, "/news/0.html"), killed)
            elif point == "extracting":  # the run's rows are being spilled to scratch
                wait_for(lambda: list(scratch.glob("news-corpus-*/run-*.parquet")), killed)
            else:  # the crawl is in the raw zone; the state and the extraction may or may not have followed
                wait_for(lambda: list(raw.glob("crawl-*.summary.json")), killed)
        finally:
            kill_group(killed)
            hold.set()
        assert list(scratch.glob("news-corpus-*"))  # the killed run's scratch, left behind
        raw.mkdir(parents=True, exist_ok=True)  # and what a killed upload or an older version leaves there
        (raw / ".crawl-20220106T000000000000Z-0123456789ab.warc.gz.open").write_bytes(b"half a WARC")
        (raw / ".crawl-x.log.jsonl.0123.partial").write_bytes(b"half a log")
        state = data / "state" / "source=news"
        state.mkdir(parents=True, exist_ok=True)
        for summary in raw.glob("crawl-*.summary.json"):  # a state write of this source-day's crawl, killed
            (state / f".{summary.name.removesuffix('.summary.json')}.keys.gz.0123.partial").write_bytes(b"half")
        other_day = state / ".crawl-20220107T000000000000Z-0123456789ab.keys.gz.4567.partial"
        other_day.write_bytes(b"another day's crawl, maybe still at work: not ours to remove")

        rerun = subprocess.run([sys.executable, "-m", "pipeline", "run", "--day", DAY, "--sources", str(sources),
                                "--data", str(data)], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert "removed" in rerun.stderr  # it said what it cleaned

        monkeypatch.setenv("NEWS_CORPUS_PROCESSES", "1")
        monkeypatch.setenv("NEWS_CORPUS_SCRATCH", str(tmp_path / "reference-scratch"))
        assert main(["run", "--day", DAY, "--sources", str(sources), "--data", str(tmp_path / "reference")]) == 0
    expected = dataset(tmp_path / "reference")
    assert len(expected) == 3
    assert dataset(data) == expected
    assert sorted(p.name for p in scratch.iterdir()) == []
    assert [p for p in data.rglob(".*")] == [other_day]
    assert Storage(data).read_json(crawl_lease("news", dt.date.fromisoformat(DAY)))["released"]


HOLDER = """
import sys, time
from pipeline.storage import scratch_dir
(scratch_dir() / "spill.parquet").write_bytes(b"in use")
print(scratch_dir(), flush=True)
time.sleep(120)
"""


def test_the_scratch_of_a_running_process_is_kept_and_removed_once_it_is_killed(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], env=run_env(scratch), stdout=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        folder = Path(holder.stdout.readline().strip())
        assert folder.parent == scratch and (folder / "spill.parquet").exists()
        assert clean_scratch(scratch) == []
        assert (folder / "spill.parquet").read_bytes() == b"in use"
    finally:
        kill_group(holder)
        holder.stdout.close()
    assert clean_scratch(scratch) == [folder]
    assert list(scratch.iterdir()) == []
