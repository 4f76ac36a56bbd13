"""Offline checks of the embedded sample corpus (data/sample) and of its WARC build.

The corpus: hand-written, fictional news pages stored as raw server bytes under data/sample/pages/,
described by data/sample/manifest.json (ground truth in each entry's ``expect``), and packed into one
WARC per fetch day by scripts/build_sample_warc.py.
"""
import html
import json
import re
import struct
import subprocess
import sys
import uuid
import zlib
from collections import Counter, defaultdict
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from warcio.archiveiterator import ArchiveIterator

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
MANIFEST = SAMPLE / "manifest.json"
WARC_DIR = SAMPLE / "warc"
BUILD_SCRIPT = ROOT / "scripts" / "build_sample_warc.py"

AGGREGATOR_HOST = "www.thelimitedtimes.com"
KINDS = {"article", "listing", "empty", "truncated", "duplicate_url", "near_duplicate"}
CONTENT_KINDS = {"article", "truncated", "duplicate_url", "near_duplicate"}  # pages with an article body
REQUIRED_LANGUAGES = {"en", "de", "fr", "es", "ru", "he", "ar", "zh"}
EXPECT_KEYS = {"kind", "title", "language", "published", "authors", "machine_translated", "origin_outlet",
               "source_language", "encoding", "first_sentence", "must_not_contain"}
ISO_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@pytest.fixture(scope="module")
def manifest():
    with open(MANIFEST, encoding="utf-8") as f:
        return json.load(f)


def body_bytes(entry):
    return (SAMPLE / entry["file"]).read_bytes()


def header(entry, name):
    values = [v for k, v in entry["headers"] if k.lower() == name.lower()]
    return values[0] if values else None


def declared_charset(entry):
    m = re.search(r"charset=([\w-]+)", header(entry, "Content-Type") or "", re.I)
    return m.group(1).lower() if m else None


def page_text(entry):
    """Decoded (with the true encoding), tag-stripped, unescaped, whitespace-collapsed page text."""
    t = body_bytes(entry).decode(entry["expect"]["encoding"] or "utf-8")
    t = re.sub(r"<script.*?</script>", " ", t, flags=re.S)
    t = re.sub(r"<[^>]*>", " ", t)
    return re.sub(r"\s+", " ", html.unescape(t))


def paragraphs(entry):
    raw = body_bytes(entry).decode(entry["expect"]["encoding"] or "utf-8")
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]*>", "", p))).strip()
            for p in re.findall(r"<p[ >].*?</p>", raw, flags=re.S)]


def canonical(entry):
    m = re.search(rb'<link rel="canonical" href="([^"]+)"', body_bytes(entry))
    return html.unescape(m.group(1).decode()) if m else None


def by_kind(manifest, kind):
    return [e for e in manifest if e["expect"]["kind"] == kind]


# --------------------------------------------------------------------------- manifest


