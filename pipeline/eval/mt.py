"""MT-artifact quality: the labelled fixture corpus, the sample corpus, and WMT23 machine vs human translation.

- Fixture corpus (``tests/fixtures/mt``): precision, recall, F1 of ``is_machine_translated``; accuracy of
  ``source_language`` on translated articles whose source is known; per-kind precision (of the articles where a
  kind fired, the share that are machine-translated); hard negatives flagged.
- Sample corpus (``data/sample``, when present): the same verdict and origin against its ``expect`` fields.
- Manifest corpora (``tests/fixtures/mt_heldout``, written by someone who never saw the detectors: "unseen data";
  ``tests/fixtures/mt_provenance``, the provenance detectors' development pages; ``tests/fixtures/mt_dev_layouts``,
  development pages of 14 sites by a writer who never saw the detectors): each site's pages run through the
  whole path as one run, so the site profile learns from them; recall and precision of ``is_machine_translated`` on
  aggregator layouts, native articles flagged, origin-outlet accuracy; with the default settings and with each
  site configured with its languages (``languages:``).
- WMT23 ru->en (devdata): document-level ROC AUC of the LINGUISTIC findings alone (no template, provenance or
  layout evidence exists in plain text), machine against human translations of the same documents.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict

from pipeline.artifacts import FAMILY, ArtifactKind, Family
from pipeline.document import Document, Page
from pipeline.language import detect_language, paragraph_languages
from pipeline.mt.idioms import detect_idioms
from pipeline.mt.names import detect_name_variants
from pipeline.mt.outlets import name_key
from pipeline.mt.paragraphs import detect_language_mismatch
from pipeline.mt.resources import weights
from pipeline.mt.scoring import family_totals, weigh
from pipeline.mt.script import detect_script_mix
from pipeline.mt.outlets import outlet_index
from pipeline.recipe import SourceSettings, default_steps
from pipeline.steps import Step, run_steps

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures" / "mt"
SAMPLE = REPO / "data" / "sample"
HELDOUT = REPO / "tests" / "fixtures" / "mt_heldout"
PROVENANCE_PAGES = REPO / "tests" / "fixtures" / "mt_provenance"
DEV_LAYOUTS = REPO / "tests" / "fixtures" / "mt_dev_layouts"
MANIFEST = "manifest.yaml"
WMT_FILE = Path("mt") / "wmt23-ru-en-docs.jsonl"
_FETCHED = dt.datetime(2022, 1, 7, tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class Labelled:
    id: str
    machine_translated: bool
    source_language: str | None
    origin_outlet: str | None
    hard_negative: str | None
    doc: Document | None  # None when the pipeline dropped the page


def process_pages(pages: Iterable[tuple[str, bytes, tuple[tuple[str, str], ...]]],
                  steps: list[Step] | None = None) -> dict[str, Document]:
    """Run the whole per-article path (or ``steps``) over (url, body, headers) pages, as one batch; result by URL."""
    docs = [Document(page=Page(url=url, body=body, fetched_at=_FETCHED, source_name="eval", headers=headers),
                     crawl_day=_FETCHED.date()) for url, body, headers in pages]
    return {doc.page.url: doc for doc in run_steps(docs, steps or default_steps(), Counter())}


def fixture_corpus(root: Path = FIXTURES) -> list[Labelled]:
    labels = [json.loads(line) for line in (root / "labels.jsonl").read_text(encoding="utf-8").splitlines()]
    html = (("Content-Type", "text/html; charset=utf-8"),)
    docs = process_pages((label["url"], (root / label["file"]).read_bytes(), html) for label in labels)
    return [Labelled(label["id"], label["machine_translated"], label["source_language"], label["origin_outlet"],
                     label["hard_negative"], docs.get(label["url"])) for label in labels]


def sample_corpus(root: Path = SAMPLE) -> list[Labelled]:
    """The sample pages that carry an MT expectation (``expect.machine_translated``)."""
    entries = [e for e in json.loads((root / "manifest.json").read_text(encoding="utf-8"))
               if "machine_translated" in e.get("expect", {})]
    docs = process_pages((e["url"], (root / e["file"]).read_bytes(), tuple(map(tuple, e.get("headers", []))))
                         for e in entries)
    return [Labelled(e["url"], e["expect"]["machine_translated"], e["expect"].get("source_language"),
                     e["expect"].get("origin_outlet"), None, docs.get(e["url"])) for e in entries]


@dataclass(frozen=True)
class CorpusMetrics:
    articles: int
    precision: float
    recall: float
    f1: float
    source_language_accuracy: float
    source_language_known: int
    outlet_accuracy: float
    kind_precision: dict[str, tuple[float, int]]  # kind -> (precision, articles where it fired)
    hard_negatives: int
    hard_negatives_flagged: list[str]
    dropped: list[str]


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def corpus_metrics(items: list[Labelled]) -> CorpusMetrics:
    kept = [item for item in items if item.doc is not None]
    tp = sum(1 for i in kept if i.machine_translated and i.doc.is_machine_translated)
    fp = sum(1 for i in kept if not i.machine_translated and i.doc.is_machine_translated)
    positives = sum(1 for i in items if i.machine_translated)  # a dropped translated page is a miss
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, positives)
    known = [i for i in kept if i.machine_translated and i.source_language]
    outlets = [i for i in kept if i.machine_translated and i.origin_outlet]
    fired: dict[str, list[bool]] = defaultdict(list)
    for item in kept:
        for kind in {f.kind for f in item.doc.findings if f.weight > 0}:
            fired[str(kind)].append(item.machine_translated)
    hard = [i for i in items if i.hard_negative]
    return CorpusMetrics(
        articles=len(items), precision=precision, recall=recall,
        f1=_ratio(2 * precision * recall, precision + recall) if precision + recall else 0.0,
        source_language_accuracy=_ratio(sum(i.doc.source_language == i.source_language for i in known), len(known)),
        source_language_known=len(known),
        outlet_accuracy=_ratio(sum(name_key(i.doc.origin_outlet or "") == name_key(i.origin_outlet or "")
                                   for i in outlets), len(outlets)),
        kind_precision={kind: (sum(flags) / len(flags), len(flags)) for kind, flags in sorted(fired.items())},
        hard_negatives=len(hard),
        hard_negatives_flagged=[i.id for i in hard if i.doc is None or i.doc.is_machine_translated
                                or any(f.weight > 0 for f in i.doc.findings)],
        dropped=[i.id for i in items if i.doc is None],
    )


class ManifestEntry(BaseModel):
    """One page of a manifest corpus (``manifest.yaml``: a list of these, bare or under ``pages:``; other keys are
    ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    file: str
    url: str
    site: str
    layout: str
    kind: Literal["aggregator", "native"]
    is_machine_translated: bool
    origin_outlet: str | None = None
    language: str | None = None


def manifest_corpus(root: Path, configured: bool = False) -> list[tuple[ManifestEntry, Document | None]]:
    """Every page of ``root/manifest.yaml`` through the whole path, one run per site (in manifest order), so that the
    site profile learns from the site's pages; ``configured``: each site's run with ``languages:`` set to the
    languages of its pages."""
    raw = yaml.safe_load((root / MANIFEST).read_text(encoding="utf-8"))
    entries = [ManifestEntry.model_validate(e) for e in (raw["pages"] if isinstance(raw, dict) else raw)]
    by_site: dict[str, list[ManifestEntry]] = defaultdict(list)
    for entry in entries:
        by_site[entry.site].append(entry)
    html = (("Content-Type", "text/html; charset=utf-8"),)
    docs: dict[str, Document] = {}
    for site_entries in by_site.values():
        languages = tuple(sorted({e.language for e in site_entries if e.language})) if configured else ()
        steps = default_steps(settings=SourceSettings(languages=languages))
        docs.update(process_pages(((e.url, (root / e.file).read_bytes(), html) for e in site_entries), steps))
    return [(entry, docs.get(entry.url)) for entry in entries]


def same_outlet(found: str | None, expected: str) -> bool:
    """Whether an inferred origin outlet is the expected one: the same name, or names and domains that resolve to one
    outlet ("ynet" and "Yedioth Ahronoth"), or a domain whose stem is the name ("kathimerini.gr", "Kathimerini")."""
    if not found:
        return False
    index = outlet_index()
    resolved = {o.name for o in index.resolve(found)} & {o.name for o in index.resolve(expected)}
    return name_key(found) == name_key(expected) or bool(resolved) or \
        ("." in found and name_key(found.split(".")[0]) == name_key(expected))


@dataclass(frozen=True)
class UnseenMetrics:
    aggregator_articles: int
    recall: float  # of the machine-translated articles on aggregator layouts
    precision: float  # of the articles flagged on aggregator layouts
    native_articles: int
    native_flagged: list[str]
    outlet_accuracy: float  # flagged or not, on translated articles whose outlet is known
    outlets_known: int
    missed: list[str]
    dropped: list[str]


def unseen_metrics(items: list[tuple[ManifestEntry, Document | None]]) -> UnseenMetrics:
    aggregator = [(e, d) for e, d in items if e.kind == "aggregator"]
    flagged = [(e, d) for e, d in aggregator if d is not None and d.is_machine_translated]
    translated = [(e, d) for e, d in aggregator if e.is_machine_translated]
    known = [(e, d) for e, d in items if e.is_machine_translated and e.origin_outlet]
    return UnseenMetrics(
        aggregator_articles=len(aggregator),
        recall=_ratio(sum(1 for e, d in translated if d is not None and d.is_machine_translated), len(translated)),
        precision=_ratio(sum(1 for e, _ in flagged if e.is_machine_translated), len(flagged)),
        native_articles=sum(1 for e, _ in items if e.kind == "native"),
        native_flagged=[e.file for e, d in items if e.kind == "native" and d is not None and d.is_machine_translated],
        outlet_accuracy=_ratio(sum(1 for e, d in known if d is not None and same_outlet(d.origin_outlet,
                                                                                         e.origin_outlet)), len(known)),
        outlets_known=len(known),
        missed=[e.file for e, d in translated if d is None or not d.is_machine_translated],
        dropped=[e.file for e, d in items if d is None],
    )


def _print_unseen(title: str, root: Path) -> None:
    if not (root / MANIFEST).is_file():
        print(f"{title}: skipped (no {root / MANIFEST})")
        return
    for configured in (False, True):
        metrics = unseen_metrics(manifest_corpus(root, configured))
        setting = "each site configured with its languages" if configured else "default settings"
        print(f"{title}, {setting}: {metrics.aggregator_articles} articles on aggregator layouts, "
              f"{metrics.native_articles} on native layouts"
              + (f" ({len(metrics.dropped)} dropped: {', '.join(metrics.dropped)})" if metrics.dropped else ""))
        print(f"  is_machine_translated on aggregator layouts  recall {metrics.recall:.3f}  "
              f"precision {metrics.precision:.3f}" + (f"  missed: {', '.join(metrics.missed)}" if metrics.missed else ""))
        print(f"  native articles flagged: {len(metrics.native_flagged)} of {metrics.native_articles}"
              + (f" ({', '.join(metrics.native_flagged)})" if metrics.native_flagged else ""))
        print(f"  origin_outlet accuracy {metrics.outlet_accuracy:.3f} (on {metrics.outlets_known} translated articles "
              "with a known outlet)")


def linguistic_score(text: str) -> float:
    """The capped LINGUISTIC family total of a plain text (paragraphs = lines), as the scoring would add it."""
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    language, _ = detect_language(text)
    languages = paragraph_languages(paragraphs, language)  # as the pipeline's language step does
    findings = [*detect_name_variants(text), *detect_script_mix(text), *detect_idioms(text),
                *detect_language_mismatch(paragraphs, languages, language)]
    table = weights()
    weighed = [f for f in weigh(findings, table, known_aggregator=False) if FAMILY[f.kind] is Family.LINGUISTIC]
    return family_totals(weighed, table).get(Family.LINGUISTIC, 0.0)


def roc_auc(positives: list[float], negatives: list[float]) -> float:
    """P(score of a random positive > score of a random negative), ties counting one half (Mann-Whitney)."""
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


@dataclass(frozen=True)
class WmtResult:
    auc: float
    machine: int
    human: int
    machine_with_evidence: float  # share of documents with any linguistic finding
    human_with_evidence: float
    kinds: dict[str, tuple[int, int]]  # kind -> (machine docs, human docs) where it fired


def wmt_separation(path: Path) -> WmtResult:
    scores: dict[str, list[float]] = {"machine_translation": [], "human_translation": []}
    kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        label = record["label"]
        if label not in scores:
            continue
        scores[label].append(linguistic_score(record["text"]))
        found = {f.kind for f in [*detect_name_variants(record["text"]), *detect_script_mix(record["text"]),
                                  *detect_idioms(record["text"])]}
        for kind in found:
            kinds[str(kind)][label == "human_translation"] += 1
    machine, human = scores["machine_translation"], scores["human_translation"]
    return WmtResult(roc_auc(machine, human), len(machine), len(human),
                     _ratio(sum(s > 0 for s in machine), len(machine)), _ratio(sum(s > 0 for s in human), len(human)),
                     {kind: (m, h) for kind, (m, h) in sorted(kinds.items())})


def _print_corpus(title: str, metrics: CorpusMetrics) -> None:
    print(f"{title}: {metrics.articles} articles"
          + (f" ({len(metrics.dropped)} dropped by the pipeline: {', '.join(metrics.dropped)})" if metrics.dropped else ""))
    print(f"  is_machine_translated  precision {metrics.precision:.3f}  recall {metrics.recall:.3f}  F1 {metrics.f1:.3f}")
    print(f"  source_language accuracy {metrics.source_language_accuracy:.3f} "
          f"(on {metrics.source_language_known} translated articles with a known source)")
    print(f"  origin_outlet accuracy {metrics.outlet_accuracy:.3f}")
    if metrics.hard_negatives:
        flagged = ", ".join(metrics.hard_negatives_flagged) or "none"
        print(f"  hard negatives: {metrics.hard_negatives}, with any weighted finding: {flagged}")
    print("  per-kind precision (share of articles where the kind fired that are translated):")
    for kind, (precision, n) in metrics.kind_precision.items():
        print(f"    {kind:<28} {precision:.3f}  ({n} articles)")


def report(devdata: Path | None) -> None:
    _print_corpus("fixture corpus (tests/fixtures/mt)", corpus_metrics(fixture_corpus()))
    if (SAMPLE / "manifest.json").is_file():
        _print_corpus("sample corpus (data/sample)", corpus_metrics(sample_corpus()))
    _print_unseen("unseen data (tests/fixtures/mt_heldout)", HELDOUT)
    _print_unseen("provenance development pages (tests/fixtures/mt_provenance)", PROVENANCE_PAGES)
    _print_unseen("layout development pages (tests/fixtures/mt_dev_layouts)", DEV_LAYOUTS)
    if devdata is None or not (devdata / WMT_FILE).is_file():
        print(f"WMT23: skipped ({WMT_FILE} not found in the development data)")
        return
    result = wmt_separation(devdata / WMT_FILE)
    print(f"WMT23 ru->en, linguistic kinds only: ROC AUC {result.auc:.3f} "
          f"({result.machine} machine vs {result.human} human translations, document level)")
    print(f"  documents with any linguistic finding: machine {result.machine_with_evidence:.3f}, "
          f"human {result.human_with_evidence:.3f}")
    for kind, (machine, human) in result.kinds.items():
        print(f"    {kind:<28} machine docs {machine:>5}  human docs {human:>4}")
