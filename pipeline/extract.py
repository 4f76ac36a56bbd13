"""One page to one article: trafilatura for body and metadata, plus the precise fields it leaves out.

The page is parsed once; the tree serves our own metadata reads, trafilatura's metadata functions and its body
extractor. trafilatura gives the body, title, authors, description and site name; the page's own metadata
(rel=canonical, og:url, article:published_time, JSON-LD datePublished) gives the canonical URL and a timestamp
with its timezone, which the partitioning by UTC day needs; htmldate's page-wide search runs only when the
page declares no date.

The body comes from trafilatura's fast pass (no readability/jusText comparison), which is as good as the full cascade on
most pages at two thirds of the cost (run through :mod:`pipeline.trafilatura_fast`: the same text as ``bare_extraction``
without the whole-page XPath searches that cannot match); only when it is far too short, covers less than half of the
words in the ``<p>`` elements of the page's main text block (the parent holding most paragraph words), or more than
twice those of all its ``<p>`` elements, does the full cascade run (measured in ``make eval``: it rescues the pages the
fast pass truncates). Measured against all of a page's paragraphs (teasers, other stories, footers), a complete body
looked truncated on one page in ten, and the re-run there cost time and on some pages took in a second story. Two rules
need the tree and run here: blocks that continue a story split by ads are appended (:mod:`pipeline.clean.continuation`),
and lines that are the text of the page's links to other stories go (:mod:`pipeline.clean.related_links`). A first body
line that repeats the page's ``<h1>`` goes too. What these rules remove comes back in ``Extracted.findings``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urljoin

import tldextract
import trafilatura
from courlan import normalize_url
from htmldate import find_date
import lxml.html
from lxml import etree
from trafilatura.json_metadata import extract_json
from trafilatura.metadata import examine_meta, extract_sitename, extract_title
from trafilatura.settings import Document as TrafilaturaMetadata, set_date_params

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.bylines import names_in_byline_block, split_authors
from pipeline.clean.continuation import continuation_paragraphs, paragraph_blocks
from pipeline.clean.related_links import drop_related_links
from pipeline.clean.title import site_keys, strip_site_suffix
from pipeline.document import Link
from pipeline.trafilatura_fast import body_text, json_ld_text, load_html, page_author

# The public-suffix list bundled with tldextract: never fetched at run time.
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)

# A body shorter than this many words is "far too short": try the fallback extraction.
MIN_BODY_WORDS = 40
# A fast-pass body with less than this share of the words in the <p> elements of the page's main text block may be
# truncated.
MIN_PARAGRAPH_COVERAGE = 0.5
# One with more than this multiple took text from outside them: often the fast pass's whole-page baseline.
MAX_PARAGRAPH_COVERAGE = 2.0
_WORD = re.compile(r"\w+")


# Comment threads and "more on this site" boxes, by the words sites put in their class or id in many languages
# (trafilatura's own lists are mostly English), and embedded social posts (a third party's text, quoted by the
# platform's embed code). A container holding the title or half the page's paragraphs is never pruned: "kommentar"
# or "commentary" may also name an opinion article itself.
_NOISE_MARKERS = ("comment", "kommentar", "commentaire", "comentario", "commento", "komentar", "коммент",
                  "reaction", "réaction", "reacties", "disqus", "leserbrief", "more-box", "related", "relacionad",
                  "correlat", "mehr-zum-thema", "lire-aussi", "leer-mas", "see-also", "recommend", "most-read",
                  "meistgelesen", "also-read", "read-more",
                  "twitter-tweet", "instagram-media", "tiktok-embed", "bluesky-embed", "reddit-embed", "threads-post")
_NOISE_CLASS = re.compile("|".join(re.escape(m) for m in _NOISE_MARKERS))
_NOISE_TAGS = ("div", "section", "aside", "ul", "ol", "footer", "li", "blockquote")


def prune_noise(tree: lxml.html.HtmlElement) -> None:
    """Remove comment threads and related-link boxes from the tree, in place (one pass; an XPath with these
    predicates cost more than the extraction itself). Pages repeat a few class and id pairs many times: each pair is
    judged once, and the paragraphs are counted only for a marked container."""
    paragraphs = None
    marked: dict[tuple[str | None, str | None], bool] = {}
    doomed = []
    for element in tree.iter(_NOISE_TAGS):
        names = (element.get("class"), element.get("id"))
        if (mark := marked.get(names)) is None:
            mark = marked[names] = bool(_NOISE_CLASS.search(f"{names[0] or ''} {names[1] or ''}".lower()))
        if not mark or any(True for _ in element.iter("h1", "article")):
            continue
        if paragraphs is None:
            paragraphs = sum(1 for _ in tree.iter("p"))
        if sum(1 for _ in element.iter("p")) < 0.5 * paragraphs:
            doomed.append(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the text that follows the element


@dataclass(frozen=True)
class ExtractOptions:
    """trafilatura's options, in one object (chosen by measurement in ``make eval``)."""

    favor_precision: bool = False
    favor_recall: bool = False
    include_comments: bool = False
    include_tables: bool = True

    def body(self, tree: etree._Element, url: str, fast: bool) -> str:
        return body_text(tree, url, fast=fast, include_comments=self.include_comments,
                         include_tables=self.include_tables, favor_precision=self.favor_precision,
                         favor_recall=self.favor_recall)


