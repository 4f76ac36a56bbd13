"""How many extraction tasks one machine runs at once: the size of Airflow's ``extract`` pool.

An extraction task (extract_shard, finish_source) holds the language models once (shared by its worker processes)
plus a share per process: ``make bench`` peaks at 660 MiB with one process and 818 MiB with two, so a task is
budgeted TASK_BASE_GIB + PROCESS_GIB per process. The pool's slots are then

    slots = max(1, min(cores // processes,
                       floor(MEMORY_SHARE * memory_gib / (TASK_BASE_GIB + PROCESS_GIB * processes))))

and each task runs ``cores // slots`` processes (the DAG's default), so a full pool uses every core once.
"""

from __future__ import annotations

import math
import os
from typing import Any

TASK_BASE_GIB = 0.5
PROCESS_GIB = 0.2
# What extraction may take of the machine's memory: the rest is for Airflow, the crawls and the page cache.
MEMORY_SHARE = 0.75


def memory_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def extract_slots(cores: int, memory: float, processes: int = 1) -> int:
    """Extraction tasks that fit at once on ``cores`` and ``memory`` GiB with ``processes`` processes each."""
    by_cores = cores // processes
    by_memory = math.floor(MEMORY_SHARE * memory / (TASK_BASE_GIB + PROCESS_GIB * processes))
    return max(1, min(by_cores, by_memory))


def suggested_extract_pool(cores: int | None = None, memory: float | None = None, processes: int = 1) -> dict[str, Any]:
    """The ``extract`` entry of airflow/pools.json for this machine (or the given one)."""
    cores = cores or os.cpu_count() or 1
    memory = memory if memory is not None else memory_gib()
    slots = extract_slots(cores, memory, processes)
    return {"extract": {
        "slots": slots,
        "description": f"Extraction tasks at once across all runs: {cores} cores, {memory:.0f} GiB, {processes} "
                       f"process(es) a task (python -m pipeline pools --suggest; README, Operations).",
        "include_deferred": False,
    }}
