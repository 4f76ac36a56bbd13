"""Huge pages (the page limits of :mod:`pipeline.budget`): what one 7 MB or 50 MB page costs a run and costs alone.

- Runs: N normal pages (as in the extraction benchmark) alone, with one 7 MB page and with one 50 MB page
  (``tests/support/big_pages.py``: paragraphs, deep nesting, a giant table, inline state scripts), each through
  :func:`pipeline.runner.run_source` on 2 processes in a fresh process; wall time and peak memory (PSS of the process
  tree). Target: a run with a huge page takes at most twice the time of the same run without it. In a run the WARC
  reader refuses a record over 8 MiB before any worker sees it, so the 50 MB page costs a run only its reading.
- Alone: each huge page through the per-article steps in this process (models loaded first): the CPU time of its
  costliest step against the budget of one step (``max_step_seconds``) and what the limits did; then
  ``python -m pipeline extract`` on it, a fresh process, models included: wall time and peak memory.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks.extraction import DAY, PeakMemory, pipeline_run, source_pages, write_warc
from pipeline.budget import DEFAULT_LIMITS
from pipeline.document import Document, Page
from pipeline.recipe import default_steps
from pipeline.steps import warm_up
from tests.support.big_pages import huge_article, huge_data_page, write_warc as write_pages

MB = 10**6
# The pages of the fault tests: a 7 MB article (over the byte limit) and a 50 MB data page (over the tag limit).
PAGES = {"7 MB": (huge_article, 7 * MB), "50 MB": (huge_data_page, 50 * MB)}
TARGET_RATIO = 2.0


def _alone(url: str, html: bytes) -> tuple[str, float, Counter[str]]:
    """The costliest step's name and CPU seconds on the page, and the counts of its run through the steps."""
    fetched = dt.datetime.combine(DAY, dt.time(12), dt.timezone.utc)
    docs = [Document(page=Page(url=url, body=html, fetched_at=fetched, source_name="bench",
                               headers=(("Content-Type", "text/html; charset=utf-8"),)), crawl_day=DAY)]
    stats: Counter[str] = Counter()
    costliest, most = "", 0.0
    for step in default_steps():
        start = time.process_time()
        docs = list(step.run(docs, stats))
        if (spent := time.process_time() - start) > most:
            costliest, most = step.name, spent
    return costliest, most, stats


def _cli(path: Path) -> tuple[float, int, int]:
    """Wall seconds, peak memory and exit status of ``python -m pipeline extract`` on one page."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "extract", str(path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with PeakMemory(proc.pid) as memory:
        status = proc.wait()
    return time.perf_counter() - start, memory.peak, status


def main(quick: bool = False) -> None:
    pages = source_pages()
    size = 300 if quick else 1_000
    limits = DEFAULT_LIMITS
    print(f"limits: input {limits.max_input_bytes:,} B, HTML {limits.max_html_bytes:,} B and "
          f"{limits.max_html_tags:,} tags, text "
          f"{limits.max_text_chars:,} chars, {limits.max_step_seconds:g} s CPU per step; {size} normal pages "
          f"({len(pages)} distinct), 2 processes")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        normal = work / "normal.warc"
        write_warc(normal, pages, size)
        big: dict[str, tuple[Path, bytes]] = {}
        for label, (make, bytes_) in PAGES.items():
            html = make(bytes_, seed=bytes_)
            name = label.replace(" ", "")
            write_pages(work / f"big-{name}.warc", [(f"https://big.example/{name}", html)],
                        f"{DAY.isoformat()}T12:00:00Z")
            (work / f"big-{name}.html").write_bytes(html)
            big[label] = (work / f"big-{name}", html)

        base_seconds, _, base_articles, base_memory = pipeline_run([normal], 2, work)
        print(f"run, {size} pages: {base_seconds:.1f} s, {base_articles} articles, peak memory "
              f"{base_memory.peak / 2**20:.0f} MiB", flush=True)
        for label, (stem, _) in big.items():
            seconds, counts, articles, memory = pipeline_run([normal, stem.with_suffix(".warc")], 2, work)
            limited = {k: v for k, v in sorted(counts.items()) if k in ("page_cut", "text_cut", "skipped_too_large",
                                                                          "skipped_too_slow")}
            print(f"run, {size} pages + one {label} page: {seconds:.1f} s = {seconds / base_seconds:.2f}x "
                  f"(target <= {TARGET_RATIO:g}x), {articles} articles, peak memory {memory.peak / 2**20:.0f} MiB; "
                  f"{limited}", flush=True)

        warm_up(default_steps())
        for label, (stem, html) in big.items():
            step, cpu, stats = _alone(f"https://big.example/{stem.name}", html)
            print(f"{label} page alone: costliest step {step} {cpu:.2f} s CPU (budget {limits.max_step_seconds:g} "
                  f"s); {dict(sorted(stats.items()))}", flush=True)
            wall, peak, status = _cli(stem.with_suffix(".html"))
            print(f"{label} page, python -m pipeline extract: {wall:.1f} s wall with the models' loading, peak "
                  f"memory {peak / 2**20:.0f} MiB, exit status {status}", flush=True)
