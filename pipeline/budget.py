"""Limits on one page's work: how much input is read, how much HTML is parsed, how much text is kept, and how much
CPU time one step may spend on the page.

The size limits come first and decide almost every case: they are deterministic (the same page gives the same
output on any machine), and they bound what no signal can interrupt (lxml's parser is C code, and a Python signal
handler runs only when it returns). Where the time goes on a huge page is roughly linear in its size (parse, our cleaning
and language detection on its text), except trafilatura's, which grows faster than the number of elements; so
bounding the HTML parsed (its bytes and its tags) bounds extraction, and bounding the text kept every later step.

- A page over ``max_input_bytes`` is skipped (``skipped_too_large``); the CLI reads no more than that.
- A page over ``max_html_bytes`` or ``max_html_tags`` first loses what never holds article text (scripts other than
  JSON-LD, styles, inline SVG, templates, noscript blocks, comments); if it is still over, it is cut at a tag start
  within both limits, and the cut is recorded (a ``page_cut`` finding and count).
- A body over ``max_text_chars`` keeps its first paragraphs up to the limit (``text_cut``).
- The time budget is the backstop: a per-page step that spends more than ``max_step_seconds`` of CPU time on one
  page is stopped there and the page is skipped (``skipped_too_slow``). CPU time, not wall time, so that a machine
  busy with other work does not skip more pages; still, how much a page costs depends on the machine, so a page
  that hits this budget can make the output machine-dependent, which the size limits above are there to avoid.
  It is measured with ``ITIMER_PROF`` (user and system CPU of the process; a pool worker runs one page at a time),
  and not ``SIGALRM``, which Airflow's task timeout uses in the task process. Signals can only be handled in the
  main thread: run elsewhere, a step has the size limits but no time budget.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from pipeline.artifacts import ArtifactKind, Finding


@dataclass(frozen=True)
class PageLimits:
    """The limits on one page's work (defaults chosen against ``make bench``'s big-page runs: see the README)."""

    # The WARC reader stops at 8 MiB a record and the crawler at 50 MiB decompressed; this is the CLI's cap, and
    # every source's, on what a step is ever handed.
    max_input_bytes: int = 64 * 2**20
    # Parsing and extracting 2 MiB of text-dense HTML took about 2.5 s of CPU on the development machine; the
    # largest of the 258 development pages is 1.1 MB once its scripts and styles are out.
    max_html_bytes: int = 2 * 2**20
    # trafilatura's cost grows faster than the number of elements (a page of 35,000 small spans: 5.7 s; of 70,000:
    # 19.5 s), so the elements are limited too, counted as tag starts; the largest development page has 8,093.
    max_html_tags: int = 25_000
    # About 30,000 English words: longer than long-form journalism, short enough that every later step stays cheap.
    max_text_chars: int = 200_000
    # Far above a normal page's cost on any step (tens of milliseconds), a margin over the cost of a page at the
    # size limits above; 0 means no time budget.
    max_step_seconds: float = 20.0


DEFAULT_LIMITS = PageLimits()
# The findings that record a cut these limits made; each is counted in the run's stats too, under its kind.
CUT_KINDS = frozenset({ArtifactKind.PAGE_CUT, ArtifactKind.TEXT_CUT})

# Elements whose content is never article text. JSON-LD scripts stay: metadata and a fallback body come from them.
_NON_TEXT_OPEN = re.compile(rb"<(script|style|svg|template|noscript)\b[^>]*>|<!--", re.IGNORECASE)
_CLOSE = {tag: re.compile(rb"</" + tag + rb"\s*>", re.IGNORECASE)
          for tag in (b"script", b"style", b"svg", b"template", b"noscript")}
_COMMENT_CLOSE = re.compile(rb"-->")
_JSON_LD = re.compile(rb"ld\+json", re.IGNORECASE)


def strip_non_text(html: bytes) -> bytes:
    """``html`` without its scripts (but JSON-LD), styles, inline SVG, templates, noscript blocks and comments. One
    pass: each element's end is searched once from its start, and an element that never ends keeps the rest (so a
    page of unclosed tags costs one scan, not one per tag)."""
    kept: list[bytes] = []
    position = 0
    while match := _NON_TEXT_OPEN.search(html, position):
        tag = match.group(1)
        if tag is not None and tag.lower() == b"script" and _JSON_LD.search(match.group()):
            kept.append(html[position:match.end()])
            position = match.end()
            continue
        close = (_CLOSE[tag.lower()] if tag is not None else _COMMENT_CLOSE).search(html, match.end())
        if close is None:
            break
        kept.append(html[position:match.start()])
        position = close.end()
    kept.append(html[position:])
    return b"".join(kept)


# A cut goes back at most this far to a tag's start: more would lose text to keep markup whole.
TAG_WINDOW_BYTES = 64 * 1024


def limit_html(html: bytes, max_bytes: int, max_tags: int) -> tuple[bytes, Finding | None]:
    """``html`` within ``max_bytes`` and ``max_tags`` tag starts: as it is when it fits; else without what never
    holds text, and if that is still over, cut before the first tag over the limit and at the last tag start before
    the byte limit (so no tag or character is cut in two; without a tag start near it, at a UTF-8 character's
    start), with a finding that records the cut."""
    if len(html) <= max_bytes and html.count(b"<") <= max_tags:
        return html, None
    stripped = strip_non_text(html)
    end = len(stripped)
    if stripped.count(b"<") > max_tags:
        end = -1
        for _ in range(max_tags + 1):
            end = stripped.find(b"<", end + 1)
    if end > max_bytes:
        end = stripped.rfind(b"<", max(0, max_bytes - TAG_WINDOW_BYTES), max_bytes + 1)
        if end <= 0:  # no tag starts near the limit (a long text): cut at the limit, not inside a UTF-8 character
            end = max_bytes
            while end > 0 and stripped[end] & 0xC0 == 0x80:
                end -= 1
    if end == len(stripped):
        return stripped, None
    cut = stripped[:end]
    return cut, Finding(ArtifactKind.PAGE_CUT, f"parsed the first {len(cut):,} bytes ({cut.count(b'<'):,} tags) of "
                                               f"{len(html):,} ({len(stripped):,} without scripts, styles and "
                                               "comments)")


def limit_paragraphs(paragraphs: list[str], max_chars: int) -> tuple[list[str], Finding | None]:
    """The first paragraphs up to ``max_chars`` characters (the first one cut at a space if it alone is longer),
    with a finding that records the cut; all of them when they fit."""
    total = sum(map(len, paragraphs))
    if total <= max_chars:
        return paragraphs, None
    kept: list[str] = []
    room = max_chars
    for paragraph in paragraphs:
        if len(paragraph) > room:
            break
        kept.append(paragraph)
        room -= len(paragraph)
    if not kept:
        head = paragraphs[0][:max_chars]
        kept = [head[:head.rfind(" ")] if " " in head else head]
    kept_chars = sum(map(len, kept))
    return kept, Finding(ArtifactKind.TEXT_CUT, f"kept {kept_chars:,} of {total:,} characters "
                                                f"({len(kept):,} of {len(paragraphs):,} paragraphs)")


class PageTooSlow(BaseException):
    """Raised in a step that spent its CPU budget on one page. A BaseException, so that no library's
    ``except Exception`` swallows it midway."""


# Once the budget is spent the timer fires again at this interval, in case a library swallowed the first one.
REFIRE_SECONDS = 0.5
_armed = False


def _on_timer(signum: int, frame: object) -> None:
    if _armed:  # a signal delivered after the budget was disarmed is late, not a timeout
        raise PageTooSlow()


@contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    """Raise :class:`PageTooSlow` in the block once this process has spent ``seconds`` of CPU time in it (no
    budget when ``seconds`` is 0, or outside the main thread, where signals cannot be handled)."""
    global _armed
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _on_timer)
    _armed = True
    signal.setitimer(signal.ITIMER_PROF, seconds, REFIRE_SECONDS)
    try:
        yield
    finally:
        _armed = False
        signal.setitimer(signal.ITIMER_PROF, 0)
        if previous not in (signal.SIG_DFL, None):  # SIGPROF's default kills: a late one must find ours, unarmed
            signal.signal(signal.SIGPROF, previous)
