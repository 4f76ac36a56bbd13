"""Links to other stories in the body: headline lists, "Read more: <headline>" lines, trailing link blocks.

trafilatura keeps a link's text and drops the link, so "Lesen Sie auch: <headline>", "- <headline>" teaser lists
and the "More from ..." block under the story read like article lines. What gives them away is on the page: the line
(without a list dash or a short lead label) is the text of one of its links, or most of one (the teaser of a
"You might also like" card whose link holds headline, date and teaser). Such a line goes when it is a list
item, has a lead label ("ALSO READ:", "Les også:", "MORE :", "FUNDA OLUNYE UDABA LAPHA |"), or belongs to the run of
link lines that ends the body. A story paragraph with a link in it is mostly not link text and stays, and so does
a linked subheading inside the story (no dash, no label, not at the end).

This rule runs inside extraction (:func:`pipeline.extract.extract_article`): it needs the page's links. Each line it
removes is a ``related_link`` finding.
"""

from __future__ import annotations

import re

from lxml import etree

from pipeline.artifacts import ArtifactKind, Finding, remove_lines

# A link's text must be this long to count: "Home", "More", "Share" match too many lines by chance.
MIN_LINK_WORDS = 3
# The share of a line's characters one link's text must cover (kicker and headline run together in some cards).
MIN_LINK_COVERAGE = 0.8
# The share of a link's text a line inside it must be: the teaser of a card, not a page wrapped in one link.
MIN_CARD_SHARE = 0.5
LIST_ITEM_PREFIX = "- "
# A short lead label before the headline: "Read more:", "À lire aussi :", "Czytaj więcej |".
_LABEL = re.compile(r"^[^\W\d][^:|]{0,40}?\s*[:|]\s+")


def _squash(text: str) -> str:
    return " ".join(text.split())


def link_texts(tree: etree._Element) -> set[str]:
    """The text of every link on the page with at least ``MIN_LINK_WORDS`` words, whitespace squashed."""
    texts = (_squash(a.text_content()) for a in tree.iter("a"))
    return {text for text in texts if text.count(" ") + 1 >= MIN_LINK_WORDS}


def _is_link_text(line: str, links: set[str]) -> bool:
    if line in links:
        return True
    for link in links:
        if len(link) >= len(line):  # a teaser card: headline, date and teaser all inside one link
            if len(line) >= MIN_CARD_SHARE * len(link) and line in link:
                return True
        elif len(link) >= MIN_LINK_COVERAGE * len(line) and link in line:
            return True
    return False


class _LinkLines:
    """Which lines are (mostly) the text of one of the page's links; the page's links are read on first need."""

    def __init__(self, tree: etree._Element) -> None:
        self._tree = tree
        self._links: set[str] | None = None

    def __call__(self, line: str) -> bool:
        if self._links is None:
            self._links = link_texts(self._tree)
        line = _squash(line)
        bare = line.removeprefix(LIST_ITEM_PREFIX)
        unlabelled = _LABEL.sub("", bare, count=1)
        return any(_is_link_text(text, self._links) for text in {line, bare, unlabelled})


def _is_marked(line: str) -> bool:
    return line.startswith(LIST_ITEM_PREFIX) or _LABEL.match(line) is not None


def drop_related_links(paragraphs: list[str], tree: etree._Element) -> tuple[list[str], list[Finding]]:
    """The paragraphs without lines that link to other stories (see the module's docstring), and those lines as
    findings."""
    is_link = _LinkLines(tree)
    end = len(paragraphs)
    while end > 1 and is_link(paragraphs[end - 1]):  # the trailing block; never the whole body
        end -= 1
    return remove_lines(paragraphs, lambda index, line: ArtifactKind.RELATED_LINK
                        if index >= end or (_is_marked(line) and is_link(line)) else None)
