"""The two MT steps of the per-article path (see :func:`pipeline.recipe.default_steps`).

:class:`StripAggregatorTemplate` runs right after normalisation, so that later steps (cleaning, language) see the
article without the aggregator's template; :class:`DetectTranslation` runs after language detection, because
two detectors need the article's and the paragraphs' languages. The weak signals ``mojibake`` and ``repetition``
come from the cleaning steps that repair them (``pipeline.clean``); here they only get their weight.
"""

from __future__ import annotations

from collections import Counter

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.document import Document
from pipeline.extract import registered_domain
from pipeline.mt.credits import detect_mangled_credits
from pipeline.mt.idioms import detect_idioms
from pipeline.mt.linguistic import detect_linguistic_style, model
from pipeline.mt.names import detect_name_variants
from pipeline.mt.origin import infer_origin
from pipeline.mt.outlets import outlet_index
from pipeline.mt.paragraphs import detect_language_mismatch, mismatch_language
from pipeline.mt.provenance import detect_provenance
from pipeline.mt.resources import weights
from pipeline.mt.scoring import confidence, score, weigh
from pipeline.mt.script import detect_script_mix
from pipeline.mt.source_line import detect_source_lines
from pipeline.mt.template import strip_template, template_for
from pipeline.mt.title import find_outlet_suffix
from pipeline.steps import DocumentStep

# A kind found more often than this counts no more (family caps); the detectors' extra findings only lengthen the record.
MAX_FINDINGS_PER_KIND = 5


def _site(doc: Document) -> str:
    return doc.site or registered_domain(doc.canonical_url or doc.page.url)


class StripAggregatorTemplate(DocumentStep):
    """On pages of known aggregators: remove banner, template lines and the title's outlet suffix, as findings."""

    name = "mt_template"

    def process(self, doc: Document) -> Document:
        template = template_for(_site(doc))
        if template is not None:
            doc.findings.extend(strip_template(doc, template, outlet_index()))
        return doc


def _detect(doc: Document, home: frozenset[str] = frozenset()) -> list[Finding]:
    """Every detector's findings on the (already cleaned) document, in a stable order; an outlet writing in one of
    ``home`` (the source's languages) is not foreign, nor is a paragraph in one of them."""
    index = outlet_index()
    found: list[Finding] = []
    suffix = find_outlet_suffix(doc.title, index) if doc.title else None
    if suffix is not None:  # an outlet literal on a site we do not know: evidence, and not part of the headline
        found.append(Finding(ArtifactKind.TITLE_OUTLET_LITERAL, suffix.suffix))
        doc.title = suffix.title
    text = doc.text
    found += detect_source_lines(doc.paragraphs, doc.language, index, home)
    found += detect_provenance(doc, index, home, found)
    found += detect_mangled_credits([*doc.captions, *doc.paragraphs], index, doc.language)
    found += detect_name_variants("\n\n".join([text, *doc.captions]))
    found += detect_script_mix(text)
    found += [finding for finding in detect_language_mismatch(doc.paragraphs, doc.paragraph_languages, doc.language)
              if mismatch_language(finding.evidence) not in home]  # a source's own languages mix in its articles
    found += detect_idioms(text, doc.language)
    found += detect_linguistic_style(text, doc.language)
    return found


def _merge(earlier: list[Finding], new: list[Finding]) -> list[Finding]:
    """Earlier findings (template, cleaning) first, all of them: each records a line removed or repaired. The
    detectors' new ones follow, only for evidence not yet reported and at most ``MAX_FINDINGS_PER_KIND`` a kind."""
    merged = list(earlier)
    seen = {(finding.kind, finding.evidence) for finding in earlier}
    per_kind = Counter(finding.kind for finding in earlier)
    for finding in new:
        key = (finding.kind, finding.evidence)
        if key in seen or per_kind[finding.kind] >= MAX_FINDINGS_PER_KIND:
            continue
        seen.add(key)
        per_kind[finding.kind] += 1
        merged.append(finding)
    return merged


class DetectTranslation(DocumentStep):
    """Detect artifacts, score them, and fill the MT columns (verdict, probability, confidence, origin)."""

    name = "mt_detect"

    def __init__(self, languages: frozenset[str] = frozenset()) -> None:
        self.languages = languages  # the source's languages: an outlet writing in one of them is not foreign

    def warm_up(self) -> None:
        model()  # the linguistic model's coefficients, shared by the forked workers

    def process(self, doc: Document) -> Document:
        doc.findings = _merge(doc.findings, _detect(doc, self.languages))
        doc.links, doc.bylines = [], []  # read by the provenance detector; nothing after it needs them
        return judge(doc)


def judge(doc: Document) -> Document:
    """Weigh the document's findings, score them and fill the MT columns (again, when a finding was added)."""
    table = weights()
    template = template_for(_site(doc))
    doc.findings = weigh(doc.findings, table, known_aggregator=template is not None, max_per_kind=MAX_FINDINGS_PER_KIND)
    result = score(doc.findings, table)
    doc.mt_probability = round(result.probability, 6)
    doc.is_machine_translated = result.probability >= table.threshold
    doc.mt_confidence = confidence(result, doc.is_machine_translated, table)
    origin = infer_origin(doc.findings, doc.language, outlet_index(), template)
    doc.origin_outlet = origin.outlet
    if doc.is_machine_translated:
        doc.source_language, doc.source_language_confidence = origin.language, origin.confidence
    else:
        doc.source_language, doc.source_language_confidence = None, None
    return doc
