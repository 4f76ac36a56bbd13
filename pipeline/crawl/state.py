"""Per-source memory of fetched articles, so a daily run never fetches the same article twice.

One SQLite file per source under ``<data>/state/`` (SQLite, because two runs of one source may overlap in a
backfill). URLs are added only after the crawl's WARC file is complete, so a crash never marks an article as
fetched that the raw zone does not hold.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from pipeline.crawl.urls import crawl_key
from pipeline.crawl.paths import source_dir


class FetchedState:
    def __init__(self, data_dir: str | Path, source_name: str) -> None:
        self.path = source_dir(Path(data_dir) / "state", source_name).with_suffix(".sqlite")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=60)
        self._db.execute("CREATE TABLE IF NOT EXISTS fetched (url TEXT PRIMARY KEY, day TEXT, status INTEGER)")
        self._db.commit()

    def __enter__(self) -> "FetchedState":
        return self

    def __exit__(self, *exc: object) -> None:
        self._db.close()

    def was_fetched(self, url: str) -> bool:
        row = self._db.execute("SELECT 1 FROM fetched WHERE url = ?", (crawl_key(url),)).fetchone()
        return row is not None

    def add(self, fetched: Iterable[tuple[str, int]], day: dt.date) -> None:
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO fetched (url, day, status) VALUES (?, ?, ?)",
                                 [(crawl_key(url), day.isoformat(), status) for url, status in fetched])

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM fetched").fetchone()[0]
