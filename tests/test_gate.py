"""The quality gate on real runs of the sample (a missing input path, a cut WARC, a source with nothing left) and on
histories of run manifests: exact reasons, verdicts, the saved result, the CLI's exit codes, S3."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pipeline.cli import main
from pipeline.config import load_sources
from pipeline.crawl.run import crawl_source
from pipeline.dataset import RunManifest
from pipeline.errors import ConfigError
from pipeline.gate import GateResult, check_day
from pipeline.runner import run_source
from pipeline.storage import Storage, as_storage
from tests.conftest import SAMPLE, SAMPLE_DAY
from tests.support.s3 import s3_environment, s3_server
from tests.support.testsite import TestSite, _warc_with, Reply, write_sources

DAY = dt.date.fromisoformat(SAMPLE_DAY)
SAMPLE_WARC = SAMPLE / "warc" / SAMPLE_DAY / f"sample-{SAMPLE_DAY}.warc.gz"


def write_config(path: Path, sources: dict[str, dict]) -> Path:
    path.write_text(yaml.safe_dump({"sources": [{"name": n, "kind": "warc", **s} for n, s in sources.items()]}),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def day_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample day run with four sources: the sample, a path that does not exist, a WARC cut in the middle, and
    the sample with every URL excluded. Returns (sources file, data root); tests copy the data root."""
    root = tmp_path_factory.mktemp("gate")
    cut = root / "cut" / SAMPLE_DAY / "cut.warc.gz"
    cut.parent.mkdir(parents=True)
    whole = SAMPLE_WARC.read_bytes()
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    sources = write_config(root / "sources.yaml", {
        "sample": {"paths": [str(SAMPLE / "warc" / "{day}" / "*.warc.gz")]},
        "gone": {"paths": [str(root / "nowhere" / "{day}" / "*.warc.gz")]},
        "cut": {"paths": [str(root / "cut" / "{day}" / "*.warc.gz")]},
        "filtered": {"paths": [str(SAMPLE / "warc" / "{day}" / "*.warc.gz")], "exclude": ["."]},
    })
    config = load_sources(sources)
    for name in ("sample", "gone", "cut", "filtered"):
        run_source(config, name, DAY, root / "data", processes=1)
    return sources, root / "data"


