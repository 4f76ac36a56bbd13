"""The crawl pools (``airflow/pools.json``): one per host family, each with a number of slots that bounds how many
crawls of that family run at once. The DAG runs each crawl in its source's Airflow pool; the CLI keeps the same
bound with one thread pool per pool. Both refuse a source whose pool is not in the file, with the same line."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError

if TYPE_CHECKING:  # the DAG file imports this module when it is parsed: keep that import light
    from pipeline.config import Source

POOLS_FILE = Path(__file__).resolve().parent.parent / "airflow" / "pools.json"
# Extraction tasks (extract_shard, finish_source) run in this pool; its slots bound them across all runs.
EXTRACT_POOL = "extract"


def pool_slots(path: Path = POOLS_FILE) -> dict[str, int]:
    """Every pool of the file and its slots."""
    try:
        pools = json.loads(path.read_text(encoding="utf-8"))
        return {name: int(spec["slots"]) for name, spec in sorted(pools.items())}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: cannot read the pools: {exc}") from None


def crawl_pools(path: Path = POOLS_FILE) -> dict[str, int]:
    """The crawl pools of the file (names starting with ``crawl_``) and their slots."""
    return {name: slots for name, slots in pool_slots(path).items() if name.startswith("crawl_")}


def extract_processes(path: Path = POOLS_FILE) -> int:
    """Worker processes of one extraction task: NEWS_CORPUS_PROCESSES, else the cores shared by the extract pool's
    slots, so that a full pool does not oversubscribe the machine."""
    if os.environ.get("NEWS_CORPUS_PROCESSES"):
        return int(os.environ["NEWS_CORPUS_PROCESSES"])
    return max(1, (os.cpu_count() or 1) // pool_slots(path)[EXTRACT_POOL])


def check_pools(sources: Iterable["Source"], path: Path = POOLS_FILE) -> dict[str, int]:
    """The pools of the file and their slots, once every source of ``sources`` (the ones to crawl) names one of them;
    else the run stops with one line naming the source, the field and the file."""
    pools = crawl_pools(path)
    for source in sources:
        if source.pool not in pools:
            raise ConfigError(f"{path}: source {source.name!r}: field 'pool': unknown pool {source.pool!r} "
                              f"(pools: {', '.join(pools)})")
    return pools
