"""The WARC reader resynchronises: one bad record (garbage, a corrupt gzip member, a bad WARC header, a bad HTTP
head, a bad Content-Length, a cut file) costs that record only, and is counted by reason; no page is ever a
truncated body. The files are built here with warcio's WARCWriter, then damaged.

Numbering (see pipeline/warcpages.py): a response record whose WARC header is read takes a number even if it is bad
afterwards (bad HTTP head, bad length, truncated); what has no readable header (garbage, a bad header) and a record
of a corrupt gzip member take none. Numbers depend only on the file's bytes, never on the shard.
"""

from __future__ import annotations

import gzip
import io
import logging
import random
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.warcpages import MAX_RECORD_BYTES, Shard, iter_warc_pages

RECORDS = 8
BAD = 3  # the record damaged by most tests

WORDS = ("council", "budget", "river", "election", "harbour", "festival", "minister", "school", "storm", "market")


def body_of(i: int) -> bytes:
    rnd = random.Random(i)
    paragraphs = "".join(f"<p>{' '.join(rnd.choice(WORDS) for _ in range(60))}.</p>\n" for _ in range(8))
    return f"<html><head><title>Article {i}</title></head><body>\n{paragraphs}</body></html>".encode()


def url_of(i: int) -> str:
    return f"https://news{i % 5}.example.org/2022/01/06/article-{i}.html"


def record(i: int, gz: bool, status: str = "200 OK", http_headers: list[tuple[str, str]] | None = None,
           payload: bytes | None = None, rec_type: str = "response") -> bytes:
    """Record ``i`` as written by WARCWriter: one gzip member (``gz``) or the plain record."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gz)
    payload = body_of(i) if payload is None else payload
    if rec_type == "request":
        rec = writer.create_warc_record(url_of(i), "request",
                                        payload=io.BytesIO(f"GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode()))
    else:
        headers = StatusAndHeaders(status, http_headers or [("Content-Type", "text/html; charset=utf-8")],
                                   protocol="HTTP/1.1")
        rec = writer.create_warc_record(url_of(i), rec_type, payload=io.BytesIO(payload), http_headers=headers)
    writer.write_record(rec)
    return out.getvalue()


def records(gz: bool, n: int = RECORDS) -> list[bytes]:
    return [record(i, gz) for i in range(n)]


def edit(data: bytes, gz: bool, change: Callable[[bytes], bytes]) -> bytes:
    """A record's content changed (recompressed as one gzip member if ``gz``)."""
    return gzip.compress(change(gzip.decompress(data))) if gz else change(data)


def content_length(value: str) -> Callable[[bytes], bytes]:
    """Replace the WARC header's Content-Length by ``value`` (a callable of the true length, or a string)."""
    def change(content: bytes) -> bytes:
        head, sep, rest = content.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        for n, line in enumerate(lines):
            if line.startswith(b"Content-Length:"):
                true_length = int(line.split(b":")[1])
                new = value(true_length) if callable(value) else value
                lines[n] = b"Content-Length: " + str(new).encode()
        return b"\r\n".join(lines) + sep + rest
    return change


def flip_middle(member: bytes) -> bytes:
    """Corrupt the middle of a gzip member's compressed data."""
    damaged = bytearray(member)
    middle = len(damaged) // 2
    for n in range(middle, middle + 8):
        damaged[n] ^= 0xFF
    return bytes(damaged)


def read(data: bytes, owns: Callable[[str], bool] = lambda url: True,
         stream: io.RawIOBase | None = None) -> tuple[list[tuple[int, str, bytes]], Counter[str]]:
    stats: Counter[str] = Counter()
    pages = [(number, page.url, page.body)
             for number, page in iter_warc_pages(stream or io.BytesIO(data), "test", stats, owns=owns)]
    return pages, stats


def expected(numbers: dict[int, int]) -> list[tuple[int, str, bytes]]:
    """The pages of records ``numbers`` (record index -> its number), whole."""
    return [(number, url_of(i), body_of(i)) for i, number in numbers.items()]


