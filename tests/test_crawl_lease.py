"""Two runs at once, in two processes: one source-day is crawled by one of them (the other refuses with one line
naming the source, the day and the holder, or waits for it), and a host's Crawl-delay holds across the processes,
also for two sources on one host. On a local data root and on S3 (moto), through the storage layer."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pipeline.crawl.lease import Leases, crawl_lease
from pipeline.storage import Storage
from tests.support.newshost import add_feed, add_robots, gaps, run_env, start_run, write_feed_sources
from tests.support.s3 import S3Server, s3_environment, s3_server
from tests.support.testsite import DAY, TestSite

HOSTS = ("127.0.0.31",)
CRAWL_DELAY = 0.5
SLACK = 0.05  # a request's arrival may lag its start a little more than the one before it


@pytest.fixture(scope="module")
def s3() -> Iterator[S3Server]:
    with s3_server() as server:
        yield server


@pytest.fixture(params=["local", "s3"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A data root and the environment that reaches it (this process's too, while the test runs)."""
    if request.param == "local":
        yield str(tmp_path / "data"), {}
        return
    server: S3Server = request.getfixturevalue("s3")
    with s3_environment(server):
        yield server.url(f"lease-{tmp_path.name}"), server.env()


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def finish(proc: subprocess.Popen, log: Path) -> tuple[int, str]:
    try:
        proc.wait(timeout=120)
    finally:
        proc.kill()
    return proc.returncode, log.read_text()


def two_runs(root: tuple[str, dict[str, str]], tmp_path: Path, feeds: list[str],
             under_way: Callable[[list[subprocess.Popen], list[Path]], bool], **settings: object
             ) -> tuple[list[tuple[int, str]], list]:
    """Two runs at once against one host whose articles are held until ``under_way(processes, logs)``: both runs
    the whole config, or one feed each when there are two; their (exit code, output) and the host's requests."""
    data, extra_env = root
    hold = threading.Event()
    with TestSite(HOSTS, lifetime=180) as site:
        add_robots(site, 0, crawl_delay=CRAWL_DELAY)
        sources = write_feed_sources(tmp_path / "sources.yaml", {
            name: (add_feed(site, 0, name, 3, hold=hold), "crawl_default") for name in feeds}, **settings)
        env = run_env(tmp_path / "scratch", **extra_env)
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        args = [("--source", name) for name in feeds] if len(feeds) == 2 else [(), ()]
        procs = [start_run(sources, data, env, log, *more) for log, more in zip(logs, args)]
        try:
            wait_for(lambda: under_way(procs, logs))
        finally:
            hold.set()
        return [finish(p, log) for p, log in zip(procs, logs)], site.requests_to(0)


def test_a_second_run_of_a_source_day_refuses_while_the_first_crawls(root: tuple[str, dict[str, str]],
                                                                     tmp_path: Path) -> None:
    # The first article waits until one run has given up: one refuses, the other is held.
    results, hits = two_runs(root, tmp_path, ["news"], lambda procs, _: any(p.poll() is not None for p in procs),
                             lease_wait_seconds=0)
    (refused,) = [out for code, out in results if code == 1]
    assert sorted(code for code, _ in results) == [0, 1]
    line = next(line for line in refused.splitlines() if "FAILED" in line)
    assert line.startswith(f"{DAY} news: FAILED: CrawlBusy: source 'news', day {DAY}: not crawled: another run is "
                           "crawling it, pid ")
    assert [h.path for h in hits].count("/news/0.html") == 1  # every article once: one crawl
    assert sorted(h.path for h in hits) == ["/news.xml", "/news/0.html", "/news/1.html", "/news/2.html", "/robots.txt"]
    assert min(gaps(hits)) >= CRAWL_DELAY - SLACK


def test_a_second_run_waits_for_the_first_then_fetches_nothing_twice(root: tuple[str, dict[str, str]],
                                                                    tmp_path: Path) -> None:
    results, hits = two_runs(root, tmp_path, ["news"],
                             lambda _, logs: any("waiting up to 60 s" in log.read_text() for log in logs),
                             lease_wait_seconds=60)
    assert [code for code, _ in results] == [0, 0], results
    articles = [h.path for h in hits if h.path.startswith("/news/")]
    assert sorted(articles) == ["/news/0.html", "/news/1.html", "/news/2.html"]  # the second skipped them all
    assert [h.path for h in hits].count("/news.xml") == 2  # each crawl read the feed
    assert min(gaps(hits)) >= CRAWL_DELAY - SLACK  # also from the first run's last request to the second's first
    assert all(line.endswith("3 articles, 1 partitions") for _, out in results
               for line in out.splitlines() if line.startswith(f"{DAY} news:"))
    assert Storage(root[0]).read_json(crawl_lease("news", dt.date.fromisoformat(DAY)))["released"]


def test_two_sources_on_one_host_in_two_processes_keep_its_crawl_delay(root: tuple[str, dict[str, str]],
                                                                       tmp_path: Path) -> None:
    # One crawler holds the host (its first article held), the other waits for it.
    results, hits = two_runs(root, tmp_path, ["first", "second"], lambda _, logs: any(
        "is being crawled by another crawler" in log.read_text() for log in logs))
    assert [code for code, _ in results] == [0, 0], results
    assert len([h for h in hits if h.path.endswith(".html")]) == 6
    assert min(gaps(hits)) >= CRAWL_DELAY - SLACK


def test_a_lease_is_taken_by_one_of_two_contenders_and_expires_when_its_holder_stops(tmp_path: Path) -> None:
    storage = Storage(tmp_path / "data")
    rel = crawl_lease("news", dt.date.fromisoformat(DAY))
    one, two = Leases(storage, ttl=1.5, settle=0.2), Leases(storage, ttl=1.5, settle=0.2)
    records: dict[str, object] = {}
    threads = [threading.Thread(target=lambda n=n, l=l: records.__setitem__(n, l.acquire(rel)))
               for n, l in (("one", one), ("two", two))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [one.holds(rel), two.holds(rel)].count(True) == 1
    holder, other = (one, two) if one.holds(rel) else (two, one)
    time.sleep(2)  # renewed by the heartbeat meanwhile
    assert not other.mine(other.acquire(rel))
    holder._stop.set()  # the heartbeat stops, as when the process hangs; the lease expires
    holder._heartbeat.join()
    time.sleep(1.6)
    assert other.mine(other.acquire(rel))
    other.close()
    assert json.loads((tmp_path / "data" / rel).read_text())["released"]
