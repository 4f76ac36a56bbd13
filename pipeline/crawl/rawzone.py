"""The raw zone: every fetch of a crawl as WARC.gz, plus a crawl log, under ``<data>/raw/date=D/source=S/``.

Each crawl writes ``crawl-<time>-<pid>.warc.gz`` (warcinfo; request and response records; a metadata record
for each failure), ``.log.jsonl`` (one line per URL: its final outcome) and ``.summary.json`` (counts by outcome,
by role, and per attempt). The WARC is written under a hidden ``.open`` name and renamed when closed, so readers
only ever see complete files. Extraction reads the article responses back (:func:`iter_raw_pages`).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
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

# Which part of the crawl a record belongs to (robots, feed, sitemap, listing, article, warc); records without it
# (copied from CC-NEWS and other archives) are articles.
ROLE_HEADER = "News-Corpus-Role"
ARTICLE_ROLE = "article"


def _atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    partial = path.with_name(f".{path.name}.open")
    partial.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(partial, path)


class RawZoneWriter:
    """Records one crawl of one source and day. Not thread-safe: the crawler writes from one thread."""

    def __init__(self, data_dir: str | Path, day: dt.date, source_name: str) -> None:
        self.dir = raw_dir(data_dir, day, source_name)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.day, self.source_name = day, source_name
        self.started_at = dt.datetime.now(dt.timezone.utc)
        stem = f"crawl-{self.started_at:%Y%m%dT%H%M%S%fZ}-{os.getpid()}"
        self.warc_path = self.dir / f"{stem}.warc.gz"
        self.log_path = self.dir / f"{stem}.log.jsonl"
        self.summary_path = self.dir / f"{stem}.summary.json"
        self._partial = self.dir / f".{stem}.warc.gz.open"
        self._file = self._partial.open("wb")
        self._log = self.log_path.open("w", encoding="utf-8")
        self._writer = WARCWriter(self._file, gzip=True)
        self.outcomes: Counter[str] = Counter()
        self.by_role: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.attempts: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self._writer.write_record(self._writer.create_warcinfo_record(self.warc_path.name, {
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
            "warc": self.warc_path.name, "log": self.log_path.name,
            "outcomes": dict(sorted(self.outcomes.items())),
            "by_role": {role: dict(sorted(c.items())) for role, c in sorted(self.by_role.items())},
            "attempts": dict(sorted(self.attempts.items())), "skipped": dict(sorted(self.skipped.items())),
        }

    def close(self, complete: bool = True) -> dict[str, Any]:
        if self._file.closed:
            return self.summary(complete)
        self._file.close()
        self._log.close()
        os.replace(self._partial, self.warc_path)
        summary = self.summary(complete)
        _atomic_write_json(self.summary_path, summary)
        return summary


def _is_article_record(record: ArcWarcRecord) -> bool:
    return (record.rec_headers.get_header(ROLE_HEADER) or ARTICLE_ROLE) == ARTICLE_ROLE


def crawl_summaries(data_dir: str | Path, day: dt.date, source_name: str) -> list[dict[str, Any]]:
    directory = raw_dir(data_dir, day, source_name)
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("crawl-*.summary.json"))]


def iter_raw_pages(data_dir: str | Path, day: dt.date, source_name: str, stats: Counter[str]) -> Iterator[Page]:
    """The article responses of every crawl of (source, day) in the raw zone, oldest crawl first; no network."""
    from pipeline.sources.warc import iter_warc_pages

    directory = raw_dir(data_dir, day, source_name)
    files = sorted(directory.glob("*.warc.gz"))
    if not files:
        stats["raw_no_files"] += 1
    for summary in crawl_summaries(data_dir, day, source_name):
        stats.update({f"crawl_{outcome}": n for outcome, n in summary["outcomes"].items()})
    for path in files:
        stats["raw_warc_files"] += 1
        with path.open("rb") as stream:
            yield from iter_warc_pages(stream, source_name, stats, accept=_is_article_record)


class RawZoneReader:
    """The reader of the network kinds (rss, sitemap, archive): the articles their crawls put in the raw zone."""

    def __init__(self, source: Any, config: Any, data_dir: str | Path = "data") -> None:
        self.source = source
        self.data_dir = Path(data_dir)

    def pages(self, day: dt.date, stats: Counter[str]) -> Iterator[Page]:
        yield from iter_raw_pages(self.data_dir, day, self.source.name, stats)
