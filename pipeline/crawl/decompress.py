"""gzip/deflate decompression with a bound on the expanded size (a 10 kB gzip bomb can expand to gigabytes)."""

from __future__ import annotations

import zlib

_GZIP_OR_ZLIB = 47  # zlib auto-detects a gzip or zlib header with wbits = 32 + 15
_RAW_DEFLATE = -15


class DecompressionBomb(ValueError):
    """The expanded body would be larger than allowed."""


class BadEncoding(ValueError):
    """The body is not valid in its declared compression."""


def _inflate(data: bytes, limit: int, wbits: int) -> bytes:
    out = bytearray()
    pending = data
    while pending:
        inflater = zlib.decompressobj(wbits)
        while pending and not inflater.eof:
            out += inflater.decompress(pending, limit + 1 - len(out))
            if len(out) > limit:
                raise DecompressionBomb(f"expands to more than {limit} bytes")
            pending = inflater.unconsumed_tail
        if not inflater.eof:
            raise BadEncoding("compressed stream is truncated")
        # Several gzip members may follow each other (RFC 1952); padding after the last one is ignored.
        pending = inflater.unused_data if wbits == _GZIP_OR_ZLIB and inflater.unused_data.strip(b"\0") else b""
    return bytes(out)


def decompress_bounded(data: bytes, encoding: str, limit: int) -> bytes:
    """Undo one Content-Encoding (gzip, x-gzip, deflate, identity) without ever holding more than ``limit`` bytes."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise BadEncoding(f"unsupported content encoding {encoding!r}")
    try:
        return _inflate(data, limit, _GZIP_OR_ZLIB)
    except zlib.error as exc:
        if encoding != "deflate":
            raise BadEncoding(f"invalid {encoding} data: {exc}") from None
    try:  # "deflate" is often sent as a raw deflate stream without the zlib header
        return _inflate(data, limit, _RAW_DEFLATE)
    except zlib.error as exc:
        raise BadEncoding(f"invalid deflate data: {exc}") from None


def gunzip_if_gzipped(data: bytes, limit: int) -> bytes:
    """A body that is a gzip file (a ``.xml.gz`` sitemap) decompressed; anything else as it is."""
    return decompress_bounded(data, "gzip", limit) if data[:2] == b"\x1f\x8b" else data