def test_manifest_is_well_formed(manifest):
    assert isinstance(manifest, list) and len(manifest) >= 40
    urls = [e["url"] for e in manifest]
    assert urls == sorted(urls), "manifest must be sorted by url"
    assert len(set(urls)) == len(urls)
    assert len({e["file"] for e in manifest}) == len(manifest)
    for e in manifest:
        assert set(e) == {"file", "url", "warc_date", "status", "headers", "expect"}, e["url"]
        assert urlsplit(e["url"]).scheme in ("http", "https")
        assert ISO_Z.match(e["warc_date"]), e["warc_date"]
        assert isinstance(e["status"], int) and e["status"] == 200
        assert all(isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in e["headers"])
        names = [k.lower() for k, _ in e["headers"]]
        assert "content-length" not in names, "Content-Length is computed by the build script"
        assert "content-type" in names and "date" in names
        assert header(e, "Content-Type").startswith("text/html")
        # the Date header is the fetch time
        assert parsedate_to_datetime(header(e, "Date")) == datetime.strptime(
            e["warc_date"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)

        x = e["expect"]
        assert EXPECT_KEYS <= set(x), (e["url"], EXPECT_KEYS - set(x))
        assert x["kind"] in KINDS
        assert x["language"] is None or re.fullmatch(r"[a-z]{2}", x["language"])
        assert x["source_language"] is None or re.fullmatch(r"[a-z]{2}", x["source_language"])
        assert x["published"] is None or DAY.match(x["published"])
        assert x["published"] is None or x["published"] <= e["warc_date"][:10], "published after it was fetched"
        assert isinstance(x["authors"], list) and all(isinstance(a, str) and a for a in x["authors"])
        assert isinstance(x["machine_translated"], bool)
        assert isinstance(x["must_not_contain"], list)
        if x["machine_translated"]:
            assert x["origin_outlet"] and x["source_language"] and x["source_language"] != x["language"]
        else:
            assert x["origin_outlet"] is None and x["source_language"] is None
        if x["kind"] in CONTENT_KINDS:
            assert x["title"] and x["language"] and x["published"] and x["first_sentence"] and x["encoding"]
        if x["kind"] in ("duplicate_url", "near_duplicate"):
            assert x["duplicate_of"] in urls and x["duplicate_of"] != e["url"]


def test_every_file_exists_and_nothing_else(manifest):
    listed = {e["file"] for e in manifest}
    for e in manifest:
        path = SAMPLE / e["file"]
        assert path.is_file(), e["file"]
        parts = Path(e["file"]).parts
        assert parts[0] == "pages" and parts[1] == urlsplit(e["url"]).hostname and len(parts) == 3
    on_disk = {str(p.relative_to(SAMPLE)) for p in (SAMPLE / "pages").rglob("*") if p.is_file()}
    assert on_disk == listed, on_disk ^ listed


def test_ground_truth_strings_are_consistent_with_the_pages(manifest):
    for e in manifest:
        x = e["expect"]
        if not body_bytes(e):
            continue
        text = page_text(e)
        if x.get("first_sentence"):
            assert x["first_sentence"] in text, e["url"]
        if x.get("title"):
            assert x["title"] in text, e["url"]
        for s in x.get("must_contain", []):
            assert s in text, (e["url"], s)
        for s in x["must_not_contain"] + x.get("captions", []):
            assert s in text, (e["url"], s)  # boilerplate/captions to strip are really on the page...
            assert s != x.get("first_sentence")
        if x["kind"] in CONTENT_KINDS:  # ...but never inside a real body paragraph
            body = [p for p in paragraphs(e) if x["first_sentence"] in p]
            assert body, e["url"]
            assert not any(s in body[0] for s in x["must_not_contain"]), e["url"]


def test_sample_size_is_small():
    total = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert total < 1_500_000, total


# --------------------------------------------------------------------------- coverage


def test_languages_cover_the_required_set(manifest):
    counts = Counter(e["expect"]["language"] for e in manifest if e["expect"]["kind"] in CONTENT_KINDS)
    assert REQUIRED_LANGUAGES <= set(counts), REQUIRED_LANGUAGES - set(counts)
    assert {"it", "pt"} <= set(counts)
    for lang in ("en", "de", "fr", "es", "ru"):
        assert counts[lang] >= 3, (lang, counts[lang])
    # native (not machine-translated) pages exist in every required language
    native = {e["expect"]["language"] for e in manifest
              if e["expect"]["kind"] in CONTENT_KINDS and not e["expect"]["machine_translated"]}
    assert REQUIRED_LANGUAGES <= native


def test_at_least_12_aggregator_articles(manifest):
    agg = [e for e in manifest if urlsplit(e["url"]).hostname == AGGREGATOR_HOST and e["expect"]["kind"] == "article"]
    assert len(agg) >= 12
    assert len({e["expect"]["origin_outlet"] for e in agg}) >= 10
    assert {"he", "de", "es", "it", "ru", "zh"} <= {e["expect"]["source_language"] for e in agg}
    for e in agg:
        x = e["expect"]
        assert re.fullmatch(r"https://www\.thelimitedtimes\.com/news/[a-z0-9-]+-\d+\.html", e["url"]), e["url"]
        assert x["machine_translated"] and x["language"] == "en" and x["authors"] == []
        raw = body_bytes(e).decode("utf-8")
        assert "The Limited Times" in raw and "Now you can see non-English news..." in raw
        assert re.search(r'<time datetime="2022-01-0\dT\d\d:\d\d:\d\d\.\d{3}Z">', raw)
        h1 = re.search(r"<h1[^>]*>(.*?)</h1>", raw).group(1)
        title, _, suffix = html.unescape(h1).rpartition(" | ")
        assert title == x["title"] and suffix and suffix not in x["title"]
        assert f"| {suffix}" in x["must_not_contain"]
        for s in ("Source: ", "All news articles on ", "You may like", "Trends 24h", "© Communities 2019"):
            assert any(m.startswith(s) for m in x["must_not_contain"]), (e["url"], s)
    # varied: not every page carries every artifact
    assert 0 < sum("Were we wrong?" in e["expect"]["must_not_contain"] for e in agg) < len(agg)
    assert 0 < sum("teaser_cut" in e["expect"] for e in agg) < len(agg)


def test_aggregator_teasers_are_cut_mid_word_and_repeated_in_the_body(manifest):
    teasers = [e for e in manifest if e["expect"].get("teaser_cut")]
    assert len(teasers) >= 8
    for e in teasers:
        teaser = e["expect"]["teaser_cut"]
        paras = paragraphs(e)
        assert paras.count(teaser) == 1, "the teaser is its own paragraph"
        assert e["expect"]["first_sentence"] in teaser
        fragment = re.search(r"(\w+)$", teaser).group(1)
        # the cut fragment is the beginning of a longer word, which a body paragraph spells out in full
        body = [p for p in paras if p != teaser]
        assert any(re.search(rf"\b{re.escape(fragment)}\w+", p) for p in body), (e["url"], fragment)
        # the teaser (after an optional subtitle) repeats the first body paragraph, unless it is cut inside it
        first = next(p for p in body if e["expect"]["first_sentence"] in p)
        tail = teaser[teaser.index(e["expect"]["first_sentence"]):]
        assert tail.startswith(first) or first.startswith(tail), e["url"]


# --------------------------------------------------------------------------- awkward cases


def test_charset_mismatch_pages(manifest):
    # bytes not UTF-8 although header and meta say UTF-8
    lying_utf8 = [e for e in manifest if declared_charset(e) == "utf-8" and body_bytes(e)
                  and e["expect"]["encoding"] not in (None, "utf-8")]
    assert lying_utf8
    for e in lying_utf8:
        data = body_bytes(e)
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert re.search(rb'<meta charset="utf-8">', data, re.I)
        assert e["expect"]["charset_note"]
    # declared ISO-8859-1 but the bytes are UTF-8
    lying_latin1 = [e for e in manifest if declared_charset(e) == "iso-8859-1" and e["expect"]["encoding"] == "utf-8"]
    assert lying_latin1
    for e in lying_latin1:
        data = body_bytes(e)
        assert data.decode("utf-8") and re.search(rb"[\xc2-\xf4][\x80-\xbf]", data)
        assert b"charset=iso-8859-1" in data.lower()
        assert "Ã" in data.decode("latin-1") and e["expect"]["charset_note"]
    # and a correctly declared legacy encoding as a negative
    assert any(e["expect"]["encoding"] == "gbk" and declared_charset(e) == "gbk" for e in manifest)


def test_truncated_page(manifest):
    pages = by_kind(manifest, "truncated")
    assert pages
    for e in pages:
        data = body_bytes(e)
        assert b"</html>" not in data and b"</body>" not in data
        assert data.rfind(b"<") > data.rfind(b">"), "should end inside a tag"
        assert e["expect"]["first_sentence"] in page_text(e)


def test_listing_page(manifest):
    pages = by_kind(manifest, "listing")
    assert any(e["url"] == f"https://{AGGREGATOR_HOST}/archive/2022-01-06" for e in pages)
    for e in pages:
        raw = body_bytes(e).decode("utf-8")
        assert len(re.findall(r'<a href="/news/', raw)) >= 20
        assert "<article" not in raw
        for u in e["expect"].get("links_to", []):
            assert urlsplit(u).path in raw


def test_empty_pages(manifest):
    pages = by_kind(manifest, "empty")
    zero = [e for e in pages if not body_bytes(e)]
    near = [e for e in pages if body_bytes(e)]
    assert zero and all(e["status"] == 200 for e in zero)
    assert near and all(len(body_bytes(e)) < 2000 for e in near)
    for e in pages:
        assert e["expect"]["first_sentence"] is None and e["expect"]["language"] is None


def test_duplicate_urls(manifest):
    urls = {e["url"]: e for e in manifest}
    dups = by_kind(manifest, "duplicate_url")
    assert len(dups) >= 2
    for e in dups:
        orig = urls[e["expect"]["duplicate_of"]]
        assert orig["expect"]["kind"] == "article"
        assert urlsplit(e["url"]).hostname == urlsplit(orig["url"]).hostname
        assert e["url"] != orig["url"] and "utm_source=" in e["url"]
        assert canonical(e) == canonical(orig) == orig["url"]
        for k in ("title", "published", "first_sentence", "language", "authors"):
            assert e["expect"][k] == orig["expect"][k]
    assert any(body_bytes(e) == body_bytes(urls[e["expect"]["duplicate_of"]]) for e in dups), "one exact copy"
    assert any(urlsplit(e["url"]).path != urlsplit(e["expect"]["duplicate_of"]).path for e in dups), "one other path"


def _shingles(text):
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + 4]) for i in range(max(1, len(words) - 3))}


