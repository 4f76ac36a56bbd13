"""The whole path: crawl into the raw zone, extract into Parquet; a re-run fetches nothing twice; --from-raw
re-extracts with no network; plus the address checks on their own."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.cli import main
from pipeline.config import CrawlSettings
from pipeline.crawl.fetcher import Fetcher, FetchFailure
from pipeline.crawl.netsafety import is_allowed_address, parse_networks
from tests.support.testsite import DAY, TestSite, write_sources


def rows(data: Path) -> list[tuple[str, str, str]]:
    glob = str(data / "articles" / "**" / "*.parquet")
    return duckdb.sql(f"SELECT source_name, url, text FROM read_parquet('{glob}') ORDER BY url").fetchall()


def test_run_crawls_extracts_and_reextracts_from_raw_without_network(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with TestSite(lifetime=120) as site:
        sources = write_sources(site, tmp_path / "sources.yaml", ("sitemaps", "archive", "ccnews", "feeds"))
        args = ["run", "--day", DAY, "--sources", str(sources), "--data", str(data)]
        assert main(args) == 0
        first = rows(data)
        by_source = {name: sum(1 for r in first if r[0] == name) for name in ("feeds", "sitemaps", "archive", "ccnews")}
        assert by_source == {"feeds": 8, "sitemaps": 4, "archive": 5, "ccnews": 2}
        latin = next(text for _, url, text in first if url.endswith("/latin.html"))
        assert "Zürich Bürger Grüße" in latin  # declared ISO-8859-1, really UTF-8
        moved = [url for _, url, _ in first if "moved" in url]
        assert moved == [f"{site.base(0)}/news/2022/01/06/moved-here.html"]  # the final URL is recorded

        article_hits = len([h for h in site.hits if "/news/" in h.path or h.path.startswith("/2022/")])
        assert main(args) == 0  # the daily re-run: feeds and listings again, no article twice
        assert len([h for h in site.hits if "/news/" in h.path or h.path.startswith("/2022/")]) == article_hits
        assert rows(data) == first
    # The site is gone: re-extraction reads the raw zone only.
    assert main([*args, "--from-raw"]) == 0
    assert rows(data) == first
    assert len(list((data / "raw" / f"date={DAY}").glob("source=*/crawl-*.warc.gz"))) == 8


@pytest.mark.parametrize(("address", "allowed"), [
    ("93.184.215.14", True), ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True), ("127.0.0.1", False),
    ("10.1.2.3", False), ("172.16.0.9", False), ("192.168.1.1", False), ("169.254.169.254", False),
    ("100.64.0.1", False), ("0.0.0.0", False), ("::1", False), ("fe80::1", False), ("fc00::1", False),
    ("::ffff:127.0.0.1", False), ("224.0.0.1", False),
])
def test_only_public_addresses_by_default(address: str, allowed: bool) -> None:
    assert is_allowed_address(address, ()) is allowed


def test_loopback_is_allowed_only_when_configured() -> None:
    assert is_allowed_address("127.0.0.3", parse_networks(["127.0.0.0/8"]))
    assert not is_allowed_address("10.0.0.1", parse_networks(["127.0.0.0/8"]))


@pytest.mark.parametrize(("url", "outcome"), [
    ("http://localhost:9/", "blocked_private_address"),  # checked after DNS resolution
    ("http://127.0.0.1:9/", "blocked_private_address"),
    ("file:///etc/passwd", "blocked_scheme"),
    ("ftp://example.org/x", "blocked_scheme"),
])
def test_fetcher_refuses_before_connecting(url: str, outcome: str) -> None:
    result = Fetcher(CrawlSettings()).fetch(url)
    assert isinstance(result, FetchFailure) and result.outcome == outcome


def test_example_sources_load_and_their_pools_exist() -> None:
    import json

    from pipeline.config import load_sources
    from tests.support.airflow import REPO

    config = load_sources(REPO / "sources.example.yaml")
    assert {s.kind for s in config.sources} == {"rss", "sitemap", "archive", "warc"}
    pools = json.loads((REPO / "airflow" / "pools.json").read_text())
    assert {s.pool for s in config.sources} <= set(pools)