@dataclass
class Extracted:
    canonical_url: str
    site: str
    title: str | None
    description: str | None
    authors: list[str]
    published_at: dt.datetime | None
    paragraphs: list[str]
    html_lang: str | None = None
    findings: list[Finding] = field(default_factory=list)  # the lines the extraction-time rules removed
    links: list[Link] = field(default_factory=list)  # to other sites, and the declared URLs there
    bylines: list[str] = field(default_factory=list)  # short byline and meta lines (provenance reads them)


def registered_domain(url: str) -> str:
    """The publisher's registered domain (``www.thelimitedtimes.com`` -> ``thelimitedtimes.com``)."""
    parts = _TLD(url)
    if parts.domain and parts.suffix:
        return f"{parts.domain}.{parts.suffix}".lower()
    return (parts.domain or parts.ipv4 or "unknown").lower()


def canonicalise_url(url: str) -> str:
    """Normalised URL: lower-case host, no fragment, no tracking parameters."""
    try:
        normalised = normalize_url(url)
    except (ValueError, AttributeError):
        normalised = url
    # courlan keeps the fragment; it never names another document, so two URLs differing only there are one article.
    return urldefrag(normalised).url


def _canonical_from_tree(tree: etree._Element, url: str) -> str:
    """The page's rel=canonical or og:url when it is on the page's own site, else the page's URL. A canonical on
    another site names where the text came from (a republisher, a translation), not this page: taken as the
    identity, it gave the copy the original's article_id and partition, and one of the two was lost."""
    for xpath in ('//link[@rel="canonical"]/@href', '//meta[@property="og:url"]/@content'):
        values = [v.strip() for v in tree.xpath(xpath) if v and v.strip()]
        if values:
            candidate = urljoin(url, values[0])
            if candidate.startswith(("http://", "https://")) and registered_domain(candidate) == registered_domain(url):
                return canonicalise_url(candidate)
    return canonicalise_url(url)


def parse_timestamp(value: str) -> dt.datetime | None:
    """An ISO 8601 timestamp as UTC; a naive one is taken as UTC, a date alone as midnight UTC."""
    value = value.strip()
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return parsed.astimezone(dt.timezone.utc)


# The page's JSON-LD blocks, read for our own fields and for trafilatura's metadata.
_JSON_LD_BLOCKS = etree.XPath('//script[@type="application/ld+json"]/text()', smart_strings=False)


def _json_ld_values(tree: etree._Element, key: str) -> list[str]:
    """Every string value of ``key`` anywhere in the page's JSON-LD blocks, in document order."""
    values: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            value = node.get(key)
            if isinstance(value, str):
                values.append(value)
            for child in node.values():
                walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    for script in _JSON_LD_BLOCKS(tree):
        try:
            walk(json.loads(script))
        except ValueError:
            continue
    return values


