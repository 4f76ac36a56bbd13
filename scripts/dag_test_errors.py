"""The failing tasks' own error lines from an ``airflow dags test`` log: what `make run` prints when the run fails.

The log holds every task's traceback among hundreds of Airflow lines; a task's error is the last line of the
traceback that follows "Task failed with exception", and the task is the one "[DAG TEST] starting" named last.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")  # a new log record (a traceback's lines have no stamp)
STARTING = re.compile(r"\[DAG TEST\] starting task_id=(?P<task>\S+) map_index=(?P<map_index>-?\d+)")
FAILED = "Task failed with exception"
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*: ")  # a traceback's last line: "package.ExceptionClass: message"
# The fail-now exception only carries the library's one line: its class name is noise to the reader.
FAIL_NOW = "airflow.sdk.exceptions.AirflowFailException: "


def task_errors(log: str) -> list[str]:
    """``task[map index]: error`` for each failed attempt, in order, repeated lines once."""
    errors: list[str] = []
    task, in_traceback, last = "?", False, ""

    def flush() -> None:
        error = f"{task}: {last.removeprefix(FAIL_NOW)}"
        if in_traceback and last and error not in errors:
            errors.append(error)

    for line in log.splitlines():
        if match := STARTING.search(line):
            index = int(match["map_index"])
            task = match["task"] + (f"[{index}]" if index >= 0 else "")
        if LOG_LINE.match(line):
            flush()
            in_traceback, last = FAILED in line, ""
        elif in_traceback and EXCEPTION_LINE.match(line):
            last = line.strip()
    flush()
    return errors


if __name__ == "__main__":
    found = task_errors(Path(sys.argv[1]).read_text(encoding="utf-8", errors="replace"))
    print("\n".join(found) if found else f"no task error found in {sys.argv[1]}")
