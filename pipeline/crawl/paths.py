"""Where the crawler writes in the data root: the raw zone and the state, under source names that cannot escape it."""

from __future__ import annotations

import datetime as dt
import re

from pipeline.config import SOURCE_NAME_PATTERN

_NAME = re.compile(SOURCE_NAME_PATTERN)


def safe_source_name(source_name: str) -> str:
    """The name, refused unless it is a plain, safe path segment (config validates it too)."""
    if not _NAME.fullmatch(source_name) or source_name in {".", ".."}:
        raise ValueError(f"unsafe source name {source_name!r}")
    return source_name


def raw_dir(day: dt.date, source_name: str) -> str:
    """``raw/date=YYYY-MM-DD/source=<name>`` in the data root: every fetch of that source's crawls of that day."""
    return f"raw/date={day.isoformat()}/source={safe_source_name(source_name)}"


def state_dir(source_name: str) -> str:
    """``state/source=<name>`` in the data root: which articles the source's crawls fetched."""
    return f"state/source={safe_source_name(source_name)}"
