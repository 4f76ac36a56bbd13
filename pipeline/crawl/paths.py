"""Where the crawler writes: the raw zone and the state, with source names that can never leave the data directory."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pipeline.config import SOURCE_NAME_PATTERN

_NAME = re.compile(SOURCE_NAME_PATTERN)


def source_dir(root: Path, source_name: str) -> Path:
    """``root/<source_name>``, refusing a name that is not a plain, safe file name (config validates it too)."""
    if not _NAME.fullmatch(source_name) or source_name in {".", ".."}:
        raise ValueError(f"unsafe source name {source_name!r}")
    path = root / source_name
    if path.resolve().parent != root.resolve():
        raise ValueError(f"source name {source_name!r} escapes {root}")
    return path


def raw_dir(data_dir: str | Path, day: dt.date, source_name: str) -> Path:
    """``<data>/raw/date=YYYY-MM-DD/source=<name>/``: every fetch of that source's crawl of that day."""
    day_dir = Path(data_dir) / "raw" / f"date={day.isoformat()}"
    return day_dir / f"source={source_dir(day_dir, source_name).name}"
