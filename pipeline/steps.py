"""Pipeline steps: small units with one job each, composed as a list (the datatrove model; the default list is
:func:`pipeline.recipe.default_steps`).

A step's :meth:`Step.run` takes and yields documents. Per-document steps subclass :class:`DocumentStep` and
implement :meth:`DocumentStep.process`, returning the document or ``None`` with a counted reason to drop it; an
exception in one document is counted and logged, and the run goes on. Each call of a per-document step has the CPU
budget of its :class:`~pipeline.budget.PageLimits` (``skipped_too_slow`` past it), and the cuts the size limits make
are counted as they are recorded.
"""

from __future__ import annotations

import dataclasses
import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import ClassVar

from pipeline.budget import (CUT_KINDS, DEFAULT_LIMITS, PageLimits, PageTooSlow, cpu_budget, limit_html,
                             limit_paragraphs)
from pipeline.decode import decode_html
from pipeline.document import Document, count_words
from pipeline.extract import ExtractOptions, extract_article
from pipeline.language import detect_language, paragraph_languages, warm_up_language

log = logging.getLogger(__name__)

# Pages whose body has fewer words are not articles (listings, stubs, error pages).
MIN_ARTICLE_WORDS = 40

_HTML_TYPES = ("text/html", "application/xhtml+xml")
class Skip(Exception):
    """Raised by a step to drop a document for a counted reason (``stats["skipped_<reason>"]``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Step(ABC):
    name: ClassVar[str]

    @abstractmethod
    def run(self, docs: Iterable[Document], stats: Counter[str]) -> Iterator[Document]: ...


class DocumentStep(Step):
    """A step that handles one document at a time (and so can run in worker processes)."""

    # The limits on one page's work; :func:`pipeline.recipe.default_steps` gives every step of its list the same.
    limits: PageLimits = DEFAULT_LIMITS

    def warm_up(self) -> None:
        """Load what the step needs once, before worker processes are forked (they share it copy-on-write)."""

    @abstractmethod
    def process(self, doc: Document) -> Document: ...

    def run(self, docs: Iterable[Document], stats: Counter[str]) -> Iterator[Document]:
        for doc in docs:
            url, findings = doc.page.url, len(doc.findings)
            try:
                with cpu_budget(self.limits.max_step_seconds):
                    doc = self.process(doc)
            except Skip as skip:
                stats[f"skipped_{skip.reason}"] += 1
                log.info("skip %s: %s", url, skip.reason)
            except PageTooSlow:
                stats["skipped_too_slow"] += 1
                log.warning("skip %s: step %s spent over %s s of CPU on it", url, self.name,
                            self.limits.max_step_seconds)
            except Exception:  # one bad page must not sink the run: count it, log it, go on
                stats[f"failed_{self.name}"] += 1
                log.exception("step %s failed on %s", self.name, url)
            else:
                stats.update(str(f.kind) for f in doc.findings[findings:] if f.kind in CUT_KINDS)
                yield doc


class DecodeHtml(DocumentStep):
    """Keep successful HTML responses within the size limits and decode them to text."""

    name = "decode"

    def process(self, doc: Document) -> Document:
        page = doc.page
        if not 200 <= page.status < 300:
            raise Skip(f"http_{page.status}")
        content_type = page.header("Content-Type")
        if content_type and content_type.split(";")[0].strip().lower() not in _HTML_TYPES:
            raise Skip("not_html")
        if len(page.body) > self.limits.max_input_bytes:
            raise Skip("too_large")
        body, cut = limit_html(page.body, self.limits.max_html_bytes, self.limits.max_html_tags)
        if not body.strip():
            raise Skip("empty")
        if cut is not None:
            doc.findings.append(cut)
        doc.html, doc.encoding = decode_html(body, content_type)
        return doc


class ExtractArticle(DocumentStep):
    """Body and metadata with trafilatura; pages without an article body are dropped."""

    name = "extract"

    def __init__(self, options: ExtractOptions = ExtractOptions()) -> None:
        self.options = options

    def process(self, doc: Document) -> Document:
        extracted = extract_article(doc.html, doc.page.url, self.options)
        doc.html = ""  # the tree is parsed; keep memory flat over long runs
        if extracted is None:
            raise Skip("no_article")
        doc.canonical_url = extracted.canonical_url
        doc.site = extracted.site
        doc.title = extracted.title
        doc.description = extracted.description
        doc.authors = extracted.authors
        doc.published_at = extracted.published_at
        doc.paragraphs, cut = limit_paragraphs(extracted.paragraphs, self.limits.max_text_chars)
        doc.html_lang = extracted.html_lang
        doc.links = extracted.links
        doc.bylines = extracted.bylines
        doc.findings.extend(extracted.findings)
        if cut is not None:
            doc.findings.append(cut)
        # The body is parsed: dropping the bytes keeps memory flat and makes the document cheap to pass on.
        doc.page = dataclasses.replace(doc.page, body=b"")
        return doc


class DetectLanguage(DocumentStep):
    """Language of the body and of each paragraph long enough to judge; the page's declared language helps."""

    name = "language"

    def __init__(self, languages: frozenset[str] = frozenset()) -> None:
        self.languages = languages  # the source's languages: preferred whenever the text could be in one of them

    def warm_up(self) -> None:
        warm_up_language()

    def process(self, doc: Document) -> Document:
        doc.language, doc.language_probability = detect_language(doc.text, doc.html_lang, self.languages)
        doc.paragraph_languages = paragraph_languages(doc.paragraphs, doc.language, doc.html_lang, self.languages)
        return doc


class RequireArticleLength(DocumentStep):
    """Bodies that are too short after cleaning are not articles (listings, stubs, error pages)."""

    name = "length"

    def __init__(self, min_words: int = MIN_ARTICLE_WORDS) -> None:
        self.min_words = min_words

    def process(self, doc: Document) -> Document:
        if count_words(doc.text) < self.min_words:
            raise Skip("too_short")
        return doc


def warm_up(steps: list[Step]) -> None:
    """Load what the per-document steps need, once, before documents flow (and before workers fork)."""
    for step in steps:
        if isinstance(step, DocumentStep):
            step.warm_up()


def run_steps(
    docs: Iterable[Document], steps: list[Step], stats: Counter[str], processes: int = 1
) -> Iterator[Document]:
    """Documents through the steps, in input order; with ``processes > 1`` the per-document steps run in a pool."""
    if processes > 1:
        from pipeline.parallel import run_steps_in_pool

        yield from run_steps_in_pool(docs, steps, stats, processes)
        return
    for step in steps:
        docs = step.run(docs, stats)
    yield from docs