def test_near_duplicate(manifest):
    urls = {e["url"]: e for e in manifest}
    pages = by_kind(manifest, "near_duplicate")
    assert pages
    for e in pages:
        orig = urls[e["expect"]["duplicate_of"]]
        assert urlsplit(e["url"]).hostname != urlsplit(orig["url"]).hostname
        assert e["expect"]["first_sentence"] == orig["expect"]["first_sentence"]
        assert e["expect"]["title"] != orig["expect"]["title"]
        a = _shingles(" ".join(p for p in paragraphs(e) if len(p) > 80))
        b = _shingles(" ".join(p for p in paragraphs(orig) if len(p) > 80))
        assert 0.5 < len(a & b) / len(a | b) < 0.95


def test_dates_late_arrivals_and_timezones(manifest):
    days = Counter(e["warc_date"][:10] for e in manifest)
    assert set(days) == {"2022-01-06", "2022-01-07"} and 3 <= days["2022-01-07"] <= 4
    assert all(e["expect"]["published"] == "2022-01-07" for e in manifest
               if e["warc_date"].startswith("2022-01-07"))
    late = [e for e in manifest if e["expect"]["published"] == "2022-01-05"]
    assert len(late) >= 3 and all(e["warc_date"].startswith("2022-01-06") for e in late)
    # pages whose local publication date differs from the UTC date in the ground truth
    traps = []
    for e in manifest:
        m = re.search(rb'property="article:published_time" content="(\d{4}-\d\d-\d\d)T[^"]*[+-]\d\d:\d\d"', body_bytes(e))
        if m and m.group(1).decode() != e["expect"]["published"]:
            traps.append(e["url"])
    assert len(traps) >= 2, traps


