"""The rest of a story that ads split into several blocks: blocks of the same kind as the main one, after it.

Many sites cut the article body into blocks with one class ("body__inner-container", "articleBody") to put ads or
"read more" boxes between them; trafilatura's extractor often keeps the first block only, and the body ends in the
middle of the story. The main text block is the parent of the most paragraph words; a later element with its tag and
class, holding at least ``MIN_BLOCK_WORDS`` words of paragraphs and no line the extraction has, continues the
story: its paragraphs and subheadings are appended. A teaser box or footer has another class and is never appended.

This rule runs inside extraction (:func:`pipeline.extract.extract_article`): it needs the page's tree.
"""

from __future__ import annotations

import re
from collections import Counter

from lxml import etree

_WORD = re.compile(r"\w+")
# A continuation block holds at least this many words of paragraphs (a caption block with the same class does not).
MIN_BLOCK_WORDS = 40
_BLOCK_TEXT_TAGS = ("p", "h2", "h3", "h4")


def paragraph_blocks(tree: etree._Element) -> Counter[etree._Element]:
    """Words of ``<p>`` elements per parent element."""
    blocks: Counter[etree._Element] = Counter()
    for paragraph in tree.iter("p"):
        blocks[paragraph.getparent()] += len(_WORD.findall(paragraph.text_content()))
    return blocks


def _lines(block: etree._Element) -> list[str]:
    texts = (" ".join(element.text_content().split()) for element in block.iterchildren(_BLOCK_TEXT_TAGS))
    return [text for text in texts if text]


def continuation_paragraphs(blocks: Counter[etree._Element], text: str) -> list[str]:
    """Paragraphs of the blocks that continue the main text block and are missing from ``text``."""
    if not blocks:
        return []
    main, _ = blocks.most_common(1)[0]
    kind = main.get("class")
    extracted = " ".join(text.split())
    first = _lines(main)[:1]
    if not kind or not first or first[0] not in extracted:  # the extraction is not from the main block
        return []
    following: list[str] = []
    after_main = False
    for block in main.getroottree().iter(main.tag):  # document order
        if block is main:
            after_main = True
        elif after_main and block.get("class") == kind and blocks[block] >= MIN_BLOCK_WORDS:
            lines = _lines(block)
            if not any(line in extracted for line in lines):  # a block the extraction has no line of
                following.extend(lines)
    return following
