#!/usr/bin/env python3
"""Build the WARC files of the embedded sample corpus from data/sample/manifest.json.

Usage:
    python scripts/build_sample_warc.py           # (re)write data/sample/warc/<day>/sample-<day>.warc.gz
    python scripts/build_sample_warc.py --check   # rebuild in a temp dir, exit 1 if the committed files differ

One WARC per fetch day (the date part of each page's ``warc_date``).  Each file holds a ``warcinfo``
record, then, for every page of that day in URL order, a ``request`` and a ``response`` record.
The HTTP response is the manifest's ``status`` and ``headers`` plus a ``Content-Length`` computed
from the page's bytes; the body is the page file, byte for byte.

The output is reproducible byte for byte:
  * ``WARC-Record-ID`` = ``<urn:uuid:{uuid5(NAMESPACE_URL, f"{record_type}:{url}")}>`` for the request
    and response records, ``uuid5(NAMESPACE_URL, f"warcinfo:{filename}")`` for the warcinfo record;
  * ``WARC-Date`` is the page's ``warc_date`` (the warcinfo record uses ``<day>T00:00:00Z``);
  * the warcinfo content is fixed text (no tool versions, no host names, no current time);
  * every record is its own gzip member, written here with a fixed header (MTIME 0, no file name,
    XFL 2, OS 255 "unknown") instead of relying on the platform's gzip module.
The deflate stream itself comes from zlib.  Another deflate implementation (zlib-ng, for instance)
can compress the same input into different bytes; ``--check`` says so when the decompressed
members are identical but the compressed bytes are not, and exits 1 in that case too.
"""
import argparse
import hashlib
import ipaddress
import json
import struct
import sys
import tempfile
import uuid
import zlib
from collections import defaultdict
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
MANIFEST = SAMPLE / "manifest.json"
WARC_DIR = SAMPLE / "warc"

USER_AGENT = "Mozilla/5.0 (compatible; news-etl-sample/1.0)"
WARCINFO = (
    "software: news-etl scripts/build_sample_warc.py (warcio)\r\n"
    "format: WARC File Format 1.0\r\n"
    "conformsTo: http://bibnum.bnf.fr/WARC/WARC_ISO_28500_version1_latestdraft.pdf\r\n"
    "isPartOf: news-etl-sample-corpus\r\n"
    "description: Embedded sample corpus for offline tests. The pages are fictional news written for "
    "this project; the HTTP exchanges are reconstructed from data/sample/manifest.json.\r\n"
    "robots: ignore\r\n"
)


def record_id(kind, key):
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{kind}:{key}')}>"


def fake_ip(host):
    """Deterministic address from the documentation range 203.0.113.0/24 (RFC 5737)."""
    n = int(hashlib.sha1(host.encode()).hexdigest(), 16) % 254 + 1
    return str(ipaddress.ip_address("203.0.113.0") + n)


