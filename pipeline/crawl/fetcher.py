"""One HTTP exchange with every limit enforced: safe addresses, timeouts, body size, decompressed size.

No retries, redirects or politeness here (the crawler schedules those); a :class:`Fetcher` is thread-safe and
keeps connections alive per host. Failures are returned as a :class:`FetchFailure` naming the crawl-log outcome,
never raised, so the crawler records every one of them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import urllib3
from urllib3.exceptions import HTTPError, NameResolutionError, ProtocolError, TimeoutError as Urllib3Timeout

from pipeline.config import CrawlSettings
from pipeline.crawl.decompress import BadEncoding, DecompressionBomb, decompress_bounded
from pipeline.crawl.netsafety import BlockedAddress, check_scheme, parse_networks, safe_pool_classes

CHUNK_BYTES = 64 * 1024
# Content codings we can undo with a bound (brotli and zstd are not offered, so servers do not send them).
ACCEPT_ENCODING = "gzip, deflate"
# Hop-by-hop framing that urllib3 has already undone: the recorded body is de-chunked.
_FRAMING_HEADERS = frozenset({"transfer-encoding"})


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass
class Exchange:
    """What was sent and when; shared by responses and failures (the WARC request record)."""

    url: str
    request_headers: list[tuple[str, str]]
    started_at: dt.datetime
    elapsed: float = 0.0
    clock: float = 0.0  # time.monotonic() when the request started: what politeness is measured by


@dataclass
class Response(Exchange):
    status: int = 0
    reason: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    raw_body: bytes = b""  # as received (still content-encoded): what the WARC keeps
    content: bytes = b""  # content-decoded: what parsers read

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type") or "").split(";", 1)[0].strip().lower()

    def retry_after(self) -> float | None:
        """Seconds the server asks us to wait (Retry-After as seconds or an HTTP date), if it says."""
        value = (self.header("Retry-After") or "").strip()
        if not value:
            return None
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.timezone.utc)
        return max(0.0, (when - _now()).total_seconds())


@dataclass
class FetchFailure(Exchange):
    outcome: str = "connection_error"  # the crawl-log key: timeout, too_large, blocked_private_address, ...
    detail: str = ""
    status: int | None = None  # when a response arrived but was refused (too large, not the expected type)

    @property
    def retryable(self) -> bool:
        return self.outcome in {"timeout", "connection_error"}


class Fetcher:
    def __init__(self, settings: CrawlSettings) -> None:
        self.settings = settings
        self.headers = {"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
        self._timeout = urllib3.Timeout(connect=settings.connect_timeout_seconds,
                                        read=settings.read_timeout_seconds)
        self._pool = urllib3.PoolManager(num_pools=max(64, settings.max_parallel_requests * 2),
                                         maxsize=settings.per_host_concurrency, block=False, retries=False)
        self._pool.pool_classes_by_scheme = safe_pool_classes(parse_networks(settings.allow_private_networks))

    def close(self) -> None:
        self._pool.clear()

    def _request_headers(self, accept: str | None) -> dict[str, str]:
        return {**self.headers, **({"Accept": accept} if accept else {})}

    @contextmanager
    def _open(self, url: str, headers: dict[str, str]) -> Iterator[urllib3.BaseHTTPResponse]:
        check_scheme(url)
        response = self._pool.request("GET", url, headers=headers, preload_content=False, decode_content=False,
                                      redirect=False, retries=False, timeout=self._timeout)
        try:
            yield response
        finally:
            response.release_conn()

    def fetch(self, url: str, accept: str | None = None, media_types: frozenset[str] | None = None
              ) -> Response | FetchFailure:
        """GET ``url`` once. ``media_types``: a 2xx response of another Content-Type is refused unread."""
        limits = self.settings
        headers = self._request_headers(accept)
        start = time.monotonic()
        exchange = Exchange(url, list(headers.items()), _now(), clock=start)

        def failed(outcome: str, detail: str, status: int | None = None) -> FetchFailure:
            return FetchFailure(exchange.url, exchange.request_headers, exchange.started_at,
                                time.monotonic() - start, start, outcome=outcome, detail=detail, status=status)

        try:
            with self._open(url, headers) as raw:
                status = raw.status
                received = [(k, v) for k, v in raw.headers.items() if k.lower() not in _FRAMING_HEADERS]
                length = raw.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > limits.max_body_bytes:
                    raw.close()
                    return failed("too_large", f"Content-Length {length} > {limits.max_body_bytes}", status)
                media_type = (raw.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
                if media_types and 200 <= status < 300 and media_type and media_type not in media_types:
                    raw.close()
                    return failed("not_html" if "text/html" in media_types else "unexpected_type",
                                  f"Content-Type {media_type}", status)
                body = bytearray()
                for chunk in raw.stream(CHUNK_BYTES):
                    body += chunk
                    if len(body) > limits.max_body_bytes:
                        raw.close()
                        return failed("too_large", f"body over {limits.max_body_bytes} bytes", status)
                    if time.monotonic() - start > limits.total_timeout_seconds:
                        raw.close()
                        return failed("timeout", f"over the total timeout of {limits.total_timeout_seconds}s")
                encodings = [e for e in (raw.headers.get("Content-Encoding") or "").split(",") if e.strip()]
                content = bytes(body)
                for encoding in reversed(encodings):
                    content = decompress_bounded(content, encoding, limits.max_decompressed_bytes)
                return Response(url, exchange.request_headers, exchange.started_at, time.monotonic() - start,
                                start, status=status, reason=raw.reason or "", headers=received, raw_body=bytes(body),
                                content=content)
        except BlockedAddress as exc:
            return failed(exc.reason, str(exc))
        except DecompressionBomb as exc:
            return failed("decompression_bomb", str(exc))
        except BadEncoding as exc:
            return failed("bad_encoding", str(exc))
        except Urllib3Timeout as exc:
            return failed("timeout", str(exc))
        except NameResolutionError as exc:
            return failed("dns_error", str(exc))
        except (ProtocolError, HTTPError, OSError) as exc:
            return failed("connection_error", f"{type(exc).__name__}: {exc}")

    @contextmanager
    def stream(self, url: str) -> Iterator[urllib3.BaseHTTPResponse]:
        """A response to read as a stream (WARC files of any size): only the address checks and timeouts apply."""
        with self._open(url, self._request_headers(None)) as response:
            yield response
