"""Language identification: seeded langdetect combined with lingua, plus the page's declared language.

langdetect alone is weak on short text and on close pairs (ca/es, cs/sk, da/no/sv); lingua (its model ships in
the wheel) is stronger there. The two are combined as a product of experts over their candidate lists, which
``make eval`` (section ``langid``) measured as better than either alone. lingua is built lazily, once per process,
for the languages both detectors know; its low-accuracy mode (trigram models, ~170 MB) is the default because
the high-accuracy models take ~1 GB per process; ``NEWS_CORPUS_LINGUA=high`` selects them.
"""

from __future__ import annotations

import functools
import math
import os
import re
import threading
from collections import Counter

from langdetect import DetectorFactory, detect_langs
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

# langdetect samples randomly; a fixed seed makes the result a function of the text alone.
DetectorFactory.seed = 0
_LOCK = threading.Lock()

# Below these, an answer is a guess: report no language rather than a wrong one.
MIN_LETTERS = 20
MIN_PROBABILITY = 0.80
# How much langdetect's log-probability counts next to lingua's (measured on the development sentences).
LANGDETECT_WEIGHT = 0.5
# How much a candidate equal to the page's declared language is favoured (a log-probability bonus): it decides
# only between close candidates, never against a clear answer.
DECLARED_BONUS = math.log(3.0)
_FLOOR = 1e-3
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
    return {normalise_code(v.language.iso_code_639_1.name): v.value for v in values[:5] if v.value > 0}


def language_scores(text: str, declared: str | None = None, with_langdetect: bool = True) -> dict[str, float]:
    """Combined, normalised scores of the candidate languages of ``text`` (empty when neither detector answers).

    ``with_langdetect=False`` uses lingua alone: paragraphs are many and short, where langdetect is slow and weak.
    """
    text = text[:MAX_CHARS]
    ld = _langdetect_scores(text) if with_langdetect else {}
    li = _lingua_scores(text)
    candidates = set(ld) | set(li)
    if not candidates:
        return {}
    log_scores = {
        lang: LANGDETECT_WEIGHT * math.log(ld.get(lang, 0.0) + _FLOOR) + math.log(li.get(lang, 0.0) + _FLOOR)
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
