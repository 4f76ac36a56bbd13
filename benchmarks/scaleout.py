"""Scale-out of the sharded path: one CC-NEWS-like day on 1 and on 2 workers, the data root on an object store.

The day: 8 WARC files of ~1,000 pages each (``--quick``: ~50), written by :mod:`benchmarks.extraction`'s page
generation (the fundus development pages, else the sample's) with a per-file URL path and paragraph marker on top of
its per-copy ones, so no file repeats another's articles. One ``warc`` source reads them from a local glob
(``CC-NEWS-{day:%Y%m%d}-*.warc``); the data root, where everything else goes, is a prefix of a bucket on moto's S3
server on 127.0.0.1 (:func:`tests.support.s3.s3_server`). The day is run the way the Airflow DAG runs it:
``plan_shards`` (8: one shard per input file; run by the benchmark's own process, outside the timed day), 8
``extract_shard`` tasks, then one ``finish_source``.

A worker is a separate OS process, spawned fresh as a Celery worker is: it imports the pipeline, loads the models
(not timed, reported as warm-up), then takes tasks from a shared queue until told to stop; the finish task is queued
once every shard task has finished and runs on whichever worker takes it. Each task runs with
``NEWS_CORPUS_PROCESSES=1``: on a Celery deployment the worker's concurrency (its number of task processes) is the
parallelism, so a task does not start a pool of its own, and "N workers" here is a concurrency of N.

Reported for each worker count: pages/s over the whole day (first task start to the finish task's end); the ratio
2 workers / 1 worker; the peak RSS (``ru_maxrss``, exact) and PSS (sampled each second) of each worker process; and
where the worker time (workers x wall) went. Timers wrapped around the pipeline's own functions in the worker
processes (no profiler) attribute every moment of a task to the innermost of: the object store (every
:class:`~pipeline.storage.Storage` call, and each read of a streamed object), ``Dataset.commit_run`` (the commit:
building the parts from the spill, sorting and deduplicating partitions, Parquet encoding; its storage calls count
as storage), the shard files' msgpack+zstd encoding and decoding (the cost of sharding itself), the per-article
steps (``run_steps``, the local WARC reads included; in the shard tasks and, serially, in the finish task) and the
spill (``RunRows.add``); what remains of a task is "other" (config, counts). Time in no task is idle: a worker
waiting for a task (for the other worker's last shard, or while the finish task runs elsewhere). Each task's CPU
time (``time.process_time``: the worker's threads, pyarrow's included) is summed too: unlike wall time it hardly
depends on what else the machine runs, so it is the per-page cost to plan capacity with. What other processes (not
the workers, the S3 server or this one) took of the machine during the day is printed, as the wall-time figures
are only as good as the machine was quiet.

Object-store requests are counted from the storage calls, with what pyarrow's S3 filesystem (26.x) sends for each,
checked against the AWS SDK's request log (``ARROW_S3_LOG_LEVEL=debug``) on moto, equal in every kind over a
2,000-page day: a write (``write_bytes``, ``upload``, a Parquet write) is a
multipart upload, CreateMultipartUpload + one UploadPart per 10 MiB + Complete (3 requests for these objects; all
are PUT-class); ``exists`` is a HEAD, plus a LIST when the object is missing; ``read_bytes`` a HEAD and a GET;
``open_input`` a HEAD, then one ranged GET per ``READ_BUFFER_BYTES`` (8 MiB) read (the stream is buffered: unbuffered,
the shard files' 64 KiB reads were one GET each); ``list`` one LIST per 1,000 keys; ``read_parquet`` 2 HEADs (3 without a schema)
and 2 GETs; ``delete`` a HEAD, the DELETE and a PUT (pyarrow re-creates the parent "directory" marker).

On this machine (2 cores) the second worker adds less than a second core's worth: the finish task is serial (the
whole-source steps, language detection, the translation checks and deduplication among them, run on one worker
over every page of the day, then the commit), so with S seconds of shard work and F of finish the best 2-worker wall
is S/2 + F; and moto's server, pure Python, runs on the same two cores as the workers, its CPU time taken from
theirs (printed as a share of the machine). Both are printed beside the measured figures.

The 1-worker and 2-worker datasets are compared object by object (every ``articles/`` object, byte for byte).
"""

