"""One HTTP exchange with every limit enforced: safe addresses, timeouts, body size, decompressed size.

No retries, redirects or politeness here (the crawler schedules those); a :class:`Fetcher` is thread-safe and
keeps connections alive per host. Failures are returned as a :class:`FetchFailure` naming the crawl-log outcome,
never raised, so the crawler records every one of them. The network failures are named by what happened:

- ``dns_failure``: the host name does not resolve;
- ``connection_refused``: nothing listens at the address (the connection was actively refused);
- ``timeout``: the connection, the wait for the next bytes, or the whole response took too long
  (``connect_timeout_seconds``, ``read_timeout_seconds``, ``total_timeout_seconds``; the total covers the headers
  and the body however slowly they arrive);
- ``connection_reset``: the server reset or closed the connection part-way through its response;
- ``connection_error``: any other failure of the connection, including a reset before any byte of a response
  (as likely a stale keep-alive connection as a fault of the server).

All five are transient (:attr:`FetchFailure.retryable`). The other outcomes (``blocked_*``, ``too_large``,
``not_html``, ``unexpected_type``, ``decompression_bomb``, ``bad_encoding``) refuse a response or a request.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import errno
import http.client
import io
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import urllib3
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import (HTTPError, IncompleteRead, NameResolutionError, NewConnectionError, ProtocolError,
                                TimeoutError as Urllib3Timeout)

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
        return self.outcome in TRANSIENT_OUTCOMES


# Every one was retried before they had names of their own (as timeout or connection_error); a DNS failure is kept
# among them because resolvers also fail for a moment (EAI_AGAIN), not only for names that do not exist.
TRANSIENT_OUTCOMES = frozenset({"timeout", "connection_error", "connection_refused", "connection_reset",
                                "dns_failure"})


# -- the total timeout ------------------------------------------------------------------------------------------
# urllib3's read timeout bounds each recv(), so a server that drips a byte a second never trips it and one response
# can take forever. The deadline below bounds every recv() of the status line, headers and body instead: each waits
# at most until the deadline, so the whole exchange ends within the total timeout (plus one scheduling slice).
# The deadline is per thread because fetch() runs a whole exchange on the calling thread, and urllib3 creates the
# response object (the only place its socket reads can be reached) deep inside pool.request().


class _Deadline:
    """When the exchange on this thread must end, and how many response bytes have arrived so far."""

    __slots__ = ("at", "received")

    def __init__(self, at: float) -> None:
        self.at = at
        self.received = 0


_current = threading.local()


class _DeadlineReader(io.RawIOBase):
    """The socket's reader, each read waiting no longer than the read timeout nor past the deadline."""

    def __init__(self, raw: io.RawIOBase, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._raw, self._sock, self._deadline = raw, sock, deadline
        self._read_timeout = sock.gettimeout()  # what urllib3 set for this response: the read timeout

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: memoryview) -> int | None:  # type: ignore[override]
        remaining = self._deadline.at - time.monotonic()
        if remaining <= 0:
            # socket.timeout, as a read timeout would raise: urllib3 turns it into its ReadTimeoutError
            raise socket.timeout("over the total timeout")
        self._sock.settimeout(remaining if self._read_timeout is None else min(self._read_timeout, remaining))
        try:
            count = self._raw.readinto(buffer)
        finally:
            self._sock.settimeout(self._read_timeout)  # a kept-alive connection goes back to the pool as it was
        self._deadline.received += count or 0
        return count

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading through a :class:`_DeadlineReader` when a fetch on this thread set one."""

    def __init__(self, sock: socket.socket, *args: object, **kwargs: object) -> None:
        super().__init__(sock, *args, **kwargs)  # type: ignore[arg-type]
        deadline: _Deadline | None = getattr(_current, "deadline", None)
        if deadline is not None:  # nothing is read yet, so no buffered bytes are lost by re-wrapping the socket
            self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, deadline))


def _with_deadline(pool_class: type[HTTPConnectionPool]) -> type[HTTPConnectionPool]:
    """``pool_class`` whose connections read responses through :class:`_DeadlineResponse`."""
    connection = type(pool_class.ConnectionCls.__name__, (pool_class.ConnectionCls,),
                      {"response_class": _DeadlineResponse})
    return type(pool_class.__name__, (pool_class,), {"ConnectionCls": connection})


# -- naming failures --------------------------------------------------------------------------------------------

def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it wraps: urllib3 keeps the original error in ``args`` or as the cause or context."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(a for a in current.args if isinstance(a, BaseException))
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _connect_outcome(exc: NewConnectionError) -> str:
    """What a failed connection attempt was. urllib3 makes every one a NewConnectionError, a subclass of its
    connect-timeout error, so a refusal would otherwise read as a timeout. The address checks
    (pipeline/crawl/netsafety.py) raise it with the socket error only in its message, hence the text fallback."""
    causes = list(_causes(exc))
    text = str(exc)
    if any(isinstance(e, ConnectionRefusedError) for e in causes) or f"[Errno {errno.ECONNREFUSED}]" in text:
        return "connection_refused"
    if any(isinstance(e, socket.timeout) for e in causes) or text.endswith("timed out"):
        return "timeout"
    return "connection_error"


def _broken_outcome(exc: BaseException, received: int) -> str:
    """A reset or early close once the response had begun is connection_reset; anything else connection_error."""
    if received and any(isinstance(e, (ConnectionResetError, IncompleteRead, http.client.IncompleteRead))
                        for e in _causes(exc)):
        return "connection_reset"
    return "connection_error"


class Fetcher:
    def __init__(self, settings: CrawlSettings) -> None:
        self.settings = settings
        self.headers = {"User-Agent": settings.user_agent, "Accept-Encoding": ACCEPT_ENCODING}
        # The connection must fit in the total timeout too (the deadline bounds only the reads that follow it).
        self._timeout = urllib3.Timeout(connect=min(settings.connect_timeout_seconds, settings.total_timeout_seconds),
                                        read=settings.read_timeout_seconds)
        self._pool = urllib3.PoolManager(num_pools=max(64, settings.max_parallel_requests * 2),
                                         maxsize=settings.per_host_concurrency, block=False, retries=False)
        safe = safe_pool_classes(parse_networks(settings.allow_private_networks))
        self._pool.pool_classes_by_scheme = {scheme: _with_deadline(cls) for scheme, cls in safe.items()}

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

        deadline = _current.deadline = _Deadline(start + limits.total_timeout_seconds)
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
        # Both connection errors below subclass urllib3's connect-timeout error: they must come before it.
        except NameResolutionError as exc:
            return failed("dns_failure", str(exc))
        except NewConnectionError as exc:
            return failed(_connect_outcome(exc), str(exc))
        except Urllib3Timeout as exc:
            if time.monotonic() >= deadline.at - 0.05:  # the deadline, not a single read, ran out
                return failed("timeout", f"over the total timeout of {limits.total_timeout_seconds}s")
            return failed("timeout", str(exc))
        except (ProtocolError, HTTPError, OSError) as exc:
            return failed(_broken_outcome(exc, deadline.received), f"{type(exc).__name__}: {exc}")
        finally:
            _current.deadline = None  # stream() and other callers on this thread read without a deadline

    @contextmanager
    def stream(self, url: str) -> Iterator[urllib3.BaseHTTPResponse]:
        """A response to read as a stream (WARC files of any size): only the address checks and timeouts apply."""
        with self._open(url, self._request_headers(None)) as response:
            yield response
