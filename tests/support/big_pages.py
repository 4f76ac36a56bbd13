"""Synthetic huge news pages, for the page-limit fault tests and the big-page benchmark: the layout of a news page
(navigation, an article, a footer) grown to any size with what makes real ones huge: many paragraphs, deeply nested
blocks, a giant data table and a framework's inline state script. Deterministic for a seed."""

from __future__ import annotations

import io
import random
from collections.abc import Iterable
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

_WORDS = ("the government said on monday that its new plan for the region would take effect next year after months "
          "of talks between ministers unions and business leaders who had warned about rising costs for families "
          "while opposition parties called the proposal a missed chance to reform the tax system before the election "
          "in spring when voters will decide whether the coalition deserves another term in office").split()


def _sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return "<p>" + " ".join(_sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 5))) + "</p>"


def _nested(rng: random.Random, depth: int) -> str:
    return '<div class="block">' * depth + _paragraph(rng) + "</div>" * depth


def _table_rows(rng: random.Random, rows: int = 200) -> str:
    return "".join(f"<tr><td>{rng.randint(1, 99999)}</td><td>{_sentence(rng, 4)}</td><td>{rng.random():.4f}</td></tr>"
                   for _ in range(rows))


def _state_script(rng: random.Random, items: int = 400) -> str:
    entries = ",".join(f'{{"id":{rng.randint(1, 10**9)},"teaser":"{_sentence(rng, 12)}"}}' for _ in range(items))
    return f'<script id="__APP_STATE__">window.__STATE__={{"items":[{entries}]}};</script>'


def big_page(size: int, seed: int = 0, title: str = "A very long page", script_share: float = 0.25,
             table_share: float = 0.25, nested_every: int = 10, depth: int = 120) -> bytes:
    """A UTF-8 news page of at least ``size`` bytes: ``script_share`` of it inline state scripts, ``table_share`` a
    data table, and the rest the article's paragraphs, every ``nested_every``-th of them inside ``depth`` nested
    blocks."""
    rng = random.Random(seed)
    head = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | Example News</title>'
            '<meta property="article:published_time" content="2024-01-01T09:30:00Z">'
            '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"name": "Jane Example"}}'
            '</script></head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>'
            f'<article><h1>{title}</h1>')
    parts, total = [head], len(head)
    scripts = table = 0
    index = 0
    while total < size:
        if scripts < total * script_share:
            chunk = _state_script(rng)
            scripts += len(chunk)
        elif table < total * table_share:
            chunk = "<table>" + _table_rows(rng) + "</table>"
            table += len(chunk)
        else:
            index += 1
            chunk = _nested(rng, depth) if index % nested_every == 0 else _paragraph(rng)
        parts.append(chunk)
        total += len(chunk)
    parts.append("</article><footer><p>Copyright Example News</p></footer></body></html>")
    return "".join(parts).encode("utf-8")


# The two huge pages of the fault tests and the benchmark: a long article whose framework state makes it big (over
# the byte limit once its scripts are out), and a data page of a giant table and deep nesting (over the tag limit).
def huge_article(size: int, seed: int = 0) -> bytes:
    return big_page(size, seed, script_share=0.5, table_share=0.0, nested_every=50, depth=20)


def huge_data_page(size: int, seed: int = 0) -> bytes:
    return big_page(size, seed, script_share=0.1, table_share=0.5, nested_every=10, depth=120)


def write_warc(path: Path, pages: Iterable[tuple[str, bytes]], date: str = "2024-01-01T12:00:00Z") -> None:
    """``pages`` (URL, HTML) as the response records of one uncompressed WARC file."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=False)
        for url, html in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html),
                                                          http_headers=headers, warc_headers_dict={"WARC-Date": date}))
