"""``script_mix``: runs of text in another script left untranslated inside the body.

Only letters of a script other than the article's count: "Zürich" is Latin, an emoji is not a letter, a lone
Greek letter is too short. The script of a run also hints at the source language (Hebrew -> he).
"""

from __future__ import annotations

import re

import regex

from pipeline.artifacts import ArtifactKind, Finding

# script -> (language it suggests, minimum letters for a run to count)
SCRIPTS: dict[str, tuple[str, int]] = {
    "Hebrew": ("he", 3), "Arabic": ("ar", 3), "Cyrillic": ("ru", 4), "Greek": ("el", 4), "Han": ("zh", 2),
    "Hiragana": ("ja", 2), "Katakana": ("ja", 2), "Hangul": ("ko", 2), "Devanagari": ("hi", 3),
    "Thai": ("th", 3), "Georgian": ("ka", 3), "Armenian": ("hy", 3),
}
_LETTER = "".join(rf"\p{{{script}}}" for script in SCRIPTS)
_RUN = regex.compile(rf"[{_LETTER}](?:[{_LETTER}\p{{M}}]|[\s\-'’\"״׳・,、。]+(?=[{_LETTER}]))*")
# Blocks that hold every letter of SCRIPTS (a test checks it) and none of Latin, general punctuation or symbols:
# a text with no character in them has no run, and this search costs a tenth of the runs' search.
_ANY_SCRIPT = re.compile("[\u0370-\u1dbf\u1f00-\u1fff\u2126\u2d00-\ud7ff\uf900-\uffdc\U00010000-\U00033479]")
_SCRIPT_OF = {script: regex.compile(rf"\p{{{script}}}") for script in SCRIPTS}
# Letters that tell a language apart from its script's default
_REFINE = ((regex.compile(r"[іїєґІЇЄҐ]"), "uk"), (regex.compile(r"[ўЎ]"), "be"), (regex.compile(r"[پچژگ]"), "fa"),
           (regex.compile(r"[\p{Hiragana}\p{Katakana}]"), "ja"))
MAX_EVIDENCE_CHARS = 80


def run_script(run: str) -> str:
    counts = {script: len(pattern.findall(run)) for script, pattern in _SCRIPT_OF.items()}
    return max(counts, key=counts.__getitem__)


def script_language(run: str) -> str:
    """The language a run of foreign script suggests."""
    for pattern, language in _REFINE:
        if pattern.search(run):
            return language
    return SCRIPTS[run_script(run)][0]


def detect_script_mix(text: str) -> list[Finding]:
    if text.isascii() or not _ANY_SCRIPT.search(text):
        return []
    runs = [match.group() for match in _RUN.finditer(text)]
    if not runs:
        return []
    foreign_letters = sum(len(run) for run in runs)
    if foreign_letters * 2 > sum(ch.isalpha() for ch in text):
        return []  # the article is written in that script: nothing is mixed in
    findings = []
    for run in runs:
        letters = sum(ch.isalpha() for ch in run)
        if letters >= SCRIPTS[run_script(run)][1]:
            findings.append(Finding(ArtifactKind.SCRIPT_MIX, run[:MAX_EVIDENCE_CHARS]))
    return findings