from __future__ import annotations

import contextlib
import functools
import math
import multiprocessing
import os
import queue
import resource
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import psutil

from benchmarks.extraction import DAY, PeakMemory, numbered_copy, source_pages, write_warc
from pipeline.storage import READ_BUFFER_BYTES

SOURCE = "ccnews"
FILES = 8
# Per-file paragraph markers start here, far above write_warc's per-copy numbers.
FILE_MARKER = 1_000_000
# pyarrow's S3 output streams upload in parts of this size (a larger object takes more UploadPart requests).
S3_PART_BYTES = 10 * 2**20
LIST_PAGE_KEYS = 1000
REQUESTS = ("PUT", "GET", "HEAD", "LIST", "DELETE")


# Worker side: timers and request counts


class Ledger:
    """Self time by category over nested sections (a stack: entering one pauses its parent's clock), and the
    object-store requests seen, by phase (the task's kind, or "commit" inside commit_run)."""

    def __init__(self) -> None:
        self.kind = "shard"
        self.seconds: Counter[str] = Counter()
        self.requests: Counter[tuple[str, str]] = Counter()
        self._stack = ["other"]
        self._mark = time.monotonic()

    def begin(self, kind: str, now: float) -> None:
        self.kind = kind
        self.seconds, self.requests = Counter(), Counter()
        self._stack, self._mark = ["other"], now

    def end(self, now: float) -> tuple[dict[str, float], dict[tuple[str, str], int]]:
        self.seconds[self._stack[-1]] += now - self._mark
        return dict(self.seconds), dict(self.requests)

    def enter(self, category: str) -> None:
        now = time.monotonic()
        self.seconds[self._stack[-1]] += now - self._mark
        self._stack.append(category)
        self._mark = now

    def exit(self) -> None:
        now = time.monotonic()
        self.seconds[self._stack.pop()] += now - self._mark
        self._mark = now

    @contextlib.contextmanager
    def section(self, category: str) -> Iterator[None]:
        self.enter(category)
        try:
            yield
        finally:
            self.exit()

    def timed_iter(self, category: str, items: Iterable[Any]) -> Iterator[Any]:
        """``items`` with the time of each step of the iteration in ``category``."""
        items = iter(items)
        while True:
            self.enter(category)
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                self.exit()
            yield item

    def count(self, **requests: int) -> None:
        phase = "commit" if "commit" in self._stack else self.kind
        for kind, n in requests.items():
            self.requests[(phase, kind)] += n


class _TimedStream:
    """A streamed object whose reads are storage time; the stream is buffered (READ_BUFFER_BYTES), so a ranged GET
    is counted for each buffer's worth of bytes read."""

    def __init__(self, raw: Any, ledger: Ledger) -> None:
        self._raw, self._ledger = raw, ledger
        self._read = self._fetched = 0

    def read(self, size: int = -1) -> bytes:
        with self._ledger.section("storage"):
            data = self._raw.read(size)
        self._read += len(data)
        while self._fetched < self._read:
            self._ledger.count(GET=1)
            self._fetched += READ_BUFFER_BYTES
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _upload_requests(size: int) -> dict[str, int]:
    # CreateMultipartUpload and CompleteMultipartUpload (POSTs, billed as PUTs) and the parts
    return {"PUT": 2 + max(1, math.ceil(size / S3_PART_BYTES))}


