"""A local multi-host news site for the crawl tests and benchmark: real HTTP servers on 127.0.0.x, no internet.

Host A (feeds), B (sitemaps) and C (dated archive pages, a CC-NEWS-like WARC listing) each listen on their own
loopback address, so per-host politeness is real. Faults: 404, 410, a 500 and a 429 (Retry-After) that succeed on
the retry, a response slower than the timeout, a connection reset, a redirect loop, a body over the size limit, a
gzip bomb, XML bombs in a feed and a sitemap, malformed XML, a PDF, a wrong declared charset, and links and
redirects to private addresses. Every request is logged with its arrival time. The servers are daemon threads
that stop after ``lifetime`` seconds at the latest, even if a test forgets to stop them.
"""

from __future__ import annotations

import gzip
import io
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "crawl"
DAY = "2022-01-06"
HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4")

_SENTENCES = [
    "The city council met on Thursday to debate the budget for the coming year and the cost of public transport.",
    "Residents of the northern districts asked for more frequent buses and safer crossings near the schools.",
    "The mayor said the plan would be published next week after a final review by the finance committee.",
    "Opposition members argued that the proposal relied on optimistic forecasts of tax revenue.",
    "Local businesses welcomed the decision to extend the opening hours of the central market.",
    "A spokesperson for the regional hospital reported that the number of patients had fallen slightly.",
    "Engineers inspected the old bridge over the river and recommended repairs before the spring floods.",
    "Teachers at several primary schools described the shortage of staff as the worst in a decade.",
    "The weather service expects heavy rain in the west of the country over the weekend.",
    "Farmers in the valley said the dry autumn had reduced the harvest of apples and pears.",
    "The football club announced the signing of a young striker from a neighbouring town.",
    "Police closed the main road for several hours after a lorry lost part of its load.",
]


def article_html(title: str, index: int, published: str = f"{DAY}T09:00:00Z", charset: str = "utf-8",
                 extra: str = "") -> str:
    """A plausible news article (enough words for the extractor), its body varied by ``index``."""
    rotated = _SENTENCES[index % len(_SENTENCES):] + _SENTENCES[: index % len(_SENTENCES)]
    paragraphs = "".join(f"<p>{' '.join(rotated[i:i + 3])} {extra}</p>\n" for i in range(0, 9, 3))
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="{charset}"><title>{title}</title>'
            f'<meta property="article:published_time" content="{published}"></head>'
            f"<body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>\n{paragraphs}</article>"
            "<footer>Test site footer</footer></body></html>")


@dataclass(frozen=True)
class Hit:
    host: str
    path: str
    at: float  # time.monotonic() on arrival
    user_agent: str


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)
    delay: float = 0.0  # seconds before the status line
    action: str = ""  # "reset": close the connection with a TCP reset; "unframed": no Content-Length


Route = Callable[[int], Reply]  # called with how many times this path was requested before


