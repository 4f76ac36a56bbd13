"""Faults from the reliability issue: a response dripped slower than the total timeout, failures named by what
happened (refused, DNS, timeout, reset), and a single-byte charset label that does not fit the page's script.

The network tests use real sockets on 127.0.0.1 (raw TCP servers, so a test controls every byte and how the
connection ends) and small timeouts, so each takes a few seconds at most; ``.invalid`` never resolves (RFC 6761),
so the DNS test needs no network either.
"""

from __future__ import annotations

import datetime as dt
import codecs
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from pipeline.config import CrawlSettings
from pipeline.crawl.crawler import Crawler, Request
from pipeline.crawl.fetcher import Fetcher, FetchFailure, Response
from pipeline.decode import decode_html

LOOPBACK = ("127.0.0.0/8",)
# Small limits so the tests are quick; the drip below (a byte every 0.5 s) never trips the 1 s read timeout.
FAST = {"connect_timeout_seconds": 1.0, "read_timeout_seconds": 1.0, "total_timeout_seconds": 2.0,
        "allow_private_networks": LOOPBACK}
SLACK = 1.0  # the target: no attempt longer than its total timeout + 1 s

Handler = Callable[[socket.socket, threading.Event], None]


@contextmanager
def serve(handle: Handler) -> Iterator[str]:
    """A TCP server on 127.0.0.1 running ``handle(connection, stop)`` for each connection; yields its base URL."""
    stop = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)

    def run(connection: socket.socket) -> None:
        with connection:
            try:
                handle(connection, stop)
            except OSError:  # the client gave up (timeout, reset): expected
                pass

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=run, args=(connection,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


def read_request(connection: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            return
        data += chunk


def reset(connection: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0) instead of an orderly FIN."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


BODY = b"<html><body>" + b"x" * 188 + b"</body></html>"
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(BODY)


def drip(fast: bytes, slow: bytes, every: float = 0.5) -> Handler:
    """Send ``fast`` at once, then ``slow`` one byte every ``every`` seconds."""
    def handle(connection: socket.socket, stop: threading.Event) -> None:
        read_request(connection)
        connection.sendall(fast)
        for byte in slow:
            if stop.wait(every):
                return
            connection.sendall(bytes([byte]))
    return handle


def fetch(url: str, **settings: object) -> tuple[Response | FetchFailure, float]:
    started = time.monotonic()
    result = Fetcher(CrawlSettings(**{**FAST, **settings})).fetch(url)
    return result, time.monotonic() - started


# -- 1. the total timeout covers the whole response, however slowly it arrives ----------------------------------

@pytest.mark.parametrize(("fast", "slow"), [(b"", HEAD + BODY), (HEAD, BODY)], ids=["headers-dripped", "body-dripped"])
def test_total_timeout_ends_a_dripped_response(fast: bytes, slow: bytes) -> None:
    with serve(drip(fast, slow)) as base:
        result, elapsed = fetch(base + "/drip.html")
    assert isinstance(result, FetchFailure) and result.outcome == "timeout", result
    assert "total timeout" in result.detail
    assert FAST["total_timeout_seconds"] - 0.1 <= elapsed <= FAST["total_timeout_seconds"] + SLACK
    assert result.elapsed <= FAST["total_timeout_seconds"] + SLACK


def test_a_slow_response_within_the_total_timeout_is_complete() -> None:
    with serve(drip(HEAD + BODY[:-4], BODY[-4:], every=0.2)) as base:  # four reads, 0.8 s in all
        result, _ = fetch(base + "/slow-but-fine.html")
    assert isinstance(result, Response) and result.status == 200 and result.content == BODY


class _Recorder:
    """What the crawler records, kept in memory (with what the crawler reads of a RawZoneWriter)."""

    source_name, day = "faults", dt.date(2022, 1, 6)

    def __init__(self) -> None:
        self.skipped: Counter[str] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.attempts: list[tuple[int, FetchFailure | Response]] = []
        self.finished: list[tuple[str, str, dict]] = []

    def exchange(self, exchange: Response | FetchFailure, role: str, attempt: int) -> None:
        self.attempts.append((attempt, exchange))

    def outcome(self, url: str, role: str, outcome: str, **details: object) -> None:
        self.outcomes[outcome] += 1
        self.finished.append((url, outcome, details))


class _OneArticle:
    def __init__(self, url: str) -> None:
        self.url = url

    def seeds(self) -> list[Request]:
        return [Request(self.url, "article")]

    def discover(self, *args: object) -> list[Request]:
        return []


def test_every_retry_of_a_dripped_response_respects_the_total_timeout() -> None:
    # No backoff: Crawler.run() ends when nothing is in flight and nothing is queued, dropping a retry that is not
    # due yet (a crawl of one URL would lose its retries and its outcome; left to the crawler's owners).
    settings = CrawlSettings(**FAST, max_retries=2, backoff_base_seconds=0, delay_seconds=0, obey_robots=False)
    recorder = _Recorder()
    with serve(drip(b"", HEAD + BODY)) as base:
        Crawler(settings, _OneArticle(base + "/drip.html"), recorder).run()  # type: ignore[arg-type]
    assert [attempt for attempt, _ in recorder.attempts] == [0, 1, 2]
    for _, failure in recorder.attempts:
        assert isinstance(failure, FetchFailure) and failure.outcome == "timeout"
        assert failure.elapsed <= settings.total_timeout_seconds + SLACK
    assert [(outcome, details["attempts"]) for _, outcome, details in recorder.finished] == [("timeout", 3)]


# -- 2. failures named by what happened ---------------------------------------------------------------------------

def test_nothing_listening_is_connection_refused() -> None:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # the port is free now: a connection is refused at once
    result, elapsed = fetch(f"http://127.0.0.1:{port}/")
    assert isinstance(result, FetchFailure) and result.outcome == "connection_refused", result
    assert elapsed < FAST["connect_timeout_seconds"] and result.retryable


@pytest.mark.parametrize("private", [LOOPBACK, ()], ids=["loopback-allowed", "default-settings"])
def test_a_name_that_does_not_resolve_is_dns_failure(private: tuple[str, ...]) -> None:
    # The address checks resolve the name themselves; their failure must not read as a timeout or a block.
    result, _ = fetch("http://no-such-host.invalid/news.html", allow_private_networks=private)
    assert isinstance(result, FetchFailure) and result.outcome == "dns_failure", result


def test_a_full_accept_queue_is_a_connect_timeout() -> None:
    # Linux drops a SYN to a listener whose accept queue is full: the connect waits out its timeout.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    queued = socket.create_connection(listener.getsockname())
    try:
        result, elapsed = fetch("http://%s:%d/" % listener.getsockname(), connect_timeout_seconds=0.5)
    finally:
        queued.close()
        listener.close()
    assert isinstance(result, FetchFailure) and result.outcome == "timeout", result
    assert elapsed < FAST["total_timeout_seconds"]


def test_a_server_that_never_answers_is_a_timeout() -> None:
    def silent(connection: socket.socket, stop: threading.Event) -> None:
        read_request(connection)
        stop.wait(10)

    with serve(silent) as base:
        result, elapsed = fetch(base + "/silent.html")
    assert isinstance(result, FetchFailure) and result.outcome == "timeout", result
    assert FAST["read_timeout_seconds"] - 0.1 <= elapsed <= FAST["read_timeout_seconds"] + SLACK


@pytest.mark.parametrize("sent", [HEAD + BODY[:100], HEAD[:20]], ids=["mid-body", "mid-headers"])
def test_a_reset_mid_response_is_connection_reset(sent: bytes) -> None:
    def half_then_reset(connection: socket.socket, stop: threading.Event) -> None:
        read_request(connection)
        connection.sendall(sent)
        stop.wait(0.2)  # let the client read what was sent before the reset
        reset(connection)

    with serve(half_then_reset) as base:
        result, _ = fetch(base + "/reset.html")
    assert isinstance(result, FetchFailure) and result.outcome == "connection_reset", result
    assert result.retryable


def test_a_close_mid_body_is_connection_reset() -> None:
    def half_then_close(connection: socket.socket, stop: threading.Event) -> None:
        read_request(connection)
        connection.sendall(HEAD + BODY[:100])  # the handler's end closes the connection: fewer bytes than promised

    with serve(half_then_close) as base:
        result, _ = fetch(base + "/short.html")
    assert isinstance(result, FetchFailure) and result.outcome == "connection_reset", result


def test_a_reset_before_any_response_stays_connection_error() -> None:
    # Not a byte of a response: as likely a stale keep-alive connection as a server fault; the crawl log and
    # tests/test_crawl_sources.py keep calling it connection_error.
    def reset_at_once(connection: socket.socket, stop: threading.Event) -> None:
        read_request(connection)
        reset(connection)

    with serve(reset_at_once) as base:
        result, _ = fetch(base + "/reset.html")
    assert isinstance(result, FetchFailure) and result.outcome == "connection_error", result


# -- 3. a single-byte charset label whose letters do not fit the page ---------------------------------------------

GREEK = ("Η Αθήνα είναι η πρωτεύουσα της Ελλάδας. Άρθρο για την οικονομία: ο πρωθυπουργός ανακοίνωσε νέα μέτρα "
         "για τη στήριξη των νοικοκυριών και των επιχειρήσεων, ενώ η αντιπολίτευση ζήτησε συζήτηση στη Βουλή.")
RUSSIAN = ("Москва — столица России. Правительство объявило о новых мерах поддержки экономики, а министр финансов "
           "заявил, что бюджет будет исполнен в срок и без сокращения социальных расходов.")
HEBREW = ("ירושלים היא בירת ישראל. הממשלה הודיעה על צעדים חדשים לתמיכה בכלכלה, ושר האוצר אמר כי התקציב "
          "יאושר בכנסת בשבוע הבא לאחר דיון בוועדת הכספים.")
FRENCH = ("Le conseil municipal s'est réuni jeudi : les élus ont débattu du budget de l'année à venir, des écoles "
          "et du coût des transports. « Ce n'est qu'un début », a déclaré la maire, très attachée à la qualité.")
GERMAN = ("Der Stadtrat hat am Donnerstag über den Haushalt für das kommende Jahr beraten. Die Bürger in Zürich "
          "und München wünschen sich häufigere Busse, größere Grünflächen und sicherere Übergänge für Schüler.")
ENGLISH = ("The council\u2019s budget \u2014 published on Thursday \u2014 was called \u201cunrealistic\u201d by "
           "the opposition, which said the \u20ac2m gap would grow. \u201cWe\u2019ll see,\u201d the mayor replied.")


def page(text: str, lang: str | None, charset: str, head: str = "") -> str:
    lang_attr = f' lang="{lang}"' if lang else ""
    return (f'<!DOCTYPE html><html{lang_attr}><head><meta charset="{charset}">{head}<title>News</title></head>'
            f"<body><article><h1>News</h1><p>{text}</p><p>{text}</p></article></body></html>")


@pytest.mark.parametrize(("text", "lang", "real"), [
    (GREEK, "el", "iso-8859-7"), (RUSSIAN, "ru", "windows-1251"), (HEBREW, "he", "windows-1255")])
@pytest.mark.parametrize("declared", ["html-lang", "content-language", "undeclared"])
def test_a_non_latin_page_labelled_latin_1_is_decoded_in_its_own_script(text: str, lang: str, real: str,
                                                                         declared: str) -> None:
    head = f'<meta http-equiv="Content-Language" content="{lang}">' if declared == "content-language" else ""
    html = page(text, lang if declared == "html-lang" else None, "iso-8859-1", head)
    decoded, encoding = decode_html(html.encode(real), "text/html; charset=iso-8859-1")
    assert decoded == html, decoded[:200]
    assert codecs.lookup(encoding).name == codecs.lookup(real).name


@pytest.mark.parametrize(("text", "lang", "label", "real", "used"), [
    # a latin-1 label is read as windows-1252 (as browsers do), which decodes real latin-1 text the same
    (FRENCH, "fr", "iso-8859-1", "latin-1", "cp1252"),
    (GERMAN, "de", "iso-8859-1", "latin-1", "cp1252"),
    (FRENCH, None, "iso-8859-1", "latin-1", "cp1252"),
    (GERMAN, None, "iso-8859-15", "iso-8859-15", "iso8859-15"),
    (ENGLISH, "en", "windows-1252", "cp1252", "cp1252"),
    (ENGLISH, "en", "iso-8859-1", "cp1252", "cp1252"),  # curly quotes under a latin-1 label
    (RUSSIAN, "ru", "windows-1251", "cp1251", "cp1251"),
    (GREEK, "el", "utf-8", "utf-8", "utf-8"),
    (FRENCH, "fr", "utf-8", "utf-8", "utf-8"),
])
def test_a_page_whose_letters_fit_its_label_is_decoded_as_labelled(text: str, lang: str | None, label: str,
                                                                   real: str, used: str) -> None:
    html = page(text, lang, label)
    decoded, encoding = decode_html(html.encode(real), f"text/html; charset={label}")
    assert decoded == html
    assert encoding == used


@pytest.mark.parametrize(("text", "lang", "real"), [(RUSSIAN, "en", "windows-1251"), (FRENCH, "ru", "cp1252"),
                                                    (GREEK, "ru", "iso-8859-7"), (HEBREW, "el", "windows-1255")])
def test_a_wrong_lang_attribute_does_not_override_a_label_that_fits_the_letters(text: str, lang: str,
                                                                                 real: str) -> None:
    # A template's lang attribute (lang="en" on a Russian page is common) must not replace a correct decoding.
    html = page(text, lang, real)
    decoded, encoding = decode_html(html.encode(real), f"text/html; charset={real}")
    assert decoded == html and codecs.lookup(encoding).name == codecs.lookup(real).name


def test_a_template_lang_does_not_stop_the_repair_of_a_wrong_label() -> None:
    html = page(RUSSIAN, "en", "iso-8859-1")
    decoded, encoding = decode_html(html.encode("windows-1251"), "text/html; charset=iso-8859-1")
    assert decoded == html and encoding == "cp1251"


def test_latin_text_under_a_wrong_cyrillic_label_is_repaired() -> None:
    # The reverse misreading ("cafй" for "café"): Cyrillic letters inside words of ASCII letters.
    html = page(FRENCH, "fr", "windows-1251")
    decoded, _ = decode_html(html.encode("cp1252"), "text/html; charset=windows-1251")
    assert decoded == html


@pytest.mark.parametrize("size", [1, 40 * 8], ids=["short", "large"])
def test_greek_iso_8859_7_is_not_taken_for_windows_1253(size: int) -> None:
    # The two differ in a few bytes (0xB6 is "Ά" in one, "¶" in the other) and detection scores them the same.
    html = page(" ".join([GREEK] * size), "el", "iso-8859-1")
    decoded, encoding = decode_html(html.encode("iso-8859-7"), "text/html; charset=iso-8859-1")
    assert decoded == html and codecs.lookup(encoding).name == "iso8859-7"
