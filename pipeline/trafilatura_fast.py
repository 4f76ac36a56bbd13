"""trafilatura's page loading, body text, author search and JSON-LD reading at a lower cost, with the same output.

Pinned to trafilatura 2.3.1 (``requirements.txt``): with another version, or other XPaths or settings than the ones
this module was written against (checked at import: ``ENABLED``), every function here calls trafilatura's own.
``tests/test_trafilatura_fast.py`` compares each with trafilatura's on the sample and fixture pages and on pages made
to take each shortcut; the 258 fundus pages give the same articles too.

:func:`body_text` is ``bare_extraction(...).text``. ``bare_extraction`` spends a fifth of its time in four XPath
searches over the whole page whose ``re:test`` predicates call back into Python once per element (and build an element
proxy for each attribute they read): the raw-tree prunes of ``trafilatura_sequence`` (``RAW_TREE_PRUNE_XPATH``,
``REMOVE_COMMENTS_AND_LISTS_XPATH``) and the page measure of its recall escalation (``html2txt``, whose
``BASIC_CLEAN_XPATH`` looks for cookie banners). On almost every page they match nothing. Here every ``class`` and
``id`` value of the page is read once, in C, and each search's regular expressions are tried on those values (after a
scan for a substring every match holds, faster still); a search runs only when one of them could match (the original
search, unchanged), so the result is the same element for element. A search the values rule out is skipped, and so is
the copy of the page ``bare_extraction`` makes for the prunes to modify. :func:`_sequence` is
``trafilatura.core.trafilatura_sequence`` with comments off (this pipeline's setting; with comments on
:func:`body_text` calls ``bare_extraction``) with these changes and nothing else: the stages are trafilatura's own.

:func:`page_author` is ``trafilatura.metadata.extract_author`` (~10 ms: its searches run over a pruned copy of the
page), answered None at once on a page where no element or attribute value holds what any of its searches needs (two
pages in five of those that declare no author). :func:`json_ld_text` is the text trafilatura's metadata reader parses
from a JSON-LD block, made without a Python callback per character or per match. :func:`load_html` parses a page as
trafilatura's ``load_html`` does, into a tree whose element proxies lxml makes without calling Python.
"""

from __future__ import annotations

import re
from copy import copy
from html import unescape

import trafilatura
from lxml.etree import ElementDefaultClassLookup, XPath, _Element
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction, fromstring
from trafilatura import core, settings, utils, xpaths
from trafilatura.baseline import _spaced_text, baseline, html2txt
from trafilatura.core import _extract_and_compare, _forum_thread_page, _prepare_tree, _recall_retry, justext_rescue
from trafilatura.htmlprocessing import prune_unwanted_nodes
from trafilatura.json_metadata import JSON_UNICODE_REPLACE, normalize_json
from trafilatura.metadata import JSON_MINIFY, extract_author
from trafilatura.settings import DEFAULT_CONFIG, Extractor
from trafilatura.utils import HTML_STRIP_TAGS, is_dubious_html, repair_faulty_html, trim
from trafilatura.xml import delete_element, xmltotxt

PINNED_VERSION = "2.3.1"

# trafilatura's parser (utils.HTML_PARSER, same options) with the element classes chosen in C. lxml.html's own lookup
# is a Python method called for every element proxy (thousands a page, in trafilatura's tree walks), and the special
# classes it picks for form elements serve form handling, which extraction does not use: every element is an
# HtmlElement here.
_PARSER = HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True)
_PARSER.set_element_class_lookup(ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))

# Every class and id value of a page, as plain strings (no element proxies).
_CLASS_VALUES = XPath(".//@class", smart_strings=False)
_ID_VALUES = XPath(".//@id", smart_strings=False)

