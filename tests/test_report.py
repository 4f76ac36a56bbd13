"""The daily report on a real data root: the sample day and a real crawl of the test site, earlier runs' manifests,
a gate result and a source whose data carries markup. The page is parsed, its plots checked against the dataset as
pandas reads it, rendered in headless Chromium when it is installed, and written to an S3 data root."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import lxml.html
import pyarrow as pa
import pytest
import yaml
from PIL import Image

from pipeline.config import load_sources
from pipeline.dataset import Dataset, PartitionKey, RunManifest
from pipeline.readers import read_pandas
from pipeline.report import PALETTE, WORD_COUNT_BINS, build_report, write_report
from pipeline.runner import run_day
from pipeline.storage import Storage
from tests.conftest import SAMPLE, SAMPLE_DAY
from tests.support.s3 import s3_environment, s3_server
from tests.support import testsite
from tests.support.testsite import TEST_CRAWL, TestSite

DAY = dt.date.fromisoformat(SAMPLE_DAY)
# Runs of the sample before the day (the last seven count: 40..46, median 43) and one after it (never counted).
EARLIER_ARTICLES = {dt.date(2021, 12, 27): 500, dt.date(2021, 12, 28): 1, **{
    DAY - dt.timedelta(days=n): 47 - n for n in range(1, 8)}}
LATER_ARTICLES = {DAY + dt.timedelta(days=1): 999}
HOSTILE = "hostile"
HOSTILE_OUTLET = '<script>alert("x")</script> Tom & Jerry\'s $news$ id="x" url(#y)'
GATE_REASON = "articles 8 < 0.5 x median <b>16</b>"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


def write_sample_sources(path: Path, site: TestSite | None) -> Path:
    sources = [{"name": "sample", "kind": "warc", "paths": [str(SAMPLE / "warc" / "{day}" / "*.warc.gz")]}]
    if site is not None:
        sources.append({"name": "feeds", **testsite.test_sources(site)["feeds"]})
    path.write_text(yaml.safe_dump({"crawl": TEST_CRAWL, "sources": sources}), encoding="utf-8")
    return path


def add_hostile_run(storage: Storage) -> None:
    """A run whose one article names an outlet made of markup (as a crawled page might), with skips."""
    dataset = Dataset(storage)
    key = dataset.partitions(DAY)[0]
    row = dataset.read(key).slice(0, 1).to_pylist()[0]
    row.update(source_name=HOSTILE, article_id="f" * 32, origin_outlet=HOSTILE_OUTLET, is_machine_translated=True,
               title=HOSTILE_OUTLET)
    table = pa.Table.from_pylist([row], schema=dataset.read(key).schema)
    dataset.commit_run(HOSTILE, DAY, [(key, table)], {"articles": 1, "extracted": 1, "skipped_too_short": 3,
                                                      "warc_bad_header": 2})


def add_history(storage: Storage) -> None:
    for day, articles in {**EARLIER_ARTICLES, **LATER_ARTICLES}.items():
        RunManifest("sample", day, [], {"articles": articles, "extracted": articles}).save(storage)


def gate_result() -> dict:
    return {"day": SAMPLE_DAY, "verdict": "fail", "checked_at": "2022-01-07T01:00:00+00:00", "sources": [
        {"source": "sample", "verdict": "pass", "reasons": [], "counts": {}, "history": {}, "expect": {}},
        {"source": "feeds", "verdict": "warn", "reasons": [GATE_REASON], "counts": {}, "history": {}, "expect": {}},
        {"source": HOSTILE, "verdict": "fail", "reasons": ["no language"], "counts": {}, "history": {}, "expect": {}},
    ]}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A data root with the sample day, a real crawl of the test site's feeds, history, a gate result; its report."""
    tmp = tmp_path_factory.mktemp("report")
    data = tmp / "data"
    storage = Storage(data)
    with TestSite(lifetime=120) as site:
        config = load_sources(write_sample_sources(tmp / "sources.yaml", site))
        results = run_day(config, DAY, storage)
    assert [r.error for r in results] == [None, None]
    add_hostile_run(storage)
    add_history(storage)
    storage.write_json(f"quality/crawl_day={SAMPLE_DAY}.json", gate_result())
    return data, tmp / "sources.yaml"


@pytest.fixture(scope="module")
def written(corpus: tuple[Path, Path]) -> tuple[Path, dict, lxml.html.HtmlElement, str]:
    data, sources = corpus
    url = write_report(DAY, Storage(data), load_sources(sources))
    page = Path(url)
    assert page == data / "reports" / f"crawl_day={SAMPLE_DAY}" / "report.html"
    report = json.loads((page.parent / "report.json").read_text(encoding="utf-8"))
    text = page.read_text(encoding="utf-8")
    return page, report, lxml.html.document_fromstring(text), text


