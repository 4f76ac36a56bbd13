"""The held-out fixtures (tests/fixtures/mt_heldout, tests/fixtures/translation_pairs) are well-formed.

Only the shape of the data is checked here: manifests, files, counts and body lengths. Nothing in this file runs
a detector; the pages exist to evaluate them, never to tune them (see each folder's README.md).
"""
import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
import yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MT_DIR = FIXTURES / "mt_heldout"
PAIRS_DIR = FIXTURES / "translation_pairs"

MT_KEYS = {"file", "url", "site", "layout", "kind", "is_machine_translated", "origin_outlet", "language"}
PAIR_KEYS = {"original", "original_url", "original_language", "translation", "translation_url"}
NEGATIVE_KEYS = {"a", "a_url", "b", "b_url"}
PAIR_LANGUAGES = {"he", "ru", "de", "uk"}
MIN_BODY_WORDS = 150
MAX_DAYS_APART = 2
# Text blocks: paragraphs, and divs that hold text rather than other blocks (div-soup layouts).
BLOCK_TAGS = {"p", "div"}


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _parse(path):
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # every page is UTF-8
    assert re.match(r"\s*<!doctype html", text, re.IGNORECASE), f"{path.name}: no doctype"
    return lxml.html.document_fromstring(raw, parser=lxml.html.HTMLParser(encoding="utf-8"))


def body_words(doc):
    """Words in the largest run of sibling text blocks: the article body, whatever the markup."""
    best = 0
    for element in doc.iter():
        words = 0
        for child in element:
            if not isinstance(child.tag, str) or child.tag not in BLOCK_TAGS:
                continue
            if any(d.tag in BLOCK_TAGS for d in child.iterdescendants() if isinstance(d.tag, str)):
                continue
            words += len(child.text_content().split())
        best = max(best, words)
    return best


def published(doc):
    """The publication time the page declares in its head (meta, og/article tags or JSON-LD)."""
    for xpath in ('//meta[@property="article:published_time"]/@content', '//meta[@name="date"]/@content',
                  '//meta[@itemprop="datePublished"]/@content', '//time[@itemprop="datePublished"]/@datetime'):
        values = doc.xpath(xpath)
        if values:
            return dt.datetime.fromisoformat(values[0])
    for script in doc.xpath('//script[@type="application/ld+json"]/text()'):
        data = json.loads(script)
        if "datePublished" in data:
            return dt.datetime.fromisoformat(data["datePublished"])
    raise AssertionError("no publication date in the page's meta tags")


def _check_page(folder, file, url):
    path = folder / file
    assert path.is_file(), f"missing {file}"
    doc = _parse(path)
    assert doc.xpath("//head/title/text()"), f"{file}: no <title>"
    assert doc.xpath('//meta[starts-with(@property, "og:")]'), f"{file}: no og: tags"
    assert urlsplit(url).scheme in {"http", "https"} and urlsplit(url).hostname, f"{file}: bad url {url!r}"
    assert body_words(doc) >= MIN_BODY_WORDS, f"{file}: body of {body_words(doc)} words"
    return doc


# ------------------------------------------------------------------------------------------------ mt_heldout

@pytest.fixture(scope="module")
def mt_entries():
    entries = _load(MT_DIR / "manifest.yaml")
    assert isinstance(entries, list) and entries
    return entries


def test_mt_entries_have_the_required_keys_and_consistent_labels(mt_entries):
    for entry in mt_entries:
        assert MT_KEYS <= entry.keys(), f"{entry.get('file')}: missing {MT_KEYS - entry.keys()}"
        assert entry["kind"] in {"aggregator", "native"}
        assert isinstance(entry["is_machine_translated"], bool)
        assert re.fullmatch(r"[a-z]{2}", entry["language"])
        if entry["kind"] == "aggregator":
            assert entry["is_machine_translated"] and isinstance(entry["origin_outlet"], str) and entry["origin_outlet"]
        else:
            assert not entry["is_machine_translated"] and entry["origin_outlet"] is None
        assert urlsplit(entry["url"]).hostname == entry["site"], f"{entry['file']}: url not on its site"