# What each search's regular expressions look for in a class or id, as trafilatura writes them (its XPaths
# must contain these strings: checked at import). The values are searched joined by newlines, in MULTILINE mode: a
# match inside one value is a match in the joined text (``^`` holds at each value's start, ``(?!ary)`` at its end).
_SCROLL = "mvp-post-add-(?:box|wrap)|infinite-?scroll"
_SHARE_BUTTONS = "elementor-share-buttons"
_COMMENTS_ID = f"^(?:{xpaths._COMMENTS_ID}|disqus_thread|dsq-comments)"
_COMMENTS_CLASS = xpaths._COMMENTS_CLASS
_COOKIE = settings._COOKIE_CONSENT_RE
_RAW_PRUNE = re.compile(f"{_SCROLL}|{_SHARE_BUTTONS}", re.MULTILINE)
_COMMENTS = re.compile(f"{_COMMENTS_ID}|{_COMMENTS_CLASS}", re.MULTILINE)
_COOKIE_BANNER = re.compile(_COOKIE, re.MULTILINE | re.IGNORECASE)
# The same without IGNORECASE, for lower-cased ASCII text (there IGNORECASE is ASCII case alone); 6 times faster.
_COOKIE_BANNER_LOWER = re.compile(_COOKIE, re.MULTILINE)
# Text every match of a pattern holds: a scan for these is 20 times faster than the pattern's, which runs only after.
_RAW_PRUNE_NEEDLES = ("mvp-post-add-", "infinite", _SHARE_BUTTONS)
_COMMENTS_NEEDLES = ("omment", "comol", "disqus_thread")
# BASIC_CLEAN_XPATH without its cookie-banner branch: the same elements when no class or id names a banner.
_BASIC_CLEAN_TAGS = (".//aside|.//div[contains(@class|@id, 'footer')]|.//fencedframe|.//footer|.//script|.//style"
                     "|.//svg|.//template")
_BASIC_CLEAN_WITHOUT_BANNERS = XPath(_BASIC_CLEAN_TAGS)
_COOKIE_TEST = f"re:test(@class, '{_COOKIE}', 'i') or re:test(@id, '{_COOKIE}', 'i')"

# extract_author's searches (AUTHOR_XPATHS) are made of these tests and patterns (checked at import). Each needs a
# ``rel`` or ``author`` element, or one of the needles in a value of the attributes they read: "author" (any case)
# holds "uthor", "byline" "byl", "Byline" "yline".
_AUTHOR_TESTS = ("@rel='author'", "@id='author'", "@class='author'", "@itemprop='author name'", "rel='me'",
                 "@data-testid='AuthorCard'", "@data-testid='AuthorURL'", "@class='byline'", "@class='username'",
                 "@class='byl'", "@class='BBL'", "contains(@itemprop, 'author')", "contains(@data-component, 'Byline')")
_AUTHOR_PATTERNS = ("author-?name|AuthorName|authorName", "author|zuozhe|bianji|xiaobian",
                    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name", "[Aa]uthor",
                    "[Aa]uthor|screenname|writer|[Bb]yline")
_AUTHOR_NEEDLES = ("uthor", "byl", "yline", "username", "BBL", "zuozhe", "bianji", "xiaobian", "channel-name",
                   "submitted-by", "posted-by", "journalist-name", "screenname", "writer")
_AUTHOR_VALUES = XPath("//@class|//@id|//@rel|//@itemprop|//@data-testid|//@data-component", smart_strings=False)
_AUTHOR_ELEMENTS = ("rel", "author")

# JSON_MINIFY.sub(r"\1", text) keeps the JSON strings and drops the spaces outside them; Python 3.11 calls back into
# Python to expand the template for every string and space. findall keeps the same pieces in C: strings, runs without
# a space or a quote, and a quote that opens no string (JSON_MINIFY copies those as they are); spaces match nothing.
_JSON_MINIFY_PATTERN = r'("(?:\\.|[^"\\])*")|\s'
_JSON_PIECES = re.compile(r'"(?:\\.|[^"\\])*"|[^\s"]+|"')
_SURROGATES = re.compile("[\ud800-\udfff]")


def _written_against() -> bool:
    """Whether the installed trafilatura is the one this module reproduces."""
    raw_paths = [e.path for e in xpaths.RAW_TREE_PRUNE_XPATH]
    comment_paths = [e.path for e in xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH]
    basic = settings.BASIC_CLEAN_XPATH.path
    return (trafilatura.__version__ == PINNED_VERSION
            and len(raw_paths) == 2 and _SCROLL in raw_paths[0] and _SHARE_BUTTONS in raw_paths[1]
            and len(comment_paths) == 1 and _COMMENTS_ID in comment_paths[0] and _COMMENTS_CLASS in comment_paths[0]
            and basic == f"{_BASIC_CLEAN_TAGS}|.//*[{_COOKIE_TEST}]"
            and Extractor().max_tree_size is None
            and JSON_MINIFY.pattern == _JSON_MINIFY_PATTERN and JSON_MINIFY.flags == re.UNICODE
            and _author_searches_are(" ".join(e.path for e in xpaths.AUTHOR_XPATHS)))


