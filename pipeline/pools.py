"""The crawl pools (``airflow/pools.json``): one per host family, each with a number of slots that bounds how many
crawls of that family run at once. The DAG runs each crawl in its source's Airflow pool; the CLI keeps the same
bound with one thread pool per pool. Both refuse a source whose pool is not in the file, with the same line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from pipeline.config import Source
from pipeline.errors import ConfigError

POOLS_FILE = Path(__file__).resolve().parent.parent / "airflow" / "pools.json"


def crawl_pools(path: Path = POOLS_FILE) -> dict[str, int]:
    """The crawl pools of the file (names starting with ``crawl_``) and their slots."""
    try:
        pools = json.loads(path.read_text(encoding="utf-8"))
        return {name: int(spec["slots"]) for name, spec in sorted(pools.items()) if name.startswith("crawl_")}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(f"{path}: cannot read the pools: {exc}") from None


def check_pools(sources: Iterable[Source], path: Path = POOLS_FILE) -> dict[str, int]:
    """The pools of the file and their slots, once every source of ``sources`` (the ones to crawl) names one of them;
    else the run stops with one line naming the source, the field and the file."""
    pools = crawl_pools(path)
    for source in sources:
        if source.pool not in pools:
            raise ConfigError(f"{path}: source {source.name!r}: field 'pool': unknown pool {source.pool!r} "
                              f"(pools: {', '.join(pools)})")
    return pools
