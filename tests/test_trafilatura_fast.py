"""pipeline.trafilatura_fast gives trafilatura's body text and author, on real pages and where each skipped search
matters."""

from __future__ import annotations

from pathlib import Path

import pytest
import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.baseline import html2txt
from trafilatura.json_metadata import normalize_json
from trafilatura.metadata import JSON_MINIFY, extract_author
from trafilatura.utils import load_html

from pipeline import trafilatura_fast
from pipeline.decode import decode_html
from pipeline.trafilatura_fast import body_text
from tests.conftest import REPO, SAMPLE

PAGES = sorted([*(SAMPLE / "pages").rglob("*.html"), *(REPO / "tests" / "fixtures").rglob("*.html")])
MODES = [{"fast": True}, {"fast": False}, {"fast": True, "favor_recall": True}, {"fast": True, "favor_precision": True}]

FILLER = " ".join(f"Sentence {i} of the story tells what happened in the town that day." for i in range(4))
NAVIGATION = "".join(f"<li><a href='/s/{i}'>Section number {i} of the site with its long name</a></li>"
                     for i in range(60))


def _page(extra: str, body: str = FILLER) -> str:
    return (f"<html><head><title>T</title></head><body><nav><ul>{NAVIGATION}</ul></nav>"
            f"<article><h1>Headline</h1><p>{body}</p>{extra}</article><footer>Footer</footer></body></html>")


# Each of these makes one skipped search match: the original search must run and give the same text.
SYNTHETIC = {
    "comments": _page("<div id='comments'><p>A reader comment that is long enough to be a paragraph.</p></div>"),
    "comment list": _page("<ul class='comment-list'><li>A reader's comment in a list item of the thread.</li></ul>"),
    "infinite scroll": _page(f"<div class='infinite-scroll'><h2>Next story</h2><p>{FILLER}</p></div>"),
    "next article": _page(f"<div id='mvp-post-add-box'><h1>Other</h1><p>{FILLER}</p></div>"),
    "share buttons": _page("<div class='elementor-share-buttons'><p>Share this story with your friends now</p></div>"),
    "cookie banner": _page("<div class='CookieConsent-Banner'><p>We use cookies. Accept them all please.</p></div>"),
    # "commentary" names an opinion piece, not comments
    "no match": _page("<div class='commentary box'><p>An aside about the story that is long enough.</p></div>"),
}


def _bare(tree, url: str, **mode: bool) -> str:
    result = trafilatura.bare_extraction(tree, url=url, include_comments=False, **mode)
    return (result.text or "") if result is not None else ""


def test_written_against_the_installed_trafilatura() -> None:
    # When this fails trafilatura changed: body_text falls back to bare_extraction (correct, but slower); re-check
    # trafilatura_sequence against _sequence and update PINNED_VERSION and the searches' patterns.
    assert trafilatura_fast.ENABLED


def _decoded(path: Path) -> str:
    return decode_html(path.read_bytes(), "text/html")[0]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_same_text_as_bare_extraction(path: Path) -> None:
    html = _decoded(path)
    tree, theirs = trafilatura_fast.load_html(html), load_html(html)
    if theirs is None:  # a fixture that is not a page: neither loader makes a tree of it
        assert tree is None
        return
    before = etree.tostring(tree)
    for mode in MODES:
        assert body_text(tree, "https://example.org/a", **mode) == _bare(theirs, "https://example.org/a", **mode), mode
    assert etree.tostring(tree) == before  # the caller's tree is left as it was
    assert trafilatura_fast._page_text_length(tree, _values(tree)) == len(html2txt(tree))


@pytest.mark.parametrize("name", SYNTHETIC)
def test_same_text_where_a_search_matches(name: str) -> None:
    for body in (FILLER, "Short story."):  # a short one also takes the recall escalation and its page measure
        tree = load_html(SYNTHETIC[name].replace(FILLER, body, 1))
        for mode in MODES:
            assert body_text(tree, "https://example.org/a", **mode) == _bare(tree, "https://example.org/a", **mode)


def test_the_page_measure_needs_the_banner_search_where_a_banner_is_named() -> None:
    tree = load_html(SYNTHETIC["cookie banner"])
    assert trafilatura_fast._page_text_length(tree, _values(tree)) == len(html2txt(tree))
    assert trafilatura_fast._page_text_length(tree, "") != len(html2txt(tree))  # as if no value named a banner


def _values(tree) -> str:
    return "\n".join(trafilatura_fast._CLASS_VALUES(tree) + trafilatura_fast._ID_VALUES(tree))


# Class and id values that each alternative of the skipped searches' patterns matches, and values none matches.
RAW_PRUNE_VALUES = ["mvp-post-add-box", "x mvp-post-add-wrap", "infinite-scroll", "infinitescroll",
                    "elementor-share-buttons"]
COMMENTS_VALUES = ["comments", "Comment-form", "comol", "disqus_thread", "dsq-comments", "article-comments",
                   "x post-comments"]
BANNER_VALUES = ["cookie-banner", "COOKIE_CONSENT", "notice--cookie", "consent-manager", "Borlabs", "cookiebot",
                 "cmplz-x", "OneTrust", "moove_gdpr", "Cookie-Notice é", "conſent_manager"]
UNMATCHED_VALUES = ["commentary", "box comment-free-zone-ary", "cookies-info", "consent", "main"]