def source_of(report: dict, name: str) -> dict:
    return next(s for s in report["sources"] if s["source"] == name)


def plot_texts(doc: lxml.html.HtmlElement, section: str, plot: str) -> list[str]:
    """The text drawn in one plot of a source's section (matplotlib's SVG keeps text as <text>)."""
    figures = doc.xpath(f'//section[h2[starts-with(normalize-space(.), "{section}")]]'
                        f'//figure[@data-plot="{plot}"]')
    assert len(figures) == 1, (section, plot)
    return [t.strip() for t in figures[0].xpath(".//*[local-name()='text']//text()") if t.strip()]


def test_page_is_well_formed_with_a_summary_table_and_every_plot(written) -> None:
    _, report, doc, text = written
    parser = lxml.html.HTMLParser(recover=False)
    lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)  # raises on malformed markup
    assert doc.xpath("//html/head/title")[0].text == f"news corpus: {SAMPLE_DAY}"
    rows = doc.xpath('//table[@id="summary"]/tbody/tr')
    assert [r.xpath("td[1]")[0].text_content() for r in rows] == ["feeds", HOSTILE, "sample"]
    verdicts = {r.xpath("td[1]")[0].text_content(): r.xpath("td[last()]/span")[0] for r in rows}
    assert {name: (v.text, v.get("class")) for name, v in verdicts.items()} == {
        "feeds": ("warn", "verdict warn"), HOSTILE: ("fail", "verdict fail"), "sample": ("pass", "verdict pass")}
    expected = {
        "sample": {"history", "skips", "languages", "word_count", "origin_outlets"},
        "feeds": {"history", "skips", "crawl", "languages", "word_count"},
        HOSTILE: {"history", "skips", "languages", "word_count", "origin_outlets"},
    }
    for name, plots in expected.items():
        section = doc.xpath(f'//section[h2[starts-with(normalize-space(.), "{name}")]]')[0]
        assert {f.get("data-plot") for f in section.xpath(".//figure")} == plots, name
        assert len(section.xpath(".//figure/*[local-name()='svg']")) == len(plots)
    assert len(doc.xpath("//svg")) == 1 + sum(len(p) for p in expected.values())


def test_plots_show_the_days_numbers(written) -> None:
    _, report, doc, _ = written
    overview = [t.strip() for t in doc.xpath("//body/figure//*[local-name()='text']//text()") if t.strip()]
    for source in report["sources"]:
        assert source["source"] in overview and str(source["articles"]) in overview
    assert "43" in overview  # the sample's median of the last seven runs

    sample = source_of(report, "sample")
    assert plot_texts(doc, "sample", "history") == [
        *[d.isoformat()[5:] for d in sorted(EARLIER_ARTICLES)[-7:]], SAMPLE_DAY[5:],
        *[str(EARLIER_ARTICLES[d]) for d in sorted(EARLIER_ARTICLES)[-7:]], str(sample["articles"]),
        "articles: last runs and this day; median 43 (dashed)"]
    languages = plot_texts(doc, "sample", "languages")
    for language, n in sample["languages"].items():
        assert language in languages and str(n) in languages
    histogram = plot_texts(doc, "sample", "word_count")
    assert all(str(n) in histogram for n in sample["word_count"]["counts"] if n)
    crawl = plot_texts(doc, "feeds", "crawl")
    for outcome, n in source_of(report, "feeds")["crawl"]["outcomes"].items():
        assert outcome in crawl and str(n) in crawl
    skips = plot_texts(doc, HOSTILE, "skips")
    assert set(skips) >= {"skipped_too_short", "3", "warc_bad_header", "2"}


