"""The machine-translation development pages (tests/fixtures/mt_dev_layouts) are well formed and complete."""

from __future__ import annotations

from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mt_dev_layouts"
KEYS = {"file", "url", "site", "layout", "kind", "is_machine_translated", "origin_outlet", "language",
        "source_language", "provenance"}
# Where a page names its origin; the outlet's name is visible in the text for all but the link/meta kinds.
VISIBLE_PROVENANCE = {"end_line", "byline", "title_suffix", "kicker", "meta_line", "first_sentence", "source_parens"}
LINK_PROVENANCE = {"canonical", "og_url", "link_to_original", "domain_parens"}
# Chrome and link text (menus, related lists) do not count towards the article body.
NOT_BODY = {"head", "script", "style", "nav", "header", "footer", "aside", "a", "noscript", "amp-consent"}
VOID = {"meta", "link", "img", "br", "hr", "input", "source", "col", "area", "base", "wbr"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.doctype = False
        self.lang = None
        self.meta: dict[str, str] = {}
        self.canonical = None
        self.title = ""
        self.hrefs: list[str] = []
        self.body_words = 0
        self.text: list[str] = []
        self._open: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower().startswith("doctype html")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif tag == "meta" and (a.get("property") or a.get("name")):
            self.meta[a.get("property") or a.get("name")] = a.get("content") or ""
        elif tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "link" and a.get("rel") == "canonical":
            self.canonical = a.get("href")
        if tag not in VOID:
            self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            while self._open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] == "title":
            self.title += data
        self.text.append(data)
        if not NOT_BODY.intersection(self._open):
            self.body_words += len(data.split())


def _manifest() -> list[dict]:
    return yaml.safe_load((FIXTURES / "manifest.yaml").read_text(encoding="utf-8"))["pages"]


def _parse(entry: dict) -> Page:
    page = Page()
    page.feed((FIXTURES / entry["file"]).read_bytes().decode("utf-8"))
    page.close()
    return page


def test_counts_per_kind_and_site() -> None:
    pages_by_site: dict[tuple[str, str], int] = defaultdict(int)
    for entry in _manifest():
        pages_by_site[(entry["kind"], entry["site"])] += 1
    aggregators = [n for (kind, _), n in pages_by_site.items() if kind == "aggregator"]
    natives = [n for (kind, _), n in pages_by_site.items() if kind == "native"]
    assert len(aggregators) == 8 and all(4 <= n <= 5 for n in aggregators)
    assert len(natives) == 6 and all(3 <= n <= 4 for n in natives)


def test_two_aggregator_sites_name_no_origin() -> None:
    named: dict[str, set[bool]] = defaultdict(set)
    for entry in _manifest():
        if entry["kind"] == "aggregator":
            named[entry["site"]].add(bool(entry["provenance"]))
    assert sorted(site for site, flags in named.items() if flags == {False}) == [
        "world-newsflash24.com", "worldnowdaily.net"]


@pytest.mark.parametrize("entry", _manifest(), ids=lambda e: e["file"])
def test_entry_is_consistent_with_its_page(entry: dict) -> None:
    assert set(entry) == KEYS
    assert (FIXTURES / entry["file"]).is_file()
    assert urlsplit(entry["url"]).hostname == entry["site"]
    assert entry["kind"] in {"aggregator", "native"}
    provenance = entry["provenance"]
    assert set(provenance) <= VISIBLE_PROVENANCE | LINK_PROVENANCE and len(set(provenance)) == len(provenance)
    if entry["kind"] == "native":
        assert (entry["is_machine_translated"], entry["origin_outlet"], entry["source_language"], provenance) == (
            False, None, None, [])
    else:
        assert entry["is_machine_translated"] is True and entry["language"] == "en"
        assert entry["source_language"] and entry["source_language"] != "en"
        assert (entry["origin_outlet"] is None) == (not provenance)

    page = _parse(entry)
    assert page.doctype and page.title.strip()
    if page.lang:  # old table layouts omit it, as real ones do
        assert page.lang.lower().split("-")[0] == entry["language"]
    assert page.meta.get("article:published_time") and page.meta.get("og:title")
    assert page.body_words >= 150, f"{entry['file']}: {page.body_words} words outside chrome and links"
    text = " ".join(page.text)
    if set(provenance) & VISIBLE_PROVENANCE:
        assert entry["origin_outlet"] in text
    if "link_to_original" in provenance:
        assert any(urlsplit(href).hostname not in {None, entry["site"]} for href in page.hrefs)
    foreign = {"canonical": page.canonical, "og_url": page.meta.get("og:url")}
    for kind, href in foreign.items():
        # A canonical/og:url on the page's own host is ordinary; on another host it names the origin.
        assert (urlsplit(href or entry["url"]).hostname != entry["site"]) == (kind in provenance)
