"""The command line on the embedded sample: run, re-run (byte-identical), backfill, show, extract, errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.runner import resolve_day
from tests.conftest import SAMPLE, SAMPLE_DAY


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=600)


def tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.parquet"))}


def test_run_twice_gives_byte_identical_partitions(sample_sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = cli("run", "--day", SAMPLE_DAY, "--sources", str(sample_sources), "--data", str(data))
    assert first.returncode == 0, first.stderr
    assert f"{SAMPLE_DAY} sample:" in first.stdout
    digest = tree_digest(data / "articles")
    assert len(digest) >= 6
    second = cli("run", "--day", SAMPLE_DAY, "--sources", str(sample_sources), "--data", str(data))
    assert second.returncode == 0, second.stderr
    assert tree_digest(data / "articles") == digest

    shown = cli("show", "--day", SAMPLE_DAY, "--data", str(data))
    assert shown.returncode == 0
    assert "thelimitedtimes.com" in shown.stdout and "machine-translated; languages:" in shown.stdout


def test_backfill_covers_each_day_and_late_articles_land_on_their_day(sample_sources: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    proc = cli("backfill", "--start", "2022-01-05", "--end", "2022-01-07", "--sources", str(sample_sources),
               "--data", str(data))
    # The sample has no input for 2022-01-05: the quality gate fails that day, after every day is written.
    assert proc.returncode == 1, proc.stderr
    runs, gates = proc.stdout.splitlines()[:3], proc.stdout.splitlines()[3:]
    assert [line.split()[0] for line in runs] == ["2022-01-05", "2022-01-06", "2022-01-07"]
    assert [line.split(f" ({data}/quality/")[0] for line in gates] == [
        "2022-01-05 gate: fail", "FAIL 2022-01-05 sample: missing input (warc_no_files 1); sample: 0 articles",
        "2022-01-06 gate: pass", "2022-01-07 gate: pass"]
    days = {p.name for p in (data / "articles").iterdir()}
    assert {"date=2022-01-05", "date=2022-01-06", "date=2022-01-07"} <= days


def test_extract_prints_one_record_as_json() -> None:
    manifest = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
    entry = next(e for e in manifest if e["expect"]["kind"] == "article" and e["expect"]["language"] == "de")
    proc = cli("extract", str(SAMPLE / entry["file"]), "--url", entry["url"])
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["url"] == entry["url"]
    assert record["language"] == "de"
    assert entry["expect"]["first_sentence"] in record["text"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("run", "--day", "2022-02-30"), "not a day"),
        (("backfill", "--start", "2022-01-07", "--end", "2022-01-05"), "is before start"),
        (("extract", "/nonexistent/page.html"), "cannot read"),
        (("run", "--day", "2022-01-06", "--source", "nope"), "unknown source"),
    ],
)
def test_errors_are_one_line_and_non_zero(args: tuple[str, ...], message: str, sample_sources: Path) -> None:
    if args[0] in {"run", "backfill"}:
        args = (*args, "--sources", str(sample_sources))
    proc = cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_day_comes_from_param_or_data_interval_never_logical_date() -> None:
    start = dt.datetime(2022, 1, 6, 0, 0, tzinfo=dt.timezone.utc)
    assert resolve_day(None, start) == dt.date(2022, 1, 6)
    assert resolve_day("2022-01-03", start) == dt.date(2022, 1, 3)
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        resolve_day("yesterday", start)


@pytest.mark.parametrize(("command", "options"), [("run", ["--day"]), ("backfill", ["--start", "--end"]),
                                                  ("show", ["--day"])])
def test_help_shows_the_day_format(command: str, options: list[str]) -> None:
    shown = cli(command, "--help")
    assert shown.returncode == 0
    for option in options:
        assert f"{option} YYYY-MM-DD" in shown.stdout