def _author_searches_are(paths: str) -> bool:
    """Whether AUTHOR_XPATHS are the three searches made of the tests and patterns above (and no others)."""
    rest = " ".join(paths.split())
    for pattern in _AUTHOR_PATTERNS:
        rest = rest.replace(f"re:test(@id, '{pattern}')", "").replace(f"re:test(@class, '{pattern}')", "")
    for test in (*_AUTHOR_TESTS, "|//author"):
        rest = rest.replace(test, "")
    tags = re.sub(r"self::\w+|//\*|\bor\b|[\[\]()\s]", "", rest)
    return len(xpaths.AUTHOR_XPATHS) == 3 and tags == ""


ENABLED = _written_against()


def load_html(html: str) -> HtmlElement | None:
    """trafilatura's ``load_html`` for a decoded page (repairs, checks and fallbacks as its own), with the parser
    above."""
    if not ENABLED:
        return utils.load_html(html)
    beginning = html[:50].lower()
    check_flag = is_dubious_html(beginning)
    html = repair_faulty_html(html, beginning)
    tree, fallback_parse = None, False
    try:
        tree = fromstring(html, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree, fallback_parse = _fromstring_bytes(html), True
    except Exception as err:  # as trafilatura
        utils.LOGGER.error("lxml parsing failed: %s", err)
    if (tree is None or len(tree) < 1) and not fallback_parse:
        tree = _fromstring_bytes(html)
    if tree is not None and check_flag and len(tree) < 2:
        utils.LOGGER.error("parsed tree length: %s, wrong data type or not valid HTML", len(tree))
        tree = None
    return tree


def _fromstring_bytes(html: str) -> HtmlElement | None:
    try:
        return fromstring(html.encode("utf8", "surrogatepass"), parser=_PARSER)
    except Exception as err:  # as trafilatura
        utils.LOGGER.error("lxml parser bytestring %s", err)
    return None


def _may_match(values: str, needles: tuple[str, ...], pattern: re.Pattern[str]) -> bool:
    return any(needle in values for needle in needles) and pattern.search(values) is not None


def _names_a_banner(values: str) -> bool:
    if values.isascii():
        return _COOKIE_BANNER_LOWER.search(values.lower()) is not None
    return _COOKIE_BANNER.search(values) is not None


def _page_text_length(tree: HtmlElement, values: str) -> int:
    """``len(html2txt(tree))``; without its cookie-banner search when none of the class and id ``values`` names one."""
    if _names_a_banner(values):
        return len(html2txt(tree))
    tree = copy(tree)
    body = tree.find(".//body")
    if body is None:
        body = tree
    for element in _BASIC_CLEAN_WITHOUT_BANNERS(body):
        delete_element(element)
    return len(_spaced_text(body))


def _sequence(tree: HtmlElement, options: Extractor, url: str | None) -> tuple[_Element, str]:
    """``trafilatura_sequence`` with comments off: body element and text. ``tree`` is left unchanged."""
    is_forum = _forum_thread_page(tree)
    prune_comments = options.focus == "precision" or not is_forum
    values = "\n".join(_CLASS_VALUES(tree) + _ID_VALUES(tree))
    if (_may_match(values, _RAW_PRUNE_NEEDLES, _RAW_PRUNE)
            or (prune_comments and _may_match(values, _COMMENTS_NEEDLES, _COMMENTS))):
        tree = prune_unwanted_nodes(copy(tree), xpaths.RAW_TREE_PRUNE_XPATH)
        if prune_comments:
            tree = prune_unwanted_nodes(tree, xpaths.REMOVE_COMMENTS_AND_LISTS_XPATH)
    cleaned_tree, cleaned_tree_backup = _prepare_tree(tree, options, url)
    if options.focus == "precision" and not is_forum:
        cleaned_tree = prune_unwanted_nodes(cleaned_tree, xpaths.REMOVE_COMMENTS_XPATH)

    postbody, temp_text = _extract_and_compare(cleaned_tree, cleaned_tree_backup, tree, options)

    if len(temp_text) < options.min_extracted_size and options.focus != "precision":
        b_body, b_text, b_len = baseline(tree)
        if b_len > len(temp_text):
            postbody, temp_text = b_body, b_text

    if (options.focus == "balanced" and 0 < len(temp_text) < core.ESCALATION_MAX_LENGTH
            and len(temp_text) < core.ESCALATION_PAGE_SHARE * _page_text_length(tree, values)):
        r_options = copy(options)
        r_options.focus = "recall"
        r_text = ""
        try:
            r_body, r_text = _recall_retry(tree, r_options, url)
        except Exception as err:  # as trafilatura: a failed retry keeps the first result
            core.LOGGER.warning("recall retry failed: %s %s", err, url)
        j_text = ""
        if not options.fast:
            try:
                j_body, j_text = justext_rescue(copy(tree), options)
            except Exception as err:  # as trafilatura
                core.LOGGER.warning("justext candidate failed: %s %s", err, url)
        len_text, r_len, j_len = len(temp_text), len(r_text), len(j_text)
        if j_len > r_len and j_len > core.ESCALATION_JUSTEXT_RATIO * len_text:
            postbody, temp_text = j_body, j_text
        elif r_len >= options.min_extracted_size and r_len > core.ESCALATION_ACCEPT_RATIO * len_text:
            postbody, temp_text = r_body, r_text
    return postbody, temp_text


def body_text(tree: HtmlElement, url: str, *, fast: bool, favor_precision: bool = False, favor_recall: bool = False,
              include_comments: bool = False, include_tables: bool = True) -> str:
    """``bare_extraction(tree, ...).text``, or "" where it returns None; ``tree`` is left unchanged."""
    if not ENABLED or include_comments:
        result = trafilatura.bare_extraction(
            tree, url=url, fast=fast, include_comments=include_comments, include_tables=include_tables,
            favor_precision=favor_precision, favor_recall=favor_recall)
        return (result.text or "") if result is not None else ""
    # bare_extraction's options for these arguments.
    options = Extractor(config=DEFAULT_CONFIG, output_format="python", fast=fast, precision=favor_precision,
                        recall=favor_recall, comments=False, tables=include_tables, url=url)
    try:
        postbody, temp_text = _sequence(tree, options, options.url)
    except (TypeError, ValueError):
        core.LOGGER.warning("discarding data: %s", options.source)
        return ""
    # bare_extraction's size check (no comments: their size is 0).
    if len(temp_text) < options.min_output_size and 0 < options.min_output_comm_size:
        return ""
    return xmltotxt(postbody, options.formatting) or ""


def page_author(tree: HtmlElement) -> str | None:
    """trafilatura's ``extract_author(tree)``. It searches a pruned copy of the page (~10 ms); when no element or
    attribute value of the page holds what its searches need, none of the copy can, and the answer is None at once."""
    if ENABLED and next(tree.iter(_AUTHOR_ELEMENTS), None) is None:
        values = "\n".join(_AUTHOR_VALUES(tree))
        if not any(needle in values for needle in _AUTHOR_NEEDLES):
            return None
    return extract_author(tree)


def json_ld_text(script: str) -> str:
    """A JSON-LD block as trafilatura's metadata reader prepares it for ``json.loads``:
    ``normalize_json(JSON_MINIFY.sub(r"\\1", script))``, with the minifying done by findall (above) and the lone
    surrogates removed by a regex instead of a Python loop over every character (~0.5 ms a page together)."""
    if not ENABLED:
        return normalize_json(JSON_MINIFY.sub(r"\1", script))
    string = "".join(_JSON_PIECES.findall(script))
    if "\\" in string:  # normalize_json, line for line
        string = string.replace("\\n", "").replace("\\r", "").replace("\\t", "")
        string = JSON_UNICODE_REPLACE.sub(lambda match: chr(int(match[1], 16)), string)
        string = _SURROGATES.sub("", string)
        string = unescape(string)
    return trim(HTML_STRIP_TAGS.sub("", string))
