"""The linguistic model: how likely an English text is a machine translation, from its wording and typography alone.

A logistic regression over five feature families of the text (no markup, no site, no metadata), trained by
``scripts/train_mt_model.py`` on WMT22 documents (English machine translations against English originals and human
translations) and shipped as ``pipeline/data/mt_linguistic.json``: coefficients, the standardisation and the two
n-gram vocabularies. Inference is plain Python and numpy; the file is read once per process (``model()``, called by
the step's ``warm_up`` before workers fork).

The families (``FAMILIES``; the training script's ablation removes one at a time):

- ``function_words``: the rate of each of ~150 English function words;
- ``shapes``: word-shape bigrams and trigrams (function words kept, other words reduced to their shape, all quotes
  and dashes to one symbol each, so this family sees syntax, not typography);
- ``chars``: character trigrams of the lower-cased text (a fixed vocabulary, chosen by document frequency);
- ``richness``: lexical richness and word length, and sentence length statistics;
- ``typography``: quote styles, dashes, spaces before punctuation, ellipses, number formats.

Only the first ``MAX_CHARS`` characters are read: the cost per article is bounded, and the style of a text shows
in its first paragraphs.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.errors import ConfigError

MODEL_FILE = Path(__file__).resolve().parents[1] / "data" / "mt_linguistic.json"
MAX_CHARS = 3000
# Fewer words than this and the rates are noise (native texts of 90 words reach the log-odds of typical MT): no score.
MIN_WORDS = 150
# Below its flag threshold the model's finding weighs at most this share of its full weight (see ``strength``).
BELOW_THRESHOLD_SHARE = 0.3
FAMILIES = ("function_words", "shapes", "chars", "richness", "typography")

FUNCTION_WORDS = tuple(sorted(set("""
a about above according across after against all along already also although always among an and another any
are around as at be because been before being below between both but by can could did do does doing down during
each either even ever every few for from further had has have having he her here hers herself him himself his how
however i if in including instead into is it its itself just least less many may me might more most much must my
near neither no nor not now of off often on once one only onto or other others our ours out over own per perhaps
quite rather same several she should since so some such than that the their theirs them themselves then there
these they this those though through thus to too toward towards under unless until up upon us very via was we
were what whatever when where whether which while who whom whose why will with within without would yet you your
""".split())))
_FUNCTION_SET = frozenset(FUNCTION_WORDS)

_TOKEN = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
_SPACES = re.compile(r"\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’»)]*\s+(?=[\"'“‘«(]?[A-Z0-9])|\n+")
_QUOTES = str.maketrans({c: '"' for c in "“”„‟«»‹›'‘’‚`´"})
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−"})

# Typography: (name, what to count); each feature is its rate per 1,000 characters. A tuple of strings is counted
# with ``str.count`` (fast); a string is a regular expression.
TYPOGRAPHY: tuple[tuple[str, str | tuple[str, ...]], ...] = (
    ("straight_double_quote", ('"',)),
    ("curly_double_quote", ("“", "”")),
    ("low_double_quote", ("„",)),
    ("guillemet", ("«", "»")),
    ("straight_apostrophe_in_word", r"\w'\w"),
    ("curly_apostrophe_in_word", r"\w’\w"),
    ("straight_single_quote_open", r"(?:^|\s)'\w"),
    ("curly_single_quote", ("‘",)),
    ("em_dash", ("—",)),
    ("en_dash", ("–",)),
    ("spaced_hyphen", (" - ",)),
    ("double_hyphen", ("--",)),
    ("unspaced_em_dash", r"\w—\w"),
    ("space_before_comma", (" ,",)),
    ("space_before_period", r"\w \.(?:\s|$)"),
    ("space_before_colon_semicolon", (" :", " ;")),
    ("space_before_question_exclamation", (" ?", " !")),
    ("ellipsis_char", ("…",)),
    ("three_dots", ("...",)),
    ("parenthesis", ("(", ")")),
    ("square_bracket", ("[", "]")),
    ("slash", ("/",)),
    ("colon", (":",)),
    ("semicolon", (";",)),
    ("exclamation", ("!",)),
    ("question", ("?",)),
    ("percent_sign", ("%",)),
    ("spaced_percent", r"\d %"),
    ("percent_word", r"\bper ?cent\b"),
    ("thousands_comma", r"\d,\d{3}\b"),
    ("thousands_space", r"\d[ \u00a0\u202f]\d{3}\b"),
    ("decimal_comma", r"\d,\d{1,2}\b(?!\d)"),
    ("currency_symbol", ("$", "€", "£", "¥", "₽", "₴")),
    ("non_breaking_space", ("\u00a0", "\u202f")),
    ("ampersand", ("&",)),
    ("digit", r"\d"),
    ("upper_run", r"\b[A-Z]{2,}\b"),
    ("non_ascii_letter", r"[^\x00-\x7f\W]"),
)


def _counter(what: str | tuple[str, ...]):
    if isinstance(what, tuple):
        return lambda text: sum(text.count(literal) for literal in what)
    compiled = re.compile(what, re.MULTILINE)
    return lambda text: len(compiled.findall(text))


_TYPOGRAPHY = tuple(_counter(what) for _, what in TYPOGRAPHY)

RICHNESS = ("type_token_ratio_200", "hapax_ratio_500", "mean_word_length", "long_word_share", "capitalised_share",
            "mean_sentence_words", "sentence_words_std", "long_sentence_share", "short_sentence_share",
            "commas_per_sentence", "function_word_share")


@dataclass(frozen=True)
class Parsed:
    """What every family reads: the cut text, its tokens and its sentences."""

    text: str
    tokens: list[str]
    words: list[str]
    sentences: list[list[str]]


def parse(text: str) -> Parsed:
    cut = text[:MAX_CHARS]
    flat = _SPACES.sub(" ", cut).strip()
    tokens = _TOKEN.findall(flat)
    words = [t for t in tokens if t[0].isalnum() or t[0] == "_"]
    sentences = [[t for t in _TOKEN.findall(s) if t[0].isalnum()] for s in _SENTENCE_END.split(cut) if s.strip()]
    return Parsed(flat, tokens, words, [s for s in sentences if s])


@functools.lru_cache(maxsize=1 << 16)  # words repeat: most tokens of a text are looked up, not computed
def _shape(token: str) -> str:
    lower = token.lower()
    if lower in _FUNCTION_SET:
        return lower
    first = token[0]
    if first.isdigit():
        return "D"
    if not (first.isalnum() or first == "_"):
        return token.translate(_QUOTES).translate(_DASHES)
    if token.isupper() and len(token) > 1:
        return "U"
    return "C" if first.isupper() else "w"


def shape_ngrams(parsed: Parsed) -> Counter[str]:
    shapes = [_shape(t) for t in parsed.tokens]
    grams = Counter([f"{a} {b}" for a, b in zip(shapes, shapes[1:])])
    grams.update([f"{a} {b} {c}" for a, b, c in zip(shapes, shapes[1:], shapes[2:])])
    return grams


def char_ngrams(parsed: Parsed) -> Counter[str]:
    text = parsed.text.lower()
    return Counter([text[i:i + 3] for i in range(len(text) - 2)])


def _function_words(parsed: Parsed) -> list[float]:
    counts = Counter(w.lower() for w in parsed.words)
    n = max(len(parsed.words), 1)
    return [counts[w] / n for w in FUNCTION_WORDS]


def _vocabulary_rates(grams: Counter[str], vocabulary: dict[str, int], total: int) -> list[float]:
    rates = [0.0] * len(vocabulary)
    for gram in grams.keys() & vocabulary.keys():
        rates[vocabulary[gram]] = grams[gram] / total
    return rates


def _richness(parsed: Parsed) -> list[float]:
    words = [w.lower() for w in parsed.words]
    n = max(len(words), 1)
    first = words[:200]
    counts = Counter(words[:500])
    lengths = [len(s) for s in parsed.sentences] or [0]
    mean = sum(lengths) / len(lengths)
    std = math.sqrt(sum((x - mean) ** 2 for x in lengths) / len(lengths))
    commas = sum(1 for t in parsed.tokens if t == ",")
    return [
        len(set(first)) / max(len(first), 1),
        sum(1 for c in counts.values() if c == 1) / max(sum(counts.values()), 1),
        sum(len(w) for w in words) / n,
        sum(1 for w in words if len(w) >= 8) / n,
        sum(1 for w in parsed.words if w[0].isupper()) / n,
        mean / 25, std / 25,
        sum(1 for x in lengths if x > 35) / len(lengths),
        sum(1 for x in lengths if x < 8) / len(lengths),
        commas / len(lengths),
        sum(1 for w in words if w in _FUNCTION_SET) / n,
    ]


def _typography(parsed: Parsed) -> list[float]:
    per = 1000 / max(len(parsed.text), 1)
    return [count(parsed.text) * per for count in _TYPOGRAPHY]


def features(parsed: Parsed, families: tuple[str, ...], shape_vocabulary: dict[str, int],
             char_vocabulary: dict[str, int]) -> list[float]:
    """The raw features of ``families``, in that order (rates; the model standardises them)."""
    out: list[float] = []
    for family in families:
        if family == "function_words":
            out += _function_words(parsed)
        elif family == "shapes":
            out += _vocabulary_rates(shape_ngrams(parsed), shape_vocabulary, max(len(parsed.tokens), 1))
        elif family == "chars":
            out += _vocabulary_rates(char_ngrams(parsed), char_vocabulary, max(len(parsed.text), 1))
        elif family == "richness":
            out += _richness(parsed)
        else:
            out += _typography(parsed)
    return out


def transform(raw: np.ndarray) -> np.ndarray:
    """Rates are skewed (most are 0 in most texts): a square root before standardising."""
    return np.sqrt(np.maximum(raw, 0.0))


@dataclass(frozen=True)
class LinguisticModel:
    families: tuple[str, ...]
    shape_vocabulary: dict[str, int]
    char_vocabulary: dict[str, int]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    flag_logit: float  # the chosen threshold (see the data file's ``threshold_note``)

    def vector(self, parsed: Parsed) -> np.ndarray:
        return np.array(features(parsed, self.families, self.shape_vocabulary, self.char_vocabulary), dtype=np.float64)

    def logit(self, text: str) -> float | None:
        """The model's log-odds that ``text`` (English) is machine-translated; None below ``MIN_WORDS`` words."""
        parsed = parse(text)
        if len(parsed.words) < MIN_WORDS:
            return None
        z = (transform(self.vector(parsed)) - self.mean) / self.scale
        return float(z @ self.coef + self.intercept)


