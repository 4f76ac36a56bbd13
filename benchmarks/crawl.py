"""Crawl throughput against the local test site: many hosts, a fixed per-host delay, pages served with latency.

Politeness sets the ceiling: ``hosts / delay`` pages per second. The figure is the achieved article rate as a
fraction of that ceiling (target: >= 0.9 with 50 hosts), and the crawler's peak memory. The site runs in a
child process so the memory figure is the crawler's alone.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import resource
import tempfile
import time

from pipeline.config import SourcesConfig
from pipeline.crawl.crawler import Crawler
from pipeline.crawl.rawzone import RawZoneWriter
from pipeline.storage import Storage
from tests.support.testsite import ListPlan

DAY = dt.date(2022, 1, 6)


def _serve(hosts: tuple[str, ...], pages: int, latency: float, ready: multiprocessing.Queue,
           stop: multiprocessing.Event) -> None:
    from tests.support.testsite import Reply, TestSite

    with TestSite(hosts, lifetime=600, latency=latency) as site:
        for index in range(len(hosts)):
            site.add(index, "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private/\n",
                                                 headers=(("Content-Type", "text/plain"),)))
            for page in range(pages):
                site.add_article(index, f"/a/{page}.html", f"Article {page}", page)
        ready.put([site.base(i) for i in range(len(hosts))])
        stop.wait(600)


def run(hosts: int, pages: int, delay: float, latency: float) -> dict[str, float]:
    addresses = tuple(f"127.0.{10 + i // 200}.{1 + i % 200}" for i in range(hosts))
    ready: multiprocessing.Queue = multiprocessing.Queue()
    stop = multiprocessing.Event()
    server = multiprocessing.Process(target=_serve, args=(addresses, pages, latency, ready, stop), daemon=True)
    server.start()
    try:
        bases = ready.get(timeout=60)
        config = SourcesConfig.model_validate({
            "crawl": {"delay_seconds": delay, "allow_private_networks": ["127.0.0.0/8"],
                      "max_parallel_requests": min(256, hosts * 2)},
            "sources": [{"name": "bench", "kind": "rss", "feeds": ["http://127.0.0.1/unused"]}]})
        urls = [f"{base}/a/{page}.html" for base in bases for page in range(pages)]
        with tempfile.TemporaryDirectory() as data:
            with RawZoneWriter(Storage(data), DAY, "bench") as recorder:
                crawler = Crawler(config.crawl, ListPlan(urls), recorder)
                start = time.monotonic()
                crawler.run()
                elapsed = time.monotonic() - start
            fetched = recorder.by_role["article"]["200"]
    finally:
        stop.set()
        server.join(10)
    ceiling = hosts / delay
    rate = fetched / elapsed
    return {"hosts": hosts, "pages": fetched, "seconds": elapsed, "rate": rate, "ceiling": ceiling,
            "fraction": rate / ceiling, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main(quick: bool = False) -> None:
    hosts, pages, delay, latency = (5, 5, 0.2, 0.02) if quick else (50, 20, 0.5, 0.05)
    r = run(hosts, pages, delay, latency)
    print(f"crawl: {r['hosts']} hosts x {pages} pages, delay {delay}s/host, latency {latency * 1000:.0f} ms: "
          f"{r['pages']} pages in {r['seconds']:.2f}s = {r['rate']:.1f} pages/s; ceiling {r['ceiling']:.1f}/s; "
          f"fraction of ceiling {r['fraction']:.3f} (target >= 0.9 with 50 hosts); "
          f"peak RSS {r['peak_rss_mib']:.0f} MiB")