def test_mt_every_page_exists_parses_and_has_a_long_body(mt_entries):
    for entry in mt_entries:
        _check_page(MT_DIR, entry["file"], entry["url"])
    files = sorted(str(p.relative_to(MT_DIR)) for p in MT_DIR.rglob("*.html"))
    assert files == sorted(e["file"] for e in mt_entries), "pages and manifest disagree"
    assert len({e["url"] for e in mt_entries}) == len(mt_entries), "duplicate urls"


def test_mt_layout_counts(mt_entries):
    layouts = defaultdict(list)
    for entry in mt_entries:
        layouts[(entry["kind"], entry["layout"])].append(entry)
    for (kind, layout), pages in layouts.items():
        assert len({p["site"] for p in pages}) == 1, f"layout {layout} spans several sites"
        low, high = (4, 6) if kind == "aggregator" else (3, 5)
        assert low <= len(pages) <= high, f"{kind} layout {layout}: {len(pages)} pages"
    aggregators = [pages for (kind, _), pages in layouts.items() if kind == "aggregator"]
    natives = [pages for (kind, _), pages in layouts.items() if kind == "native"]
    assert len(aggregators) >= 6 and len(natives) >= 6
    assert sum(all(not p.get("provenance") for p in pages) for pages in aggregators) >= 1, \
        "no aggregator layout without provenance"
    assert len({pages[0]["language"] for pages in natives} - {"en"}) >= 2, "natives: fewer than two other languages"


# ------------------------------------------------------------------------------------------------ translation_pairs

@pytest.fixture(scope="module")
def pairs_manifest():
    manifest = _load(PAIRS_DIR / "manifest.yaml")
    assert isinstance(manifest, dict) and {"pairs", "negatives"} <= manifest.keys()
    return manifest


def _within_days(doc_a, doc_b, label):
    apart = abs(published(doc_a) - published(doc_b))
    assert apart <= dt.timedelta(days=MAX_DAYS_APART), f"{label}: published {apart} apart"


def test_pairs_are_well_formed(pairs_manifest):
    pairs = pairs_manifest["pairs"]
    assert len(pairs) >= 10
    for pair in pairs:
        assert PAIR_KEYS <= pair.keys(), f"{pair}: missing {PAIR_KEYS - pair.keys()}"
        assert pair["original_language"] in PAIR_LANGUAGES
        original = _check_page(PAIRS_DIR, pair["original"], pair["original_url"])
        translation = _check_page(PAIRS_DIR, pair["translation"], pair["translation_url"])
        assert original.get("lang", "").startswith(pair["original_language"]), f"{pair['original']}: html lang"
        assert urlsplit(pair["original_url"]).hostname != urlsplit(pair["translation_url"]).hostname
        _within_days(original, translation, pair["translation"])
    assert len({p["original_language"] for p in pairs}) >= 3, "originals in fewer than three languages"
    assert len({p["translation"] for p in pairs}) == len(pairs)


def test_negatives_are_well_formed(pairs_manifest):
    negatives = pairs_manifest["negatives"]
    assert len(negatives) >= 5
    linked = {(p["original"], p["translation"]) for p in pairs_manifest["pairs"]}
    for negative in negatives:
        assert NEGATIVE_KEYS <= negative.keys(), f"{negative}: missing {NEGATIVE_KEYS - negative.keys()}"
        a = _check_page(PAIRS_DIR, negative["a"], negative["a_url"])
        b = _check_page(PAIRS_DIR, negative["b"], negative["b_url"])
        assert negative["a"] != negative["b"] and (negative["a"], negative["b"]) not in linked
        _within_days(a, b, negative["b"])


def test_pair_folder_has_no_stray_pages(pairs_manifest):
    listed = {p[k] for p in pairs_manifest["pairs"] for k in ("original", "translation")}
    listed |= {n[k] for n in pairs_manifest["negatives"] for k in ("a", "b")}
    assert sorted(str(p.relative_to(PAIRS_DIR)) for p in PAIRS_DIR.rglob("*.html")) == sorted(listed)
