"""Faults: huge pages. A 7 MB and a 50 MB page (synthetic news pages: many paragraphs, deep nesting, a giant table,
inline state scripts) are handled within the page limits (cut and counted, or skipped and counted) while every other
page of the run is kept as it is without them; the single-page CLI gives a clear result; a page over the CPU budget
is skipped and counted while the other worker goes on. Outcomes are asserted, never wall time."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipeline.artifacts import ArtifactKind
from pipeline.budget import DEFAULT_LIMITS, PageLimits, limit_html, limit_paragraphs, strip_non_text
from pipeline.config import load_sources
from pipeline.document import Document, Page
from pipeline.recipe import default_steps
from pipeline.runner import extract_shard, finish_source, run_source
from pipeline.steps import run_steps
from pipeline.storage import Storage
from pipeline.warcpages import Shard
from tests.conftest import SAMPLE
from tests.support.big_pages import huge_article, huge_data_page, write_warc

DAY = dt.date(2022, 1, 6)
BIG_URL = "https://big.example/news/huge-page"
HUGE_URL = "https://huge.example/news/huger-page"
MB = 10**6


@pytest.fixture(scope="module")
def pages() -> dict[str, bytes]:
    """A 7 MB article over the byte limit once its scripts are out, a 50 MB data page over the tag limit."""
    return {"7mb": huge_article(7 * MB, seed=7), "50mb": huge_data_page(50 * MB, seed=50)}


def test_non_text_elements_go_and_json_ld_stays() -> None:
    html = (b'<head><script type="application/ld+json">{"a": 1}</script><STYLE>p {}</STYLE></head><body>'
            b"<!-- a comment --><p>kept</p><svg><path/></svg><script>var x = '</p>';</Script ><p>also kept</p>"
            b"<noscript>enable it</noscript><template><p>t</p></template>")
    assert strip_non_text(html) == (b'<head><script type="application/ld+json">{"a": 1}</script></head><body>'
                                    b"<p>kept</p><p>also kept</p>")
    # an element that never ends keeps the rest of the page (one scan, whatever the number of such tags)
    assert strip_non_text(b"<p>a</p><script>x" + b"<script>" * 1000) == b"<p>a</p><script>x" + b"<script>" * 1000


def test_html_over_the_limit_is_stripped_then_cut_at_a_tag_start() -> None:
    page = b"<p>" + "é".encode() * 10 + b"</p>" + b"<script>" + b"x" * 100 + b"</script>"
    assert limit_html(page, len(page), 10) == (page, None)
    assert limit_html(page, 40, 10) == (page[:page.index(b"<script>")], None)  # nothing of the text lost: no finding
    cut, finding = limit_html(page, 26, 10)
    assert cut == b"<p>" + "é".encode() * 10 and finding.kind is ArtifactKind.PAGE_CUT
    assert finding.evidence == (f"parsed the first 23 bytes (1 tags) of {len(page)} "
                                "(27 without scripts, styles and comments)")
    cut, _ = limit_html(b"<p>" + "é".encode() * 10, 20, 10)  # no tag start to cut at: not inside a character either
    assert cut == b"<p>" + "é".encode() * 8
    text = b"<p>" + b"word " * 100_000  # a tag far before the limit: the text up to the limit is kept
    assert len(limit_html(text, 400_000, 10)[0]) == 400_000
    cells = b"<table>" + b"<tr><td>1</td></tr>" * 10  # over the tag limit: cut before the first tag over it
    cut, finding = limit_html(cells, 1000, 21)
    assert cut == b"<table>" + b"<tr><td>1</td></tr>" * 5 and "(21 tags)" in finding.evidence


def test_text_over_the_limit_keeps_its_first_paragraphs() -> None:
    assert limit_paragraphs(["aaaa", "bbbb"], 8) == (["aaaa", "bbbb"], None)
    kept, finding = limit_paragraphs(["aaaa", "bbbb", "cc"], 9)
    assert kept == ["aaaa", "bbbb"]
    assert finding.kind is ArtifactKind.TEXT_CUT and finding.evidence == "kept 8 of 10 characters (2 of 3 paragraphs)"
    assert limit_paragraphs(["one two three four"], 10)[0] == ["one two"]  # one too long alone: cut at a space


def _document(url: str, html: bytes) -> Document:
    fetched = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone.utc)
    page = Page(url=url, body=html, fetched_at=fetched, source_name="test",
                headers=(("Content-Type", "text/html; charset=utf-8"),))
    return Document(page=page, crawl_day=fetched.date())


def _sample_documents() -> list[Document]:
    return [_document(f"https://{path.parent.name}/{path.stem}", path.read_bytes())
            for path in sorted((SAMPLE / "pages").rglob("*.html"))]


def _run(docs: list[Document], limits: PageLimits = DEFAULT_LIMITS) -> tuple[list[Document], Counter[str]]:
    stats: Counter[str] = Counter()
    return list(run_steps(docs, default_steps(limits=limits), stats, processes=2)), stats


def test_a_7mb_and_a_50mb_page_among_normal_pages_are_cut_and_the_others_kept(pages: dict[str, bytes]) -> None:
    normal = _sample_documents()
    expected, expected_stats = _run(normal)
    docs = normal[:10] + [_document(BIG_URL, pages["7mb"])] + normal[10:20] + [_document(HUGE_URL, pages["50mb"])] \
        + normal[20:]
    got, stats = _run(docs)
    big = {doc.page.url: doc for doc in got if doc.page.url in (BIG_URL, HUGE_URL)}
    assert set(big) == {BIG_URL, HUGE_URL}
    for doc in big.values():
        assert ArtifactKind.PAGE_CUT in [finding.kind for finding in doc.findings]
        assert sum(map(len, doc.paragraphs)) <= DEFAULT_LIMITS.max_text_chars
        assert doc.title == "A very long page" and doc.language == "en"
    # the article's parsed 2 MiB hold more text than is kept; the data page's 25,000 tags do not
    assert ArtifactKind.TEXT_CUT in [finding.kind for finding in big[BIG_URL].findings]
    assert sum(map(len, big[BIG_URL].paragraphs)) > 0.9 * DEFAULT_LIMITS.max_text_chars
    assert stats - expected_stats == Counter({"page_cut": 2, "text_cut": 1})
    # every other page, in order, exactly as in the run without the huge pages
    others = [doc for doc in got if doc.page.url not in big]
    assert [doc.to_row() for doc in others] == [doc.to_row() for doc in expected]


def test_a_page_over_the_cpu_budget_is_skipped_while_the_other_worker_goes_on(pages: dict[str, bytes]) -> None:
    """The 7 MB page parsed whole (no HTML limit) costs several seconds of CPU in extraction on any machine; a budget
    of one second stops it there, and only it: normal pages cost tens of milliseconds a step."""
    limits = dataclasses.replace(DEFAULT_LIMITS, max_html_bytes=8 * 2**20, max_html_tags=10**6, max_step_seconds=1.0)
    normal = _sample_documents()
    expected, expected_stats = _run(normal, limits)
    got, stats = _run(normal[:5] + [_document(BIG_URL, pages["7mb"])] + normal[5:], limits)
    assert stats - expected_stats == Counter({"skipped_too_slow": 1})
    assert [doc.to_row() for doc in got] == [doc.to_row() for doc in expected]


def test_in_a_run_the_7mb_page_is_cut_the_50mb_page_skipped_and_shards_change_nothing(
        pages: dict[str, bytes], tmp_path: Path) -> None:
    """From WARC files, as a scheduled run reads them: the reader refuses the 50 MB record (over 8 MiB), the workers
    cut the 7 MB page; sharded or not, the dataset is the same, and without the big pages it only lacks their row."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    write_warc(inputs / "big.warc", [(BIG_URL, pages["7mb"]), (HUGE_URL, pages["50mb"])],
               date=f"{DAY.isoformat()}T12:00:00Z")
    sources = tmp_path / "sources.yaml"
    sample_warc = SAMPLE / "warc" / "{day}" / "*.warc.gz"
    sources.write_text(f"sources:\n  - name: big\n    kind: warc\n    paths: ['{sample_warc}', '{inputs}/big.warc']\n"
                       f"  - name: plain\n    kind: warc\n    paths: ['{sample_warc}']\n", encoding="utf-8")
    config = load_sources(sources)
    unsharded, sharded = tmp_path / "unsharded", tmp_path / "sharded"
    result = run_source(config, "big", DAY, unsharded, processes=2)
    assert result.counts["skipped_too_large"] == 1 and result.counts["page_cut"] == 1
    assert result.counts["text_cut"] == 1
    for index in range(2):
        extract_shard(config, "big", DAY, Storage(sharded), Shard(index, 2), processes=1)
    finish_source(config, "big", DAY, Storage(sharded), 2, processes=1)
    files = sorted(p.relative_to(unsharded) for p in (unsharded / "articles").rglob("*.parquet"))
    assert files == sorted(p.relative_to(sharded) for p in (sharded / "articles").rglob("*.parquet"))
    assert all((unsharded / f).read_bytes() == (sharded / f).read_bytes() for f in files)

    rows = pq.read_table(unsharded / "articles").to_pylist()
    (big,) = [row for row in rows if row["url"] == BIG_URL]
    assert big["word_count"] < DEFAULT_LIMITS.max_text_chars / 4
    assert {a["kind"] for a in big["artifacts"]} >= {"page_cut", "text_cut"}
    plain = tmp_path / "plain"
    run_source(config, "plain", DAY, plain, processes=2)
    without = {row["article_id"]: row["text"] for row in pq.read_table(plain / "articles").to_pylist()}
    assert {row["article_id"]: row["text"] for row in rows if row["url"] != BIG_URL} == without


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=600)


def test_cli_extract_of_a_50mb_page_gives_a_cut_record_and_says_so(pages: dict[str, bytes], tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    path.write_bytes(pages["50mb"])
    done = _cli("extract", str(path), "--url", HUGE_URL)
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert sum(map(len, record["text"].split("\n\n"))) <= DEFAULT_LIMITS.max_text_chars
    assert "page_cut" in {a["kind"] for a in record["artifacts"]}
    (page_cut,) = done.stderr.splitlines()
    assert re.fullmatch(rf"{re.escape(str(path))}: page_cut: parsed the first [\d,]+ bytes \(25,000 tags\) of "
                        rf"{len(pages['50mb']):,} \([\d,]+ without scripts, styles and comments\)", page_cut)


def test_cli_extract_refuses_a_page_over_the_input_limit_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "endless.html"
    with path.open("wb") as handle:
        handle.truncate(DEFAULT_LIMITS.max_input_bytes + 1)  # sparse: no disk used
    done = _cli("extract", str(path))
    assert done.returncode == 2
    assert done.stderr == (f"error: {path}: no article extracted (skipped_too_large: over "
                           f"{DEFAULT_LIMITS.max_input_bytes:,} bytes)\n")