def _instrument(ledger: Ledger) -> None:
    """Wrap the pipeline's storage, commit, spill, shard-file and step functions with the ledger's timers."""
    import pipeline.runner as runner
    from pipeline.dataset import Dataset
    from pipeline.spill import RunRows
    from pipeline.storage import Storage

    def wrap(owner: Any, name: str, category: str,
             requests: Callable[..., dict[str, int]] | None = None) -> None:
        function = getattr(owner, name)

        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with ledger.section(category):
                result = function(*args, **kwargs)
            if requests is not None:
                ledger.count(**requests(result, *args, **kwargs))
            return result
        setattr(owner, name, timed)

    # Each ``requests`` gets the call's result, then its arguments (self first).
    wrap(Storage, "exists", "storage", lambda found, *_, **__: {"HEAD": 1} if found else {"HEAD": 1, "LIST": 1})
    wrap(Storage, "read_bytes", "storage", lambda *_, **__: {"HEAD": 1, "GET": 1})
    wrap(Storage, "list_sizes", "storage",
         lambda found, *_, **__: {"LIST": max(1, math.ceil(len(found) / LIST_PAGE_KEYS))})
    wrap(Storage, "read_parquet", "storage",
         lambda _, self, rel, schema=None: {"HEAD": 3 if schema is None else 2, "GET": 2})
    wrap(Storage, "write_bytes", "storage", lambda _, self, rel, data: _upload_requests(len(data)))
    wrap(Storage, "upload", "storage", lambda _, self, local, rel: _upload_requests(Path(local).stat().st_size))
    wrap(Storage, "delete", "storage", lambda *_, **__: {"HEAD": 1, "DELETE": 1, "PUT": 1})
    open_input = Storage.open_input

    @contextlib.contextmanager
    def timed_open_input(self: Storage, rel: str) -> Iterator[Any]:
        with contextlib.ExitStack() as stack:
            with ledger.section("storage"):
                raw = stack.enter_context(open_input(self, rel))
            ledger.count(HEAD=1)
            yield _TimedStream(raw, ledger)
    Storage.open_input = timed_open_input  # type: ignore[method-assign]
    wrap(Dataset, "commit_run", "commit")
    wrap(RunRows, "add", "spill")
    wrap(runner, "_write_documents", "shard_files")
    read_documents, run_steps = runner._read_documents, runner.run_steps
    runner._read_documents = lambda *a, **k: ledger.timed_iter("shard_files", read_documents(*a, **k))
    runner.run_steps = lambda *a, **k: ledger.timed_iter("steps", run_steps(*a, **k))


def _worker(number: int, env: dict[str, str], sources_file: str, root: str, tasks: multiprocessing.Queue,
            results: multiprocessing.Queue) -> None:
    """One worker process: import, load the models, then run tasks from ``tasks`` until a None."""
    try:
        os.environ.update(env)
        from pipeline.config import load_sources
        from pipeline.recipe import default_steps
        from pipeline.runner import extract_shard, finish_source
        from pipeline.steps import warm_up
        from pipeline.storage import Storage
        from pipeline.warcpages import Shard

        ledger = Ledger()
        _instrument(ledger)
        start = time.monotonic()
        warm_up(default_steps())
        results.put(("ready", number, time.monotonic() - start))
        while (task := tasks.get()) is not None:
            kind, index, count = task
            start, cpu = time.monotonic(), time.process_time()
            ledger.begin(kind, start)
            # As the DAG's tasks do: the config and the data root from their files/URL, afresh in every task.
            config, storage = load_sources(sources_file), Storage(root)
            if kind == "shard":
                shard = extract_shard(config, SOURCE, DAY, storage, Shard(index, count))
                outcome: dict[str, Any] = {"counts": shard.counts, "documents": shard.documents}
            else:
                run = finish_source(config, SOURCE, DAY, storage, count)
                outcome = {"articles": run.articles, "partitions": len(run.partitions), "error": run.error}
            end = time.monotonic()
            outcome["cpu"] = time.process_time() - cpu
            seconds, requests = ledger.end(end)
            results.put(("done", number, kind, index, start, end, seconds, requests, outcome))
        results.put(("exit", number, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024))
    except BaseException:
        results.put(("error", number, traceback.format_exc()))


# Parent side


def write_day(pages: list[tuple[str, bytes]], folder: Path, per_file: int) -> int:
    """FILES WARC files of ``per_file`` pages; each file's URLs and paragraphs carry its own marker too."""
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(FILES):
        own = [(f"{url}/f{number}", numbered_copy(html, FILE_MARKER + number)) for url, html in pages]
        write_warc(folder / f"CC-NEWS-{DAY:%Y%m%d}-{number:05d}.warc", own, per_file)
    return sum(f.stat().st_size for f in folder.glob("*.warc"))


def _moto_process() -> psutil.Process | None:
    for child in psutil.Process().children():
        with contextlib.suppress(psutil.Error):
            if any("moto_server" in part for part in child.cmdline()):
                return child
    return None


