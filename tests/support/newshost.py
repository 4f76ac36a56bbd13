"""Small news hosts on the local test site for the concurrency, lease and cleanup tests: a feed of the day and its
articles, with an optional robots.txt Crawl-delay, a slow response, or an article held until the test lets it go;
and a sources file over them. Every request is in ``site.hits`` (arrival time, monotonic)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.support.testsite import DAY, TEST_CRAWL, Hit, Reply, TestSite, article_html

REPO = Path(__file__).resolve().parents[2]
TEXT = (("Content-Type", "text/plain"),)
# A killed holder's lease expires in 6 s (one of this machine is seen gone at once).
LEASES = {"lease_ttl_seconds": 6}


def add_feed(site: TestSite, index: int, name: str, articles: int, delay: float = 0.0,
             hold: threading.Event | None = None) -> str:
    """A feed ``/<name>.xml`` of ``articles`` articles ``/<name>/<n>.html`` dated on DAY; each response ``delay``
    seconds late; with ``hold``, the first article's first request waits for it. Returns the feed's URL."""
    base = site.base(index)
    items = "".join(f"<item><title>{name} {n}</title><link>{base}/{name}/{n}.html</link>"
                    f"<pubDate>Thu, 06 Jan 2022 10:00:00 +0000</pubDate></item>" for n in range(articles))
    site.add(index, f"/{name}.xml", Reply(body=f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}'
                                               f"</title>{items}</channel></rss>".encode(),
                                          headers=(("Content-Type", "application/rss+xml"),), delay=delay))
    for n in range(articles):
        reply = Reply(body=article_html(f"{name.title()} story {n}", n + 3 * len(name)).encode(), delay=delay)
        site.add(index, f"/{name}/{n}.html", _held(reply, hold) if n == 0 and hold is not None else reply)
    return f"{base}/{name}.xml"


def _held(reply: Reply, hold: threading.Event) -> Callable[[int], Reply]:
    def route(seen: int) -> Reply:
        if seen == 0:
            hold.wait(60)
        return reply
    return route


def add_robots(site: TestSite, index: int, crawl_delay: float | None = None, delay: float = 0.0) -> None:
    rules = "User-agent: *\n" + (f"Crawl-delay: {crawl_delay}\n" if crawl_delay is not None else "") + "Disallow:\n"
    site.add(index, "/robots.txt", Reply(body=rules.encode(), headers=TEXT, delay=delay))


def write_feed_sources(path: Path, feeds: dict[str, tuple[str, str]], **crawl: object) -> Path:
    """A sources file of rss sources, ``{name: (feed URL, pool)}``, with the test crawl settings and ``crawl``."""
    entries = [{"name": name, "kind": "rss", "feeds": [url], "pool": pool} for name, (url, pool) in feeds.items()]
    path.write_text(yaml.safe_dump({"crawl": {**TEST_CRAWL, **LEASES, **crawl}, "sources": entries}), encoding="utf-8")
    return path


def gaps(hits: list[Hit]) -> list[float]:
    times = sorted(h.at for h in hits)
    return [b - a for a, b in zip(times, times[1:])]


def run_env(scratch: Path, **extra: str) -> dict[str, str]:
    """The environment of a pipeline subprocess: this worktree's code, one process, its own scratch root."""
    return {**os.environ, "PYTHONPATH": str(REPO), "NEWS_CORPUS_PROCESSES": "1", "NEWS_CORPUS_SCRATCH": str(scratch),
            **extra}


def start_run(sources: Path, data: str, env: dict[str, str], log: Path, *extra: str) -> subprocess.Popen:
    """``python -m pipeline run -v`` for DAY in a process of its own (and its own process group, so that a test can
    kill -9 all of it), its output in ``log``."""
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--day", DAY, "--sources", str(sources),
                                 "--data", data, "-v", *extra], cwd=REPO, env=env, start_new_session=True,
                                stdout=out, stderr=subprocess.STDOUT)
