"""Body text, title and date quality on the fundus pages: this pipeline vs bare ``trafilatura.extract``.

The body metric is the public article-extraction benchmark's: ``\\w+`` tokens, word 4-gram shingles (a text of
fewer than 4 tokens is one shingle), per-page TP/FP/FN over the shingle multisets normalised to sum 1, precision
and recall averaged over pages (a page with neither predicted nor gold shingles scores 1), F1 of the two averages.
Both texts are put in Unicode NFC first: two fundus bodies are stored decomposed (NFD), where ``\\w+`` splits every
accented letter off its word, so the same text would score differently by its normalisation form alone.

``python -m pipeline.eval.extraction --worst 20`` also lists the pages where the pipeline does worst.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from pipeline.eval import devdata_dir
from pipeline.document import Document, Page
from pipeline.recipe import default_steps
from pipeline.steps import run_steps

_WORD = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _WORD.findall(unicodedata.normalize("NFC", text or ""))
    if len(tokens) < n:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def page_precision_recall(predicted: str, gold: str) -> tuple[float, float]:
    pred, true = shingles(predicted), shingles(gold)
    if not pred and not true:
        return 1.0, 1.0
    tp = sum((pred & true).values())
    fp = sum((pred - true).values())
    fn = sum((true - pred).values())
    total = tp + fp + fn
    tp, fp, fn = tp / total, fp / total, fn / total
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall


@dataclass
class Scores:
    """Running totals of one system over the pages."""

    keys: list[str] = field(default_factory=list)
    precision: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    titles: list[bool] = field(default_factory=list)
    dates: list[bool] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, key: str, text: str, gold_text: str, title: str | None, gold_title: str, date_ok: bool) -> None:
        p, r = page_precision_recall(text, gold_text)
        self.keys.append(key)
        self.precision.append(p)
        self.recall.append(r)
        self.titles.append(_same_title(title, gold_title))
        self.dates.append(date_ok)

    def summary(self) -> dict[str, float]:
        n = len(self.precision) or 1
        p, r = sum(self.precision) / n, sum(self.recall) / n
        return {
            "f1": _f1(p, r),
            "precision": p,
            "recall": r,
            "title": sum(self.titles) / n,
            "date": sum(self.dates) / n,
            "pages/s": n / self.seconds if self.seconds else 0.0,
        }

    def worst(self, n: int) -> list[tuple[str, float, float]]:
        """The ``n`` pages with the lowest F1: (page, precision, recall)."""
        pages = zip(self.keys, self.precision, self.recall)
        return sorted(pages, key=lambda page: _f1(page[1], page[2]))[:n]


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _same_title(title: str | None, gold: str) -> bool:
    squash = lambda s: " ".join((s or "").split()).casefold()  # noqa: E731 - whitespace and case only
    return bool(title) and squash(title) == squash(gold)


@dataclass(frozen=True)
class FundusPage:
    key: str
    url: str
    html: bytes
    title: str
    body: str
    published: dt.datetime | None


def _gold_date(value: str | None) -> dt.datetime | None:
    if not value or value == "None":
        return None
    parsed = dt.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _date_matches(day: dt.date | None, gold: dt.datetime | None) -> bool:
    """Same day as the ground truth, in the page's own timezone or in UTC (a day alone carries no zone)."""
    if gold is None:
        return day is None
    return day in {gold.date(), gold.astimezone(dt.timezone.utc).date()}


def fundus_pages(devdata: Path) -> Iterator[FundusPage]:
    folder = devdata / "extraction"
    truth = json.loads((folder / "fundus-ground-truth.json").read_text(encoding="utf-8"))
    for key in sorted(truth):
        entry = truth[key]
        with gzip.open(folder / "fundus" / key) as handle:
            html = handle.read()
        yield FundusPage(key, entry["url"], html, entry.get("title") or "", entry.get("articleBody") or "",
                         _gold_date(entry.get("publishing_date")))


def _bare(page: FundusPage) -> tuple[str, str | None, dt.date | None]:
    text = trafilatura.extract(page.html, url=page.url) or ""
    meta = trafilatura.extract_metadata(page.html, default_url=page.url)
    day = dt.date.fromisoformat(meta.date[:10]) if meta is not None and meta.date else None
    return text, meta.title if meta is not None else None, day


def _as_document(page: FundusPage) -> Document:
    fetched = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    return Document(page=Page(url=page.url, body=page.html, fetched_at=fetched, source_name="eval",
                              headers=(("Content-Type", "text/html"),)), crawl_day=fetched.date())


def evaluate(devdata: Path) -> dict[str, Scores]:
    """Both systems on every page; the pipeline sees all pages as one run (as it would a day of a source)."""
    pages = list(fundus_pages(devdata))
    documents = [_as_document(page) for page in pages]
    bare, ours = Scores(), Scores()
    start = time.perf_counter()
    # By the document itself, not its URL: two fundus pages share one URL.
    results = {id(doc): doc for doc in run_steps(documents, default_steps(), Counter())}
    ours.seconds = time.perf_counter() - start
    for page, document in zip(pages, documents):
        doc = results.get(id(document))
        day = doc.published_at.date() if doc and doc.published_at else None
        ours.add(page.key, doc.text if doc else "", page.body, doc.title if doc else None, page.title,
                 _date_matches(day, page.published))
        start = time.perf_counter()
        text, title, bare_day = _bare(page)
        bare.seconds += time.perf_counter() - start
        bare.add(page.key, text, page.body, title, page.title, _date_matches(bare_day, page.published))
    return {"bare trafilatura": bare, "pipeline": ours}


def print_table(rows: dict[str, dict[str, float]]) -> None:
    columns = list(next(iter(rows.values())))
    print(f"{'':<20}" + "".join(f"{c:>11}" for c in columns))
    for name, values in rows.items():
        print(f"{name:<20}" + "".join(f"{values[c]:>11.4f}" for c in columns))


def report(devdata: Path | None, worst: int = 0) -> None:
    if devdata is None or not (devdata / "extraction" / "fundus-ground-truth.json").exists():
        print("skipped: extraction/fundus-ground-truth.json not found")
        return
    scores = evaluate(devdata)
    n = len(next(iter(scores.values())).precision)
    print(f"fundus pages: {n}  (body: shingle F1/precision/recall; title: exact match; date: same day)")
    print_table({name: s.summary() for name, s in scores.items()})
    if worst:
        print(f"\nworst {worst} pages of the pipeline (precision, recall):")
        for key, precision, recall in scores["pipeline"].worst(worst):
            print(f"  {precision:.3f}  {recall:.3f}  {key}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m pipeline.eval.extraction", description=__doc__.split("\n")[0])
    parser.add_argument("--worst", type=int, default=0, metavar="N", help="also list the N pages with the lowest F1")
    report(devdata_dir(), parser.parse_args(argv).worst)


if __name__ == "__main__":
    main()