def _gzip_bomb(expanded: int = 30 * 2**20) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as gz:
        chunk = b"\0" * 2**20
        for _ in range(expanded // len(chunk)):
            gz.write(chunk)
    return out.getvalue()


def _warc_with(records: list[tuple[str, str]]) -> bytes:
    """A CC-NEWS-like WARC.gz with one HTML response per (url, title)."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True)
    for index, (url, title) in enumerate(records):
        body = article_html(title, index + 5).encode()
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                              ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=headers,
                                                      warc_headers_dict={"WARC-Date": f"{DAY}T12:00:00Z"}))
    return out.getvalue()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        reply = self.server.site.reply(self.server.host, self.path, self.headers.get("User-Agent", ""))
        if reply.delay and self.server.site.stopped.wait(reply.delay):
            return
        if reply.action == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.action == "unframed":
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:  # the reset fault closed the socket on purpose
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: "TestSite", host: str, port: int = 0) -> None:
        self.site, self.host = site, host
        super().__init__((host, port), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that give up (timeouts, size limits) are expected here


class TestSite:
    """Start with ``with TestSite() as site:``; ``site.base(i)`` is host i's base URL, ``site.hits`` the requests."""

    __test__ = False  # not a pytest class

    def __init__(self, hosts: tuple[str, ...] = HOSTS, lifetime: float = 300.0, latency: float = 0.0) -> None:
        self.hosts = hosts
        self.lifetime = lifetime
        self.latency = latency
        self.hits: list[Hit] = []
        self.stopped = threading.Event()
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}
        self._servers = [_Server(self, host) for host in hosts]
        self.routes: dict[tuple[str, str], Route] = {}

    def base(self, index: int) -> str:
        host, port = self._servers[index].server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "TestSite":
        for server in self._servers:
            threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._timer = threading.Timer(self.lifetime, self.stop)
        self._timer.daemon = True
        self._timer.start()
        self.build()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.stopped.is_set():
            return
        self.stopped.set()
        self._timer.cancel()
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def reply(self, host: str, path: str, user_agent: str) -> Reply:
        with self._lock:
            self.hits.append(Hit(host, path, time.monotonic(), user_agent))
            seen = self._counts.get((host, path), 0)
            self._counts[(host, path)] = seen + 1
        route = self.routes.get((host, path))
        reply = route(seen) if route else Reply(404, b"<html><body>not found</body></html>")
        if self.latency and not reply.delay:
            reply = Reply(reply.status, reply.body, reply.headers, self.latency, reply.action)
        return reply

    def requests_to(self, index: int, path: str | None = None) -> list[Hit]:
        host = self.hosts[index]
        return [h for h in self.hits if h.host == host and (path is None or h.path == path)]

    # -- content ------------------------------------------------------------------------------------------------

    def _fixture(self, name: str) -> bytes:
        text = (FIXTURES / name).read_text(encoding="utf-8")
        for key, index in (("{A}", 0), ("{B}", 1), ("{C}", 2)):
            text = text.replace(key, self.base(index) if index < len(self.hosts) else "")
        return text.encode("utf-8")

    def add(self, index: int, path: str, reply: Reply | Route) -> None:
        self.routes[(self.hosts[index], path)] = reply if callable(reply) else (lambda seen, r=reply: r)

    def add_article(self, index: int, path: str, title: str, number: int, **kwargs: str) -> None:
        self.add(index, path, Reply(body=article_html(title, number, **kwargs).encode()))

    def build(self) -> None:
        """The standard site; the benchmark replaces it with its own routes."""
        if len(self.hosts) >= 3:
            self._build_feeds()
            self._build_sitemaps()
            self._build_archive()

    def _build_feeds(self) -> None:
        xml = (("Content-Type", "application/rss+xml"),)
        self.add(0, "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private/\n",
                                         headers=(("Content-Type", "text/plain"),)))
        for name in ("feed.xml", "atom.xml", "feed-undated.xml", "feed-bomb.xml", "feed-broken.xml"):
            self.add(0, f"/{name}", Reply(body=self._fixture(name), headers=xml))
        for number, slug in enumerate(("alpha", "beta", "late", "gamma", "moved-here")):
            self.add_article(0, f"/news/2022/01/06/{slug}.html", slug.title(), number)
        self.add_article(0, "/news/undated/delta.html", "Delta", 6)
        self.add_article(0, "/news/2022/01/05/old.html", "Old", 7)
        self.add_article(0, "/private/secret.html", "Secret", 8)
        self.add(0, "/news/2022/01/06/latin.html", Reply(
            body=article_html("Zürich", 9, charset="iso-8859-1", extra="Zürich Bürger Grüße.").encode("utf-8"),
            headers=(("Content-Type", "text/html; charset=iso-8859-1"),)))
        self.add(0, "/gone-404.html", Reply(404, b"gone"))
        self.add(0, "/gone-410.html", Reply(410, b"gone for good"))
        flaky = article_html("Flaky", 10).encode()
        self.add(0, "/news/2022/01/06/flaky.html", lambda seen: Reply(500, b"oops") if seen == 0 else Reply(body=flaky))
        busy = article_html("Busy", 11).encode()
        self.add(0, "/news/2022/01/06/busy.html", lambda seen: Reply(
            429, b"slow down", (("Retry-After", "1"),)) if seen == 0 else Reply(body=busy))
        self.add(0, "/slow.html", Reply(body=b"too late", delay=1.2))
        self.add(0, "/reset.html", Reply(action="reset"))
        self.add(0, "/loop-a.html", Reply(301, b"", (("Location", "/loop-b.html"),)))
        self.add(0, "/loop-b.html", Reply(301, b"", (("Location", "/loop-a.html"),)))
        self.add(0, "/moved.html", Reply(301, b"", (("Location", "/news/2022/01/06/moved-here.html"),)))
        self.add(0, "/to-private.html", Reply(302, b"", (("Location", "http://10.0.0.1/internal"),)))
        self.add(0, "/big.html", Reply(body=b"<html><body>" + b"x" * 400_000 + b"</body></html>", action="unframed"))
        self.add(0, "/bomb.html", Reply(body=_gzip_bomb(), headers=(
            ("Content-Type", "text/html"), ("Content-Encoding", "gzip"))))
        self.add(0, "/report.pdf", Reply(body=b"%PDF-1.4 not html", headers=(("Content-Type", "application/pdf"),)))

    def _build_sitemaps(self) -> None:
        xml = (("Content-Type", "application/xml"),)
        self.add(1, "/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 0.3\nDisallow: /drafts/\n",
                                         headers=(("Content-Type", "text/plain"),)))
        for name in ("sitemap_index.xml", "sitemap-news.xml", "sitemap-2021-12.xml", "sitemap-bomb.xml",
                     "sitemap-broken.xml"):
            self.add(1, f"/{name}", Reply(body=self._fixture(name), headers=xml))
        self.add(1, "/sitemap-2022-01.xml.gz", Reply(body=gzip.compress(self._fixture("sitemap-2022-01.xml")),
                                                     headers=(("Content-Type", "application/gzip"),)))
        self.add(1, "/sitemap-gzbomb.xml.gz", Reply(body=_gzip_bomb(), headers=(("Content-Type", "application/gzip"),)))
        for number, slug in enumerate(("epsilon", "zeta", "eta", "theta", "older", "iota", "december")):
            self.add_article(1, f"/news/{slug}.html", slug.title(), 20 + number)
        self.add_article(1, "/drafts/unpublished.html", "Draft", 30)

    def _build_archive(self) -> None:
        base = self.base(2)

        def listing(links: list[str], next_link: str = "") -> Reply:
            anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
            return Reply(body=(f"<html><head>{next_link}</head><body><h1>All news articles on {DAY}</h1><ul>{anchors}"
                               '</ul><a href="/about">About</a><a href="/tag/politics">Politics</a></body></html>'
                               ).encode())

        self.add(2, f"/archive/{DAY}", listing(["/2022/01/06/kappa", "/2022/01/06/lambda", "/about"],
                                               f'<link rel="next" href="{base}/archive/{DAY}?page=2">'))
        self.add(2, f"/archive/{DAY}?page=2", listing(["/2022/01/06/mu", "/2022/01/06/nu", "/2022/01/06/kappa",
                                                        f"/archive/{DAY}/page/3"]))
        self.add(2, f"/archive/{DAY}/page/3", listing(["/2022/01/06/xi#comments"]))
        self.add(2, "/archive/2022-01-05", listing(["/2022/01/05/omicron"]))
        for number, slug in enumerate(("kappa", "lambda", "mu", "nu", "xi")):
            self.add_article(2, f"/2022/01/06/{slug}", slug.title(), 40 + number)
        self.add_article(2, "/2022/01/05/omicron", "Omicron", 50, published="2022-01-05T09:00:00Z")
        # A CC-NEWS-like monthly path list and one WARC file of the day (and one of another day).
        warc = _warc_with([("https://www.example.com/world/pi.html", "Pi"),
                           ("https://other.org/rho.html", "Rho"),
                           ("https://news.example.com/sigma.html", "Sigma")])
        paths = (f"crawl-data/CC-NEWS/2022/01/CC-NEWS-20220105235959-00000.warc.gz\n"
                 f"crawl-data/CC-NEWS/2022/01/CC-NEWS-20220106010203-00001.warc.gz\n")
        self.add(2, "/crawl-data/CC-NEWS/2022/01/warc.paths.gz", Reply(body=gzip.compress(paths.encode()),
                                                                      headers=(("Content-Type", "application/gzip"),)))
        self.add(2, "/crawl-data/CC-NEWS/2022/01/CC-NEWS-20220106010203-00001.warc.gz",
                 Reply(body=warc, headers=(("Content-Type", "application/warc"),)))


