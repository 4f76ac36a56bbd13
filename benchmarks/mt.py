"""Cost of the MT steps: their per-article time as a fraction of the rest of the per-article path (target <= 15%, issue 11).

Pages: the fundus development pages (when ../shared/devdata is present), the MT fixture corpus and the sample
corpus's pages, run through :func:`pipeline.recipe.default_steps` one step at a time over the whole batch, so each
step's time is measured alone (wall clock, one process, after the models are loaded and a warm-up pass).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.extraction import source_pages
from pipeline.document import Document, Page
from pipeline.eval.mt import FIXTURES
from pipeline.recipe import default_steps
from pipeline.steps import warm_up

MT_STEPS = frozenset({"mt_template", "mt_detect", "site_profile"})
_FETCHED = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)


def _pages() -> list[tuple[str, bytes]]:
    fixtures = [(f"https://fixture.example/{f.stem}", f.read_bytes()) for f in sorted((FIXTURES / "pages").glob("*.html"))]
    return [*source_pages(), *fixtures]


def time_steps(pages: list[tuple[str, bytes]]) -> tuple[dict[str, float], int]:
    """Seconds spent in each step over the batch, and the number of articles that reached the end."""
    docs = [Document(page=Page(url=url, body=body, fetched_at=_FETCHED, source_name="bench",
                               headers=(("Content-Type", "text/html"),)), crawl_day=_FETCHED.date())
            for url, body in pages]
    seconds: dict[str, float] = defaultdict(float)
    stats: Counter[str] = Counter()
    for step in default_steps():
        start = time.perf_counter()
        docs = list(step.run(docs, stats))
        seconds[step.name] += time.perf_counter() - start
    return seconds, len(docs)


def main(quick: bool = False) -> None:
    pages = _pages()
    if quick:
        pages = pages[:40]
    warm_up(default_steps())  # the models, loaded once per process, are not per-article time
    time_steps(pages[:5])  # warm-up: data files, regexes
    seconds, articles = time_steps(pages)
    mt = sum(t for name, t in seconds.items() if name in MT_STEPS)
    rest = sum(t for name, t in seconds.items() if name not in MT_STEPS)
    print(f"{len(pages)} pages, {articles} articles through the whole path")
    for name, t in sorted(seconds.items(), key=lambda item: -item[1]):
        print(f"  {name:<14} {1000 * t / len(pages):8.2f} ms/page")
    print(f"MT steps {1000 * mt / len(pages):.2f} ms/page = {100 * mt / rest:.1f}% of the rest of the path "
          f"({1000 * rest / len(pages):.2f} ms/page); target <= 15%")
