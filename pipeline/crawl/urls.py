"""URL identity for the crawler: one canonical form (the extractor's) for dedup, and the politeness key (host)."""

from __future__ import annotations

from urllib.parse import urldefrag, urlsplit

from pipeline.extract import canonicalise_url


def crawl_key(url: str) -> str:
    """The identity of a URL for "fetched already?": canonical (tracking parameters, case, query order) and without
    its fragment, which is never sent to the server."""
    return canonicalise_url(urldefrag(url.strip())[0])


def host_key(url: str) -> str:
    """What politeness is counted per: scheme, host and port (``https://www.example.org:443``)."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"
