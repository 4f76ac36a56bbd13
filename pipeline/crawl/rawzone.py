"""The raw zone: every fetch of a crawl as WARC.gz, plus a crawl log, under ``<data>/raw/date=D/source=S/``.

Each crawl writes ``crawl-<time>-<id>.warc.gz`` (warcinfo; request and response records; a metadata record
for each failure), ``.log.jsonl`` (one line per URL: its final outcome) and ``.summary.json`` (counts by outcome,
by role, and per attempt). The WARC and the log are written to local scratch files and stored in the data root
(local or object store) when the crawl closes, each in one atomic write, the summary last: readers only ever see
complete files, and a worker's disk keeps nothing a later task needs. Extraction reads the article responses back
(:func:`iter_raw_pages`), from any worker.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.warcwriter import WARCWriter

from pipeline import __version__
from pipeline.crawl.fetcher import FetchFailure, Response
from pipeline.crawl.paths import raw_dir
from pipeline.document import Page
from pipeline.storage import Storage, scratch_dir
from pipeline.warcpages import Shard, iter_warc_pages

# Which part of the crawl a record belongs to (robots, feed, sitemap, listing, article, warc); records without it
# (copied from CC-NEWS and other archives) are articles.
ROLE_HEADER = "News-Corpus-Role"
ARTICLE_ROLE = "article"


class RawZoneWriter:
    """Records one crawl of one source and day. Not thread-safe: the crawler writes from one thread."""

    def __init__(self, storage: Storage, day: dt.date, source_name: str) -> None:
        self.storage = storage
        self.dir = raw_dir(day, source_name)
        self.day, self.source_name = day, source_name
        self.started_at = dt.datetime.now(dt.timezone.utc)
        # Unique across workers and processes: crawls of one source-day on two machines never share a name.
        self.name = f"crawl-{self.started_at:%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:12]}"
        stem = self.name
        self.warc_rel = f"{self.dir}/{stem}.warc.gz"
        self.log_rel = f"{self.dir}/{stem}.log.jsonl"
        self.summary_rel = f"{self.dir}/{stem}.summary.json"
        self._scratch = Path(tempfile.mkdtemp(prefix="crawl-", dir=scratch_dir()))
        self._file = (self._scratch / "warc.gz").open("wb")
        self._log = (self._scratch / "log.jsonl").open("w", encoding="utf-8")
        self._writer = WARCWriter(self._file, gzip=True)
        self.outcomes: Counter[str] = Counter()
        self.by_role: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.attempts: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self._writer.write_record(self._writer.create_warcinfo_record(f"{self.name}.warc.gz", {
            "software": f"news-corpus-pipeline/{__version__}", "format": "WARC File Format 1.1",
            "source": source_name, "crawl-day": day.isoformat()}))

    def __enter__(self) -> "RawZoneWriter":
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *rest: object) -> None:
        self.close(complete=exc_type is None)

    def _request_record(self, exchange: Response | FetchFailure, role: str) -> ArcWarcRecord:
        parts = urlsplit(exchange.url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = StatusAndHeaders(f"GET {target} HTTP/1.1", [("Host", parts.netloc), *exchange.request_headers],
                                   is_http_request=True)
        return self._writer.create_warc_record(exchange.url, "request", payload=io.BytesIO(b""),
                                               http_headers=headers, warc_headers_dict=self._warc_headers(
                                                   exchange, role))

    @staticmethod
    def _warc_headers(exchange: Response | FetchFailure, role: str) -> dict[str, str]:
        # warcio appends the "Z" itself and wants a naive UTC time
        started = exchange.started_at.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return {"WARC-Date": datetime_to_iso_date(started, use_micros=True), ROLE_HEADER: role}

    def exchange(self, exchange: Response | FetchFailure, role: str, attempt: int) -> None:
        """Record one HTTP exchange (or the failure of one) as it happened."""
        if isinstance(exchange, Response):
            self.attempts[str(exchange.status)] += 1
            http_headers = StatusAndHeaders(f"{exchange.status} {exchange.reason}".strip(), exchange.headers,
                                            protocol="HTTP/1.1")
            response = self._writer.create_warc_record(
                exchange.url, "response", payload=io.BytesIO(exchange.raw_body), http_headers=http_headers,
                warc_headers_dict=self._warc_headers(exchange, role))
            request = self._request_record(exchange, role)
            request.rec_headers.add_header("WARC-Concurrent-To", response.rec_headers.get_header("WARC-Record-ID"))
            self._writer.write_record(request)
            self._writer.write_record(response)
            return
        self.attempts[exchange.outcome] += 1
        if not exchange.outcome.startswith("blocked_"):  # a blocked request was never sent
            self._writer.write_record(self._request_record(exchange, role))
        detail = {"outcome": exchange.outcome, "detail": exchange.detail, "attempt": attempt,
                  "status": exchange.status, "elapsed_seconds": round(exchange.elapsed, 3)}
        self._writer.write_record(self._writer.create_warc_record(
            exchange.url, "metadata", payload=io.BytesIO(json.dumps(detail).encode()),
            warc_content_type="application/json", warc_headers_dict=self._warc_headers(exchange, role)))

    def outcome(self, url: str, role: str, outcome: str, **details: Any) -> None:
        """The final outcome of one URL the crawl wanted (after retries and redirects): one log line, one count."""
        self.outcomes[outcome] += 1
        self.by_role[role][outcome] += 1
        line = {"url": url, "role": role, "outcome": outcome, **{k: v for k, v in details.items() if v is not None}}
        self._log.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")

    def copy(self, record: ArcWarcRecord) -> None:
        """Keep a record read from another archive (CC-NEWS) as it is."""
        self.attempts["copied"] += 1
        self._writer.write_record(record)

    def summary(self, complete: bool) -> dict[str, Any]:
        return {
            "source": self.source_name, "day": self.day.isoformat(), "complete": complete,
            "started_at": self.started_at.isoformat(), "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "warc": f"{self.name}.warc.gz", "log": f"{self.name}.log.jsonl",
            "outcomes": dict(sorted(self.outcomes.items())),
            "by_role": {role: dict(sorted(c.items())) for role, c in sorted(self.by_role.items())},
            "attempts": dict(sorted(self.attempts.items())), "skipped": dict(sorted(self.skipped.items())),
        }

    def close(self, complete: bool = True) -> dict[str, Any]:
        if self._file.closed:
            return self.summary(complete)
        self._file.close()
        self._log.close()
        try:
            self.storage.upload(self._scratch / "warc.gz", self.warc_rel)
            self.storage.upload(self._scratch / "log.jsonl", self.log_rel)
            summary = self.summary(complete)
            self.storage.write_bytes(self.summary_rel, json.dumps(summary, indent=1, sort_keys=True).encode())
        finally:
            for path in self._scratch.iterdir():
                path.unlink()
            self._scratch.rmdir()
        return summary


def _is_article_record(record: ArcWarcRecord) -> bool:
    return (record.rec_headers.get_header(ROLE_HEADER) or ARTICLE_ROLE) == ARTICLE_ROLE


def crawl_summaries(storage: Storage, day: dt.date, source_name: str) -> list[dict[str, Any]]:
    return [storage.read_json(rel) for rel in storage.list(raw_dir(day, source_name), suffix=".summary.json")]


def crawl_log(storage: Storage, day: dt.date, source_name: str) -> Iterator[dict[str, Any]]:
    """Every line of the crawl logs of (source, day), oldest crawl first."""
    for rel in storage.list(raw_dir(day, source_name), suffix=".log.jsonl"):
        for line in storage.read_bytes(rel).decode("utf-8").splitlines():
            if line.strip():
                yield json.loads(line)


def raw_warc_files(storage: Storage, day: dt.date, source_name: str) -> list[str]:
    """The crawl WARCs of (source, day) in the raw zone, oldest crawl first."""
    return storage.list(raw_dir(day, source_name), suffix=".warc.gz")


def iter_raw_pages(storage: Storage, day: dt.date, source_name: str, stats: Counter[str],
                   shard: Shard = Shard()) -> Iterator[tuple[tuple[int, int], Page]]:
    """The article responses of every crawl of (source, day) in the raw zone that ``shard`` owns, as
    ((file number, record number), page); no network."""
    files = raw_warc_files(storage, day, source_name)
    if shard.owns_whole_source_counts:
        if not files:
            stats["raw_no_files"] += 1
        for summary in crawl_summaries(storage, day, source_name):
            stats.update({f"crawl_{outcome}": n for outcome, n in summary["outcomes"].items()})
            if not summary.get("complete", True):  # the crawl died: its raw zone holds part of the day
                stats["crawl_incomplete"] += 1
    for number, rel in enumerate(files):
        if not shard.owns_file(number, len(files)):
            continue
        if shard.owns_url("", len(files)):  # read by every shard when split by URL: counted once
            stats["raw_warc_files"] += 1
        with storage.open_input(rel) as stream:
            for record, page in iter_warc_pages(stream, source_name, stats, accept=_is_article_record,
                                                owns=lambda url: shard.owns_url(url, len(files))):
                yield (number, record), page


class RawZoneReader:
    """The reader of the network kinds (rss, sitemap, archive): the articles their crawls put in the raw zone."""

    def __init__(self, source: Any, config: Any, storage: Storage) -> None:
        self.source = source
        self.storage = storage

    def pages(self, day: dt.date, stats: Counter[str], shard: Shard = Shard()) -> Iterator[tuple[tuple[int, int], Page]]:
        yield from iter_raw_pages(self.storage, day, self.source.name, stats, shard)
