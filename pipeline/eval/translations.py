"""``translation_of`` on written pairs: an original (Hebrew, Russian, German, Ukrainian) and its English rendering on an
aggregator, and negatives (two outlets covering one event independently), from ``tests/fixtures/translation_pairs``.

Every page runs the whole per-article path (extraction, language, MT scoring), then the linker sees all of them at
once, as one window of days: a pair counts as linked when its translation is linked to its own original.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.eval.mt import REPO, process_pages
from pipeline.translations import Article, Link, find_links

PAIRS = REPO / "tests" / "fixtures" / "translation_pairs"
_HTML = (("Content-Type", "text/html; charset=utf-8"),)


@dataclass(frozen=True)
class PairResult:
    pairs: int
    linked: int  # translations linked to their own original
    negatives: int
    negatives_linked: int  # negatives with a link between their two articles
    wrong: list[Link]  # links that are neither a written pair

    @property
    def recall(self) -> float:
        return self.linked / self.pairs if self.pairs else 0.0


def evaluate(root: Path = PAIRS) -> PairResult:
    manifest = yaml.safe_load((root / "manifest.yaml").read_text(encoding="utf-8"))
    pages = {}
    for pair in manifest["pairs"]:
        pages[pair["original_url"]] = pair["original"]
        pages[pair["translation_url"]] = pair["translation"]
    for negative in manifest["negatives"]:
        pages[negative["a_url"]] = negative["a"]
        pages[negative["b_url"]] = negative["b"]
    docs = process_pages((url, (root / file).read_bytes(), _HTML) for url, file in sorted(pages.items()))
    id_of = {url: doc.article_id for url, doc in docs.items()}
    articles = [Article.from_row({**doc.to_row(), "site": doc.site}) for doc in docs.values()]
    links = find_links(articles, articles)
    linked = {(link.translation, link.original) for link in links}
    expected = {(id_of.get(p["translation_url"]), id_of.get(p["original_url"])) for p in manifest["pairs"]}
    negative_pairs = [{id_of.get(n["a_url"]), id_of.get(n["b_url"])} for n in manifest["negatives"]]
    return PairResult(
        pairs=len(expected),
        linked=len(linked & expected),
        negatives=len(negative_pairs),
        negatives_linked=sum(1 for pair in negative_pairs if any({t, o} == pair for t, o in linked)),
        wrong=[link for link in links if (link.translation, link.original) not in expected],
    )


def report(devdata: Path | None) -> None:
    if not (PAIRS / "manifest.yaml").exists():
        print(f"translation pairs: {PAIRS} not found, skipped")
        return
    result = evaluate()
    print(f"translation_of on written pairs: {result.linked}/{result.pairs} linked ({result.recall:.3f}); "
          f"negatives linked: {result.negatives_linked}/{result.negatives}; other links: {len(result.wrong)}")
    for link in result.wrong:
        print(f"  unexpected link {link.translation} -> {link.original}: {link.evidence}")
