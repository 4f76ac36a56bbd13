"""HTTP response records of a WARC stream as pages, numbered, and the shards that split a source-day's pages.

Below both the raw zone (which reads back its crawls) and the ``warc`` source kind (which reads archives): neither
imports the other for it.

The reader resynchronises: one bad record costs that record, never the rest of the file. It streams (a ~1 GiB
CC-NEWS file is never held in memory: at most one buffered chunk plus the record being read, or ``_RETAIN_BYTES``
kept to go back to a bad record's start) and parses each record itself with warcio's header classes:

* ``.warc.gz`` (one gzip member per record, the norm): each member is decoded on its own. A member that does not
  decode (corrupt data, bad CRC) is given up and the next gzip member header (``\x1f\x8b\x08`` whose content begins
  with ``WARC/``) after that member's start is searched for; any other fault inside a member only skips to the
  member's end, which the gzip framing gives. A member holding several records (a whole-file gzip) is read too.
* ``.warc``: after a record whose extent is in doubt, the next ``WARC/1.`` line at a line start after the record's
  start is searched for (so the records a too large Content-Length swallowed are found again).

What could not be read is counted in ``stats`` (and logged with its byte offset, by the shard that counts it):

* ``warc_garbage``: bytes between records that are no record (a run of them counts once);
* ``warc_bad_gzip_member``: a gzip member that does not decode; the record in it is lost;
* ``warc_bad_header``: a record whose WARC header cannot be read (bad version line, no end, over 1 MiB; a gzip
  member whose content is not a WARC record);
* ``warc_bad_length``: a record whose Content-Length is missing, not a number, or wrong (its block is not followed
  by the record's end ``\r\n\r\n``, or runs past the end of its gzip member);
* ``warc_bad_http_head``: a response whose block does not begin with an HTTP status line (``HTTP/1.1 200 ...``) and
  header;
* ``warc_truncated``: the stream ends inside a record (its body is shorter than its Content-Length, or its header
  or gzip member is cut): it never becomes a page;
* ``warc_truncated_tail``: the stream ends inside the end of a record read whole (its closing blank lines or the
  trailer of its gzip member): the record is kept, the cut file is counted. A file cut exactly between two gzip
  members (or two records) cannot be told from a whole one: a WARC has no end marker;
* ``warc_read_errors``: the stream itself failed (I/O error): what it gave is read (the record it failed in is
  counted as cut, too), the rest of it is lost.

A ``.warc`` has no checksum: damage inside a WARC header that leaves it readable (a garbled URL), or a wrong
Content-Length whose block happens to end on another ``\r\n\r\n``, cannot be seen there; in a ``.warc.gz`` the gzip
CRC catches any change to a record.

Numbering: a record takes a number when its WARC header was read, it is a ``response`` and ``accept`` (which sees
the WARC header; ``http_headers`` is not parsed yet) lets it through, whatever is found wrong with it afterwards
(bad length, bad HTTP head, truncated: such a record is counted by the owner of its URL), except when its gzip
member turns out corrupt: then it takes no number. What has no readable header (garbage, a bad header, a corrupt
gzip member) never takes a number and is counted by the owner of ``''``, as are faults of records that take no
number. So the numbers are a function of the file's bytes alone (the stream is read in fixed-size pieces however
the underlying stream returns its data), the same in every shard, and the records after a fault keep the numbers
they have in an undamaged file unless the fault made a response record unreadable.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Union

from warcio.limitreader import LimitReader
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from pipeline.compact import hash64
from pipeline.document import Page

log = logging.getLogger(__name__)

# Pages larger than this are not articles (or are hostile); they are skipped and counted.
MAX_RECORD_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` of a source-day. Every page belongs to exactly one shard: by input file when
    there are at least as many files as shards (a shard reads only its files), else by a stable hash of the URL.
    Each shard counts only what it owns, so the counts of all shards add up to those of one unsharded run."""

    index: int = 0
    count: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.index < self.count:
            raise ValueError(f"shard {self.index} of {self.count} does not exist")

    def by_file(self, files: int) -> bool:
        return files >= self.count

    def owns_file(self, number: int, files: int) -> bool:
        return not self.by_file(files) or number % self.count == self.index

    def owns_url(self, url: str, files: int) -> bool:
        """Whether this shard owns a record of ``url`` in a file it reads ('' for what no URL names: shard 0)."""
        if self.by_file(files):
            return True
        return (hash64(url) % self.count if url else 0) == self.index

    @property
    def owns_whole_source_counts(self) -> bool:
        """Counts about the source-day as a whole (crawl outcomes, no input at all) are counted by shard 0 only."""
        return self.index == 0

    def __str__(self) -> str:
        return f"{self.index + 1:05d}-of-{self.count:05d}"