def test_native_pages_have_varied_metadata(manifest):
    native = [e for e in manifest if e["expect"]["kind"] == "article" and not e["expect"]["machine_translated"]]
    assert len({urlsplit(e["url"]).hostname for e in native}) >= 6
    raws = [body_bytes(e) for e in native]
    assert sum(b'"@type": "NewsArticle"' in r for r in raws) >= 3
    assert sum(b'<meta name="author"' in r for r in raws) >= 3
    assert sum(b'<meta name="author"' not in r and b'"NewsArticle"' not in r for r in raws) >= 3  # byline only
    assert sum(b"<figcaption" in r for r in raws) >= 5
    assert any("Der Spiegel" in s for e in native for s in e["expect"].get("must_contain", []))
    assert any(b"Source: Reuters" in r for r in raws)


# --------------------------------------------------------------------------- WARC


def test_build_check_passes():
    proc = subprocess.run([sys.executable, str(BUILD_SCRIPT), "--check"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _gzip_members(data):
    members, offset = [], 0
    while offset < len(data):
        assert data[offset:offset + 3] == b"\x1f\x8b\x08", offset
        flags, mtime = data[offset + 3], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        d.decompress(data[offset:])
        members.append((flags, mtime))
        offset = len(data) - len(d.unused_data)
    return members


def _record_id(kind, key):
    return f"<urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{kind}:{key}')}>"


def test_warc_files_match_the_manifest(manifest):
    by_day = defaultdict(list)
    for e in manifest:
        by_day[e["warc_date"][:10]].append(e)
    files = sorted(WARC_DIR.rglob("*.warc.gz"))
    assert [f.relative_to(WARC_DIR).as_posix() for f in files] == [f"{d}/sample-{d}.warc.gz" for d in sorted(by_day)]

    for day, entries in by_day.items():
        path = WARC_DIR / day / f"sample-{day}.warc.gz"
        members = _gzip_members(path.read_bytes())
        assert len(members) == 1 + 2 * len(entries)
        assert all(mtime == 0 and flags == 0 for flags, mtime in members), "gzip members must carry no timestamp/name"

        expected = {e["url"]: e for e in entries}
        seen, order, last_request = {}, [], None
        with open(path, "rb") as f:
            for i, rec in enumerate(ArchiveIterator(f)):
                h = rec.rec_headers
                if i == 0:
                    assert rec.rec_type == "warcinfo"
                    assert h.get_header("WARC-Date") == f"{day}T00:00:00Z"
                    assert h.get_header("WARC-Record-ID") == _record_id("warcinfo", path.name)
                    continue
                uri, date = h.get_header("WARC-Target-URI"), h.get_header("WARC-Date")
                e = expected[uri]
                assert date == e["warc_date"]
                assert h.get_header("WARC-Record-ID") == _record_id(rec.rec_type, uri)
                if rec.rec_type == "request":
                    # warcio parses "GET <target> HTTP/1.1" as protocol="GET", statusline="<target> HTTP/1.1"
                    parts = urlsplit(uri)
                    target = parts.path + (f"?{parts.query}" if parts.query else "")
                    assert (rec.http_headers.protocol, rec.http_headers.statusline) == ("GET", f"{target} HTTP/1.1")
                    assert rec.http_headers.get_header("Host") == parts.netloc
                    last_request = (uri, h.get_header("WARC-Concurrent-To"))
                    continue
                assert rec.rec_type == "response"
                assert last_request == (uri, h.get_header("WARC-Record-ID")), "request must precede its response"
                body = rec.content_stream().read()
                assert body == body_bytes(e), uri
                assert int(rec.http_headers.get_statuscode()) == e["status"]
                assert rec.http_headers.get_header("Content-Length") == str(len(body))
                for k, v in e["headers"]:
                    assert (k, v) in rec.http_headers.headers, (uri, k)
                seen[uri] = True
                order.append(uri)
        assert set(seen) == set(expected)
        assert order == sorted(order), "records must be sorted by url"