def _cpu_seconds(process: psutil.Process | None) -> float:
    if process is None:
        return 0.0
    with contextlib.suppress(psutil.Error):
        times = process.cpu_times()
        return times.user + times.system
    return 0.0


def _busy_seconds() -> float:
    """CPU time of the whole machine (all cores, every process) so far."""
    times = psutil.cpu_times()
    return times.user + times.nice + times.system + getattr(times, "irq", 0) + getattr(times, "softirq", 0)


def _receive(results: multiprocessing.Queue, procs: list[Any]) -> tuple[Any, ...]:
    while True:
        try:
            message = results.get(timeout=5)
        except queue.Empty:
            if not all(p.is_alive() for p in procs):
                raise RuntimeError("a worker process died") from None
            continue
        if message[0] == "error":
            raise RuntimeError(f"worker {message[1]} failed:\n{message[2]}")
        return message


def run_day(workers: int, shards: int, env: dict[str, str], sources_file: Path, root: str,
            scratch: Path) -> dict[str, Any]:
    """The day's shard tasks, then its finish task, on ``workers`` fresh worker processes; their figures."""
    context = multiprocessing.get_context("spawn")
    tasks, results = context.Queue(), context.Queue()
    procs = [context.Process(target=_worker, daemon=True, args=(
        n, {**env, "NEWS_CORPUS_PROCESSES": "1", "NEWS_CORPUS_SCRATCH": str(scratch / f"{workers}w-{n}")},
        str(sources_file), root, tasks, results)) for n in range(workers)]
    with contextlib.ExitStack() as stack:
        for proc in procs:
            proc.start()
        memory = [stack.enter_context(PeakMemory(proc.pid)) for proc in procs]
        warm_up = [_receive(results, procs)[2] for _ in procs]
        moto = _moto_process()
        mine = [moto, psutil.Process(), *(psutil.Process(proc.pid) for proc in procs)]
        mine_before, machine_before = sum(map(_cpu_seconds, mine)), _busy_seconds()
        moto_before = _cpu_seconds(moto)
        for index in range(shards):
            tasks.put(("shard", index, shards))
        done = [_receive(results, procs) for _ in range(shards)]
        tasks.put(("finish", 0, shards))
        done.append(_receive(results, procs))
        moto_cpu = _cpu_seconds(moto) - moto_before
        # What processes other than the benchmark's (workers, S3 server, this one) took meanwhile
        others_cpu = _busy_seconds() - machine_before - (sum(map(_cpu_seconds, mine)) - mine_before)
        for _ in procs:
            tasks.put(None)
        max_rss = dict(_receive(results, procs)[1:] for _ in procs)
        for proc in procs:
            proc.join(60)
    start = min(d[4] for d in done)
    end = max(d[5] for d in done)
    wall = end - start
    seconds: Counter[tuple[str, str]] = Counter()
    requests: Counter[tuple[str, str]] = Counter()
    busy = Counter()
    for _, number, kind, _, t0, t1, task_seconds, task_requests, _ in done:
        busy[number] += t1 - t0
        seconds.update({(kind, category): s for category, s in task_seconds.items()})
        requests.update(task_requests)
    pages = sum(d[8]["counts"].get("warc_responses", 0) for d in done if d[2] == "shard")
    finish = next(d for d in done if d[2] == "finish")
    if finish[8]["error"]:
        raise RuntimeError(finish[8]["error"])
    return {
        "workers": workers, "pages": pages, "wall": wall, "pages_per_second": pages / wall,
        "shard_seconds": sum(d[5] - d[4] for d in done if d[2] == "shard"),
        "shards_done": max(d[5] for d in done if d[2] == "shard") - start,
        "finish_seconds": finish[5] - finish[4],
        "seconds": dict(seconds), "idle": workers * wall - sum(busy.values()),
        "cpu": {kind: sum(d[8]["cpu"] for d in done if d[2] == kind) for kind in ("shard", "finish")},
        "requests": dict(requests), "articles": finish[8]["articles"], "partitions": finish[8]["partitions"],
        "warm_up": warm_up, "max_rss": [max_rss[n] for n in range(workers)],
        "peak_pss": [m.peak for m in memory], "moto_cpu": moto_cpu, "others_cpu": max(0.0, others_cpu),
    }


