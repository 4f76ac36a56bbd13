"""Run a step list with its per-document steps in a pool of worker processes, in input order.

Consecutive :class:`DocumentStep` s form a segment that workers run on one document at a time; stream steps
(those that learn across documents: site boilerplate, duplicates) run in this process between segments. At most a
bounded window of documents is in flight per segment, so memory stays flat however long the stream; output order
is input order, so a run is deterministic. Workers are forked after every step's ``warm_up``, sharing loaded
models copy-on-write; the objects that exist at the fork are frozen out of the garbage collector meanwhile, because
a collection in a worker writes to every object it visits and so copies the pages it shares with this process
(1,000 pages on two processes peaked 80 MiB lower, measured as ``make bench`` does). The pool's threads in this
process unpickle every document; glibc gives each thread its own malloc arena, whose freed memory stayed with it
and grew this process's peak with the length of the run, so arenas are capped at two (1,000 -> 4,000 pages: +31 MiB
uncapped, +4 capped).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import itertools
import multiprocessing
import os
import signal
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult

from pipeline.document import Document
from pipeline.steps import DocumentStep, Step, warm_up

# Documents in flight per segment, per process: enough to keep workers busy, few enough for memory.
IN_FLIGHT_PER_PROCESS = 16
# While the oldest document in flight is slow (up to its steps' CPU budget), a free worker is given the next ones, up
# to this many windows in flight: one slow page does not leave the other workers idle.
SLOW_HEAD_WINDOWS = 16
# How often the slow oldest document is checked on meanwhile.
SLOW_HEAD_POLL_SECONDS = 0.05

_worker_steps: list[Step] = []


def _run_segment(task: tuple[int, int, Document]) -> tuple[Document | None, Counter[str]]:
    first, last, doc = task
    stats: Counter[str] = Counter()
    docs: Iterable[Document] = [doc]
    for step in _worker_steps[first:last]:
        docs = step.run(docs, stats)
    out = list(docs)
    return (out[0] if out else None), stats


def _reset_signal_handlers() -> None:
    # Workers inherit the parent's handlers; a host such as an Airflow task installs a SIGTERM handler that does not
    # exit, which would leave a worker that is told to stop alive and holding the pool's queue lock.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# glibc's mallopt parameter for the number of malloc arenas
_M_ARENA_MAX = -8
MALLOC_ARENAS = 2


def cap_malloc_arenas() -> None:
    """Cap glibc's malloc arenas for threads started from now on, unless MALLOC_ARENA_MAX is set (then glibc has
    applied it); elsewhere than glibc, nothing."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS)
    except (OSError, AttributeError):
        pass


def segments(steps: list[Step]) -> list[tuple[int, int]]:
    """Index ranges of the step list: runs of document steps, and each stream step on its own."""
    ranges: list[tuple[int, int]] = []
    start = 0
    for i, step in enumerate(steps):
        if not isinstance(step, DocumentStep):
            if start < i:
                ranges.append((start, i))
            ranges.append((i, i + 1))
            start = i + 1
    if start < len(steps):
        ranges.append((start, len(steps)))
    return ranges


def _pooled(pool, first: int, last: int, docs: Iterable[Document], stats: Counter[str],
            processes: int) -> Iterator[Document]:
    """Documents through one segment, a window of them in flight: no barrier between batches, so workers stay
    busy while the next segment (sharing the pool) or this process consumes results; and while the oldest is slow,
    more, whenever a worker is free (results are still yielded in input order)."""
    window = IN_FLIGHT_PER_PROCESS * processes
    pending: deque[AsyncResult] = deque()
    for doc in docs:
        pending.append(pool.apply_async(_run_segment, ((first, last, doc),)))
        while len(pending) >= window:
            if pending[0].ready() or len(pending) >= window * SLOW_HEAD_WINDOWS:
                yield from _finished(pending.popleft(), stats)
            elif sum(not result.ready() for result in pending) < processes:
                break  # the oldest is slow and a worker is free: hand it the next document
            else:
                pending[0].wait(SLOW_HEAD_POLL_SECONDS)
    while pending:
        yield from _finished(pending.popleft(), stats)


def _finished(result: AsyncResult, stats: Counter[str]) -> Iterator[Document]:
    doc, delta = result.get()
    stats.update(delta)
    if doc is not None:
        yield doc


def _allow_children() -> None:
    """Celery's prefork pool runs tasks in daemonic processes, and multiprocessing refuses a daemonic process
    children ("daemonic processes are not allowed to have children"). The flag is there so that children do not
    outlive their parent; this pool's workers never do (joined or terminated before the pool returns), so it is
    cleared for this process."""
    process = multiprocessing.current_process()
    if process.daemon:
        process._config["daemon"] = False  # type: ignore[attr-defined]  # no public way to clear it


def run_steps_in_pool(docs: Iterable[Document], steps: list[Step], stats: Counter[str],
                      processes: int) -> Iterator[Document]:
    global _worker_steps
    # Models load and workers fork only once there is a document: a task with no pages takes no time or memory.
    docs = iter(docs)
    first = next(docs, None)
    if first is None:
        return
    docs = itertools.chain([first], docs)
    _allow_children()
    warm_up(steps)
    _worker_steps = steps
    cap_malloc_arenas()
    gc.collect()
    gc.freeze()
    pool = multiprocessing.get_context("fork").Pool(processes, initializer=_reset_signal_handlers)
    try:
        for first, last in segments(steps):
            if isinstance(steps[first], DocumentStep):
                docs = _pooled(pool, first, last, docs, stats, processes)
            else:
                docs = steps[first].run(docs, stats)
        yield from docs
        pool.close()  # a clean finish: workers take the sentinel and exit on their own
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()
        gc.unfreeze()  # collectable again here: a backfill runs many days in one process