def all_but(bad: int, shifted: bool, n: int = RECORDS) -> dict[int, int]:
    """The good records' numbers when record ``bad`` is lost: it keeps its number unless ``shifted``."""
    return {i: i - (shifted and i > bad) for i in range(n) if i != bad}


def write(tmp_path: Path, name: str, data: bytes) -> bytes:
    """Write the damaged file to tmp_path (to look at when a test fails) and give it back."""
    (tmp_path / name).write_bytes(data)
    return data


# --- a good file --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False])
def test_good_file(gz: bool) -> None:
    pages, stats = read(b"".join(records(gz)))
    assert pages == expected({i: i for i in range(RECORDS)})
    assert stats == {"warc_responses": RECORDS}


def test_other_records_take_no_number_and_pages_keep_their_http_head() -> None:
    data = b"".join(record(i, True, rec_type="request") + record(i, True) for i in range(4))
    stats: Counter[str] = Counter()
    pages = list(iter_warc_pages(io.BytesIO(data), "test", stats))
    assert [(number, page.url, page.body) for number, page in pages] == expected({i: i for i in range(4)})
    assert pages[0][1].status == 200
    assert pages[0][1].header("content-type") == "text/html; charset=utf-8"
    assert stats == {"warc_responses": 4}


def test_chunked_body_is_dechunked() -> None:
    body = body_of(0)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (body[:100], body[100:])) + b"0\r\n\r\n"
    data = record(0, True, http_headers=[("Transfer-Encoding", "chunked")], payload=chunked)
    pages, stats = read(data)
    assert pages == [(0, url_of(0), body)]


def test_whole_file_gzip_is_read() -> None:
    """One gzip member for all the records (not the norm: warcio stopped after the first record)."""
    pages, stats = read(gzip.compress(b"".join(records(False))))
    assert pages == expected({i: i for i in range(RECORDS)})
    assert stats == {"warc_responses": RECORDS}


# --- garbage --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False])
def test_garbage_between_records(tmp_path: Path, gz: bool) -> None:
    parts = records(gz)
    parts.insert(BAD + 1, b"this is not a record\r\n" * 50)
    pages, stats = read(write(tmp_path, "garbage.warc", b"".join(parts)))
    assert pages == expected({i: i for i in range(RECORDS)})
    assert stats == {"warc_responses": RECORDS, "warc_garbage": 1}


@pytest.mark.parametrize("gz", [True, False])
def test_garbage_at_the_start(gz: bool) -> None:
    pages, stats = read(b"junk before the first record\r\n" + b"".join(records(gz)))
    assert pages == expected({i: i for i in range(RECORDS)})
    assert stats == {"warc_responses": RECORDS, "warc_garbage": 1}


def test_only_garbage() -> None:
    pages, stats = read(b"no WARC here\n" * 1000)
    assert pages == []
    assert stats == {"warc_garbage": 1}


# --- gzip --------------------------------------------------------------------------------------------------