def gzip_member(data):
    """One gzip member with a fixed, platform-independent header (RFC 1952)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = comp.compress(data) + comp.flush()
    header = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x02\xff"  # ID, CM=deflate, FLG=0, MTIME=0, XFL=2, OS=255
    return header + body + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF, len(data) & 0xFFFFFFFF)


def load_manifest(path=MANIFEST):
    with open(path, encoding="utf-8") as f:
        pages = json.load(f)
    urls = [p["url"] for p in pages]
    if len(set(urls)) != len(urls):
        raise SystemExit("manifest: duplicate url")
    return pages


def http_headers_for(page, body):
    status = int(page["status"])
    headers = [(k, v) for k, v in page["headers"] if k.lower() != "content-length"]
    # Content-Length goes right after Content-Type when there is one, else at the end
    idx = next((i + 1 for i, (k, _) in enumerate(headers) if k.lower() == "content-type"), len(headers))
    headers.insert(idx, ("Content-Length", str(len(body))))
    return StatusAndHeaders(f"{status} {HTTPStatus(status).phrase}", headers, protocol="HTTP/1.1")


def request_headers_for(url):
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(
        f"GET {target} HTTP/1.1",
        [("Host", parts.netloc),
         ("User-Agent", USER_AGENT),
         ("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
         ("Accept-Language", "*"),
         ("Connection", "close")],
        is_http_request=True)


def serialize(writer_buf, record):
    """Uncompressed bytes of one record."""
    writer_buf.seek(0)
    writer_buf.truncate()
    WARCWriter(writer_buf, gzip=False, warc_version="1.0").write_record(record)
    return writer_buf.getvalue()


def build_day(day, pages, sample_dir):
    filename = f"sample-{day}.warc.gz"
    builder = WARCWriter(BytesIO(), gzip=False, warc_version="1.0")
    buf = BytesIO()
    out = bytearray()

    info = WARCINFO.encode("utf-8")
    info_headers = StatusAndHeaders("", [
        ("WARC-Type", "warcinfo"),
        ("WARC-Record-ID", record_id("warcinfo", filename)),
        ("WARC-Filename", filename),
        ("WARC-Date", f"{day}T00:00:00Z"),
    ], protocol="WARC/1.0")
    rec = builder.create_warc_record("", "warcinfo", payload=BytesIO(info), length=len(info),
                                     warc_content_type="application/warc-fields", warc_headers=info_headers)
    out += gzip_member(serialize(buf, rec))

    for page in sorted(pages, key=lambda p: p["url"]):
        url, date = page["url"], page["warc_date"]
        body = (sample_dir / page["file"]).read_bytes()
        req_id, resp_id = record_id("request", url), record_id("response", url)
        ip = fake_ip(urlsplit(url).hostname)

        req = builder.create_warc_record(url, "request", http_headers=request_headers_for(url),
                                         warc_headers_dict={"WARC-Record-ID": req_id, "WARC-Date": date,
                                                            "WARC-Concurrent-To": resp_id})
        out += gzip_member(serialize(buf, req))

        resp = builder.create_warc_record(url, "response", payload=BytesIO(body), length=len(body),
                                          http_headers=http_headers_for(page, body),
                                          warc_headers_dict={"WARC-Record-ID": resp_id, "WARC-Date": date,
                                                             "WARC-IP-Address": ip})
        out += gzip_member(serialize(buf, resp))
    return filename, bytes(out)


def build(out_dir, manifest_path=MANIFEST, sample_dir=SAMPLE):
    pages = load_manifest(manifest_path)
    by_day = defaultdict(list)
    for p in pages:
        by_day[p["warc_date"][:10]].append(p)
    written = []
    for day in sorted(by_day):
        filename, data = build_day(day, by_day[day], sample_dir)
        path = Path(out_dir) / day / filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def _members(data):
    out = []
    while data:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out.append(d.decompress(data) + d.flush())
        data = d.unused_data
    return out


def check():
    with tempfile.TemporaryDirectory() as tmp:
        fresh = {p.relative_to(tmp): p.read_bytes() for p in build(tmp)}
        committed = {p.relative_to(WARC_DIR): p.read_bytes() for p in WARC_DIR.rglob("*.warc.gz")} if WARC_DIR.exists() else {}
    ok = True
    for rel in sorted(set(fresh) | set(committed)):
        if rel not in committed:
            print(f"missing: {WARC_DIR / rel}")
            ok = False
        elif rel not in fresh:
            print(f"stale (no page of that day in the manifest): {WARC_DIR / rel}")
            ok = False
        elif fresh[rel] != committed[rel]:
            if _members(fresh[rel]) == _members(committed[rel]):
                print(f"differs only in compressed bytes (another deflate implementation?): {WARC_DIR / rel}")
            else:
                print(f"differs: {WARC_DIR / rel}")
            ok = False
    if ok:
        print(f"ok: {len(fresh)} WARC file(s) identical to a fresh build")
    else:
        print("run: python scripts/build_sample_warc.py")
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="rebuild in a temp dir and exit 1 if the committed files differ")
    args = ap.parse_args(argv)
    if args.check:
        return 0 if check() else 1
    for stale in WARC_DIR.rglob("*.warc.gz") if WARC_DIR.exists() else []:
        stale.unlink()
    for path in build(WARC_DIR):
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
