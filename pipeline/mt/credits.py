"""``credit_mangled``: photo and agency credits that machine translation rendered wrongly.

Three tells, none of which a native desk produces: an agency name one letter off a known agency ("Photo: API"
for AP, "Reuter"), a credit label left untranslated ("Foto:", "Фото:", "צילום:"), and a literal rendering of
the label before an agency ("Photography: Reuters", "Shooting: AFP"). Looks at captions and body lines. A label
counts as untranslated only in an English article ("Foto: dpa" is how a German desk writes it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.mt.outlets import OutletIndex, name_key

_ENGLISH_LABELS = r"Photos?|Photograph|Photo credit|Pictures?|Images?|Credits?|Video"
_LITERAL_LABELS = r"Photography|Photographed|Shooting|Filming|Photographing|Camera"
_FOREIGN_LABELS = r"Fotos?|Фото|Фотография|צילום|צלם|تصوير|صورة|写真|图|圖|摄影|攝影|Zdjęcie|Fot\.|Bild"
_CREDIT = re.compile(
    rf"(?:^|(?<=[\s,.;(\[|]))(?P<label>{_ENGLISH_LABELS}|{_LITERAL_LABELS}|{_FOREIGN_LABELS})\s*:\s*"
    r"(?P<credit>[^,;:()\[\]\n]{1,60}?)\s*[.)\]]?\s*$",
    re.IGNORECASE,
)
_ANY_LABEL = rf"(?:{_ENGLISH_LABELS}|{_LITERAL_LABELS}|{_FOREIGN_LABELS})"
_DOUBLED_LABEL = re.compile(rf"\b{_ANY_LABEL}\s*:\s*{_ANY_LABEL}\s*:", re.IGNORECASE)
_LITERAL = re.compile(_LITERAL_LABELS, re.IGNORECASE)
_FOREIGN = re.compile(_FOREIGN_LABELS, re.IGNORECASE)


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether a and b differ by exactly one insertion, deletion or substitution."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return a[i + (len(a) == len(b)):] == b[i + 1:]
    return True  # b is a with one more letter at the end


def _near_miss_agency(credit: str, index: OutletIndex) -> bool:
    token = credit.strip()
    if " " in token or index.is_agency(token) or not (token.isupper() or len(token) >= 5):
        return False
    key = name_key(token)
    return any(len(agency) >= 2 and _one_edit_apart(key, agency) for agency in index.agencies)


def is_mangled(line: str, index: OutletIndex, article_language: str | None = "en") -> bool:
    if ":" not in line:  # every credit has its label's colon; most lines have none, and the searches cost
        return False
    if _DOUBLED_LABEL.search(line):  # "Photo: Photo: AP"
        return True
    match = _CREDIT.search(line)
    if match is None:
        return False
    label, credit = match.group("label"), match.group("credit")
    if _FOREIGN.fullmatch(label):  # untranslated: only in an English article is "Foto:" foreign
        return article_language == "en"
    if _LITERAL.fullmatch(label):
        return index.is_agency(credit) or _near_miss_agency(credit, index)
    return _near_miss_agency(credit, index)


def detect_mangled_credits(lines: Iterable[str], index: OutletIndex, article_language: str | None) -> list[Finding]:
    return [Finding(ArtifactKind.CREDIT_MANGLED, line) for line in lines if is_mangled(line, index, article_language)]