def test_corrupt_gzip_member(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    parts = records(True)
    parts[BAD] = flip_middle(parts[BAD])
    with caplog.at_level(logging.WARNING, logger="pipeline.warcpages"):
        pages, stats = read(write(tmp_path, "bad-member.warc.gz", b"".join(parts)))
    # The corrupt member's record takes no number: the records after it move up one.
    assert pages == expected(all_but(BAD, shifted=True))
    assert stats == {"warc_responses": RECORDS - 1, "warc_bad_gzip_member": 1}
    offset = sum(map(len, parts[:BAD]))
    assert f"warc_bad_gzip_member at byte {offset}" in caplog.text


def test_corrupt_gzip_members_in_a_row_and_first_and_last() -> None:
    parts = records(True)
    for bad in (0, 4, 5, RECORDS - 1):
        parts[bad] = flip_middle(parts[bad])
    pages, stats = read(b"".join(parts))
    assert pages == expected({1: 0, 2: 1, 3: 2, 6: 3})
    assert stats == {"warc_responses": 4, "warc_bad_gzip_member": 4}


def test_gzip_member_that_is_no_warc_record() -> None:
    parts = records(True)
    parts.insert(BAD + 1, gzip.compress(b"a gzip member, but not a WARC record\r\n"))
    pages, stats = read(b"".join(parts))
    assert pages == expected({i: i for i in range(RECORDS)})
    assert stats == {"warc_responses": RECORDS, "warc_bad_header": 1}


# --- a bad record --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False])
def test_malformed_http_status_line(tmp_path: Path, gz: bool) -> None:
    parts = records(gz)
    parts[BAD] = record(BAD, gz, status="OK")  # "HTTP/1.1 OK"
    assert b"HTTP/1.1 OK\r\n" in (gzip.decompress(parts[BAD]) if gz else parts[BAD])
    pages, stats = read(write(tmp_path, "bad-status.warc", b"".join(parts)))
    # A response whose WARC header was read keeps its number.
    assert pages == expected(all_but(BAD, shifted=False))
    assert stats == {"warc_responses": RECORDS, "warc_bad_http_head": 1}


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("length", [lambda n: n + 1000, lambda n: n + 1, lambda n: n + 2, lambda n: 10 ** 12,
                                    lambda n: n - 10, lambda n: n - 1, "many", "-5", ""],
                         ids=["large", "one-more", "two-more", "huge", "small", "one-less", "non-numeric", "negative",
                              "empty"])
def test_bad_content_length(tmp_path: Path, gz: bool, length: Callable[[int], int] | str) -> None:
    parts = records(gz)
    parts[BAD] = edit(parts[BAD], gz, content_length(length))
    pages, stats = read(write(tmp_path, "bad-length.warc", b"".join(parts)))
    assert pages == expected(all_but(BAD, shifted=False))
    assert stats == {"warc_responses": RECORDS, "warc_bad_length": 1}


def test_too_large_length_swallowing_records_of_a_plain_warc() -> None:
    """In a .warc a too large Content-Length runs into the next records: they are found again. (Were it too large by
    exactly whole records, its end would look right: that coincidence goes undetected.)"""
    parts = records(False)
    swallowed = sum(map(len, parts[BAD + 1:BAD + 4])) + 100
    parts[BAD] = content_length(lambda n: n + swallowed)(parts[BAD])
    pages, stats = read(b"".join(parts))
    assert pages == expected(all_but(BAD, shifted=False))
    assert stats == {"warc_responses": RECORDS, "warc_bad_length": 1}


@pytest.mark.parametrize("gz", [True, False])
def test_bad_warc_header(gz: bool) -> None:
    parts = records(gz)
    parts[BAD] = edit(parts[BAD], gz, lambda content: content.replace(b"WARC/1.1", b"WARC/one", 1)
                      .replace(b"WARC/1.0", b"WARC/one", 1))
    pages, stats = read(b"".join(parts))
    # No header was read: the record takes no number.
    assert pages == expected(all_but(BAD, shifted=True))
    assert stats == {"warc_responses": RECORDS - 1, "warc_bad_header": 1}


@pytest.mark.parametrize("gz", [True, False])
def test_warc_header_without_end(gz: bool) -> None:
    parts = records(gz)
    # The blank line after the WARC header is gone: the header runs into the HTTP head.
    parts[BAD] = edit(parts[BAD], gz, lambda content: content.replace(b"\r\n\r\nHTTP/1.1", b"\r\nHTTP/1.1", 1))
    pages, stats = read(b"".join(parts))
    assert pages == expected(all_but(BAD, shifted=False))
    assert stats == {"warc_responses": RECORDS, "warc_bad_length": 1}


# --- a cut file --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("where", [0.3, 0.6, 0.9])
def test_file_cut_inside_a_response_body(tmp_path: Path, gz: bool, where: float) -> None:
    parts = records(gz)
    last = parts[-1]
    parts[-1] = last[:int(len(last) * where)]
    content = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(parts[-1]) if gz else parts[-1]
    header_read = b"\r\n\r\nHTTP/1.1 200" in content
    assert b"<html>" in content or not header_read and gz  # cut inside the body (or the member, before it)
    pages, stats = read(write(tmp_path, "cut.warc", b"".join(parts)))
    assert pages == expected({i: i for i in range(RECORDS - 1)})  # no page is a truncated body
    # The cut record takes its number (and is counted by its URL's owner) if its WARC header could be read.
    assert stats == {"warc_responses": RECORDS - (not header_read), "warc_truncated": 1}
    assert header_read == (where > 0.3 or not gz)


def test_file_cut_inside_the_body_of_a_plain_warc_is_counted_by_the_record() -> None:
    parts = records(False)
    parts[-1] = parts[-1][:-500]
    pages, stats = read(b"".join(parts))
    assert pages == expected({i: i for i in range(RECORDS - 1)})
    assert stats == {"warc_responses": RECORDS, "warc_truncated": 1}


@pytest.mark.parametrize("gz", [True, False])
def test_file_cut_between_records(gz: bool) -> None:
    """Exactly between two records nothing tells the file was cut: a WARC has no end marker."""
    pages, stats = read(b"".join(records(gz)[:-1]))
    assert pages == expected({i: i for i in range(RECORDS - 1)})
    assert stats == {"warc_responses": RECORDS - 1}


@pytest.mark.parametrize("gz", [True, False])
@pytest.mark.parametrize("keep", [1, 2, 5, 12, 40])
def test_file_cut_at_the_start_of_the_next_record(gz: bool, keep: int) -> None:
    parts = records(gz)
    parts[-1] = parts[-1][:keep]  # a few bytes of the next record's gzip header or WARC header
    pages, stats = read(b"".join(parts))
    assert pages == expected({i: i for i in range(RECORDS - 1)})
    assert stats == {"warc_responses": RECORDS - 1, "warc_truncated": 1}


@pytest.mark.parametrize("cut", [1, 4, 8])
def test_gzip_file_cut_in_the_last_member_trailer(cut: int) -> None:
    """The last record is whole (its block and end), only its member's CRC or length is cut: kept, counted."""
    data = b"".join(records(True))[:-cut]
    pages, stats = read(data)
    assert pages == expected({i: i for i in range(RECORDS)})
    assert stats == {"warc_responses": RECORDS, "warc_truncated_tail": 1}


@pytest.mark.parametrize("cut", [1, 2, 4])
def test_plain_file_cut_in_the_last_record_end(cut: int) -> None:
    data = b"".join(records(False))
    assert data.endswith(b"</html>\r\n\r\n")
    pages, stats = read(data[:-cut])
    assert pages == expected({i: i for i in range(RECORDS)})
    assert stats == {"warc_responses": RECORDS, "warc_truncated_tail": 1}


# --- many faults, sharding, the stream's read sizes -------------------------------------------------------------

def damaged_file(n: int = 40) -> tuple[bytes, dict[int, int]]:
    """A .warc.gz of ``n`` responses (and their requests) with one of each fault; the good records' numbers."""
    parts = []
    for i in range(n):
        parts.append(record(i, True, rec_type="request"))
        parts.append(record(i, True))
    response = 2 * 5 + 1
    parts.insert(response, b"garbage" * 100)  # before response 5
    parts[2 * 10 + 2] = flip_middle(parts[2 * 10 + 2])  # response 10 (after the garbage)
    parts[2 * 15 + 2] = edit(parts[2 * 15 + 2], True, content_length(lambda length: length + 77))  # response 15
    parts[2 * 20 + 2] = record(20, True, status="OK")  # response 20
    parts[2 * 25 + 1] = flip_middle(parts[2 * 25 + 1])  # request 25
    parts[-1] = parts[-1][: len(parts[-1]) // 2]  # response n-1, cut
    numbers = {i: i - (i > 10) for i in range(n) if i not in (10, 15, 20, n - 1)}
    return b"".join(parts), numbers


def test_many_faults_in_one_file() -> None:
    data, numbers = damaged_file()
    pages, stats = read(data)
    assert pages == expected(numbers)
    # Responses 15 and 20 (bad length, bad HTTP head) and the cut one keep their numbers; 10 (corrupt member) not.
    assert stats == {"warc_responses": 39, "warc_garbage": 1, "warc_bad_gzip_member": 2, "warc_bad_length": 1,
                     "warc_bad_http_head": 1, "warc_truncated": 1}


def test_shards_partition_the_records_of_a_damaged_file() -> None:
    data, _ = damaged_file()
    whole_pages, whole_stats = read(data)
    shard_pages, shard_stats = [], Counter()
    for index in range(2):
        shard = Shard(index, 2)
        pages, stats = read(data, owns=lambda url: shard.owns_url(url, 1))
        assert pages  # each shard has its part
        shard_pages += pages
        shard_stats += stats
    assert sorted(shard_pages) == whole_pages
    assert shard_stats == whole_stats


class Trickle(io.RawIOBase):
    """A stream that returns few bytes per read, as a network stream may."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)
        self.random = random.Random(7)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self.data.read(min(size, self.random.randint(1, 3000)) if size >= 0 else -1)


def test_results_do_not_depend_on_how_the_stream_returns_its_bytes() -> None:
    data, _ = damaged_file()
    assert read(data, stream=Trickle(data)) == read(data)


def test_one_bad_record_near_the_start_of_a_long_file() -> None:
    """The issue: one bad record no longer loses the rest of the file."""
    parts = records(True, 300)
    parts[1] = record(1, True, status="OK")
    pages, stats = read(b"".join(parts))
    assert len(pages) == 299
    assert stats == {"warc_responses": 300, "warc_bad_http_head": 1}


def test_random_damage_to_a_gzip_warc() -> None:
    """Flips, insertions (random bytes, gzip magics, WARC lines), deletions and cuts anywhere in a .warc.gz: the
    reader never fails, and every page is a whole original record (the gzip CRC guards the content), in order."""
    originals = {(url_of(i), body_of(i)) for i in range(12)}
    data = b"".join(records(True, 12))
    for seed in range(200):
        rnd = random.Random(seed)
        damaged = bytearray(data)
        for _ in range(rnd.randint(1, 4)):
            at = rnd.randrange(len(damaged) or 1)
            kind = rnd.choice(["flip", "insert", "delete", "cut"])
            if kind == "flip":
                for n in range(at, min(at + rnd.randint(1, 6), len(damaged))):
                    damaged[n] ^= rnd.randint(1, 255)
            elif kind == "insert":
                damaged[at:at] = rnd.choice([rnd.randbytes(rnd.randint(1, 300)), b"\x1f\x8b\x08" * 3,
                                             b"\nWARC/1.0\r\n", b"\r\n\r\n"])
            elif kind == "delete":
                del damaged[at:at + rnd.randint(1, 500)]
            else:
                del damaged[at:]
        pages, stats = read(bytes(damaged))
        numbers = [number for number, _, _ in pages]
        assert numbers == sorted(set(numbers)), seed
        assert all((url, body) in originals for _, url, body in pages), seed
        assert all(key.startswith("warc_") for key in stats), seed


@pytest.mark.parametrize("gz", [True, False])
def test_record_too_large_is_skipped_and_counted(gz: bool) -> None:
    parts = records(gz)
    parts[BAD] = record(BAD, gz, payload=b"<html>" + b"x" * (MAX_RECORD_BYTES + 10) + b"</html>")
    pages, stats = read(b"".join(parts))
    assert pages == expected(all_but(BAD, shifted=False))
    assert stats == {"warc_responses": RECORDS, "skipped_too_large": 1}


class Failing(io.RawIOBase):
    """A stream whose reads fail after ``good`` bytes (a broken connection)."""

    def __init__(self, data: bytes, good: int) -> None:
        self.data = io.BytesIO(data[:good])

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.data.read(min(size, 1000))
        if not chunk:
            raise OSError("connection reset")
        return chunk


def test_stream_error_stops_the_stream_and_is_counted() -> None:
    parts = records(True)
    data = b"".join(parts)
    pages, stats = read(data, stream=Failing(data, sum(map(len, parts[:5])) + 10))
    # What the stream gave before failing is read (the record it failed in is cut), the rest is lost.
    assert pages == expected({i: i for i in range(5)})
    assert stats == {"warc_responses": 5, "warc_truncated": 1, "warc_read_errors": 1}