def _articles_identical(roots: list[str]) -> tuple[bool, int, int]:
    """Whether every data root holds the same ``articles/`` objects, byte for byte; (same, objects, bytes)."""
    from pipeline.storage import Storage

    stores = [Storage(root) for root in roots]
    keys = [store.list("articles") for store in stores]
    if any(k != keys[0] for k in keys[1:]):
        return False, len(keys[0]), 0
    size = 0
    for key in keys[0]:
        blobs = [store.read_bytes(key) for store in stores]
        if any(b != blobs[0] for b in blobs[1:]):
            return False, len(keys[0]), 0
        size += len(blobs[0])
    return True, len(keys[0]), size


def _seconds(run: dict[str, Any], kind: str | None, category: str) -> float:
    return sum(s for (k, c), s in run["seconds"].items() if c == category and kind in (None, k))


def _share(run: dict[str, Any], kind: str | None, category: str) -> float:
    return _seconds(run, kind, category) / (run["workers"] * run["wall"])


def _of_machine(run: dict[str, Any], cpu_seconds: float) -> float:
    return 100 * cpu_seconds / (os.cpu_count() or 1) / run["wall"]


def _mib(n: float) -> str:
    return f"{n / 2**20:.0f}"


def report(runs: list[dict[str, Any]], identical: tuple[bool, int, int], files_bytes: int) -> None:
    one, *more = runs
    print(f"{'workers':>7} {'pages/s':>8} {'wall s':>7} {'shards s':>8} {'finish s':>8} {'peak RSS MiB':>13} "
          f"{'peak PSS MiB':>13} {'warm-up s':>9} {'S3 server CPU':>14} {'others CPU':>10}")
    for run in runs:
        print(f"{run['workers']:>7} {run['pages_per_second']:>8.1f} {run['wall']:>7.1f} {run['shards_done']:>8.1f} "
              f"{run['finish_seconds']:>8.1f} {'/'.join(map(_mib, run['max_rss'])):>13} "
              f"{'/'.join(map(_mib, run['peak_pss'])):>13} "
              f"{'/'.join(f'{w:.0f}' for w in run['warm_up']):>9} "
              f"{run['moto_cpu']:>6.1f} s {_of_machine(run, run['moto_cpu']):>3.0f}% "
              f"{_of_machine(run, run['others_cpu']):>9.0f}%")
    for run in more:
        print(f"ratio {run['workers']} workers / 1 worker: {run['pages_per_second'] / one['pages_per_second']:.2f}")
    print("(shards s: first task start to the last shard's end; finish s: the finish task; S3 server CPU: its CPU "
          "time over the day and as a share of all cores; others CPU: what processes not of this benchmark took of "
          "all cores meanwhile)")
    print("share of worker time (workers x wall): per-article steps in shard tasks | in the finish task (serial) | "
          "spill | shard files | object store | commit | other | idle")
    for run in runs:
        shares = [_share(run, "shard", "steps"), _share(run, "finish", "steps"), _share(run, None, "spill"),
                  _share(run, None, "shard_files"), _share(run, None, "storage"), _share(run, None, "commit"),
                  _share(run, None, "other"), run["idle"] / (run["workers"] * run["wall"])]
        print(f"  {run['workers']} worker{'s' if run['workers'] > 1 else ' '}: "
              + " | ".join(f"{100 * s:4.1f}%" for s in shares)
              + f"   (object store in shard tasks {100 * _share(run, 'shard', 'storage'):.1f}%, "
                f"finish {100 * _share(run, 'finish', 'storage'):.1f}%)")
    pages = one["pages"]
    per_phase = {phase: {kind: one["requests"].get((phase, kind), 0) for kind in REQUESTS}
                 for phase in ("shard", "finish", "commit")}
    totals = {kind: sum(p[kind] for p in per_phase.values()) for kind in REQUESTS}
    phases = (f"{phase} " + " ".join(f"{k} {v}" for k, v in counts.items() if v) for phase, counts in per_phase.items())
    print(f"object-store requests, 1 worker ({pages} pages, {FILES} shards, {one['partitions']} partitions, "
          f"{one['articles']} articles): " + ", ".join(phases))
    print("  per 1,000 pages: " + ", ".join(f"{k} {1000 * v / pages:.1f}" for k, v in totals.items())
          + " (PUT: the multipart uploads' create + part + complete)")
    serial = one["finish_seconds"]
    parallel = one["wall"] - serial
    for run in more:
        n = run["workers"]
        bound = one["wall"] / (parallel / n + serial)
        print(f"Amdahl with the finish task serial ({serial:.0f} s of the 1-worker {one['wall']:.0f} s, "
              f"{100 * serial / one['wall']:.0f}%): at best {bound:.2f}x on {n} workers; measured "
              f"{run['pages_per_second'] / one['pages_per_second']:.2f}x, its shard phase "
              f"{one['shards_done'] / run['shards_done']:.2f}x faster, "
              f"finish {one['finish_seconds'] / run['finish_seconds']:.2f}x; "
              f"the S3 server took {_of_machine(run, run['moto_cpu']):.0f}% of the {os.cpu_count()} cores, "
              f"other processes {_of_machine(run, run['others_cpu']):.0f}%")
    for run in runs:
        k = 1000 / run["pages"]
        shard_s = sum(s for (kind, _), s in run["seconds"].items() if kind == "shard")
        finish_s = sum(s for (kind, _), s in run["seconds"].items() if kind == "finish")
        print(f"  per 1,000 pages, {run['workers']} worker{'s' if run['workers'] > 1 else ''}: busy worker-seconds "
              f"shard tasks {k * shard_s:.1f}, finish {k * finish_s:.1f} (of which object store "
              f"{k * _seconds(run, 'finish', 'storage'):.1f}, commit {k * _seconds(run, 'finish', 'commit'):.1f}); "
              f"CPU seconds shard tasks {k * run['cpu']['shard']:.1f}, finish {k * run['cpu']['finish']:.1f}, "
              f"S3 server {k * run['moto_cpu']:.1f}")
    same, objects, size = identical
    print(f"articles/ objects of the 1- and 2-worker datasets byte-identical: {'yes' if same else 'NO'} "
          f"({objects} objects, {size / 2**20:.1f} MiB); input {files_bytes / 2**20:.0f} MiB of WARC")


