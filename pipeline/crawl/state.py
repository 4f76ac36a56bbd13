"""Per-source memory of fetched articles, so a daily run never fetches the same article twice, on any worker.

The state lives in the data root (local or object store) as append-only objects: each finished crawl writes one
new object, ``state/source=<name>/<crawl>.keys.gz``, listing the articles it fetched, under a name no other crawl
uses. Nothing is ever rewritten, so concurrent crawls of one source on different machines cannot lose each other's
entries and need no lock or conditional write. The object is written only after the crawl's WARC is stored, so a
crash never marks an article as fetched that the raw zone does not hold. A crawl reads every object of its source
when it starts (one small object per crawl day: a year of daily crawls is 365 reads).
"""

from __future__ import annotations

import datetime as dt
import gzip
import sqlite3
from collections.abc import Iterable

from pipeline.crawl.paths import state_dir
from pipeline.crawl.urls import crawl_key
from pipeline.storage import Storage


class FetchedState:
    def __init__(self, storage: Storage, source_name: str) -> None:
        self.storage = storage
        self.dir = state_dir(source_name)
        self._keys: set[str] = set()
        for rel in storage.list(self.dir, suffix=".keys.gz"):
            lines = gzip.decompress(storage.read_bytes(rel)).decode("utf-8").splitlines()
            self._keys.update(line.split("\t", 1)[0] for line in lines if line)
        self._keys.update(self._legacy_keys(source_name))

    def _legacy_keys(self, source_name: str) -> list[str]:
        # Before the state moved into the data root, each source had one SQLite file on the local disk.
        legacy = self.storage.local_path(f"state/{source_name}.sqlite")
        if legacy is None or not legacy.exists():
            return []
        with sqlite3.connect(f"file:{legacy}?mode=ro", uri=True) as db:
            return [url for (url,) in db.execute("SELECT url FROM fetched")]

    def was_fetched(self, url: str) -> bool:
        return crawl_key(url) in self._keys

    def add(self, fetched: Iterable[tuple[str, int]], day: dt.date, crawl: str) -> None:
        """Record the articles one finished crawl (named ``crawl``, unique) fetched."""
        entries = sorted({(crawl_key(url), status) for url, status in fetched})
        if not entries:
            return
        text = "".join(f"{key}\t{day.isoformat()}\t{status}\n" for key, status in entries)
        self.storage.write_bytes(f"{self.dir}/{crawl}.keys.gz", gzip.compress(text.encode("utf-8"), mtime=0))
        self._keys.update(key for key, _ in entries)

    def __len__(self) -> int:
        return len(self._keys)
