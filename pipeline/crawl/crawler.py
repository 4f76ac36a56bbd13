"""The crawl scheduler: robots.txt, per-host delay and concurrency, retries, redirects and dedup.

Hosts are crawled in parallel (a thread pool does the I/O) while each host sees at most
``per_host_concurrency`` requests in flight and request starts at least ``delay_seconds`` apart (longer when its
robots.txt asks for a Crawl-delay or a 429/503 carries Retry-After). One thread, the caller's, makes every
decision and writes every record, so the bookkeeping needs no locks. With :class:`HostLeases` (as every crawl
into a data root has), a host is crawled only while this crawler holds its lease in the crawl state, so crawlers in
other processes and on other machines never talk to it at the same time, and the delay carries over between them.

What to fetch comes from a :class:`CrawlPlan` (one per source kind): seed requests, and the requests a feed,
sitemap or listing page leads to.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import itertools
import logging
import queue
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Protocol
from urllib.parse import urljoin

from pipeline.config import CrawlSettings, _SourceBase
from pipeline.crawl.fetcher import Fetcher, FetchFailure, Response
from pipeline.crawl.lease import HostLeases
from pipeline.crawl.rawzone import ARTICLE_ROLE, RawZoneWriter
from pipeline.crawl.robots import ALLOW_ALL, RobotsPolicy, policy_from, robots_url
from pipeline.crawl.urls import crawl_key, host_key
from pipeline.progress import Progress

log = logging.getLogger(__name__)

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
ROBOTS_ROLE = "robots"
MAX_ROBOTS_REDIRECTS = 5  # RFC 9309


@dataclass(frozen=True)
class Request:
    url: str
    role: str  # feed, sitemap, listing, article (and robots, internally)
    depth: int = 0  # sitemap-index or listing-page depth
    attempt: int = 0
    redirects: tuple[str, ...] = ()  # URLs that redirected here, first first
    hints: tuple[tuple[str, str], ...] = ()  # what the feed or sitemap said (title, date): for the crawl log

    @property
    def first_url(self) -> str:
        return self.redirects[0] if self.redirects else self.url


class ContentRejected(Exception):
    """A response arrived but its content is refused (XML bomb, malformed XML, ...); ``outcome`` names why."""

    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome


class CrawlPlan(Protocol):
    def seeds(self) -> list[Request]: ...

    def discover(self, request: Request, response: Response, skipped: Counter[str]) -> Iterable[Request]:
        """The requests a (2xx) feed, sitemap or listing response leads to, counting what it leaves out in
        ``skipped``; may raise :class:`ContentRejected`."""
        ...


def article_request(source: _SourceBase, link: str, base_url: str, skipped: Counter[str],
                    hints: dict[str, str | None]) -> Request | None:
    """A request for an article link found on ``base_url``, or None (counted) if it is not http(s) or filtered."""
    url = urljoin(base_url, link.strip())
    if not url.startswith(("http://", "https://")):
        skipped["not_http"] += 1
        return None
    if not source.accepts_url(url):
        skipped["url_filter"] += 1
        return None
    # Fetched as canonicalised: tracking parameters are dropped before they reach the publisher.
    return Request(crawl_key(url), ARTICLE_ROLE, hints=tuple((k, v) for k, v in hints.items() if v))


@dataclass
class _Host:
    queue: deque[Request] = field(default_factory=deque)
    next_start: float = 0.0
    in_flight: int = 0
    delay: float = 0.0
    robots: RobotsPolicy | None = None
    robots_pending: bool = False
    leased: bool = False  # this crawler holds the host's lease (with HostLeases)
    lease_pending: bool = False
    lease_retry_at: float = 0.0  # when to ask again for a lease another crawler holds


class Crawler:
    def __init__(self, settings: CrawlSettings, plan: CrawlPlan, recorder: RawZoneWriter,
                 already_fetched: Callable[[str], bool] = lambda url: False, rng: random.Random | None = None,
                 host_leases: HostLeases | None = None) -> None:
        self.settings = settings
        self.host_leases = host_leases
        self.plan = plan
        self.recorder = recorder
        self.already_fetched = already_fetched
        self.fetcher = Fetcher(settings)
        self.rng = rng or random.Random()
        self.fetched_articles: list[tuple[str, int]] = []  # (url, status) of every article fetched: for the state
        self._hosts: dict[str, _Host] = {}
        self._seen: set[str] = set()
        self._articles_queued = 0
        self._delayed: list[tuple[float, int, Request]] = []
        self._order = itertools.count()
        # What the worker threads finished, to be handled in the loop: a response (every exchange the request took:
        # one, or a robots.txt redirect chain) or the answer to a lease request.
        self._done: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._in_flight = 0
        self._leases_pending = 0

    # -- what to fetch ------------------------------------------------------------------------------------------

    def add(self, request: Request) -> bool:
        """Queue a request unless it is a duplicate, already fetched by an earlier run, or over the article cap."""
        key = crawl_key(request.url)
        if key in self._seen:
            self.recorder.skipped["duplicate"] += 1
            return False
        self._seen.add(key)
        if request.role == ARTICLE_ROLE and not request.redirects:
            if self.already_fetched(request.url):
                self.recorder.skipped["already_fetched"] += 1
                return False
            if self._articles_queued >= self.settings.max_articles:
                self.recorder.skipped["max_articles"] += 1
                return False
            self._articles_queued += 1
        self._host(request.url).queue.append(request)
        return True

    def _host(self, url: str) -> _Host:
        key = host_key(url)
        if key not in self._hosts:
            self._hosts[key] = _Host(delay=self.settings.delay_seconds,
                                     robots=None if self.settings.obey_robots else ALLOW_ALL)
        return self._hosts[key]

    # -- the loop -----------------------------------------------------------------------------------------------

    def run(self) -> None:
        for request in self.plan.seeds():
            self.add(request)
        progress = Progress(f"crawl {self.recorder.source_name} {self.recorder.day}", unit="requests")
        with ThreadPoolExecutor(self.settings.max_parallel_requests, thread_name_prefix="crawl") as pool, \
                ThreadPoolExecutor(self.settings.max_parallel_requests, thread_name_prefix="crawl-lease") as leasing:
            try:
                while True:
                    now = time.monotonic()
                    self._report(progress)
                    while self._delayed and self._delayed[0][0] <= now:
                        request = heapq.heappop(self._delayed)[2]
                        self._host(request.url).queue.appendleft(request)
                    wake = self._dispatch(pool, leasing, now)
                    if not self._in_flight and not self._leases_pending and wake is None and not self._delayed:
                        break  # a retry still waiting for its time keeps the crawl going
                    if self._delayed:
                        wake = min(wake if wake is not None else float("inf"), self._delayed[0][0])
                    timeout = None if wake is None else max(0.0, wake - time.monotonic())
                    try:
                        finished = self._done.get(timeout=timeout)
                    except queue.Empty:
                        continue
                    finished()
                    while not self._done.empty():
                        self._done.get_nowait()()
            finally:
                self._report(progress)
                progress.close()
                self.fetcher.close()
                for key, host in self._hosts.items():
                    if host.leased:
                        self._release(leasing, key, host)

    def _report(self, progress: Progress) -> None:
        done = sum(self.recorder.outcomes.values())
        waiting = self._in_flight + len(self._delayed) + sum(len(host.queue) for host in self._hosts.values())
        progress.update(done=done, total=done + waiting, skipped=sum(self.recorder.skipped.values()))

    def _dispatch(self, pool: ThreadPoolExecutor, leasing: ThreadPoolExecutor, now: float) -> float | None:
        """Start every request that politeness allows now; return when the next one could start (None: nothing)."""
        wake: float | None = None
        for key, host in self._hosts.items():
            if host.leased and not host.queue and not host.in_flight:
                self._release(leasing, key, host)  # idle: another crawler may have the host meanwhile
            while host.queue and host.in_flight < self.settings.per_host_concurrency:
                if self._in_flight >= self.settings.max_parallel_requests:
                    return now + 0.01 if wake is None else min(wake, now + 0.01)
                if host.robots is None and host.robots_pending:
                    break
                refusal = None if host.robots is None else host.robots.outcome_for(
                    host.queue[0].url, self.settings.user_agent)
                if refusal:  # refused without a request: no need to wait for the host's turn
                    request = host.queue.popleft()
                    self.recorder.outcome(request.first_url, request.role, refusal,
                                          final_url=request.url if request.redirects else None)
                    continue
                if now < host.next_start:
                    wake = host.next_start if wake is None else min(wake, host.next_start)
                    break
                if not self._leased(leasing, key, host, now):
                    if not host.lease_pending:  # another crawler has it: ask again later
                        wake = host.lease_retry_at if wake is None else min(wake, host.lease_retry_at)
                    break
                if host.robots is None:
                    request = Request(robots_url(host.queue[0].url), ROBOTS_ROLE)
                    host.robots_pending = True
                else:
                    request = host.queue.popleft()
                host.next_start = now + host.delay
                host.in_flight += 1
                self._in_flight += 1
                pool.submit(self._work, request)
        return wake

    # -- host leases (politeness shared with other crawlers) -----------------------------------------------------

    def _leased(self, leasing: ThreadPoolExecutor, key: str, host: _Host, now: float) -> bool:
        """Whether this crawler may talk to the host now; if not, asks for its lease (in a worker thread)."""
        if self.host_leases is None:
            return True
        if host.leased and self.host_leases.holds(key):
            return True
        host.leased = False  # never taken, or lost (the heartbeat found it someone else's)
        if not host.lease_pending and now >= host.lease_retry_at:
            host.lease_pending = True
            self._leases_pending += 1
            leasing.submit(self._ask_lease, key)
        return False

    def _ask_lease(self, key: str) -> None:
        assert self.host_leases is not None
        try:
            next_allowed = self.host_leases.acquire(key)
        except Exception:  # the store failed: as if another crawler held it; asked again later
            log.exception("host lease of %s", key)
            next_allowed = None
        self._done.put(functools.partial(self._lease_answered, key, next_allowed))

    def _lease_answered(self, key: str, next_allowed: float | None) -> None:
        assert self.host_leases is not None
        host = self._hosts[key]
        host.lease_pending = False
        self._leases_pending -= 1
        now = time.monotonic()
        if next_allowed is None:
            log.info("host %s is being crawled by another crawler: waiting for its lease", key)
            host.lease_retry_at = now + self.host_leases.leases.poll
            return
        host.leased = True
        # The last holder's next allowed start, from its wall clock to our monotonic one.
        host.next_start = max(host.next_start, now + next_allowed - time.time())

    def _release(self, leasing: ThreadPoolExecutor, key: str, host: _Host) -> None:
        assert self.host_leases is not None
        host.leased = False
        next_allowed = time.time() + max(0.0, host.next_start - time.monotonic())
        leasing.submit(self.host_leases.release, key, next_allowed)

    # -- fetching -----------------------------------------------------------------------------------------------

    def _work(self, request: Request) -> None:
        try:
            if request.role == ROBOTS_ROLE:
                exchanges = self._fetch_robots(request.url)
            else:
                media_types = HTML_TYPES if request.role == ARTICLE_ROLE else None
                exchanges = [self.fetcher.fetch(request.url, media_types=media_types)]
        except Exception as exc:  # a bug must not hang the loop: report it as this URL's failure
            log.exception("fetching %s failed", request.url)
            now = dt.datetime.now(dt.timezone.utc)
            exchanges = [FetchFailure(request.url, [], now, outcome="internal_error", detail=repr(exc))]
        self._done.put(functools.partial(self._handle, request, exchanges))

    def _fetch_robots(self, url: str) -> list[Response | FetchFailure]:
        """robots.txt, following up to five redirects on the spot (RFC 9309)."""
        exchanges = [self.fetcher.fetch(url)]
        for _ in range(MAX_ROBOTS_REDIRECTS):
            last = exchanges[-1]
            location = last.header("Location") if isinstance(last, Response) else None
            if not (isinstance(last, Response) and 300 <= last.status < 400 and location):
                break
            exchanges.append(self.fetcher.fetch(urljoin(last.url, location)))
        return exchanges

    # -- outcomes -----------------------------------------------------------------------------------------------

    def _handle(self, request: Request, exchanges: list[Response | FetchFailure]) -> None:
        host = self._host(request.url)
        host.in_flight -= 1
        self._in_flight -= 1
        for exchange in exchanges:
            self.recorder.exchange(exchange, request.role, request.attempt)
        result = exchanges[-1]
        # Spacing counts from when the request really started (a worker thread may start it a little late).
        host.next_start = max(host.next_start, result.clock + host.delay)
        if request.role == ROBOTS_ROLE:
            self._robots_arrived(host, result)
            return
        if self._retry_later(host, request, result):
            return
        if isinstance(result, FetchFailure):
            self._finish(request, result.outcome, status=result.status, detail=result.detail)
        elif 300 <= result.status < 400 and result.header("Location"):
            self._redirect(request, result)
        elif 200 <= result.status < 300 and request.role != ARTICLE_ROLE:
            try:
                discovered = list(self.plan.discover(request, result, self.recorder.skipped))
            except ContentRejected as exc:
                self._finish(request, exc.outcome, detail=str(exc))
                return
            added = sum(self.add(r) for r in discovered)
            self._finish(request, str(result.status), found=len(discovered), queued=added)
        else:
            if request.role == ARTICLE_ROLE and (200 <= result.status < 300 or result.status == 410):
                self.fetched_articles.extend((url, result.status) for url in {request.first_url, request.url})
            self._finish(request, str(result.status), bytes=len(result.raw_body))

    def _finish(self, request: Request, outcome: str, **details: object) -> None:
        self.recorder.outcome(request.first_url, request.role, outcome,
                              final_url=request.url if request.redirects else None, attempts=request.attempt + 1,
                              **dict(request.hints), **details)

    def _robots_arrived(self, host: _Host, result: Response | FetchFailure) -> None:
        host.robots_pending = False
        host.robots = policy_from(result, self.settings.user_agent)
        status = str(result.status) if isinstance(result, Response) else result.outcome
        self.recorder.outcome(result.url, ROBOTS_ROLE, status, crawl_delay=host.robots.crawl_delay)
        if host.robots.crawl_delay is not None:
            wanted = min(host.robots.crawl_delay, self.settings.max_crawl_delay_seconds)
            if wanted > host.delay:
                host.next_start += wanted - host.delay
                host.delay = wanted

    def _retry_later(self, host: _Host, request: Request, result: Response | FetchFailure) -> bool:
        """Schedule another attempt for a transient failure (connection, timeout, 429, 5xx) while attempts remain."""
        if isinstance(result, FetchFailure):
            transient, asked = result.retryable, None
        else:
            transient, asked = result.status == 429 or result.status >= 500, result.retry_after()
        if not transient or request.attempt >= self.settings.max_retries:
            return False
        if asked is not None and asked > self.settings.max_retry_after_seconds:
            return False  # the server asks for longer than we wait: give up now, as it said
        backoff = min(self.settings.backoff_max_seconds, self.settings.backoff_base_seconds * 2 ** request.attempt)
        wait = asked if asked is not None else backoff / 2 + self.rng.uniform(0, backoff / 2)
        not_before = time.monotonic() + wait
        if asked is not None:  # the host asked the whole crawler to slow down, not just this URL
            host.next_start = max(host.next_start, not_before)
        heapq.heappush(self._delayed, (not_before, next(self._order), replace(request, attempt=request.attempt + 1)))
        return True

    def _redirect(self, request: Request, response: Response) -> None:
        target = urljoin(response.url, response.header("Location") or "")
        chain = (*request.redirects, request.url)
        if crawl_key(target) in {crawl_key(u) for u in chain}:
            self._finish(request, "redirect_loop", location=target)
        elif len(chain) > self.settings.max_redirects:
            self._finish(request, "too_many_redirects", location=target)
        elif not target.startswith(("http://", "https://")):
            self._finish(request, "blocked_scheme", location=target)
        elif not self.add(Request(target, request.role, request.depth, 0, chain, request.hints)):
            self._finish(request, "redirect_to_duplicate", location=target)