# Where pages declare their publication time, most specific first; each is read only when those before it gave none.
_PUBLISHED_META = etree.XPath('//meta[@property="article:published_time"]/@content', smart_strings=False)
_PUBLISHED_ITEMPROP = etree.XPath('//meta[@itemprop="datePublished"]/@content', smart_strings=False)
_PUBLISHED_NAMED = etree.XPath('//meta[@name="date" or @name="pubdate" or @name="publish-date"]/@content',
                               smart_strings=False)
_PUBLISHED_TIME = etree.XPath("//article//time/@datetime | //time[@itemprop='datePublished']/@datetime",
                              smart_strings=False)
_ANY_TIME = etree.XPath("//time/@datetime", smart_strings=False)


def _published_values(tree: etree._Element) -> Iterator[str]:
    yield from _PUBLISHED_META(tree)
    yield from _PUBLISHED_ITEMPROP(tree)
    yield from _json_ld_values(tree, "datePublished")
    yield from _PUBLISHED_NAMED(tree)
    yield from _PUBLISHED_TIME(tree)
    yield from _ANY_TIME(tree)


def _published_from_tree(tree: etree._Element) -> dt.datetime | None:
    for value in _published_values(tree):
        if parsed := parse_timestamp(value):
            return parsed
    return None


def _html_lang(tree: etree._Element) -> str | None:
    from pipeline.language import declared_language

    for xpath in ("/html/@lang", "/html/@xml:lang", '//meta[@property="og:locale"]/@content',
                  '//meta[@http-equiv="content-language" or @http-equiv="Content-Language"]/@content'):
        for value in tree.xpath(xpath):
            if code := declared_language(value):
                return code
    return None


