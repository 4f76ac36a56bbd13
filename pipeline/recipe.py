"""The default per-article path: every step in order, composed from the step modules (the only module that knows
them all, so that no step module imports it back)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.clean.boilerplate import DropSiteBoilerplate
from pipeline.clean.byline import ExtractBylines
from pipeline.clean.captions import MoveCaptions
from pipeline.clean.end_matter import DropEndMatter
from pipeline.clean.listing import DropListings
from pipeline.clean.normalise import NormaliseText
from pipeline.clean.repetition import DropRepeatedParagraphs
from pipeline.clean.teaser import DropTeaserCopy
from pipeline.config import Source
from pipeline.dedup import MarkDuplicates
from pipeline.extract import ExtractOptions
from pipeline.mt.profile import LearnSiteProfiles
from pipeline.mt.steps import DetectTranslation, StripAggregatorTemplate
from pipeline.steps import (MIN_ARTICLE_WORDS, DecodeHtml, DetectLanguage, DocumentStep, ExtractArticle,
                            RequireArticleLength, Step)


@dataclass(frozen=True)
class SourceSettings:
    """What a source's configuration changes in the per-article path (``languages:`` and ``min_words:``)."""

    languages: tuple[str, ...] = ()  # the languages it publishes in; empty: any
    min_words: int = MIN_ARTICLE_WORDS

    @classmethod
    def of(cls, source: Source) -> SourceSettings:
        return cls(source.languages, source.min_words or MIN_ARTICLE_WORDS)


def default_steps(options: ExtractOptions = ExtractOptions(), settings: SourceSettings = SourceSettings()) -> list[Step]:
    """The per-article path, in order; a re-ordering changes what each rule sees, so keep the comments true."""
    languages = frozenset(settings.languages)
    return [
        DecodeHtml(),
        ExtractArticle(options),
        NormaliseText(),  # mojibake, NFC, whitespace: every later rule matches clean text
        StripAggregatorTemplate(),  # known aggregators: banner, template lines, outlet name in the title
        ExtractBylines(),  # before the teaser rule, which compares the body's first paragraphs
        DropSiteBoilerplate(),  # lines repeated across the run's pages of one site
        DropTeaserCopy(),
        MoveCaptions(),
        DropEndMatter(),  # after captions and learned boilerplate are out, so the story's end is the last line
        DropRepeatedParagraphs(),
        DropListings(),
        RequireArticleLength(settings.min_words),  # after cleaning, so boilerplate alone never passes for an article
        DetectLanguage(languages),  # body and paragraphs
        DetectTranslation(languages),  # needs paragraph languages and captions: findings, scoring, origin
        LearnSiteProfiles(),  # what each site's pages of the run show; raises or lowers each page's score
        MarkDuplicates(),  # on the final text
    ]


def split_steps(steps: list[Step]) -> tuple[list[Step], list[Step]]:
    """The steps up to the first that learns across documents, and the rest. The first part sees each page alone,
    so it runs in shards on any worker; the rest needs the whole source-day in one order, so it runs once."""
    first_stream = next((i for i, step in enumerate(steps) if not isinstance(step, DocumentStep)), len(steps))
    return steps[:first_stream], steps[first_stream:]
