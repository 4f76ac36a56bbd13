"""End matter under the story: calls to action, and the credit and copyright lines of the text.

Sites close an article with lines that address the reader rather than tell the story: "Sign up for our emails",
"Abonniere den Whatsapp-Kanal von ...", "Il vous reste 57% de cet article à lire. La suite est réservée aux
abonnés.", "Hat Ihnen dieser Artikel gefallen? Dann unterstützen Sie uns ...", "この記事は会員限定です。"; and with
the credits of the text: "With files from The Associated Press", "Reporting by ...; Editing by ...", "Mit
Agenturmaterial.", "Quelle: ntv.de", "Copyright © AFP 2017-2026 ...", "First published in The Conversation.".
Calls to action are recognised by the imperative or second-person phrases of such notices in the common languages
of news sites, credits by the words they start with. Both go from the run of lines that ends the body (with the
short heading of their box, "Newsletter: Sport inside"); a short call to action goes from anywhere in the body
("CLICK HERE TO GET THE ... APP"). A story sentence that mentions a newsletter or a subscription is told in the
third person and stays, and so does one that says where a book was first published; "click here" is no cue, since
stories end with "To read the full report, click here." too. Each removed line is a finding, ``call_to_action`` or
``text_credit`` (a notice box's heading takes the kind of its notice); neither counts towards machine translation.
"""

from __future__ import annotations

import re

from pipeline.artifacts import ArtifactKind, remove_lines
from pipeline.document import Document
from pipeline.steps import DocumentStep

# Each starts at a word boundary (one shared \b: a regex of 60 alternatives that each test it is five times slower).
_CUES = (
    # English
    r"sign up\b", r"subscribe (?:to|now|today|for|here)\b", r"follow us\b",
    r"follow (?:[\w.]+ ){1,3}on (?:twitter|x|facebook|instagram|tiktok|linkedin|whatsapp|telegram|google news)\b",
    r"stay informed with\b", r"you can support (?:us|our)\b",
    r"download (?:the|our)\b", r"get the [\w .-]{1,30} app\b", r"push alerts\b", r"in your inbox\b",
    r"get in touch\b", r"(?:got|have) a (?:story|tip)\b", r"support (?:us|our journalism)\b", r"donate (?:now|today|here)\b",
    r"please bookmark\b", r"become a (?:member|subscriber)\b",
    # German
    r"abonnier(?:e|en sie)\b", r"jetzt (?:abonnieren|anmelden|registrieren|melden|spenden)\b",
    r"melden sie sich\b", r"folgen sie uns\b", r"folgst du\b", r"unterstützen sie uns\b",
    r"sie können (?:uns|das) unterstützen\b",
    r"newsletter informiert sie\b", r"hier (?:geht es zu|entlang)\b", r"fehler gefunden\b",
    r"ihre meinung ist uns wichtig\b",
    # French, Spanish, Italian, Portuguese
    r"abonnez-vous\b", r"inscrivez-vous\b", r"suivez-nous\b", r"réservée? aux abonnés\b",
    r"il vous reste \d", r"suscr[íi]bete\b", r"s[óo]lo para suscriptores\b", r"s[íi]guenos\b",
    r"tu suscripci[óo]n\b", r"abbonati\b", r"iscriviti\b", r"seguici\b", r"riservat[oa] agli abbonati\b",
    r"assine\b", r"inscreva-se\b", r"siga-nos\b", r"exclusivo para assinantes\b",
    # Dutch, Scandinavian, Polish
    r"word abonnee\b", r"volg ons\b", r"schrijf je in\b", r"følg oss\b", r"følg os\b", r"följer oss\b",
    r"bli abonnent\b", r"bliv abonnent\b", r"prenumerera\b", r"zapisz się\b", r"zaprenumeruj\b",
    r"obserwuj nas\b",
)
# Scripts without spaces between words: no word boundary to anchor on.
_UNSPACED_CUES = (r"会員限定", r"有料会員", r"会員登録", r"订阅", r"关注我们")  # Japanese, Chinese
_CALL_TO_ACTION = re.compile(rf"\b(?:{'|'.join(_CUES)})|{'|'.join(_UNSPACED_CUES)}", re.IGNORECASE)
# Credits of the text, by the words they start with (or, for the wire credit, end with).
_CREDIT = re.compile(
    r"^[\W_]*(?:with files from|with (?:additional )?report(?:ing|s) (?:by|from)|additional reporting|reporting by|"
    r"mit (?:agentur)?material|(?:quelle|kilde|källa|fuente|fonte|źródło)\s*:|©|"
    r"copyright\s*(?:©|ⓒ|\(c\)|@|\d{4})|"
    r"(?:this (?:article|story) was )?(?:first|originally) published\b|dieser artikel ist zuerst\b|"
    r"(?:redaktion|übersetzung|schlussredaktion|faktencheck|mitarbeit)\s*:)"
    r"|\bcontributed to this (?:report|story|article)\b|\ball rights reserved\b",
    re.IGNORECASE,
)
MAX_CREDIT_WORDS = 40
# A notice this long is an article paragraph that happens to contain a cue.
MAX_NOTICE_WORDS = 80
# Above the story's end, only a line this short is taken for a notice box.
MAX_INLINE_NOTICE_WORDS = 25
# The heading of a notice box: a few words with no sentence ending ("Links lesen, Rechts bekämpfen").
MAX_HEADING_WORDS = 5


def is_call_to_action(line: str, max_words: int = MAX_NOTICE_WORDS) -> bool:
    return len(line.split()) <= max_words and _CALL_TO_ACTION.search(line) is not None


def is_credit(line: str) -> bool:
    return len(line.split()) <= MAX_CREDIT_WORDS and _CREDIT.search(line) is not None


def _notice_kind(line: str) -> ArtifactKind | None:
    # Credits first: their cue is where the line starts, a call to action's may be anywhere ("© Reuters. Follow us").
    if is_credit(line):
        return ArtifactKind.TEXT_CREDIT
    return ArtifactKind.CALL_TO_ACTION if is_call_to_action(line) else None


def _is_heading(line: str) -> bool:
    return len(line.split()) <= MAX_HEADING_WORDS and not line.rstrip().endswith((".", "!", "?", "。"))


def trailing_end_matter(paragraphs: list[str]) -> list[ArtifactKind]:
    """The kind of each line of the run of calls to action, credits and notice-box headings that ends the body, in
    order (empty when the body ends with the story). A heading has the kind of the notice below it."""
    kinds: list[ArtifactKind] = []
    for line in reversed(paragraphs[1:]):  # never the whole body
        kind = _notice_kind(line)
        if kind is None and kinds and _is_heading(line):  # a heading goes only with a notice below it
            kind = kinds[-1]
        if kind is None:
            break
        kinds.append(kind)
    return kinds[::-1]


class DropEndMatter(DocumentStep):
    name = "end_matter"

    def process(self, doc: Document) -> Document:
        trailing = trailing_end_matter(doc.paragraphs)
        end = len(doc.paragraphs) - len(trailing)

        def kind_of(index: int, line: str) -> ArtifactKind | None:
            if index >= end:
                return trailing[index - end]
            return ArtifactKind.CALL_TO_ACTION if is_call_to_action(line, MAX_INLINE_NOTICE_WORDS) else None

        doc.paragraphs, removed = remove_lines(doc.paragraphs, kind_of)
        doc.findings += removed
        return doc
