"""Progress of long loops: a log line at the interval with the right counts, from a real crawl and a real
extraction; and an extraction with no pages loads no model."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import load_sources
from pipeline.crawl.run import crawl_source
from pipeline.progress import Progress
from pipeline.runner import run_source
from tests.conftest import REPO, SAMPLE_DAY
from tests.support.testsite import DAY, TestSite, write_sources

LINE = re.compile(r"^(?P<what>.+): (?P<done>\d+)(?:/(?P<total>\d+))? (?P<unit>\w+), [\d.]+ \w+/s, "
                  r"(?:about \S+ left, )?(?P<skipped>\d+) skipped, \S+ elapsed$")


def progress_lines(caplog: pytest.LogCaptureFixture, what: str) -> list[dict[str, str]]:
    lines = [LINE.match(r.getMessage()) for r in caplog.records if r.name == "pipeline.progress"]
    return [m.groupdict() for m in lines if m and m["what"].startswith(what)]


def test_a_line_each_interval_with_done_rate_time_left_and_skips(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.progress")
    clock = [100.0]
    with pytest.MonkeyPatch.context() as patch:  # a clock the test moves: the interval is real arithmetic on it
        patch.setattr("pipeline.progress.time.monotonic", lambda: clock[0])
        progress = Progress("extract x", total=10, interval=5.0)
        for n in range(1, 11):
            clock[0] += 2.0
            progress.update(advance=1, skipped=n // 3)
        progress.close()
    messages = [r.getMessage() for r in caplog.records if r.name == "pipeline.progress"]
    # At 6, 12 and 18 s (every 5 s or more, checked at each update), and once more at the end (20 s).
    assert messages == [
        "extract x: 3/10 pages, 0.5 pages/s, about 0m14s left, 1 skipped, 0m06s elapsed",
        "extract x: 6/10 pages, 0.5 pages/s, about 0m08s left, 2 skipped, 0m12s elapsed",
        "extract x: 9/10 pages, 0.5 pages/s, about 0m02s left, 3 skipped, 0m18s elapsed",
        "extract x: 10/10 pages, 0.5 pages/s, about 0m00s left, 3 skipped, 0m20s elapsed",
    ]


def test_a_short_loop_logs_nothing(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pipeline.progress")
    with Progress("quick", interval=3600) as progress:
        progress.update(advance=5)
    assert not [r for r in caplog.records if r.name == "pipeline.progress"]


def test_an_extraction_reports_its_pages_and_skips(caplog: pytest.LogCaptureFixture, sample_sources: Path,
                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWS_CORPUS_PROGRESS_SECONDS", "0.000001")
    caplog.set_level(logging.INFO, logger="pipeline.progress")
    result = run_source(load_sources(sample_sources), "sample", dt.date.fromisoformat(SAMPLE_DAY), tmp_path / "data",
                        processes=1)
    lines = progress_lines(caplog, f"extract sample {SAMPLE_DAY}")
    assert len(lines) > 10
    assert [int(line["done"]) for line in lines[:3]] == [1, 2, 3]
    last = lines[-1]
    pages = result.counts["warc_records"] if "warc_records" in result.counts else None
    skipped = sum(n for key, n in result.counts.items() if key.startswith("skipped_"))
    assert int(last["done"]) == max(int(line["done"]) for line in lines) >= result.articles
    if pages is not None:
        assert int(last["done"]) == pages
    assert 0 < int(last["skipped"]) <= skipped


def test_a_crawl_reports_its_requests(caplog: pytest.LogCaptureFixture, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWS_CORPUS_PROGRESS_SECONDS", "0.000001")
    caplog.set_level(logging.INFO, logger="pipeline.progress")
    with TestSite(lifetime=120) as site:
        sources = write_sources(site, tmp_path / "sources.yaml", ("sitemaps",))
        summary = crawl_source(load_sources(sources), "sitemaps", dt.date.fromisoformat(DAY), tmp_path / "data")
    lines = progress_lines(caplog, f"crawl sitemaps {DAY}")
    assert lines and all(line["unit"] == "requests" for line in lines)
    done = [int(line["done"]) for line in lines]
    assert done == sorted(done) and done[-1] == sum(summary["outcomes"].values())
    assert int(lines[-1]["total"]) == done[-1]  # nothing left at the end
    assert int(lines[-1]["skipped"]) == sum(summary["skipped"].values())


_EMPTY_EXTRACTION = """
import datetime as dt, json, sys
from pipeline import language
from pipeline.config import load_sources
from pipeline.runner import extract_shard, finish_source
from pipeline.storage import Storage
from pipeline.warcpages import Shard
config, day, storage = load_sources(sys.argv[1]), dt.date.fromisoformat(sys.argv[2]), Storage(sys.argv[3])
extracted = extract_shard(config, "sample", day, storage, Shard(0, 1), processes=2)
finished = finish_source(config, "sample", day, storage, 1, processes=2)
print(json.dumps({"documents": extracted.documents, "articles": finished.articles,
                  "models_loaded": language._lingua.cache_info().currsize}))
"""


@pytest.mark.parametrize(("day", "documents"), [("2021-12-31", 0), (SAMPLE_DAY, 30)])
def test_an_extraction_with_no_pages_loads_no_model(sample_sources: Path, tmp_path: Path, day: str,
                                                    documents: int) -> None:
    proc = subprocess.run([sys.executable, "-c", _EMPTY_EXTRACTION, str(sample_sources), day, str(tmp_path / "d")],
                          capture_output=True, text=True, timeout=300, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.splitlines()[-1])
    if documents:
        assert result["articles"] >= documents and result["models_loaded"] == 1  # the control: pages load them
    else:
        assert result == {"documents": 0, "articles": 0, "models_loaded": 0}


def test_the_command_line_prints_progress_lines_when_not_on_a_terminal(sample_sources: Path, tmp_path: Path) -> None:
    env = {**os.environ, "NEWS_CORPUS_PROGRESS_SECONDS": "0.000001", "NEWS_CORPUS_PROCESSES": "1"}
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", "--day", SAMPLE_DAY, "--sources",
                           str(sample_sources), "--data", str(tmp_path / "data")],
                          capture_output=True, text=True, timeout=600, env=env, cwd=REPO)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("INFO pipeline.progress: extract sample")]
    assert len(lines) > 10 and "\r" not in proc.stderr  # lines, no bar
    assert LINE.match(lines[-1].removeprefix("INFO pipeline.progress: "))
