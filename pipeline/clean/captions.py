"""Photo credits and captions: moved out of the body into the ``captions`` column.

Two shapes are recognised, in any of the common languages of news sites:
- a short credit line: "Photo: AFP", "Foto: Felix Zahn/imago", "STR/AFP via Getty Images";
- a caption ending with its credit: "Ministers at the summit. Photo: Reuters", "... (Foto: dpa)".
A sentence of the story that merely mentions a photo or an agency is long, or has no "label:" credit, and stays.
"""

from __future__ import annotations

import re

from pipeline.document import Document
from pipeline.steps import DocumentStep

_LABEL = (r"(?:photo(?:graph)?s?|photo credit|pictures?|images?|credits?|crédits?(?: photo)?|foto(?:s|grafie)?|"
          r"fotó|bild(?:er)?|imagen|immagine|zdjęcie|kuva|billede|bilde|illustration|grafik|video|"
          r"фото|снимка|світлина|φωτογραφία|写真|사진|图|圖片|תמונה|صورة)")
# Image desks and wire agencies whose name alone on a short line is a credit.
_AGENCY = (r"(?:getty images|afp|reuters|dpa|ap photo|associated press|epa|imago|shutterstock|picture alliance|"
           r"keystone|xinhua|anadolu|efe|ansa|ntb|anp|tass|ria novosti|pa images?|pa wire|alamy|istock|"
           r"sipa|abaca|bloomberg|zuma)")
_CREDIT_LINE = re.compile(rf"^\(?{_LABEL}\s*(?:by|von|de|di)?\s*[:：]\s*\S.*$", re.IGNORECASE)
_AGENCY_LINE = re.compile(rf"^[^.!?]*\b{_AGENCY}\b[^.!?]*$", re.IGNORECASE)
_TRAILING_CREDIT = re.compile(rf"(?:\(|\s|^){_LABEL}\s*[:：]\s*[^.!?:]{{1,80}}\)?\.?$", re.IGNORECASE)
MAX_CREDIT_WORDS = 10
MAX_CAPTION_WORDS = 45


def is_caption(paragraph: str) -> bool:
    words = len(paragraph.split())
    labelled = ":" in paragraph or "：" in paragraph  # a label has its colon; most paragraphs have none
    if words <= MAX_CREDIT_WORDS and (labelled and _CREDIT_LINE.match(paragraph) or _AGENCY_LINE.match(paragraph)
                                      and ("/" in paragraph or words <= 4)):
        return True
    return labelled and words <= MAX_CAPTION_WORDS and _TRAILING_CREDIT.search(paragraph) is not None


class MoveCaptions(DocumentStep):
    name = "captions"

    def process(self, doc: Document) -> Document:
        kept: list[str] = []
        for paragraph in doc.paragraphs:
            (doc.captions if is_caption(paragraph) else kept).append(paragraph)
        doc.paragraphs = kept
        return doc
