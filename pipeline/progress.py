"""Progress of a long loop (a crawl, an extraction): a log line at a steady interval, and a bar on a terminal.

Every ``NEWS_CORPUS_PROGRESS_SECONDS`` (default 30) a :class:`Progress` logs one line on the ``pipeline.progress``
logger: items done, the rate, the estimated time left (when the total is known) and the skips so far. In an
Airflow task that line is in the task's log. The command line calls :func:`show_bars` when stderr is a terminal:
then a tqdm bar replaces the lines.

    with Progress("extract sample 2022-01-06", unit="pages") as progress:
        for page in pages:
            ...
            progress.update(done=n, skipped=skips)
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
DEFAULT_INTERVAL_SECONDS = 30.0
_bars = False


def show_bars(enabled: bool = True) -> None:
    """Draw a bar on stderr instead of logging lines (the command line, on a terminal)."""
    global _bars
    _bars = enabled


def interval_seconds() -> float:
    return float(os.environ.get("NEWS_CORPUS_PROGRESS_SECONDS") or DEFAULT_INTERVAL_SECONDS)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}h{rest // 60:02d}m" if hours else f"{rest // 60}m{rest % 60:02d}s"


class Progress:
    """Counts of one loop, reported at most every ``interval`` seconds and once more when it ends."""

    def __init__(self, what: str, unit: str = "pages", total: int | None = None,
                 interval: float | None = None) -> None:
        self.what, self.unit, self.total = what, unit, total
        self.interval = interval_seconds() if interval is None else interval
        self.done = self.skipped = 0
        self._start = self._last = time.monotonic()
        self._bar = None
        if _bars:
            from tqdm import tqdm

            self._bar = tqdm(desc=what, unit=f" {unit}", total=total, leave=False, dynamic_ncols=True)

    def update(self, done: int | None = None, skipped: int | None = None, total: int | None = None,
               advance: int = 0) -> None:
        """Set the counts (absolute), or ``advance`` the done count; reports if the interval has passed."""
        previous = self.done
        self.done = done if done is not None else self.done + advance
        if skipped is not None:
            self.skipped = skipped
        if total is not None:
            self.total = total
        if self._bar is not None:
            if self._bar.total != self.total:
                self._bar.total = self.total
            self._bar.set_postfix(skipped=self.skipped, refresh=False)
            self._bar.update(self.done - previous)
            return
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._report(now)

    def line(self, now: float | None = None) -> str:
        elapsed = (now or time.monotonic()) - self._start
        rate = self.done / elapsed if elapsed > 0 else 0.0
        parts = [f"{self.what}: {self.done}" + (f"/{self.total}" if self.total is not None else "") + f" {self.unit}",
                 f"{rate:.1f} {self.unit}/s"]
        if self.total is not None and rate > 0:
            parts.append(f"about {_duration(max(0, self.total - self.done) / rate)} left")
        parts += [f"{self.skipped} skipped", f"{_duration(elapsed)} elapsed"]
        return ", ".join(parts)

    def _report(self, now: float) -> None:
        log.info("%s", self.line(now))

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif time.monotonic() - self._start >= self.interval:  # a loop long enough to have reported: its end too
            self._report(time.monotonic())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()


def count_skips(counts: Mapping[str, int]) -> int:
    """The skips in a run's counts (``skipped_<reason>``, as steps and readers count them)."""
    return sum(n for key, n in counts.items() if key.startswith("skipped_"))


def track(items: Iterable[T], what: str, counts: Mapping[str, int], unit: str = "pages",
          total: int | None = None) -> Iterator[T]:
    """``items`` unchanged, with their progress reported (the skips read from ``counts`` as the run fills it)."""
    with Progress(what, unit, total) as progress:
        for item in items:
            yield item
            progress.update(advance=1, skipped=count_skips(counts))
