"""Quality evaluation on the development sets (``make eval``): one module per section, each with ``report``."""

from __future__ import annotations

import os
from pathlib import Path

# The development sets live beside the project (../shared/devdata) on developer machines and in CI only.
DEFAULT_DEVDATA = Path(__file__).resolve().parents[2].parent / "shared" / "devdata"


def devdata_dir() -> Path | None:
    """The development data folder (NEWS_CORPUS_DEVDATA overrides), or None when it is not on this machine."""
    path = Path(os.environ.get("NEWS_CORPUS_DEVDATA", DEFAULT_DEVDATA))
    return path if path.is_dir() else None
