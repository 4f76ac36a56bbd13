"""The sources of a CLI run crawl concurrently, each pool's slots at a time (airflow/pools.json, as the DAG's crawl
tasks run), with the dataset of a run of one source after another; a source naming an unknown pool stops the run.
Assertions are on the order of the requests at the servers, never on wall-clock thresholds."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.pools import POOLS_FILE
from tests.support.newshost import add_feed, add_robots, write_feed_sources
from tests.support.testsite import DAY, TestSite

HOSTS = ("127.0.0.21", "127.0.0.22", "127.0.0.23")


@pytest.fixture(autouse=True)
def one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWS_CORPUS_PROCESSES", "1")


def rows(data: Path) -> list[tuple]:
    glob = str(data / "articles" / "**" / "*.parquet")
    return duckdb.sql(f"SELECT source_name, url, title, text FROM read_parquet('{glob}') ORDER BY url").fetchall()


def test_a_slow_host_does_not_delay_the_other_sources(tmp_path: Path) -> None:
    with TestSite(HOSTS, lifetime=120) as site:
        for index in range(3):
            add_robots(site, index, delay=0.3 if index == 0 else 0.0)
        feeds = {"slow": (add_feed(site, 0, "slow", 4, delay=0.3), "crawl_lemonde"),
                 "fast": (add_feed(site, 1, "fast", 3), "crawl_spiegel"),
                 "also": (add_feed(site, 2, "also", 3), "crawl_default")}
        sources = write_feed_sources(tmp_path / "sources.yaml", feeds)
        assert main(["run", "--day", DAY, "--sources", str(sources), "--data", str(tmp_path / "together")]) == 0
        slow = sorted(h.at for h in site.requests_to(0))
        assert len(slow) == 6  # robots, feed, 4 articles
        for index in (1, 2):  # listed after the slow source, and crawled while it was crawled
            fast = sorted(h.at for h in site.requests_to(index))
            assert fast[0] < slow[1] and fast[-1] < slow[-1]
        # The same dataset as one source after another.
        for name in feeds:
            assert main(["run", "--day", DAY, "--sources", str(sources), "--data", str(tmp_path / "apart"),
                         "--source", name]) == 0
    together = rows(tmp_path / "together")
    assert len(together) == 10
    assert together == rows(tmp_path / "apart")


def test_a_pool_of_one_slot_crawls_its_sources_one_at_a_time(tmp_path: Path) -> None:
    with TestSite(HOSTS, lifetime=120) as site:
        for index in range(3):
            add_robots(site, index)
        feeds = {"one": (add_feed(site, 0, "one", 3, delay=0.1), "crawl_lemonde"),
                 "two": (add_feed(site, 1, "two", 3, delay=0.1), "crawl_lemonde"),
                 "other": (add_feed(site, 2, "other", 3, delay=0.1), "crawl_default")}
        sources = write_feed_sources(tmp_path / "sources.yaml", feeds)
        assert main(["run", "--day", DAY, "--sources", str(sources), "--data", str(tmp_path / "data")]) == 0
        spans = {name: (min(h.at for h in site.requests_to(i)), max(h.at for h in site.requests_to(i)))
                 for i, name in enumerate(feeds)}
    first, second = sorted((spans["one"], spans["two"]))
    assert first[1] < second[0]  # crawl_lemonde has one slot: never both at once
    assert spans["other"][0] < max(spans["one"][1], spans["two"][1])  # another pool's crawl ran meanwhile


def test_a_source_in_an_unknown_pool_stops_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with TestSite(HOSTS, lifetime=60) as site:
        feeds = {"fine": (add_feed(site, 0, "fine", 1), "crawl_default"),
                 "astray": (add_feed(site, 1, "astray", 1), "crawl_nowhere")}
        sources = write_feed_sources(tmp_path / "sources.yaml", feeds)
        assert main(["run", "--day", DAY, "--sources", str(sources), "--data", str(tmp_path / "data")]) == 2
        assert site.hits == []
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert err == (f"error: {POOLS_FILE}: source 'astray': field 'pool': unknown pool 'crawl_nowhere' "
                   "(pools: crawl_commoncrawl, crawl_default, crawl_lemonde, crawl_spiegel)")
    # --from-raw crawls nothing, so it needs no pool (as in the DAG).
    assert main(["run", "--day", DAY, "--sources", str(sources), "--data", str(tmp_path / "data"), "--from-raw",
                 "--source", "fine"]) == 1  # fails for want of a crawl, not for the pool