def _metadata(tree: etree._Element) -> TrafilaturaMetadata:
    """trafilatura's title, author, description and site name (its meta tags, JSON-LD, then markup), without the
    categories, tags, licence and date search that ``extract_metadata`` adds and this pipeline does not use."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:  # a single token is a handle, not a name (as trafilatura)
        metadata.author = None
    for script in _JSON_LD_BLOCKS(tree):
        # Unlike trafilatura, a block that is not valid JSON is skipped: its regex salvage of broken JSON costs
        # ~0.1 s on some pages for little gain.
        try:
            metadata = extract_json(json.loads(json_ld_text(script), strict=False), metadata)
        except (ValueError, AttributeError, TypeError):  # not JSON, or JSON of a shape trafilatura's reader trips on
            continue
    metadata.title = metadata.title or extract_title(tree)
    metadata.author = metadata.author or page_author(tree)
    metadata.sitename = metadata.sitename or extract_sitename(tree)
    return metadata


# Where sites put the byline when their metadata names no author: the class of its block.
_BYLINE_CLASS = re.compile(r"author|byline|autor|auteur|meta|info|signature|firma")
# Where sites say where the text came from, outside the body: a kicker above the headline ("From the Asahi Shimbun"),
# a source line below it ("Originally appeared in El País"). Provenance reads them; they name no author. Not a
# picture's credit ("image__credits": "Tomer Appelbaum/Haaretz" is who took the photo, not where the text came from).
_SOURCE_CLASS = re.compile(r"kicker|eyebrow|overline|attribution|source|origin|quelle|fuente|fonte|kaynak")
_PICTURE_CLASS = re.compile(r"image|img|photo|foto|picture|caption|figure|credit")
MAX_BYLINE_BLOCKS = 12


# A byline or meta line longer than this is not one (provenance reads the shorter ones); nor is a block with code in it.
MAX_BYLINE_WORDS = 20
_CODE = re.compile(r"[{}<>=]")


def _byline_blocks(tree: etree._Element) -> list[tuple[str, bool]]:
    """(text, whether a byline) of the first blocks whose class says byline or meta, and of the first whose class
    says source or kicker, in page order (each class value judged once; each kind capped on its own, so that source
    classes cannot crowd out the byline)."""
    marked: dict[str, str | None] = {}
    taken: Counter[str] = Counter()
    blocks = []
    for element in tree.iter("p", "div", "span", "address"):
        if not (names := element.get("class")):
            continue
        if names not in marked:
            lowered = names.lower()
            marked[names] = "byline" if _BYLINE_CLASS.search(lowered) else \
                "source" if _SOURCE_CLASS.search(lowered) and not _PICTURE_CLASS.search(lowered) else None
        kind = marked[names]
        if kind is None or taken[kind] >= MAX_BYLINE_BLOCKS or any(True for _ in element.iterdescendants("p")):
            continue
        taken[kind] += 1
        blocks.append((" ".join(element.itertext()), kind == "byline"))
        if len(taken) == 2 and min(taken.values()) >= MAX_BYLINE_BLOCKS:
            break
    return blocks


def _byline_authors(blocks: list[tuple[str, bool]]) -> list[str]:
    return next((names for block, byline in blocks if byline and (names := names_in_byline_block(block))), [])


def _page_date(tree: etree._Element, url: str) -> dt.datetime | None:
    """The page's declared publication time, else htmldate's search over the whole page (a day)."""
    if published := _published_from_tree(tree):
        return published
    day = find_date(tree, **{**set_date_params(True), "url": url})
    return parse_timestamp(day) if day else None


def _body(tree: etree._Element, url: str, options: ExtractOptions) -> str:
    text = options.body(tree, url, fast=True)
    words = len(_WORD.findall(text))
    blocks = paragraph_blocks(tree)
    in_paragraphs, in_main_block = sum(blocks.values()), max(blocks.values(), default=0)
    covered = MIN_PARAGRAPH_COVERAGE * in_main_block <= words <= MAX_PARAGRAPH_COVERAGE * in_paragraphs
    if words < MIN_BODY_WORDS or not covered:
        text = options.body(tree, url, fast=False) or text
    if len(_WORD.findall(text)) < MIN_BODY_WORDS:
        text = _fallback_body(tree, url, options) or text
    return "\n".join([text, *continuation_paragraphs(blocks, text)])


def _fallback_body(tree: etree._Element, url: str, options: ExtractOptions) -> str:
    """When the first extraction is empty or far too short: the page's JSON-LD articleBody or a recall-first pass."""
    bodies = sorted(_json_ld_values(tree, "articleBody"), key=len, reverse=True)
    recall = trafilatura.extract(tree, url=url, favor_recall=True, include_tables=options.include_tables,
                                 include_comments=False) or ""
    candidates = [recall, *(b.replace("\r", "") for b in bodies[:1])]
    return max(candidates, key=lambda text: len(_WORD.findall(text)))


def split_paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def _without_headline(paragraphs: list[str], tree: etree._Element) -> tuple[list[str], list[Finding]]:
    """The body without a first line that is the text of one of the page's ``<h1>`` (the headline is the title's),
    and that line as a finding."""
    first = " ".join(paragraphs[0].split()) if paragraphs else ""
    if any(" ".join(h1.text_content().split()) == first for h1 in tree.iter("h1")):
        return paragraphs[1:], [Finding.removed(ArtifactKind.HEADLINE_REPEAT, paragraphs[0])]
    return paragraphs, []


# Links that may name a page's origin kept per page at most (in page order). Only a link alone on a short line (an
# attribution line) can; links in the page's navigation, header, footer and asides are not the article's.
MAX_EXTERNAL_LINKS = 40
MAX_LINK_TEXT_CHARS = 120
_PAGE_CHROME = frozenset({"nav", "header", "footer", "aside"})
_LINE_TAGS = frozenset({"p", "li", "div", "span", "td", "figcaption", "small", "em", "h2", "h3", "h4", "h5", "h6"})
# A block with more child elements than this is no single line (and its text is not worth collecting).
MAX_LINE_CHILDREN = 4