def test_json_matches_the_dataset_and_the_manifests(written, corpus) -> None:
    _, report, _, _ = written
    data, _ = corpus
    frame = read_pandas(str(data), columns=["source_name", "crawl_day", "language", "word_count", "duplicate_of",
                                            "is_machine_translated", "origin_outlet", "source"])
    frame = frame[frame["crawl_day"] == DAY]
    assert report["totals"] == {"sources": 3, "ran": 3, "rows": len(frame),
                                "articles": sum(s["articles"] for s in report["sources"])}
    for source in report["sources"]:
        rows = frame[frame["source_name"] == source["source"]]
        manifest = json.loads((data / "runs" / f"crawl_day={SAMPLE_DAY}" / f"{source['source']}.json").read_text())
        assert source["counts"] == manifest["counts"] and source["articles"] == manifest["counts"]["articles"]
        assert source["rows"] == len(rows) > 0
        assert source["languages"] == dict(Counter(rows["language"].fillna("unknown")))
        assert source["machine_translated"]["articles"] == int(rows["is_machine_translated"].sum())
        assert source["machine_translated"]["origin_outlets"] == dict(Counter(rows["origin_outlet"].dropna()))
        assert source["near_duplicates"] == int(rows["duplicate_of"].notna().sum())
        assert sum(source["word_count"]["counts"]) == len(rows)
        assert source["word_count"]["counts"][0] == int((rows["word_count"] < WORD_COUNT_BINS[1]).sum())
        assert source["word_count"]["max"] == int(rows["word_count"].max())
        assert source["site_count"] == rows["source"].nunique()
    sample = source_of(report, "sample")
    assert sample["history"] == {"median": 43, "runs": [
        {"day": d.isoformat(), "articles": EARLIER_ARTICLES[d]} for d in sorted(EARLIER_ARTICLES)[-7:]]}
    assert sample["vs_median"] == round(sample["articles"] / 43, 4)
    assert sample["skips"] == {k: v for k, v in sample["counts"].items() if k.startswith(("skipped_", "duplicate_url"))}
    assert source_of(report, HOSTILE)["skips"] == {"skipped_too_short": 3, "warc_bad_header": 2}
    feeds = source_of(report, "feeds")
    summaries = [json.loads(p.read_text()) for p in (data / "raw" / f"date={SAMPLE_DAY}" / "source=feeds")
                 .glob("*.summary.json")]
    assert feeds["crawl"]["crawls"] == len(summaries) == 1
    assert feeds["crawl"]["outcomes"] == summaries[0]["outcomes"]
    assert feeds["history"] == {"runs": [], "median": None} and feeds["vs_median"] is None
    assert report["gate"] == {"ran": True, "verdict": "fail", "checked_at": "2022-01-07T01:00:00+00:00"}
    assert feeds["gate"] == {"verdict": "warn", "reasons": [GATE_REASON]}


def test_page_loads_nothing_and_escapes_the_data(written) -> None:
    _, _, doc, text = written
    assert doc.xpath("//script | //link | //img | //iframe | //object | //embed | //*[contains(@style, 'url(')]") == []
    for element in doc.iter():
        for attribute in ("src", "href", "xlink:href", "{http://www.w3.org/1999/xlink}href", "action", "data"):
            value = element.get(attribute) or ""
            assert not re.match(r"\s*(https?:)?//", value), (element.tag, attribute, value)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", text) and "@import" not in text
    policy = doc.xpath('//meta[@http-equiv="Content-Security-Policy"]/@content')[0]
    assert policy.startswith("default-src 'none'")
    # The markup in the data is text: in the outlet plot, the page title of the summary, the gate's reasons.
    assert HOSTILE_OUTLET in plot_texts(doc, HOSTILE, "origin_outlets")
    assert GATE_REASON in [li.text_content() for li in doc.xpath("//ul[@class='reasons']/li")]
    assert "<b>16</b>" not in text and "<script>alert" not in text


