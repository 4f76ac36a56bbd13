"""Each network source kind crawled from the local test site: exact outcomes, politeness, faults, the raw zone."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.config import load_sources
from pipeline.crawl.rawzone import ROLE_HEADER
from pipeline.crawl.run import crawl_source
from tests.support.testsite import DAY, TEST_CRAWL, TestSite, write_sources

D = dt.date.fromisoformat(DAY)


@pytest.fixture
def site() -> TestSite:
    with TestSite(lifetime=120) as running:
        yield running


def crawl(site: TestSite, tmp_path: Path, name: str, **kwargs: bool) -> dict:
    config = load_sources(write_sources(site, tmp_path / "sources.yaml"))
    return crawl_source(config, name, D, tmp_path / "data", **kwargs)


def warc_requests(tmp_path: Path, name: str) -> list[tuple[str, dt.datetime]]:
    """(URL, start time) of every request record the crawl wrote, in order."""
    found = []
    for path in sorted((tmp_path / "data" / "raw" / f"date={DAY}" / f"source={name}").glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "request":
                    date = record.rec_headers.get_header("WARC-Date").replace("Z", "+00:00")
                    found.append((record.rec_headers.get_header("WARC-Target-URI"), dt.datetime.fromisoformat(date)))
    return found


def assert_spaced(times: list[float], at_least: float) -> None:
    gaps = [b - a for a, b in itertools.pairwise(sorted(times))]
    assert gaps and min(gaps) >= at_least, (min(gaps), at_least)


def test_feeds_every_fault_counted_and_nothing_fetched_twice(site: TestSite, tmp_path: Path) -> None:
    summary = crawl(site, tmp_path, "feeds")
    assert summary["complete"]
    assert summary["by_role"]["feed"] == {"200": 3, "malformed_xml": 1, "unsafe_xml": 1}
    assert summary["by_role"]["article"] == {
        # alpha, beta (tracking parameters dropped), flaky and busy (after a retry), moved (after a redirect),
        # gamma, latin (wrong charset), delta (undated feed)
        "200": 8, "404": 1, "410": 1, "blocked_private_address": 2, "connection_error": 1, "decompression_bomb": 1,
        "not_html": 1, "redirect_loop": 1, "robots_disallowed": 1, "timeout": 1, "too_large": 1}
    assert summary["skipped"] == {"duplicate": 2, "not_http": 1, "other_day": 2}
    assert summary["attempts"]["500"] == 1 and summary["attempts"]["429"] == 1

    hits = Counter(hit.path for hit in site.requests_to(0))
    assert "/private/secret.html" not in hits  # disallowed by robots.txt: never requested
    assert "/news/2022/01/06/late.html" not in hits and "/news/2022/01/05/old.html" not in hits  # other days
    retried = {"/news/2022/01/06/flaky.html": 2, "/news/2022/01/06/busy.html": 2, "/slow.html": 3, "/reset.html": 3}
    assert {path: n for path, n in hits.items() if n > 1} == retried  # nothing else requested twice
    assert hits["/robots.txt"] == 1 and hits["/news/2022/01/06/beta.html"] == 1
    assert {h.host for h in site.hits} == {"127.0.0.2"}  # the private addresses were never contacted
    assert all(h.user_agent.startswith("news-corpus-pipeline/") for h in site.hits)

    busy = [h.at for h in site.requests_to(0, "/news/2022/01/06/busy.html")]
    assert busy[1] - busy[0] >= 1.0  # Retry-After: 1
    assert_spaced([h.at for h in site.requests_to(0)], TEST_CRAWL["delay_seconds"] - 0.05)
    starts = [t.timestamp() for url, t in warc_requests(tmp_path, "feeds") if url.startswith(site.base(0))]
    assert_spaced(starts, TEST_CRAWL["delay_seconds"])

    log = [json.loads(line) for p in (tmp_path / "data/raw").rglob("*.log.jsonl") for line in p.open()]
    moved = next(line for line in log if line["url"].endswith("/moved.html"))
    assert moved["outcome"] == "200" and moved["final_url"].endswith("/news/2022/01/06/moved-here.html")
    assert Counter(line["outcome"] for line in log) == Counter(summary["outcomes"])


def test_sitemaps_index_gzip_news_dates_and_crawl_delay(site: TestSite, tmp_path: Path) -> None:
    summary = crawl(site, tmp_path, "sitemaps")
    assert summary["by_role"]["sitemap"] == {"200": 3, "decompression_bomb": 1, "malformed_xml": 1,
                                             "unsafe_xml": 1}
    assert summary["by_role"]["article"] == {"200": 4, "robots_disallowed": 1}
    assert summary["skipped"] == {"duplicate": 1, "other_day": 2, "sitemap_before_day": 1}
    fetched = sorted(h.path for h in site.requests_to(1) if h.path.startswith("/news/"))
    assert fetched == ["/news/epsilon.html", "/news/eta.html", "/news/theta.html", "/news/zeta.html"]
    assert not site.requests_to(1, "/sitemap-2021-12.xml") and not site.requests_to(1, "/drafts/unpublished.html")
    assert_spaced([h.at for h in site.requests_to(1)], 0.3 - 0.05)  # robots.txt: Crawl-delay 0.3


def test_archive_paginates_and_backfills_any_day(site: TestSite, tmp_path: Path) -> None:
    summary = crawl(site, tmp_path, "archive")
    assert summary["by_role"] == {"article": {"200": 5}, "listing": {"200": 3}, "robots": {"404": 1}}
    articles = sorted(h.path for h in site.requests_to(2) if h.path.startswith("/2022/"))
    assert articles == ["/2022/01/06/kappa", "/2022/01/06/lambda", "/2022/01/06/mu", "/2022/01/06/nu",
                        "/2022/01/06/xi"]
    config = load_sources(tmp_path / "sources.yaml")
    past = crawl_source(config, "archive", dt.date(2022, 1, 5), tmp_path / "data")
    assert past["by_role"]["article"] == {"200": 1}


def test_remote_warc_streams_the_days_files_and_keeps_the_sites_records(site: TestSite, tmp_path: Path) -> None:
    summary = crawl(site, tmp_path, "ccnews")
    assert summary["by_role"] == {"warc": {"200": 1}, "warc_paths": {"200": 1}}
    assert summary["attempts"]["copied"] == 2
    assert not site.requests_to(2, "/crawl-data/CC-NEWS/2022/01/CC-NEWS-20220105235959-00000.warc.gz")
    raw = next((tmp_path / "data/raw").rglob("crawl-*.warc.gz"))
    with raw.open("rb") as stream:
        kept = [r.rec_headers.get_header("WARC-Target-URI") for r in ArchiveIterator(stream)
                if r.rec_type == "response" and r.rec_headers.get_header(ROLE_HEADER) is None]
    assert kept == ["https://www.example.com/world/pi.html", "https://news.example.com/sigma.html"]


def test_second_run_fetches_nothing_again_unless_refetch(site: TestSite, tmp_path: Path) -> None:
    crawl(site, tmp_path, "archive")
    before = len(site.requests_to(2))
    again = crawl(site, tmp_path, "archive")
    assert again["skipped"]["already_fetched"] == 5 and "article" not in again["by_role"]
    assert {h.path for h in site.requests_to(2)[before:]} == {"/robots.txt", f"/archive/{DAY}",
                                                              f"/archive/{DAY}?page=2", f"/archive/{DAY}/page/3"}
    refetched = crawl(site, tmp_path, "archive", refetch=True)
    assert refetched["by_role"]["article"] == {"200": 5}
