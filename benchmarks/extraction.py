"""Throughput and peak memory of the per-article path (decode, extract, clean, language, dedup, write).

Pages: the fundus development pages when ../shared/devdata is present, else the sample corpus's pages; copies get
their own URL (canonical hints removed) and a per-copy marker in every paragraph, so cross-page rules and the
writes see distinct articles. Each size is written to a WARC and run through :func:`pipeline.runner.run_source`
(the real path, Parquet included), the first size with one and with two processes, next to bare
``trafilatura.extract`` over the same pages on one core. Each run is a fresh process, as a scheduled task is; it loads the models before
its timed run, and its whole process tree counts in the peak. Memory is the peak
of the summed PSS of the process tree (shared pages counted once), sampled every second from
``/proc/<pid>/smaps_rollup`` (cheap enough not to slow the run it measures), with the peaks of the run process's
and its workers' private memory while the workers run (what grows with the run's length shows in one of them).
The WARCs are written uncompressed: warcio gzips each record at level 9 (~18 s per 1,000 pages), which would add
minutes to the 10,000-page size.
"""

from __future__ import annotations

import datetime as dt
import gzip
import multiprocessing
import re
import tempfile
import threading
import time
from pathlib import Path

import psutil
import trafilatura

from pipeline.config import SourcesConfig, WarcSource
from pipeline.eval import devdata_dir
from pipeline.runner import run_source
from pipeline.recipe import default_steps
from pipeline.steps import warm_up
from tests.support.big_pages import write_warc as write_pages

DAY = dt.date(2024, 1, 1)
SAMPLE_PAGES = Path(__file__).resolve().parents[1] / "data" / "sample" / "pages"
_PARAGRAPH_END = re.compile(rb"</p>", re.IGNORECASE)
# A copy's own URL must be its canonical one, or every copy would be one article and the writes would be skipped.
_CANONICAL = re.compile(rb"""<(?:link[^>]*rel=["']canonical|meta[^>]*property=["']og:url)[^>]*>""", re.IGNORECASE)


def source_pages() -> list[tuple[str, bytes]]:
    devdata = devdata_dir()
    folder = devdata / "extraction" / "fundus" if devdata else None
    if folder is not None and folder.is_dir():
        files = sorted(folder.rglob("*.html.gz"))
        return [(f"https://{f.parent.name}.example/{f.stem}", gzip.decompress(f.read_bytes())) for f in files]
    files = sorted(SAMPLE_PAGES.rglob("*.html"))
    return [(f"https://{f.parent.name}/{f.stem}", f.read_bytes()) for f in files]


def numbered_copy(html: bytes, copy: int) -> bytes:
    count = iter(range(1 << 30))
    html = _CANONICAL.sub(b"", html)
    return _PARAGRAPH_END.sub(lambda m: f" r{copy}x{next(count)}</p>".encode(), html)


def write_warc(path: Path, pages: list[tuple[str, bytes]], size: int) -> None:
    """``size`` pages, the distinct ``pages`` repeated as numbered copies, in one uncompressed WARC."""
    copies = ((f"{url}?copy={i // len(pages)}", numbered_copy(html, i // len(pages)))
              for i in range(size) for url, html in [pages[i % len(pages)]])
    write_pages(path, copies, f"{DAY.isoformat()}T12:00:00Z")


def memory_bytes(pid: int) -> tuple[int, int]:
    """Proportional set size and private memory (clean + dirty) of one process ((0, 0) when it has gone)."""
    fields = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as rollup:
            for line in rollup:
                name, _, rest = line.partition(":")
                if name in ("Pss", "Private_Clean", "Private_Dirty"):
                    fields[name] = int(rest.split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return fields.get("Pss", 0), fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)


class PeakMemory:
    """Peaks while the block runs, for a process (default: this one) and its children: of the summed PSS of all, and,
    while it has children (workers), of its own private memory and of theirs summed (what grows with a run's length
    shows in one of the two; before the fork and after the workers exit, all of the process's memory is private)."""

    INTERVAL_SECONDS = 1.0

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid
        self.peak = self.parent_private = self.workers_private = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        root = psutil.Process(self.pid)
        while not self._stop.wait(self.INTERVAL_SECONDS):
            try:
                children = [child.pid for child in root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            pss, private = memory_bytes(root.pid)
            workers = [memory_bytes(pid) for pid in children]
            self.peak = max(self.peak, pss + sum(w_pss for w_pss, _ in workers))
            if workers:
                self.parent_private = max(self.parent_private, private)
                self.workers_private = max(self.workers_private, sum(w_private for _, w_private in workers))

    def __enter__(self) -> "PeakMemory":
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def bare_rate(pages: list[tuple[str, bytes]], size: int) -> float:
    start = time.perf_counter()
    for i in range(size):
        url, html = pages[i % len(pages)]
        trafilatura.extract(numbered_copy(html, i // len(pages)), url=url)
    return size / (time.perf_counter() - start)


def _timed_run(warcs: list[Path], processes: int, data_dir: Path, results: multiprocessing.Queue) -> None:
    """In a fresh process, as a scheduled run is: load the models, then time the run alone."""
    warm_up(default_steps())
    config = SourcesConfig(sources=(WarcSource(name="bench", kind="warc", paths=tuple(map(str, warcs))),))
    start = time.perf_counter()
    result = run_source(config, "bench", DAY, data_dir, processes=processes)
    seconds = time.perf_counter() - start
    results.put((seconds, result.counts, result.articles, result.error))


def pipeline_run(warcs: list[Path], processes: int, work: Path) -> tuple[float, dict[str, int], int, PeakMemory]:
    """(seconds, the run's counts, articles, its memory peaks) of a run over ``warcs``: each run in its own process,
    so that no run inherits the memory another one left behind."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    data_dir = work / f"data-{processes}-{'-'.join(warc.stem for warc in warcs)}"
    child = context.Process(target=_timed_run, args=(warcs, processes, data_dir, results))
    child.start()
    with PeakMemory(child.pid) as memory:
        seconds, counts, articles, error = results.get()
        child.join()
    if error:
        raise RuntimeError(error)
    return seconds, counts, articles, memory


def main(quick: bool = False) -> None:
    pages = source_pages()
    if not pages:
        print("skipped: no pages (neither ../shared/devdata nor data/sample/pages)")
        return
    sizes = (100, 300) if quick else (1_000, 10_000)
    print(f"{len(pages)} distinct pages, repeated with per-copy markers; sizes {sizes}")
    rate = bare_rate(pages, sizes[0])
    print(f"bare trafilatura.extract, 1 process: {rate:.1f} pages/s")
    print("each run below is a fresh process that loads the models first (not timed, as trafilatura's imports are "
          "not in bare's rate; its memory is in the peak)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in sizes:
            warc = work / f"pages-{size}.warc"
            write_warc(warc, pages, size)
            for processes in (1, 2) if size == sizes[0] else (2,):
                seconds, counts, articles, memory = pipeline_run([warc], processes, work)
                speed = counts.get("warc_responses", 0) / seconds
                print(f"pipeline, {size:>6} pages, {processes} process{'es' if processes > 1 else ''}: "
                      f"{speed:.1f} pages/s ({speed / processes / rate:.2f} of bare per core), "
                      f"{articles} articles, peak memory {memory.peak / 2**20:.0f} MiB"
                      + (f" (private while the workers ran: run process {memory.parent_private / 2**20:.0f} MiB, "
                         f"workers {memory.workers_private / 2**20:.0f} MiB)" if processes > 1 else ""), flush=True)
