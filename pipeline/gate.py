"""The quality gate: after a day's sources are written, judge each source's run against its history and its
``expect:`` block, and store the verdict in the data root (``quality/crawl_day=D.json``).

A source's run fails (or only warns, with ``expect.on_failure: warn``) when:

- it has no run manifest for the day (``no run``);
- its input was missing: no WARC file of the day, a remote WARC file never received, no crawl in the raw zone
  (:data:`MISSING_INPUT`);
- its input was cut: a WARC file that ends inside a record, a download that broke off, a read error, a crawl that
  died (:data:`TRUNCATED_INPUT`);
- it has fewer articles than ``expect.min_articles`` (default 1: zero articles fail);
- it has at least ``expect.min_history`` earlier runs and fewer articles than ``(1 - expect.max_drop)`` times their
  median (the last :data:`HISTORY_RUNS` runs of the source before the day).

Everything is read from the run manifests (``runs/crawl_day=D/<source>.json``), whose counts do not depend on the
order in which sources commit, so a re-run of the gate gives the same verdict.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pipeline.config import Expectations, SourcesConfig
from pipeline.dataset import RunManifest
from pipeline.storage import Storage, as_storage

Verdict = Literal["pass", "warn", "fail"]

HISTORY_RUNS = 7
# Counts (run manifest keys) that say a source's input was not there, or was cut.
MISSING_INPUT = ("warc_no_files", "warc_download_failed", "raw_no_files")
TRUNCATED_INPUT = ("warc_truncated", "warc_truncated_tail", "warc_download_cut", "warc_read_errors",
                   "crawl_incomplete")
# The counts whose median over the history is kept (pages read, pages extracted, articles).
TRACKED = ("warc_responses", "extracted", "articles")


def quality_rel(day: dt.date) -> str:
    return f"quality/crawl_day={day.isoformat()}.json"


@dataclass
class SourceCheck:
    source: str
    verdict: Verdict
    reasons: list[str]
    counts: dict[str, int]
    history: dict[str, Any]
    expect: dict[str, Any]


@dataclass
class GateResult:
    day: dt.date
    checked_at: str
    sources: list[SourceCheck] = field(default_factory=list)

    @property
    def verdict(self) -> Verdict:
        verdicts = {check.verdict for check in self.sources}
        return "fail" if "fail" in verdicts else "warn" if "warn" in verdicts else "pass"

    @property
    def ok(self) -> bool:
        return self.verdict != "fail"

    def to_json(self) -> dict[str, Any]:
        return {"day": self.day.isoformat(), "verdict": self.verdict, "checked_at": self.checked_at,
                "sources": [asdict(check) for check in self.sources]}

    def summary(self) -> dict[str, Any]:
        """Small and JSON-able: for an Airflow asset event."""
        return {"day": self.day.isoformat(), "verdict": self.verdict,
                "articles": {c.source: c.counts.get("articles", 0) for c in self.sources},
                "failures": [c.source for c in self.sources if c.verdict == "fail"],
                "warnings": [c.source for c in self.sources if c.verdict == "warn"]}

    def message(self) -> str:
        """One line per failing or warning source."""
        return "\n".join(f"{check.verdict.upper()} {self.day} {'; '.join(check.reasons)}"
                         for check in self.sources if check.verdict != "pass")

    def save(self, storage: Storage | str | Path) -> str:
        storage = as_storage(storage)
        storage.write_json(quality_rel(self.day), self.to_json())
        return storage.url(quality_rel(self.day))

    @classmethod
    def load(cls, storage: Storage | str | Path, day: dt.date) -> "GateResult | None":
        storage = as_storage(storage)
        rel = quality_rel(day)
        if not storage.exists(rel):
            return None
        payload = storage.read_json(rel)
        try:
            return cls(dt.date.fromisoformat(payload["day"]), payload["checked_at"],
                       [SourceCheck(**check) for check in payload["sources"]])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{storage.url(rel)}: not a gate result: {type(exc).__name__}: {exc}") from None


def _history(storage: Storage, name: str, day: dt.date, days: list[dt.date]) -> tuple[dict[str, Any], float | None]:
    earlier = [d for d in days if d < day][-HISTORY_RUNS:]
    manifests = [m for m in (RunManifest.load(storage, name, d) for d in earlier) if m is not None]
    median = {key: statistics.median(m.counts.get(key, 0) for m in manifests) for key in TRACKED} if manifests else {}
    history = {"runs": len(manifests), "days": [m.crawl_day.isoformat() for m in manifests], "median": median}
    return history, median.get("articles")


def _reasons(name: str, counts: dict[str, int], expect: Expectations, history: dict[str, Any],
             median: float | None) -> list[str]:
    reasons = []
    for label, keys in (("missing input", MISSING_INPUT), ("truncated input", TRUNCATED_INPUT)):
        found = [f"{key} {counts[key]}" for key in keys if counts.get(key)]
        if found:
            reasons.append(f"{name}: {label} ({', '.join(found)})")
    articles = counts.get("articles", 0)
    if articles < expect.min_articles:
        reasons.append(f"{name}: {articles} articles" if articles == 0 and expect.min_articles == 1
                       else f"{name}: {articles} articles; expect.min_articles {expect.min_articles}")
    if median and history["runs"] >= expect.min_history and articles < (1 - expect.max_drop) * median:
        reasons.append(f"{name}: {articles} articles, median of last {history['runs']} runs {median:g} "
                       f"({round(100 * (articles - median) / median)}%); expect.max_drop {expect.max_drop:g}")
    return reasons


def check_source(config: SourcesConfig, name: str, day: dt.date, storage: Storage,
                 days: list[dt.date]) -> SourceCheck:
    expect = config.get(name).expect
    failed: Verdict = "warn" if expect.on_failure == "warn" else "fail"
    history, median = _history(storage, name, day, days)
    manifest = RunManifest.load(storage, name, day)
    if manifest is None:
        return SourceCheck(name, failed, [f"{name}: no run"], {}, history, expect.model_dump())
    counts = dict(sorted(manifest.counts.items()))
    reasons = _reasons(name, counts, expect, history, median)
    return SourceCheck(name, failed if reasons else "pass", reasons, counts, history, expect.model_dump())


def check_day(config: SourcesConfig, day: dt.date, storage: Storage | str | Path,
              sources: list[str] | None = None, save: bool = True) -> GateResult:
    """Judge the day's run of every enabled source (or of ``sources``, in any order) and, unless ``save`` is false,
    store the result in ``quality/crawl_day=D.json`` (the judged sources only), where the daily report reads it."""
    storage = as_storage(storage)
    days = RunManifest.days_by_source(storage)
    names = sorted(source.name for source in config.enabled(sources))
    checks = [check_source(config, name, day, storage, days.get(name, [])) for name in names]
    result = GateResult(day, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), checks)
    if save:
        result.save(storage)
    return result