def parse_warc_date(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def iter_warc_pages(stream: BinaryIO, source_name: str, stats: Counter[str],
                    accept: Callable[[ArcWarcRecord], bool] = lambda record: True,
                    owns: Callable[[str], bool] = lambda url: True) -> Iterator[tuple[int, Page]]:
    """HTTP response records of one WARC(.gz) stream (that ``accept`` lets through) as (record number, page).

    The record number counts every response record of the stream that ``accept`` lets through (see the module
    docstring for records found bad), so it is the same whichever shard reads it. Only records whose URL ``owns``
    accepts are yielded or counted; what concerns the stream rather than a record is counted by the owner of ''.
    Bad records are skipped and counted by reason (module docstring); reading goes on at the next record.
    """
    yield from _WarcReader(stream, source_name, stats, accept, owns).pages()


# --- reading ---------------------------------------------------------------------------------------------------

_CHUNK = 1 << 20  # bytes read from the stream at a time
_PIECE = 1 << 15  # compressed bytes given to zlib at a time (its left-over is copied at each member's end)
_PROBE_PIECE = 64  # the same for a member found by searching, until it gives output (see _Member)
_OUT_LIMIT = 1 << 20  # most decompressed bytes held at a time
_RETAIN_BYTES = 16 << 20  # most bytes kept to go back to the start of a bad record (beyond: search on from the fault)
_MAX_HEADER_BYTES = 1 << 20  # a longer WARC header or HTTP head is bad
_GZIP_MAGIC = b"\x1f\x8b\x08"  # a gzip member header (deflate)
_WARC_LINE = b"\nWARC/1."  # a WARC/1.x version line at a line start
_NEWLINES = re.compile(rb"[\r\n]*")
_RECORD_END = b"\r\n\r\n"  # after a record's block
_HEAD_END = re.compile(rb"\n\r?\n")  # the end of a header's last line and the blank line after it
_DIGITS = re.compile(r"[0-9]{1,18}")
_WARC_VERSION = re.compile(r"WARC/[0-9]+\.[0-9]+")
_HTTP_VERSION = re.compile(r"HTTP/[0-9](?:\.[0-9])?")
_HTTP_STATUS = re.compile(r"[0-9]{3}(?:\s|$)")


class _Buffer:
    """Bytes read by line or by length from an underlying source (``_next``), with a small window of read-ahead.
    ``end`` tells why there is nothing more (the sources below set it)."""

    end: str | None = None

    def __init__(self) -> None:
        self.buf = b""
        self.pos = 0  # what is read: buf[:pos]
        self.base = 0  # the offset of buf[0] in the source

    def _next(self) -> bytes:
        """The source's next bytes; b'' at its end."""
        raise NotImplementedError

    def _cut(self) -> int:
        """How much of ``buf`` may be dropped."""
        return self.pos

    def _extend(self) -> bool:
        data = self._next()
        if not data:
            return False
        cut = self._cut()
        self.buf = self.buf[cut:] + data if cut < len(self.buf) else data
        self.base += cut
        self.pos -= cut
        return True

    def tell(self) -> int:
        return self.base + self.pos

    def peek(self, n: int) -> bytes:
        while len(self.buf) - self.pos < n and self._extend():
            pass
        return self.buf[self.pos:self.pos + n]

    def read(self, n: int | None = None) -> bytes:
        data = self.peek(_OUT_LIMIT if n is None else n)
        self.pos += len(data)
        return data

    def read_head(self, limit: int) -> tuple[bytes, bool]:
        """A header: the bytes up to its blank line (read, not returned) and True; or, if there is no blank line in
        the next ``limit`` bytes, those bytes (fewer if the source ends first) and False."""
        searched = 0
        while True:
            found = _HEAD_END.search(self.buf, self.pos + searched, self.pos + limit)
            if found:
                head = self.buf[self.pos:found.start() + 1]
                self.pos = found.end()
                return head, True
            available = len(self.buf) - self.pos
            if available >= limit or not self._extend():
                return self.read(min(available, limit)), False
            searched = max(0, available - 2)

    def readline(self, limit: int | None = None) -> bytes:
        """A line (up to and with b'\\n'), or at most ``limit`` bytes of it, or what is left at the end."""
        limit = _MAX_HEADER_BYTES if limit is None else limit
        searched = 0
        while True:
            found = self.buf.find(b"\n", self.pos + searched, self.pos + limit)
            if found >= 0:
                line = self.buf[self.pos:found + 1]
                self.pos = found + 1
                return line
            searched = len(self.buf) - self.pos
            if searched >= limit or not self._extend():
                return self.read(min(searched, limit))

    def skip(self, n: int) -> int:
        """Skip ``n`` bytes (without keeping them); how many there were."""
        done = 0
        while True:
            step = min(n - done, len(self.buf) - self.pos)
            self.pos += step
            done += step
            if done == n or not self._extend():
                return done

    def skip_newlines(self) -> None:
        while True:
            self.pos = _NEWLINES.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or not self._extend():
                return

    def drain(self) -> None:
        """Skip to the end."""
        self.pos = len(self.buf)
        while self._extend():
            self.pos = len(self.buf)


class _Stream(_Buffer):
    """The raw stream, read in fixed-size chunks (however many calls the stream needs: the pieces and so the
    results are the same whatever a network stream returns), with its offset. Bytes from ``keep`` on are kept
    (up to ``_RETAIN_BYTES``) so that reading can go back there."""

    end = "eof"  # the raw stream only ends at its end

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__()
        self.stream = stream
        self.keep: int | None = None
        self.at_eof = False
        self.error: OSError | None = None  # the stream failed: it ends where it failed

    def _next(self) -> bytes:
        if self.at_eof:
            return b""
        parts, size = [], 0
        while size < _CHUNK:
            try:
                data = self.stream.read(_CHUNK - size)
            except OSError as exc:
                data, self.error = b"", exc
            if not data:
                self.at_eof = True
                break
            parts.append(data)
            size += len(data)
        return b"".join(parts)

    def _cut(self) -> int:
        if self.keep is not None:
            kept = self.keep - self.base
            if kept < self.pos:
                if len(self.buf) - kept <= _RETAIN_BYTES:
                    return max(kept, 0)
                self.keep = None  # too far back: give up going back there
        return self.pos

    def take(self, n: int) -> memoryview:
        """The next ``n`` bytes (fewer only at the end), without copying them."""
        self.peek(n)
        piece = memoryview(self.buf)[self.pos:self.pos + n]
        self.pos += len(piece)
        return piece

    def unread(self, n: int) -> None:
        """Give back the last ``n`` bytes of the last :meth:`take`."""
        self.pos -= n

    def rewind(self, offset: int) -> bool:
        """Go back (or on) to ``offset`` if it is still in the buffer."""
        index = offset - self.base
        if not 0 <= index <= len(self.buf):
            return False
        self.pos = index
        return True

    def scan(self, *patterns: bytes) -> int | None:
        """Move to the first of ``patterns`` found from here; its offset, or None (at the end) if none is."""
        self.keep = None
        overlap = max(map(len, patterns)) - 1
        while True:
            found = [index for index in (self.buf.find(pattern, self.pos) for pattern in patterns) if index >= 0]
            if found:
                self.pos = min(found)
                return self.tell()
            self.pos = max(self.pos, len(self.buf) - overlap)
            if not self._extend():
                self.pos = len(self.buf)
                return None


class _Member(_Buffer):
    """The decompressed content of the gzip member that starts at offset ``start`` of the raw stream. ``end``:
    'end' (it ended and its CRC was right: the stream is now just after it), 'eof' (the stream ended inside it)
    or 'bad_gzip' (it does not decode: ``error`` says why)."""

    def __init__(self, raw: _Stream, start: int, probe: bool = False) -> None:
        super().__init__()
        self.raw = raw
        self.start = start
        self.error = ""
        self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._tail = b""  # input zlib has not used yet (when its output was limited)
        # zlib gives no output for a piece in which it fails: a member found by searching is given small pieces
        # until it gives some, so that its start (WARC/) is seen even if it is corrupt further on.
        self._piece = _PROBE_PIECE if probe else _PIECE

    def _next(self) -> bytes:
        while self.end is None:
            data = self._tail or self.raw.take(self._piece)
            if not data:
                self.end = "eof"
                break
            try:
                out = self._zlib.decompress(data, _OUT_LIMIT)
            except zlib.error as exc:
                self.end, self.error = "bad_gzip", str(exc)
                break
            self._tail = self._zlib.unconsumed_tail
            if self._zlib.eof:
                self.raw.unread(len(self._zlib.unused_data))
                self.end = "end"
            if out:
                self._piece = _PIECE
                return out
        return b""


@dataclass
class _Record:
    """What a record's WARC header says about who counts it."""

    numbered: bool  # a response record that ``accept`` lets through: it takes a number
    url: str
    owned: bool  # counted (and, if numbered, yielded) by this reader: owns(url) if numbered, else owns('')


# A record's outcome: its page, a count of why it is no page (a fault is 'warc_...'), or None (nothing to count).
_Outcome = Union[Page, str, None]
# What the reader ran out of data with means, by ``end``: (inside a WARC header, inside a record's block).
_END_FAULTS = {"end": ("warc_bad_header", "warc_bad_length"), "eof": ("warc_truncated", "warc_truncated"),
               "bad_gzip": ("warc_bad_gzip_member", "warc_bad_gzip_member")}


def _is_fault(outcome: _Outcome) -> bool:
    return isinstance(outcome, str) and outcome.startswith("warc_")


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("iso-8859-1")


def _parse_head(head: bytes) -> tuple[str, list[tuple[str, str]]]:
    """A header's first line, and its ``Name: value`` lines (continuation lines appended to the field before them,
    lines without a colon left out), as warcio parses them."""
    first, _, rest = _text(head).partition("\n")
    fields: list[tuple[str, str]] = []
    for line in rest.split("\n"):
        line = line.rstrip()
        if line[:1] in (" ", "\t"):
            if fields:
                fields[-1] = (fields[-1][0], fields[-1][1] + line)
            continue
        name, colon, value = line.partition(":")
        if colon:
            fields.append((name.rstrip(" \t"), value.lstrip()))
    return first.rstrip(), fields


def _headers(first: str, fields: list[tuple[str, str]], protocol: str) -> StatusAndHeaders:
    headers = StatusAndHeaders(first, [], protocol=protocol)
    headers.headers = fields  # already str pairs: no conversion
    return headers


def _http_head(reader: _Buffer, length: int) -> tuple[StatusAndHeaders | None, int]:
    """The HTTP status line and header at the start of a response record's block of ``length`` bytes (None if there
    is none), and how many bytes of the block they took. A block that ends without the head's blank line is all
    head (as warcio reads it)."""
    start = reader.tell()
    head, complete = reader.read_head(min(length, _MAX_HEADER_BYTES))
    used = reader.tell() - start
    if not complete and used == _MAX_HEADER_BYTES < length:  # too long
        return None, used
    first, fields = _parse_head(head)
    protocol, _, status = first.partition(" ")
    status = status.strip()
    if not _HTTP_VERSION.fullmatch(protocol) or not _HTTP_STATUS.match(status):
        return None, used
    return _headers(status, fields, protocol), used


def _target_uri(uri: str) -> str:
    """WARC-Target-URI, fixed as warcio fixes it (``<...>`` of Wget 1.19; spaces percent-encoded)."""
    if uri.startswith("<") and uri.endswith(">"):
        uri = uri[1:-1]
    return uri.replace(" ", "%20")


class _WarcReader:
    """Reads one WARC(.gz) stream record by record, resynchronising after bad ones (module docstring)."""

    def __init__(self, stream: BinaryIO, source_name: str, stats: Counter[str],
                 accept: Callable[[ArcWarcRecord], bool], owns: Callable[[str], bool]) -> None:
        self.raw = _Stream(stream)
        self.source_name = source_name
        self.where = str(getattr(stream, "name", "") or f"a WARC stream of {source_name}")  # for log messages
        self.stats = stats
        self.accept = accept
        self.owns = owns
        self.owns_stream = owns("")
        self.number = -1

    # --- counting -------------------------------------------------------------------------------------------

    def _count(self, reason: str, offset: int, detail: str = "", owned: bool | None = None) -> None:
        """Count (and log) a fault, by default one of the stream's (counted by the owner of '')."""
        if self.owns_stream if owned is None else owned:
            self.stats[reason] += 1
            log.warning("%s: %s at byte %d%s", self.where, reason, offset, f" ({detail})" if detail else "")

    def _skipped(self, start: int, resumed: int | None) -> None:
        if self.owns_stream and (resumed is None or resumed > start):
            log.warning("%s: skipped bytes %d to %s looking for the next record", self.where, start,
                        "the end" if resumed is None else resumed)

    def _settle(self, record: _Record | None, outcome: _Outcome, offset: int) -> Iterator[tuple[int, Page]]:
        """Number, count and yield a record once its outcome is certain."""
        if record is None or outcome == "warc_bad_gzip_member":
            if outcome:
                self._count(str(outcome), offset)
            return
        if record.numbered:
            self.number += 1
            if record.owned:
                self.stats["warc_responses"] += 1
        if isinstance(outcome, Page):
            yield self.number, outcome
        elif outcome is not None and record.owned:
            if _is_fault(outcome):
                self._count(outcome, offset, f"record {record.url or '?'}", owned=True)
            else:
                self.stats[outcome] += 1

    # --- the stream -----------------------------------------------------------------------------------------

    def pages(self) -> Iterator[tuple[int, Page]]:
        head = self.raw.peek(5)
        if head.startswith(_GZIP_MAGIC):
            yield from self._gzip(self._member_here())
        elif b"WARC/".startswith(head.lstrip(b"\r\n")):  # (or empty, or cut in its first line)
            yield from self._plain()
        else:
            yield from self._find_start()
        if self.raw.error is not None:  # the stream itself failed: what it gave was read, the rest is lost
            self._count("warc_read_errors", self.raw.base + len(self.raw.buf), str(self.raw.error))

    def _find_start(self) -> Iterator[tuple[int, Page]]:
        """Garbage at the start: go on at the first gzip member or WARC/1. line, whichever comes first."""
        raw = self.raw
        self._count("warc_garbage", 0)
        while True:
            found = raw.scan(_GZIP_MAGIC, _WARC_LINE)
            if found is None:
                self._skipped(0, None)
                return
            if raw.peek(3) != _GZIP_MAGIC:
                raw.skip(1)
                self._skipped(0, found + 1)
                yield from self._plain()
                return
            member = self._member_at(found)
            if member is not None:
                self._skipped(0, found)
                yield from self._gzip(member)
                return

    # --- .warc.gz -------------------------------------------------------------------------------------------

    def _gzip(self, member: _Member | None) -> Iterator[tuple[int, Page]]:
        while member is not None:
            yield from self._member(member)
            if member.end == "eof":
                return
            member = self._find_member(member.start + 1) if member.end == "bad_gzip" else self._member_here()

    def _member_here(self) -> _Member | None:
        """The gzip member that starts where the stream is (after another one, or at its start)."""
        raw = self.raw
        start = raw.tell()
        head = raw.peek(3)
        if not head:
            return None
        if head == _GZIP_MAGIC:
            raw.keep = start
            return _Member(raw, start)
        if len(head) < 3 and _GZIP_MAGIC.startswith(head):
            self._count("warc_truncated", start, "cut in a gzip member header")
            return None
        self._count("warc_garbage", start, "no gzip member header")
        return self._find_member(start)

    def _member_at(self, offset: int) -> _Member | None:
        """The member at ``offset`` if its content begins with ``WARC/`` (else the stream is left after it)."""
        raw = self.raw
        raw.rewind(offset)
        raw.keep = offset
        member = _Member(raw, offset, probe=True)
        if member.peek(5) == b"WARC/":
            return member
        raw.rewind(offset + 1)
        return None

    def _find_member(self, start: int) -> _Member | None:
        """The first gzip member from offset ``start`` on (or from where the stream is if it cannot go back
        there) whose content begins with ``WARC/``."""
        raw = self.raw
        if not raw.rewind(start):
            start = raw.tell()
        while True:
            found = raw.scan(_GZIP_MAGIC)
            if found is None:
                self._skipped(start, None)
                return None
            member = self._member_at(found)
            if member is not None:
                self._skipped(start, found)
                return member

    def _member(self, member: _Member) -> Iterator[tuple[int, Page]]:
        """The records of one gzip member (one, normally). A record is settled once the bytes after it are decoded
        (the next record's start, or the end of its member and so its CRC): a corrupt member loses its record."""
        pending: tuple[_Record | None, _Outcome] | None = None
        while True:
            member.skip_newlines()
            head = member.peek(5)
            if not head:
                break
            if head != b"WARC/":
                member.drain()
                if member.end == "bad_gzip":
                    break
                if pending is not None:
                    yield from self._settle(*pending, member.start)
                if member.end == "eof" and b"WARC/".startswith(head):
                    pending = (None, "warc_truncated")
                else:
                    pending = (None, "warc_garbage" if pending is not None else "warc_bad_header")
                break
            if pending is not None:
                yield from self._settle(*pending, member.start)
            record, outcome, resync, _ = self._record(member)
            pending = (record, outcome)
            if resync:
                member.drain()
                break
        if member.end == "bad_gzip":  # the record being read is lost, and takes no number
            self._count("warc_bad_gzip_member", member.start, member.error)
        elif member.end == "eof" and pending is None:
            self._count("warc_truncated", member.start, "cut in a gzip member")
        elif pending is not None:
            yield from self._settle(*pending, member.start)
            if member.end == "eof" and not _is_fault(pending[1]):  # the record was whole: its member's end is cut
                self._count("warc_truncated_tail", member.start, "cut in the end of the last record")

    # --- .warc ----------------------------------------------------------------------------------------------

    def _plain(self) -> Iterator[tuple[int, Page]]:
        raw = self.raw
        while True:
            raw.skip_newlines()
            start = raw.tell()
            head = raw.peek(5)
            if not head:
                return
            if head != b"WARC/":
                if len(head) < 5 and b"WARC/".startswith(head):
                    self._count("warc_truncated", start, "cut in a WARC header")
                    return
                self._count("warc_garbage", start, "no WARC/ line")
                if not self._find_line(start):
                    return
                continue
            raw.keep = start
            record, outcome, resync, cut = self._record(raw)
            if resync:  # the record's extent is in doubt: look for the next record from just after its start
                found = self._find_line(start + 1, log=False)
                if found and outcome == "warc_truncated":  # not cut after all: its length or header was wrong
                    outcome = "warc_bad_header" if record is None else "warc_bad_length"
                yield from self._settle(record, outcome, start)
                self._skipped(start + 1, raw.tell() if found else None)
                if not found:
                    return
                continue
            yield from self._settle(record, outcome, start)
            if cut:
                self._count("warc_truncated_tail", start, "cut in the end of the last record")

    def _find_line(self, start: int, log: bool = True) -> bool:
        """Move to the first ``WARC/1.`` line at a line start from offset ``start`` on (or from where the stream
        is if it cannot go back there); whether there is one."""
        raw = self.raw
        if not raw.rewind(start):
            start = raw.tell()
        found = raw.scan(_WARC_LINE)
        if found is not None:
            raw.skip(1)
        if log:
            self._skipped(start, None if found is None else found + 1)
        return found is not None

    # --- a record -------------------------------------------------------------------------------------------

    def _record(self, reader: _Buffer) -> tuple[_Record | None, _Outcome, bool, bool]:
        """Read the record that starts here (at a ``WARC/`` line): (what it is, its outcome, whether its extent is
        in doubt (the next record must be searched for), whether the stream ended inside its closing blank lines).
        The reader is left after the record (and its closing blank lines) unless its extent is in doubt."""
        head, complete = reader.read_head(_MAX_HEADER_BYTES)
        if not complete:  # too long, or the reader ran out inside the header
            if len(head) == _MAX_HEADER_BYTES:
                return None, "warc_bad_header", True, False
            return None, _END_FAULTS[reader.end or "eof"][0], True, False
        version, fields = _parse_head(head)
        if not _WARC_VERSION.fullmatch(version):
            return None, "warc_bad_header", True, False
        named: dict[str, str] = {}
        for name, value in fields:
            named.setdefault(name.lower(), value)  # the first of a name, as get_header finds it
        url = _target_uri(named.get("warc-target-uri", ""))
        numbered = warc_record = None
        if named.get("warc-type") == "response":
            headers = _headers("", fields, version)
            if url != named.get("warc-target-uri", ""):
                headers.replace_header("WARC-Target-URI", url)
            warc_record = ArcWarcRecord("warc", "response", headers, None, None, named.get("content-type"), None)
            numbered = self.accept(warc_record)
        record = _Record(bool(numbered), url, self.owns(url) if numbered else self.owns_stream)

        declared = named.get("content-length", "").strip()
        if not _DIGITS.fullmatch(declared):
            return record, "warc_bad_length", True, False
        length = int(declared)

        # The block: an owned response's HTTP head and body are read, anything else skipped.
        wanted = record.numbered and record.owned
        http_headers, body, bad_head = None, b"", False
        rest = length
        if wanted and length and url.startswith(("http:", "https:")):
            http_headers, used = _http_head(reader, length)
            rest -= used
            if http_headers is None:
                bad_head = True
            elif rest:
                block = LimitReader(reader, rest)
                warc_record.raw_stream, warc_record.http_headers, warc_record.length = block, http_headers, length
                body = warc_record.content_stream().read(MAX_RECORD_BYTES + 1)
                rest = block.limit
        if reader.skip(rest) < rest:
            return record, _END_FAULTS[reader.end or "eof"][1], True, False

        # The record's end: exactly \r\n\r\n after the block (a wrong Content-Length shows here), or the start of
        # it where the stream was cut (the block is whole: the record is kept, the cut counted).
        cut = False
        end = reader.peek(4)
        if end == _RECORD_END:
            reader.skip(4)
        elif len(end) < 4 and reader.end == "bad_gzip":
            return record, "warc_bad_gzip_member", True, False
        elif len(end) < 4 and reader.end == "eof" and _RECORD_END.startswith(end):
            reader.skip(len(end))
            cut = True
        else:
            return record, "warc_bad_length", True, False
        if bad_head:
            return record, "warc_bad_http_head", False, cut
        if not wanted:
            return record, None, False, cut
        return record, self._page(url, named.get("warc-date"), http_headers, body), False, cut

    def _page(self, url: str, date: str | None, http_headers: StatusAndHeaders | None, body: bytes) -> _Outcome:
        if not url or not date or http_headers is None:
            return "skipped_malformed_record"
        if len(body) > MAX_RECORD_BYTES:
            return "skipped_too_large"
        try:
            fetched_at = parse_warc_date(date)
        except ValueError:
            return "skipped_malformed_record"
        return Page(
            url=url,
            body=body,
            fetched_at=fetched_at,
            source_name=self.source_name,
            status=int(http_headers.get_statuscode()),
            headers=tuple(http_headers.headers),
        )