def test_a_re_run_gives_the_same_bytes_and_no_gate_says_so(written, corpus, tmp_path: Path) -> None:
    page, report, _, text = written
    data, sources = corpus
    assert write_report(DAY, Storage(data), load_sources(sources)) == str(page)
    assert page.read_text(encoding="utf-8") == text

    other = tmp_path / "data"
    shutil.copytree(data / "runs", other / "runs")
    shutil.copytree(data / "articles", other / "articles")
    without_gate = build_report(DAY, Storage(other))
    assert without_gate["gate"] == {"ran": False, "verdict": None}
    assert [s["source"] for s in without_gate["sources"]] == ["feeds", HOSTILE, "sample"]
    doc = lxml.html.document_fromstring(Path(write_report(DAY, Storage(other))).read_text(encoding="utf-8"))
    assert {span.text for span in doc.xpath('//table[@id="summary"]//span')} == {"gate not run"}
    # A configured source that did not run is listed as such (the day given as the DAG's XCom string).
    config = yaml.safe_load(sources.read_text(encoding="utf-8"))
    config["sources"].append({"name": "idle", "kind": "warc", "paths": [str(tmp_path / "none.warc.gz")]})
    (tmp_path / "idle.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    page = Path(write_report(SAMPLE_DAY, str(other), load_sources(tmp_path / "idle.yaml")))
    idle = source_of(json.loads((page.parent / "report.json").read_text(encoding="utf-8")), "idle")
    assert (idle["ran"], idle["articles"], idle["rows"], idle["kind"]) == (False, None, 0, "warc")
    summary = lxml.html.document_fromstring(page.read_text(encoding="utf-8")).xpath(
        '//table[@id="summary"]/tbody/tr')
    assert [td.text_content() for td in summary[2].xpath("td")][:2] == ["idle", "no run"]
    # A broken gate file and a broken manifest are noted on the page; the rest of it stands.
    Storage(other).write_bytes(f"quality/crawl_day={SAMPLE_DAY}.json", b"{not json")
    Storage(other).write_bytes("runs/crawl_day=2022-01-05/sample.json", b"[]")
    broken = sorted((other / "articles").glob(f"date={SAMPLE_DAY}/source=*/articles.parquet"))[-1]
    broken.write_bytes(b"not parquet")
    noted = build_report(DAY, Storage(other))
    assert len(noted["notes"]) == 3 and "not a gate result" in noted["notes"][0]
    assert f"{broken}: unreadable" in noted["notes"][1] and "not a run manifest" in noted["notes"][2]
    assert source_of(noted, "sample")["history"]["median"] == 42.5
    assert source_of(noted, "sample")["rows"] < source_of(without_gate, "sample")["rows"]


def test_cli_writes_the_page_and_prints_its_url_or_the_json(written, corpus) -> None:
    page, report, _, _ = written
    data, sources = corpus
    base = [sys.executable, "-m", "pipeline", "report", "--day", SAMPLE_DAY, "--data", str(data)]
    shown = subprocess.run([*base, "--sources", str(sources)], capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == str(page)
    as_json = subprocess.run([*base, "--sources", str(sources), "--json"], capture_output=True, text=True,
                             timeout=300)
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout) == report
    helped = subprocess.run([sys.executable, "-m", "pipeline", "report", "--help"], capture_output=True, text=True)
    assert "YYYY-MM-DD" in helped.stdout
    bad = subprocess.run([*base[:-4], "--day", "2022-13-01"], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a day" in bad.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (Debian package: chromium)")
def test_page_renders_in_headless_chromium_without_errors(written, tmp_path: Path) -> None:
    page, report, doc, _ = written
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = lxml.html.document_fromstring(dom.stdout)
    svg_texts = "//figure/*[local-name()='svg']//*[local-name()='text']"
    assert len(rendered.xpath("//figure/*[local-name()='svg']")) == len(doc.xpath("//figure/svg")) > 10
    assert rendered.xpath(svg_texts + "//text()") == doc.xpath(svg_texts + "//text()")
    assert rendered.xpath('//table[@id="summary"]//span/text()') == ["warn", "fail", "pass"]
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line or "Refused to" in line]
    assert console == []  # no script error, no resource the policy refused

    png = tmp_path / "report.png"
    shot = subprocess.run([*flags, f"--screenshot={png}", "--window-size=1280,4000", "--hide-scrollbars",
                           page.as_uri()], capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0, shot.stderr[-2000:]
    colours = {rgb for _, rgb in Image.open(png).convert("RGB").getcolors(maxcolors=1 << 24)}
    # The plots' bars and the verdict badges were painted.
    for colour in (PALETTE["today"], PALETTE["skip"], PALETTE["crawl"], PALETTE["mt"], "#2e7d32", "#c62828"):
        assert tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5)) in colours, colour
    if os.environ.get("NEWS_CORPUS_REPORT_SCREENSHOT"):  # to look at it: a path to copy the screenshot to
        shutil.copy(png, os.environ["NEWS_CORPUS_REPORT_SCREENSHOT"])


def test_report_reads_and_writes_an_s3_data_root(tmp_path: Path) -> None:
    with s3_server() as server, s3_environment(server):
        root = server.url("corpus")
        storage = Storage(root)
        config = load_sources(write_sample_sources(tmp_path / "sources.yaml", None))
        assert [r.error for r in run_day(config, DAY, storage)] == [None]
        RunManifest("sample", DAY - dt.timedelta(days=1), [], {"articles": 10}).save(storage)
        storage.write_json(f"quality/crawl_day={SAMPLE_DAY}.json", gate_result())
        url = write_report(DAY, storage, config)
        assert url == f"{root}/reports/crawl_day={SAMPLE_DAY}/report.html"
        assert server.keys("corpus/reports/") == [f"corpus/reports/crawl_day={SAMPLE_DAY}/report.html",
                                                  f"corpus/reports/crawl_day={SAMPLE_DAY}/report.json"]
        report = json.loads(storage.read_bytes(f"reports/crawl_day={SAMPLE_DAY}/report.json"))
        frame = read_pandas(root, columns=["crawl_day", "source_name"])
        sample = source_of(report, "sample")
        assert sample["rows"] == int(((frame["crawl_day"] == DAY) & (frame["source_name"] == "sample")).sum()) > 0
        assert sample["history"]["median"] == 10 and sample["gate"]["verdict"] == "pass"
        doc = lxml.html.document_fromstring(storage.read_bytes(f"reports/crawl_day={SAMPLE_DAY}/report.html"))
        assert {f.get("data-plot") for f in doc.xpath("//section//figure")} >= {"history", "languages", "word_count"}