# Crawl settings for tests: short delays, timeouts and lease settling, and loopback explicitly allowed (the test site lives there).
TEST_CRAWL = {"delay_seconds": 0.2, "connect_timeout_seconds": 0.5, "read_timeout_seconds": 0.5,
              "total_timeout_seconds": 3, "max_retries": 2, "backoff_base_seconds": 0.05, "max_body_bytes": 300_000,
              "max_decompressed_bytes": 1_000_000, "allow_private_networks": ["127.0.0.0/8"],
              "lease_settle_seconds": 0.1}


def test_sources(site: TestSite) -> dict[str, dict]:
    """One source of each network kind over the site, by name."""
    a, b, c = site.base(0), site.base(1), site.base(2)
    return {
        "feeds": {"kind": "rss", "feeds": [f"{a}/{n}" for n in ("feed.xml", "atom.xml", "feed-undated.xml",
                                                                 "feed-bomb.xml", "feed-broken.xml")]},
        "sitemaps": {"kind": "sitemap", "sitemaps": [f"{b}/sitemap_index.xml"], "pool": "crawl_lemonde"},
        "archive": {"kind": "archive", "url_template": c + "/archive/{day}", "article_pattern": r"/\d{4}/\d\d/\d\d/\w+",
                    "next_page_pattern": r"/archive/[\d-]+/page/\d+", "pool": "crawl_spiegel"},
        "ccnews": {"kind": "warc", "paths": [c + "/crawl-data/CC-NEWS/{day:%Y/%m}/warc.paths.gz"],
                   "path_list_base": c + "/", "sites": ["example.com"], "pool": "crawl_commoncrawl"},
    }


def write_sources(site: TestSite, path: Path, names: tuple[str, ...] | None = None) -> Path:
    """A sources YAML file with the named test sources (default: all) and the test crawl settings."""
    import yaml

    sources = test_sources(site)
    entries = [{"name": name, **sources[name]} for name in (names or tuple(sources))]
    path.write_text(yaml.safe_dump({"crawl": TEST_CRAWL, "sources": entries}, sort_keys=False), encoding="utf-8")
    return path


class ListPlan:
    """A crawl plan of URLs known up front: what a crawl test or benchmark fetches, with no discovery."""

    def __init__(self, urls: list[str]) -> None:
        self.urls = urls

    def seeds(self) -> list["Request"]:
        from pipeline.crawl.crawler import Request

        return [Request(url, "article") for url in self.urls]

    def discover(self, *args: object) -> list["Request"]:
        return []
