"""Near-duplicate marking, decoding of mislabelled pages, and the process pool's deterministic order (language
detection is tested in test_language.py)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from pipeline.decode import decode_html
from pipeline.dedup import MarkDuplicates, NearDuplicateIndex
from pipeline.document import Document, Page, stable_id
from pipeline.parallel import segments
from pipeline.recipe import default_steps
from pipeline.steps import DecodeHtml, run_steps

FETCHED = dt.datetime(2022, 1, 7, tzinfo=dt.timezone.utc)
STORY = ("The city council approved a new budget on Monday that raises spending on schools and public transport "
         "while cutting the cost of administration, after a debate that lasted well into the night and ended "
         "with a narrow vote of twenty-one to nineteen. The mayor said the plan would be reviewed in the autumn "
         "when the figures for the first half of the year are known, and that no service would be closed.")


def _doc(n: int, text: str) -> Document:
    page = Page(url=f"https://site{n % 2}.example/{n}", body=b"", fetched_at=FETCHED, source_name="t")
    return Document(page=page, crawl_day=FETCHED.date(), canonical_url=page.url, paragraphs=[text])


def test_near_duplicates_point_to_the_first_copy() -> None:
    edited = STORY + " Updated at ten."  # the same story with a small edit
    other = ("Heavy rain flooded several streets in the old town overnight, and the fire brigade pumped water out "
             "of dozens of cellars while the river rose to its highest level in ten years, officials said on "
             "Tuesday morning, warning that more rain was expected before the weekend.")
    docs = list(MarkDuplicates().run([_doc(0, STORY), _doc(1, edited), _doc(2, other), _doc(3, STORY)], Counter()))
    first = docs[0].article_id
    assert [d.duplicate_of for d in docs] == [None, first, None, first]


def test_an_article_is_never_its_own_duplicate() -> None:
    index, first, second = NearDuplicateIndex(), stable_id("https://a.example/1"), stable_id("https://b.example/1")
    edited = STORY + " Updated at ten."
    assert index.find_or_add(first, STORY) is None
    assert index.find_or_add(first, STORY) is None  # the same page twice: an exact match with itself
    assert index.find_or_add(first, edited) is None  # a near match with itself
    assert index.find_or_add(second, edited) == first


def test_utf8_bytes_under_a_single_byte_label_decode_as_utf8() -> None:
    body = '<meta charset="iso-8859-15"><p>Crónica</p>'.encode()
    assert decode_html(body)[0].endswith("<p>Crónica</p>")
    legacy = '<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251")
    assert "Привет" in decode_html(legacy)[0]


def test_segments_split_around_stream_steps() -> None:
    steps = default_steps()
    ranges = segments(steps)
    assert ranges[0][0] == 0 and ranges[-1][1] == len(steps)
    assert all(a < b for a, b in ranges)


def test_pool_keeps_input_order_and_counts() -> None:
    pages = [Page(url=f"https://x.example/{i}", body=b"<html><body><p>hi</p></body></html>" if i % 3 else b"",
                  fetched_at=FETCHED, source_name="t", headers=(("Content-Type", "text/html"),)) for i in range(40)]
    stats: Counter[str] = Counter()
    docs = list(run_steps([Document(page=p, crawl_day=FETCHED.date()) for p in pages], [DecodeHtml()], stats, 2))
    assert [d.page.url for d in docs] == [p.url for p in pages if p.body]
    assert stats["skipped_empty"] == 14
