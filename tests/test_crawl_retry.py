"""A retry scheduled while nothing else is queued or in flight is still made (it was lost: the crawl ended first)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.config import CrawlSettings
from pipeline.crawl.crawler import Crawler
from pipeline.crawl.rawzone import RawZoneWriter
from pipeline.storage import Storage
from tests.support.testsite import ListPlan, Reply, TestSite, article_html


def test_a_retry_pending_when_everything_else_is_done_is_made(tmp_path: Path) -> None:
    body = article_html("Only", 1).encode()
    with TestSite(hosts=("127.0.0.2",), lifetime=60) as site:
        site.add(0, "/only.html", lambda seen: Reply(503, b"busy") if seen == 0 else Reply(body=body))
        settings = CrawlSettings(delay_seconds=0.05, backoff_base_seconds=0.3, max_retries=2,
                                 allow_private_networks=("127.0.0.0/8",))
        with RawZoneWriter(Storage(tmp_path), dt.date(2022, 1, 6), "only") as recorder:
            crawler = Crawler(settings, ListPlan([f"{site.base(0)}/only.html"]), recorder)
            crawler.run()
        assert [h.path for h in site.requests_to(0, "/only.html")] == ["/only.html", "/only.html"]
    assert recorder.by_role["article"] == {"200": 1}
    assert crawler.fetched_articles == [(f"{site.base(0)}/only.html", 200)]
