"""Language identification: langdetect, seeded so that a re-run gives the same answer."""

from __future__ import annotations

import threading

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

# langdetect samples randomly; a fixed seed makes the result a function of the text alone.
DetectorFactory.seed = 0
_LOCK = threading.Lock()

# Below these, an answer is a guess: report no language rather than a wrong one.
MIN_LETTERS = 20
MIN_PROBABILITY = 0.80


def normalise_code(code: str) -> str:
    """langdetect's codes as ISO 639-1 (``zh-cn``/``zh-tw`` -> ``zh``)."""
    return code.split("-")[0].lower()


def detect_language(text: str) -> tuple[str | None, float | None]:
    """(ISO 639-1 code, probability), or (None, None) when the text is too short or the detector unsure."""
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None, None
    try:
        with _LOCK:  # the seed is global state in langdetect's factory
            DetectorFactory.seed = 0
            candidates = detect_langs(text)
    except LangDetectException:
        return None, None
    best = candidates[0]
    if best.prob < MIN_PROBABILITY:
        return None, None
    return normalise_code(best.lang), round(best.prob, 6)