def test_searches_are_skipped_only_when_nothing_can_match() -> None:
    for value in RAW_PRUNE_VALUES:
        text = f"main\n{value}\nfooter"
        assert trafilatura_fast._RAW_PRUNE.search(value)
        assert trafilatura_fast._may_match(text, trafilatura_fast._RAW_PRUNE_NEEDLES, trafilatura_fast._RAW_PRUNE)
    for value in COMMENTS_VALUES:
        text = f"main\n{value}\nfooter"
        assert trafilatura_fast._COMMENTS.search(value)
        assert trafilatura_fast._may_match(text, trafilatura_fast._COMMENTS_NEEDLES, trafilatura_fast._COMMENTS)
    for value in BANNER_VALUES:
        assert trafilatura_fast._COOKIE_BANNER.search(value)
        assert trafilatura_fast._names_a_banner(f"main\n{value}\nfooter")
    text = "\n".join(UNMATCHED_VALUES)
    assert not trafilatura_fast._may_match(text, trafilatura_fast._RAW_PRUNE_NEEDLES, trafilatura_fast._RAW_PRUNE)
    assert not trafilatura_fast._may_match(text, trafilatura_fast._COMMENTS_NEEDLES, trafilatura_fast._COMMENTS)
    assert not trafilatura_fast._names_a_banner(text) and not trafilatura_fast._names_a_banner(text + " é")


# One page per test and pattern of trafilatura's author searches: each must reach extract_author.
AUTHOR_MARKUP = [
    "<a rel='author'>Jane Roe</a>", "<span id='author'>Jane Roe</span>", "<div class='author'>Jane Roe</div>",
    "<span itemprop='author name'>Jane Roe</span>", "<p>Jane Roe<rel>me</rel></p>",
    "<div data-testid='AuthorCard'>Jane Roe</div>", "<a data-testid='AuthorURL'>Jane Roe</a>",
    "<span class='byline'>Jane Roe</span>", "<span class='username'>Jane Roe</span>",
    "<span class='byl'>Jane Roe</span>", "<span class='BBL'>Jane Roe</span>",
    "<span itemprop='creator author'>Jane Roe</span>",
    "<div data-component='ArticleByline'>Jane Roe</div>", "<author>Jane Roe</author>",
    *(f"<span class='x {name}'>Jane Roe</span>" for name in (
        "authorname", "AuthorName", "authorName", "channel-name", "zuozhe", "bianji", "xiaobian", "submitted-by",
        "posted-by", "journalist-name", "Author", "screenname", "writer", "Byline")),
    *(f"<span id='x-{name}'>Jane Roe</span>" for name in ("author", "zuozhe", "bianji", "xiaobian", "Author")),
]


@pytest.mark.parametrize("markup", AUTHOR_MARKUP)
def test_page_author_reaches_every_author_search(markup: str) -> None:
    tree = load_html(f"<html><body><article><h1>Headline</h1>{markup}<p>{FILLER}</p></article></body></html>")
    assert trafilatura_fast.page_author(tree) == extract_author(tree) is not None


def test_page_author_without_author_markup_is_none_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = load_html(SYNTHETIC["no match"])
    assert extract_author(tree) is None
    monkeypatch.setattr(trafilatura_fast, "extract_author", lambda tree: pytest.fail("searched"))
    assert trafilatura_fast.page_author(tree) is None


@pytest.mark.parametrize("path", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_page_author_is_extract_author(path: Path) -> None:
    tree = load_html(path.read_bytes())
    if tree is None:  # a fixture that is not a page (checked above)
        return
    assert trafilatura_fast.page_author(tree) == extract_author(tree)


JSON_EDGES = [
    '{"a": "x\\\\\n y"}', '"unterminated  x', '{"a":"\\ud83d\\ude00 \\ud800 x", "b": "\\n\\t&amp; <b>bold</b>"}',
    ' " a " b "c\\" d" \t\n', 'a\\\n"b c"  "d', '{"k": [1, 2,\n 3]}', "", "  \u00a0\u2003 ",
]


def test_json_ld_text_is_trafilaturas() -> None:
    scripts = [s for path in PAGES if (tree := load_html(path.read_bytes())) is not None
               for s in tree.xpath('//script[@type="application/ld+json"]/text()')]
    assert len(scripts) >= 10
    for script in [*scripts, *JSON_EDGES]:
        assert trafilatura_fast.json_ld_text(script) == normalize_json(JSON_MINIFY.sub(r"\1", script)), script


LOAD_EDGES = [
    "", "   ", "<p>one paragraph</p>", "just text",
    '<?xml version="1.0" encoding="utf-8"?><html><body><p>x</p></body></html>',  # lxml refuses it as str: bytes
    "<html><body><p>a\x00b\x0bc\ufffe</p></body></html>", "<!DOCTYPE html>\n<html/>\n<body><p>x</p></body>",
    "<html><body><form><input value='v'><textarea>t</textarea></form></body></html>",
]


@pytest.mark.parametrize("html", [*LOAD_EDGES, *(_decoded(path) for path in PAGES)],
                         ids=[*map(repr, LOAD_EDGES), *(str(p.relative_to(REPO)) for p in PAGES)])
def test_load_html_is_trafilaturas(html: str) -> None:
    ours, theirs = trafilatura_fast.load_html(html), load_html(html)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)
        assert all(isinstance(element, HtmlElement) for element in ours.iter(etree.Element))