@pytest.fixture
def data(day_run: tuple[Path, Path], tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(day_run[1], copy)
    return copy


def by_source(result: GateResult) -> dict[str, tuple[str, list[str]]]:
    return {check.source: (check.verdict, check.reasons) for check in result.sources}


def write_history(data: Path | Storage, name: str, articles: list[int], before: dt.date = DAY) -> None:
    """Run manifests of ``name`` on the days before ``before``, the last one first."""
    for back, n in enumerate(articles, start=1):
        day = before - dt.timedelta(days=back)
        RunManifest(name, day, [], {"articles": n, "extracted": n + 2, "warc_responses": n + 5}).save(as_storage(data))


def test_missing_input_truncated_input_and_zero_articles_fail(day_run: tuple[Path, Path], data: Path) -> None:
    result = check_day(load_sources(day_run[0]), DAY, data)
    truncated = next(c for c in result.sources if c.source == "cut").counts["warc_truncated"]
    assert by_source(result) == {
        "cut": ("fail", [f"cut: truncated input (warc_truncated {truncated})"]),
        "filtered": ("fail", ["filtered: 0 articles"]),
        "gone": ("fail", ["gone: missing input (warc_no_files 1)", "gone: 0 articles"]),
        "sample": ("pass", []),
    }
    assert result.verdict == "fail" and not result.ok
    assert result.message().splitlines() == [
        f"FAIL {SAMPLE_DAY} cut: truncated input (warc_truncated {truncated})",
        f"FAIL {SAMPLE_DAY} filtered: 0 articles",
        f"FAIL {SAMPLE_DAY} gone: missing input (warc_no_files 1); gone: 0 articles"]
    assert result.summary() == {"day": SAMPLE_DAY, "verdict": "fail",
                                "articles": {"cut": result.sources[0].counts["articles"], "filtered": 0, "gone": 0,
                                             "sample": 39},
                                "failures": ["cut", "filtered", "gone"], "warnings": []}
    json.dumps(result.summary())


def test_the_result_is_saved_in_the_data_root_and_a_rerun_gives_the_same(day_run: tuple[Path, Path],
                                                                         data: Path) -> None:
    config = load_sources(day_run[0])
    where = data / "quality" / f"crawl_day={SAMPLE_DAY}.json"
    first = check_day(config, DAY, data, save=False)
    assert not where.exists()
    first = check_day(config, DAY, data)
    assert first.save(data) == str(where)
    saved = json.loads(where.read_text(encoding="utf-8"))
    assert set(saved) == {"day", "verdict", "checked_at", "sources"} and saved["verdict"] == "fail"
    sample = next(s for s in saved["sources"] if s["source"] == "sample")
    assert set(sample) == {"source", "verdict", "reasons", "counts", "history", "expect"}
    assert sample["counts"]["articles"] == 39 and sample["history"] == {"runs": 0, "days": [], "median": {}}
    assert sample["expect"] == {"min_articles": 1, "max_drop": 0.7, "min_history": 3, "on_failure": "fail"}
    assert GateResult.load(data, DAY).to_json() == saved
    again = check_day(config, DAY, data, ["sample", "gone", "filtered", "cut"])  # asked in another order
    assert {**again.to_json(), "checked_at": None} == {**first.to_json(), "checked_at": None}


def test_a_drop_far_below_the_median_of_the_last_seven_runs_fails(day_run: tuple[Path, Path], data: Path) -> None:
    config = load_sources(day_run[0])
    write_history(data, "sample", [41, 40, 3, 45, 44, 39, 41, 500])  # the eighth run back is out of the window
    check = next(c for c in check_day(config, DAY, data, ["sample"]).sources)
    assert (check.verdict, check.reasons) == ("pass", [])  # 39 articles against a median of 41
    assert check.history == {"runs": 7, "days": [(DAY - dt.timedelta(days=back)).isoformat()
                                                 for back in range(7, 0, -1)],
                             "median": {"articles": 41, "extracted": 43, "warc_responses": 46}}

    later = DAY + dt.timedelta(days=1)
    RunManifest("sample", later, [], {"articles": 3, "warc_responses": 12}).save(Storage(data))
    result = check_day(config, later, data, ["sample"])
    # the window is now the seven runs before `later`: 39 (DAY), 41, 40, 3, 45, 44, 39 -> median 40
    assert by_source(result) == {"sample": ("fail", [
        "sample: 3 articles, median of last 7 runs 40 (-92%); expect.max_drop 0.7"])}


def test_on_failure_warn_and_min_articles(day_run: tuple[Path, Path], data: Path, tmp_path: Path) -> None:
    raw = yaml.safe_load(day_run[0].read_text(encoding="utf-8"))
    for entry in raw["sources"]:
        if entry["name"] == "gone":
            entry["expect"] = {"on_failure": "warn"}
        if entry["name"] == "sample":
            entry["expect"] = {"min_articles": 50, "max_drop": 0.5}
    config = load_sources(write_config(tmp_path / "s.yaml", {e.pop("name"): e for e in raw["sources"]}))
    result = check_day(config, DAY, data, ["gone", "sample"])
    assert by_source(result) == {
        "gone": ("warn", ["gone: missing input (warc_no_files 1)", "gone: 0 articles"]),
        "sample": ("fail", ["sample: 39 articles; expect.min_articles 50"])}
    warned = check_day(config, DAY, data, ["gone"])
    assert (warned.verdict, warned.ok) == ("warn", True)
    assert warned.summary()["warnings"] == ["gone"] and warned.message().startswith(f"WARN {SAMPLE_DAY} gone:")


def test_without_history_only_the_absolute_checks_apply(day_run: tuple[Path, Path], data: Path) -> None:
    config = load_sources(day_run[0])
    RunManifest("sample", DAY + dt.timedelta(days=1), [], {"articles": 1}).save(Storage(data))
    assert by_source(check_day(config, DAY + dt.timedelta(days=1), data, ["sample"])) == {"sample": ("pass", [])}
    # two runs of history are fewer than expect.min_history (3): a drop from 39 to 1 is not judged yet
    write_history(data, "sample", [39], before=DAY)
    assert by_source(check_day(config, DAY + dt.timedelta(days=1), data, ["sample"])) == {"sample": ("pass", [])}
    write_history(data, "sample", [40, 40], before=DAY - dt.timedelta(days=1))
    assert by_source(check_day(config, DAY + dt.timedelta(days=1), data, ["sample"]))["sample"][0] == "fail"


def test_a_source_without_a_run_fails(day_run: tuple[Path, Path], data: Path) -> None:
    result = check_day(load_sources(day_run[0]), DAY + dt.timedelta(days=3), data, ["sample"])
    assert by_source(result) == {"sample": ("fail", ["sample: no run"])}


def test_expect_is_validated_with_the_file_source_and_field_named(tmp_path: Path) -> None:
    path = write_config(tmp_path / "s.yaml", {"a": {"paths": ["x"], "expect": {"max_drop": 2}}})
    with pytest.raises(ConfigError, match=r"source 'a': field 'expect.max_drop': Input should be less than or equal"):
        load_sources(path)
    path = write_config(tmp_path / "s.yaml", {"a": {"paths": ["x"], "expect": {"on_failure": "ignore"}}})
    with pytest.raises(ConfigError, match=r"source 'a': field 'expect.on_failure'"):
        load_sources(path)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pipeline", *args], capture_output=True, text=True, timeout=600)


def test_cli_gate_exit_codes_and_a_corrupt_manifest_named(day_run: tuple[Path, Path], data: Path) -> None:
    sources = str(day_run[0])
    failed = cli("gate", "--day", SAMPLE_DAY, "--sources", sources, "--data", str(data))
    assert failed.returncode == 1, failed.stderr
    assert failed.stdout.splitlines()[0] == f"{SAMPLE_DAY} gate: fail ({data}/quality/crawl_day={SAMPLE_DAY}.json)"
    assert f"FAIL {SAMPLE_DAY} gone: missing input (warc_no_files 1); gone: 0 articles" in failed.stdout.splitlines()
    passed = cli("gate", "--day", SAMPLE_DAY, "--sources", sources, "--data", str(data), "--source", "sample")
    assert (passed.returncode, passed.stdout) == (0, f"{SAMPLE_DAY} gate: pass ({data}/quality/"
                                                     f"crawl_day={SAMPLE_DAY}.json)\n")

    manifest = data / "runs" / f"crawl_day={SAMPLE_DAY}" / "sample.json"
    manifest.write_text('{"source_name": "sample", "counts": {', encoding="utf-8")
    corrupt = cli("gate", "--day", SAMPLE_DAY, "--sources", sources, "--data", str(data))
    assert corrupt.returncode == 2
    assert corrupt.stderr.startswith(f"error: {manifest}: not valid JSON") and "Traceback" not in corrupt.stderr
    manifest.write_text('{"source_name": "sample", "crawl_day": "2022-01-06", "partitions": []}', encoding="utf-8")
    with pytest.raises(ValueError, match=rf"^{manifest}: not a run manifest: KeyError: 'counts'"):
        RunManifest.load(Storage(data), "sample", DAY)


def test_cli_run_exits_1_when_the_gate_fails(day_run: tuple[Path, Path], tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--sources", str(day_run[0]), "--data", str(tmp_path / "data"), "--source", "gone"]
    assert main(["run", "--day", SAMPLE_DAY, *args]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{SAMPLE_DAY} gone: 0 articles, 0 partitions"
    assert out[2] == f"FAIL {SAMPLE_DAY} gone: missing input (warc_no_files 1); gone: 0 articles"
    assert (tmp_path / "data" / "quality" / f"crawl_day={SAMPLE_DAY}.json").exists()


@pytest.fixture
def site() -> Iterator[TestSite]:
    with TestSite(lifetime=120) as running:
        yield running


@pytest.mark.parametrize("announced", [True, False], ids=["length-announced", "unframed"])
def test_a_cc_news_file_cut_mid_download_and_one_never_received_fail(site: TestSite, tmp_path: Path,
                                                                    announced: bool) -> None:
    path = "/crawl-data/CC-NEWS/2022/01/CC-NEWS-20220106010203-00001.warc.gz"
    warc = _warc_with([(f"https://www.example.com/world/{n}.html", f"Story {n}") for n in range(6)])
    # The server closes the connection two thirds in, having announced the whole length or no length at all.
    length = (("Content-Length", str(len(warc))),) if announced else ()
    site.add(2, path, Reply(body=warc[: len(warc) * 2 // 3], headers=length, action="unframed"))
    config = load_sources(write_sources(site, tmp_path / "sources.yaml", ("ccnews",)))
    crawl_source(config, "ccnews", DAY, tmp_path / "data")
    run = run_source(config, "ccnews", DAY, tmp_path / "data", processes=1)
    assert run.counts["warc_download_cut"] == 1 and run.articles >= 1
    assert by_source(check_day(config, DAY, tmp_path / "data")) == {
        "ccnews": ("fail", ["ccnews: truncated input (warc_download_cut 1)"])}
    # A later crawl of the day that gets the file whole makes it whole.
    site.add(2, path, Reply(body=warc))
    crawl_source(config, "ccnews", DAY, tmp_path / "data", refetch=True)
    assert "warc_download_cut" not in run_source(config, "ccnews", DAY, tmp_path / "data", processes=1).counts
    assert check_day(config, DAY, tmp_path / "data").verdict == "pass"

    site.routes.pop((site.hosts[2], path))  # the next day's file is not there (404)
    site.add(2, "/crawl-data/CC-NEWS/2022/01/warc.paths.gz", Reply(body=b"crawl-data/CC-NEWS/2022/01/"
                                                                   b"CC-NEWS-20220107000000-00000.warc.gz\n"))
    later = DAY + dt.timedelta(days=1)
    crawl_source(config, "ccnews", later, tmp_path / "data")
    run_source(config, "ccnews", later, tmp_path / "data", processes=1)
    assert by_source(check_day(config, later, tmp_path / "data")) == {
        "ccnews": ("fail", ["ccnews: missing input (warc_download_failed 1)", "ccnews: 0 articles"])}


def test_gate_on_s3(day_run: tuple[Path, Path]) -> None:
    with s3_server() as server, s3_environment(server):
        storage = Storage(server.url("gate"))
        write_history(storage, "sample", [40, 42, 41])
        RunManifest("sample", DAY, [], {"articles": 2, "warc_responses": 9}).save(storage)
        result = check_day(load_sources(day_run[0]), DAY, storage, ["sample"])
        assert by_source(result) == {"sample": ("fail", [
            "sample: 2 articles, median of last 3 runs 41 (-95%); expect.max_drop 0.7"])}
        assert server.keys("gate/quality/") == [f"gate/quality/crawl_day={SAMPLE_DAY}.json"]  # saved by check_day
        assert result.save(storage) == f"s3://news-corpus/gate/quality/crawl_day={SAMPLE_DAY}.json"
        assert GateResult.load(storage, DAY).to_json() == result.to_json()
