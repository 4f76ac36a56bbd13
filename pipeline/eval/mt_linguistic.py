"""The linguistic model (``pipeline.mt.linguistic``) on the WMT documents: the data split it was trained on, and its
document-level ROC AUC on what training never saw.

The split (one definition, read by ``scripts/train_mt_model.py`` too), by document id so that every system's output
of one source document falls on the same side:

- held out entirely: the WMT22 pair ``HELDOUT_PAIRS`` and the systems ``HELDOUT_SYSTEMS`` (in every pair);
- test documents: ``TEST_SHARE`` of the other documents (a stable hash of the id), English originals included;
- left out: the near word-salad system (WMT22 ja-en AIST), the single sentences of en-liv, and the WMT24 speech
  transcripts and literary excerpts (neither is what a news page holds);
- WMT23 ru->en is never trained or tuned on: it is the final check.

``python -m pipeline.eval mt_linguistic`` prints MT against original English and MT against human translation on the
held-out pair, the held-out systems and WMT23, the typography-only model's AUC, and how many native English texts
(the test originals, the fundus English pages' bodies) the model flags on its own.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MT, HUMAN, ORIGINAL = "machine_translation", "human_translation", "original"
HELDOUT_PAIRS = frozenset({"de-en"})
HELDOUT_SYSTEMS = frozenset({"Lan-Bridge", "Online-G"})
EXCLUDED_SYSTEMS = frozenset({"AIST"})  # WMT22 ja-en: near word salad, not a realistic translation
EXCLUDED_DOMAINS = frozenset({"speech", "literary"})
TEST_SHARE = 0.25
WMT22_X_EN = Path("mt") / "wmt22-x-en-docs.jsonl.gz"
ENGLISH_ORIGINALS = (Path("mt") / "wmt22-en-x-originals.jsonl.gz", Path("mt") / "wmt24-en-x-originals.jsonl.gz")
WMT23 = Path("mt") / "wmt23-ru-en-docs.jsonl"
FUNDUS_TRUTH = Path("extraction") / "fundus-ground-truth.json"


@dataclass(frozen=True)
class Doc:
    text: str
    label: str  # MT, HUMAN or ORIGINAL (an English original)
    pair: str
    system: str | None
    doc_id: str
    domain: str

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.pair, self.doc_id, self.label, self.system or "")


def stable_fraction(name: str) -> float:
    """A number in [0, 1) fixed by ``name`` alone (CRC-32: the same on every machine and every run)."""
    return zlib.crc32(name.encode("utf-8")) / 2 ** 32


def _lines(path: Path) -> Iterator[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def _doc(record: dict, pair: str) -> Doc:
    return Doc(record["text"], record["label"], pair, record.get("system"), record["doc_id"],
               record.get("domain") or "unknown")


def wmt22_documents(devdata: Path) -> list[Doc]:
    """English WMT22/24 documents: x->en machine and human translations, and English originals, in a stable order."""
    docs = [_doc(r, r["pair"]) for r in _lines(devdata / WMT22_X_EN) if r["label"] in (MT, HUMAN)]
    for path in ENGLISH_ORIGINALS:
        edition = path.name.split("-")[0]
        for record in _lines(devdata / path):
            if record["pair"] != "en-liv":  # en-liv: single sentences of mixed origin
                docs.append(_doc(record, f"{edition}:en"))
    return sorted((d for d in docs if d.system not in EXCLUDED_SYSTEMS and d.domain not in EXCLUDED_DOMAINS),
                  key=lambda d: d.key)


def wmt23_documents(devdata: Path) -> list[Doc]:
    return [_doc(r, "wmt23:ru-en") for r in _lines(devdata / WMT23) if r["label"] in (MT, HUMAN)]


def split(doc: Doc) -> str:
    """``heldout_pair``, ``heldout_system``, ``test`` or ``train`` (see the module's docstring); ``unused`` for the
    held-out systems' output of training documents (neither trained nor tested on)."""
    if doc.pair in HELDOUT_PAIRS:
        return "heldout_pair"
    test = stable_fraction(f"{doc.pair}:{doc.doc_id}") < TEST_SHARE
    if doc.system in HELDOUT_SYSTEMS:
        return "heldout_system" if test else "unused"
    return "test" if test else "train"


def fundus_english(devdata: Path) -> list[str]:
    """The article bodies of the fundus pages in English (fundus's own expected text, so no extractor in between)."""
    from pipeline.language import detect_language

    truth = json.loads((devdata / FUNDUS_TRUTH).read_text(encoding="utf-8"))
    bodies = [truth[key].get("articleBody") or "" for key in sorted(truth)]
    return [body for body in bodies if body and detect_language(body)[0] == "en"]


def roc_auc(positives: np.ndarray | list[float], negatives: np.ndarray | list[float]) -> float:
    """P(a random positive scores above a random negative), ties one half (Mann-Whitney, by ranks)."""
    pos, neg = np.asarray(positives, dtype=np.float64), np.asarray(negatives, dtype=np.float64)
    if not len(pos) or not len(neg):
        return float("nan")
    values = np.concatenate([pos, neg])
    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values))
    sorted_values = values[order]
    start = 0
    while start < len(values):  # average ranks over ties
        end = start
        while end + 1 < len(values) and sorted_values[end + 1] == sorted_values[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def scores(score, texts: list[str]) -> np.ndarray:
    """``score`` (text -> float or None) of each text it scores."""
    return np.array([s for text in texts if (s := score(text)) is not None])


def evaluation_groups(devdata: Path) -> tuple[dict[str, list[Doc]], list[Doc]]:
    """The MT/human groups the report scores, and the test English originals (never trained on)."""
    docs = wmt22_documents(devdata)
    sides = {d.key: split(d) for d in docs}
    originals = [d for d in docs if d.label == ORIGINAL and sides[d.key] == "test"]
    test_docs = {(d.pair, d.doc_id) for d in docs if sides[d.key] == "heldout_system"}
    groups = {
        f"held-out pair {', '.join(sorted(HELDOUT_PAIRS))} (WMT22)": [d for d in docs if sides[d.key] == "heldout_pair"],
        f"held-out systems {', '.join(sorted(HELDOUT_SYSTEMS))} (WMT22, test documents)":
            [d for d in docs if (d.label == HUMAN and (d.pair, d.doc_id) in test_docs) or sides[d.key] == "heldout_system"],
        "test documents, trained systems (WMT22)": [d for d in docs if sides[d.key] == "test" and d.label != ORIGINAL],
    }
    if (devdata / WMT23).is_file():
        groups["WMT23 ru->en (never trained or tuned on)"] = wmt23_documents(devdata)
    return groups, originals


def sample_native_english() -> list[str]:
    """The texts the pipeline extracts from the sample's native English pages (empty without the sample)."""
    from pipeline.eval.mt import SAMPLE, sample_corpus

    if not (SAMPLE / "manifest.json").is_file():
        return []
    return [item.doc.text for item in sample_corpus()
            if not item.machine_translated and item.doc is not None and item.doc.language == "en"]


def report(devdata: Path | None) -> None:
    from pipeline.mt.linguistic import MIN_WORDS, model, typography_model

    if devdata is None or not (devdata / WMT22_X_EN).is_file():
        print(f"linguistic model: skipped ({WMT22_X_EN} not found in the development data)")
        return
    shipped, typography = model(), typography_model()
    groups, originals = evaluation_groups(devdata)
    native = {"test English originals (WMT22/24)": [d.text for d in originals],
              "fundus English pages": fundus_english(devdata) if (devdata / FUNDUS_TRUTH).is_file() else [],
              "sample native English pages (data/sample)": sample_native_english()}
    native_full = {name: scores(shipped.logit, texts) for name, texts in native.items()}
    wmt_original, fundus = native_full["test English originals (WMT22/24)"], native_full["fundus English pages"]
    typography_original = scores(typography.logit, native["test English originals (WMT22/24)"])
    print(f"linguistic model (pipeline/data/mt_linguistic.json), document-level ROC AUC of MT against: the test English "
          f"originals (WMT22/24, {len(wmt_original)}), the fundus English pages ({len(fundus)}), the human translations "
          f"of the same documents; the typography-only model likewise. Texts under {MIN_WORDS} words are not scored.")
    print(f"  {'':<66} {'vs orig':>8} {'vs fundus':>9} {'vs human':>8} {'typo: orig':>10} {'typo: human':>11}  MT/human")
    full_machine = {}
    for name, docs in groups.items():
        machine, human = [d.text for d in docs if d.label == MT], [d.text for d in docs if d.label == HUMAN]
        full_machine[name] = full = scores(shipped.logit, machine), scores(shipped.logit, human)
        typo = scores(typography.logit, machine), scores(typography.logit, human)
        print(f"  {name:<66} {roc_auc(full[0], wmt_original):>8.3f} {roc_auc(full[0], fundus):>9.3f} "
              f"{roc_auc(*full):>8.3f} {roc_auc(typo[0], typography_original):>10.3f} {roc_auc(*typo):>11.3f}"
              f"  {len(full[0])}/{len(full[1])}")
    print(f"  alone it decides at log-odds >= {shipped.flag_logit:.3f}; native English flagged:")
    for name, values in native_full.items():
        print(f"    {name:<44} {int(np.sum(values >= shipped.flag_logit))} of {len(values)}")
    every_native = np.concatenate(list(native_full.values()))
    false_rate = float(np.mean(every_native >= shipped.flag_logit)) if len(every_native) else 0.0
    print("  recall of MT, and precision against original English in a pool with as many originals as MT documents "
          "(recall / (recall + the native flag rate)):")
    for name, (machine, human) in full_machine.items():
        recall = float(np.mean(machine >= shipped.flag_logit))
        precision = recall / (recall + false_rate) if recall + false_rate else 1.0
        print(f"    {name:<66} recall {recall:.3f}  precision {precision:.3f}  "
              f"(human translations flagged {np.mean(human >= shipped.flag_logit):.3f})")