def load(path: Path = MODEL_FILE, name: str = "full") -> LinguisticModel:
    """The model ``name`` of the file: ``full`` (what the pipeline uses) or ``typography`` (the evaluation's
    typography-only model)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        part = data["models"][name]
        model = LinguisticModel(
            families=tuple(part["families"]),
            shape_vocabulary={g: i for i, g in enumerate(data["shape_vocabulary"])},
            char_vocabulary={g: i for i, g in enumerate(data["char_vocabulary"])},
            mean=np.array(part["mean"], dtype=np.float64), scale=np.array(part["scale"], dtype=np.float64),
            coef=np.array(part["coef"], dtype=np.float64), intercept=float(part["intercept"]),
            flag_logit=float(part["flag_logit"]))
    except FileNotFoundError:
        raise ConfigError(f"{path}: model file not found (scripts/train_mt_model.py writes it)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a linguistic model file: {exc!r}") from None
    if not (len(model.mean) == len(model.scale) == len(model.coef)) or not set(model.families) <= set(FAMILIES):
        raise ConfigError(f"{path}: model {name!r}: the coefficients do not match the feature families")
    return model


@functools.cache
def model() -> LinguisticModel:
    return load()


@functools.cache
def typography_model() -> LinguisticModel:
    return load(name="typography")


def detect_linguistic_style(text: str, language: str | None) -> list[Finding]:
    """One finding when the model leans towards machine translation (log-odds above 0) on an English text.

    Its evidence carries the log-odds; :func:`strength` reads them back, so the scoring can weigh the finding by how
    far above 0 the model is (family cap in ``mt_weights.yaml``).
    """
    if language != "en":
        return []
    logit = model().logit(text)
    if logit is None or logit <= 0:
        return []
    return [Finding(ArtifactKind.LINGUISTIC_MODEL, f"log-odds {logit:.3f}")]


def strength(finding: Finding) -> float:
    """How many units of evidence a LINGUISTIC_MODEL finding is: 1 at or above the model's flag threshold (with the
    weights file's weight equal to -bias, enough for the verdict alone), else a share of ``BELOW_THRESHOLD_SHARE`` in
    proportion to the log-odds, so that below the threshold it adds to the probability but cannot tip a text that
    has one provenance line (2.0) into the verdict."""
    logit, flag = float(finding.evidence.split()[-1]), model().flag_logit
    return 1.0 if logit >= flag else BELOW_THRESHOLD_SHARE * max(logit, 0.0) / flag