def _link_line(anchor: etree._Element) -> str:
    """The text of the short block the link stands in (an attribution line); "" when the block is longer, or the link
    is in the page's chrome."""
    line = None
    for ancestor in anchor.iterancestors():
        if ancestor.tag in _PAGE_CHROME:
            return ""
        if line is None and ancestor.tag in _LINE_TAGS:
            words = " ".join(ancestor.text_content().split()) if len(ancestor) <= MAX_LINE_CHILDREN else ""
            line = words if len(words.split()) <= MAX_BYLINE_WORDS else ""
    return line or ""


def _declared_urls(tree: etree._Element) -> dict[str, str]:
    """The head's own statements of the page's URL and of its original (Google News' syndication tags): the first
    of each, by the name provenance knows it by ("rel=canonical", "og:url", "original-source")."""
    found: dict[str, str] = {}
    head = tree.find("head")
    for element in head.iter("link", "meta") if head is not None else ():
        if element.tag == "link" and (element.get("rel") or "").lower() == "canonical":
            found.setdefault("rel=canonical", element.get("href") or "")
        elif element.get("property") == "og:url":
            found.setdefault("og:url", element.get("content") or "")
        elif element.get("name") in ("original-source", "syndication-source"):
            found.setdefault("original-source", element.get("content") or "")
    return found


def external_links(tree: etree._Element, url: str) -> list[Link]:
    """The page's declared URLs (as text "rel=canonical" / "og:url" / "original-source") and its links alone on a
    short line, that lead off the registered domain of ``url`` (the site that served the page)."""
    site = registered_domain(url)
    domains: dict[str, str] = {}

    def elsewhere(href: str) -> str | None:
        href = href.strip()
        absolute = href if href.startswith(("http://", "https://")) else urljoin(url, href)
        if not absolute.startswith(("http://", "https://")):
            return None
        host = absolute.split("/", 3)[2].rpartition("@")[2].partition(":")[0].lower()
        if host == site or host.endswith(f".{site}"):
            return None
        if host not in domains:
            domains[host] = registered_domain(f"http://{host}/")
        return absolute if domains[host] != site else None

    found = [Link(absolute, name) for name, value in _declared_urls(tree).items() if value and (absolute := elsewhere(value))]
    for anchor in tree.iter("a"):
        href = anchor.get("href") or ""
        if not href.startswith(("http:", "https:", "//")) or not (absolute := elsewhere(href)) or \
                not (line := _link_line(anchor)):
            continue  # a relative link stays on the site
        text = " ".join(anchor.text_content().split())[:MAX_LINK_TEXT_CHARS]
        found.append(Link(absolute, text, (anchor.get("hreflang") or anchor.get("lang") or "").strip(), line))
        if len(found) >= MAX_EXTERNAL_LINKS:
            break
    return found


def extract_article(html: str, url: str, options: ExtractOptions = ExtractOptions()) -> Extracted | None:
    """Body and metadata of one page, or None when it has no HTML tree or no body."""
    # trafilatura's own loader (it repairs faulty markup its extractor is tuned on); it copies the tree it is given.
    tree = load_html(html)
    if tree is None:
        return None
    if not options.include_comments:
        prune_noise(tree)
    text = _body(tree, url, options)
    if not text:
        return None
    metadata = _metadata(tree)
    canonical = _canonical_from_tree(tree, url)
    site = registered_domain(canonical)
    title = strip_site_suffix((metadata.title or "").strip(), site_keys(site, metadata.sitename)) or None
    paragraphs, headline = _without_headline(split_paragraphs(text), tree)
    paragraphs, related_links = drop_related_links(paragraphs, tree)
    bylines = _byline_blocks(tree)
    return Extracted(
        canonical_url=canonical,
        site=site,
        title=title,
        description=(metadata.description or "").strip() or None,
        authors=split_authors(metadata.author) or _byline_authors(bylines),
        published_at=_page_date(tree, url),
        paragraphs=paragraphs,
        html_lang=_html_lang(tree),
        findings=[*headline, *related_links],
        links=external_links(tree, url),
        bylines=[" ".join(block.split()) for block, _ in bylines
                 if len(block.split()) <= MAX_BYLINE_WORDS and not _CODE.search(block)],
    )
