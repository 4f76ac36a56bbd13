"""Calls to action under the story: newsletter and app sign-ups, "follow us", paywall and donation notices.

Sites close an article with lines that address the reader rather than tell the story: "Sign up for our emails",
"Abonniere den Whatsapp-Kanal von ...", "Il vous reste 57% de cet article à lire. La suite est réservée aux
abonnés.", "Hat Ihnen dieser Artikel gefallen? Dann unterstützen Sie uns ...", "この記事は会員限定です。". They are
recognised by the imperative or second-person phrases of such notices in the common languages of news sites, and
they go from the run of lines that ends the body (with the short heading of their box, "Newsletter: Sport inside"),
and from anywhere in the body when they are short ("CLICK HERE TO GET THE ... APP", "Sign up for breaking news").
A story sentence that mentions a newsletter or a subscription is told in the third person and stays; "click here"
is no cue, since stories end with "To read the full report, click here." too.
"""

from __future__ import annotations

import re

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.document import Document
from pipeline.steps import DocumentStep

_CUES = (
    # English
    r"\bsign up\b", r"\bsubscribe (?:to|now|today|for|here)\b", r"\bfollow us\b",
    r"\bfollow [\w.]+ on (?:twitter|x|facebook|instagram|tiktok|linkedin|whatsapp|telegram)\b",
    r"\bdownload (?:the|our)\b", r"\bget the [\w .-]{1,30} app\b", r"\bpush alerts\b", r"\bin your inbox\b",
    r"\bget in touch\b", r"\bsupport (?:us|our journalism)\b", r"\bdonate (?:now|today|here)\b",
    r"\bplease bookmark\b", r"\bbecome a (?:member|subscriber)\b", r"\bgot a (?:story|tip)\b",
    # German
    r"\babonnier(?:e|en sie)\b", r"\bjetzt (?:abonnieren|anmelden|registrieren|melden|spenden)\b",
    r"\bmelden sie sich\b", r"\bfolgen sie uns\b", r"\bfolgst du\b", r"\bunterstützen sie uns\b",
    r"\bnewsletter informiert sie\b", r"\bhier (?:geht es zu|entlang)\b", r"\bfehler gefunden\b",
    r"\bihre meinung ist uns wichtig\b",
    # French, Spanish, Italian, Portuguese
    r"\babonnez-vous\b", r"\binscrivez-vous\b", r"\bsuivez-nous\b", r"\bréservée? aux abonnés\b",
    r"\bil vous reste \d", r"\bsuscr[íi]bete\b", r"\bs[óo]lo para suscriptores\b", r"\bs[íi]guenos\b",
    r"\btu suscripci[óo]n\b", r"\babbonati\b", r"\biscriviti\b", r"\bseguici\b", r"\briservat[oa] agli abbonati\b",
    r"\bassine\b", r"\binscreva-se\b", r"\bsiga-nos\b", r"\bexclusivo para assinantes\b",
    # Dutch, Scandinavian, Polish
    r"\bword abonnee\b", r"\bvolg ons\b", r"\bschrijf je in\b", r"\bfølg oss\b", r"\bfølg os\b", r"\bföljer oss\b",
    r"\bbli abonnent\b", r"\bbliv abonnent\b", r"\bprenumerera\b", r"\bzapisz się\b", r"\bzaprenumeruj\b",
    r"\bobserwuj nas\b",
    # Japanese, Chinese
    r"会員限定", r"有料会員", r"会員登録", r"订阅", r"关注我们",
)
_CALL_TO_ACTION = re.compile("|".join(_CUES), re.IGNORECASE)
# A notice this long is an article paragraph that happens to contain a cue.
MAX_NOTICE_WORDS = 80
# Above the story's end, only a line this short is taken for a notice box.
MAX_INLINE_NOTICE_WORDS = 25
# The heading of a notice box: a few words with no sentence ending ("Links lesen, Rechts bekämpfen").
MAX_HEADING_WORDS = 5


def is_call_to_action(line: str, max_words: int = MAX_NOTICE_WORDS) -> bool:
    return len(line.split()) <= max_words and _CALL_TO_ACTION.search(line) is not None


def _is_heading(line: str) -> bool:
    return len(line.split()) <= MAX_HEADING_WORDS and not line.rstrip().endswith((".", "!", "?", "。"))


def trailing_notices(paragraphs: list[str]) -> int:
    """How many lines at the end of the body are calls to action or the headings of their boxes."""
    start = len(paragraphs)
    found_notice = False
    while start > 1:
        line = paragraphs[start - 1]
        if is_call_to_action(line):
            found_notice = True
        elif not (found_notice and _is_heading(line)):  # a heading goes only with a notice below it
            break
        start -= 1
    return len(paragraphs) - start


class DropCallsToAction(DocumentStep):
    name = "calls_to_action"

    def process(self, doc: Document) -> Document:
        end = len(doc.paragraphs) - trailing_notices(doc.paragraphs)
        kept: list[str] = []
        for index, line in enumerate(doc.paragraphs):
            if index >= end or is_call_to_action(line, MAX_INLINE_NOTICE_WORDS):
                doc.findings.append(Finding(ArtifactKind.SITE_BOILERPLATE, line[:200]))
            else:
                kept.append(line)
        doc.paragraphs = kept
        return doc