def run(quick: bool = False) -> dict[str, Any] | None:
    from pipeline.config import load_sources
    from pipeline.runner import plan_shards
    from pipeline.storage import Storage
    from tests.support.s3 import s3_environment, s3_server

    pages = source_pages()
    if not pages:
        print("skipped: no pages (neither ../shared/devdata nor data/sample/pages)")
        return None
    per_file = 50 if quick else 1_000
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        files_bytes = write_day(pages, work / "warc", per_file)
        sources_file = work / "sources.yaml"
        sources_file.write_text(f"sources:\n  - name: {SOURCE}\n    kind: warc\n"
                                f"    paths: [\"warc/CC-NEWS-{{day:%Y%m%d}}-*.warc\"]\n", encoding="utf-8")
        print(f"{FILES} WARC files x {per_file} pages ({len(pages)} distinct pages, per-file and per-copy markers), "
              f"uncompressed, read from a local glob; data root on moto S3 at 127.0.0.1; "
              f"NEWS_CORPUS_PROCESSES=1 in every task; {os.cpu_count()} cores", flush=True)
        with s3_server() as server, s3_environment(server):
            roots = [server.url(f"scaleout-{n}w") for n in (1, 2)]
            shards = plan_shards(load_sources(sources_file), SOURCE, DAY, Storage(roots[0]))
            if shards != FILES:
                raise RuntimeError(f"plan_shards gave {shards} shards for {FILES} files")
            runs = []
            for workers, root in zip((1, 2), roots):
                runs.append(run_day(workers, shards, server.env(), sources_file, root, work / "scratch"))
                print(f"  {workers} worker{'s' if workers > 1 else ''}: {runs[-1]['pages_per_second']:.1f} pages/s",
                      flush=True)
            identical = _articles_identical(roots)
    report(runs, identical, files_bytes)
    return {"runs": runs, "identical": identical[0], "objects": identical[1], "input_bytes": files_bytes}


def main(quick: bool = False) -> None:
    run(quick)
