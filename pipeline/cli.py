"""Command line: ``python -m pipeline run|backfill|gate|verify|report|extract|show|schema``. Errors are one line and
exit 2; a failed source, quality gate or verification exits 1."""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import logging
import sys
from collections import Counter
from pathlib import Path

from pipeline.budget import CUT_KINDS, DEFAULT_LIMITS
from pipeline.config import DEFAULT_SOURCES_FILE, SourcesConfig, load_sources
from pipeline.dataset import Dataset
from pipeline.document import Document, Page
from pipeline.errors import PipelineError
from pipeline.gate import check_day, quality_rel
from pipeline.progress import show_bars
from pipeline.runner import DEFAULT_DATA_DIR, SourceRun, days_between, run_day, run_days
from pipeline.schema import schema_markdown
from pipeline.recipe import default_steps
from pipeline.steps import run_steps
from pipeline.storage import as_storage
from pipeline.verify import verify


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {value!r}") from None


def _print_runs(results: list[SourceRun]) -> int:
    for r in results:
        status = f"FAILED: {r.error}" if r.error else f"{r.articles} articles, {len(r.partitions)} partitions"
        print(f"{r.day} {r.source_name}: {status}")
    return 1 if any(r.error for r in results) else 0


def _gate(config: SourcesConfig, days: list[dt.date], data: str, sources: list[str] | None) -> int:
    """The quality gate of each day, saved and printed; 1 when a day fails it."""
    failed = False
    for day in days:
        result = check_day(config, day, data, sources)
        print(f"{day} gate: {result.verdict} ({as_storage(data).url(quality_rel(day))})")
        if result.message():
            print(result.message())
        failed |= not result.ok
    return 1 if failed else 0


def cmd_run(args: argparse.Namespace) -> int:
    config = load_sources(args.sources)
    status = _print_runs(run_day(config, args.day, args.data, args.source, args.from_raw, args.refetch))
    return max(status, _gate(config, [args.day], args.data, args.source))


def cmd_backfill(args: argparse.Namespace) -> int:
    config = load_sources(args.sources)
    days = days_between(args.start, args.end)
    results = run_days(config, days, args.data, args.source, args.from_raw, args.refetch)
    return max(_print_runs(results), _gate(config, days, args.data, args.source))


def cmd_gate(args: argparse.Namespace) -> int:
    return _gate(load_sources(args.sources), [args.day], args.data, args.source)


def cmd_verify(args: argparse.Namespace) -> int:
    problems = verify(args.data, args.start, args.end)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem{'' if len(problems) == 1 else 's'} in {args.start}..{args.end}", file=sys.stderr)
    return 1 if problems else 0


# What the skips of the page limits mean, for the one-line error.
_LIMIT_SKIPS = {
    "skipped_too_large": f"over {DEFAULT_LIMITS.max_input_bytes:,} bytes",
    "skipped_too_slow": f"a step spent over {DEFAULT_LIMITS.max_step_seconds:g} s of CPU on it",
}


def cmd_extract(args: argparse.Namespace) -> int:
    path = Path(args.page)
    try:
        with path.open("rb") as handle:  # one byte over the limit is enough for the decode step to refuse it
            body = handle.read(DEFAULT_LIMITS.max_input_bytes + 1)
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc.strerror}") from None
    url = args.url or path.resolve().as_uri()
    now = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    page = Page(url=url, body=body, fetched_at=now, source_name="cli", headers=(("Content-Type", "text/html"),))
    stats: Counter[str] = Counter()
    docs = list(run_steps([Document(page=page, crawl_day=now.date())], default_steps(limits=DEFAULT_LIMITS), stats))
    if not docs:
        reasons = ", ".join(f"{r}: {_LIMIT_SKIPS[r]}" if r in _LIMIT_SKIPS else r for r in sorted(stats))
        raise PipelineError(f"{path}: no article extracted ({reasons or 'no article found'})")
    for finding in docs[0].findings:
        if finding.kind in CUT_KINDS:
            print(f"{path}: {finding.kind}: {finding.evidence}", file=sys.stderr)
    row = docs[0].to_row()
    print(json.dumps(row, default=str, ensure_ascii=False, indent=2))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    dataset = Dataset(args.data)
    keys = dataset.partitions(args.day, args.source)
    if not keys:
        print(f"no partitions under {dataset.storage.url('articles')}"
              + (f" for day {args.day}" if args.day else "") + (f" source {args.source}" if args.source else ""))
        return 0
    total = translated = 0
    languages: Counter[str] = Counter()
    print(f"{'date':<10}  {'source':<28} {'rows':>5} {'mt':>4}  languages")
    for key in keys:
        table = dataset.read(key)
        counts = Counter(lang or "?" for lang in table["language"].to_pylist())
        machine_translated = sum(table["is_machine_translated"].to_pylist())
        languages.update(counts)
        total += table.num_rows
        translated += machine_translated
        print(f"{key.day}  {key.site:<28} {table.num_rows:>5} {machine_translated:>4}  "
              + " ".join(f"{lang}:{n}" for lang, n in sorted(counts.items())))
    print(f"{len(keys)} partitions, {total} rows, {translated} machine-translated; languages: "
          + " ".join(f"{lang}:{n}" for lang, n in sorted(languages.items())))
    return 0


def cmd_pools(args: argparse.Namespace) -> int:
    from pipeline.sizing import suggested_extract_pool

    if not args.suggest:
        raise PipelineError("pools: nothing to do (--suggest prints the extract pool sized for this machine)")
    print(json.dumps(suggested_extract_pool(args.cores, args.memory_gib, args.processes), indent=2))
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.report import report_dir, write_report
    from pipeline.storage import Storage

    storage, config = Storage(args.data), load_sources(args.sources) if args.sources else None
    url = write_report(args.day, storage, config)
    if args.json:
        print(json.dumps(storage.read_json(f"{report_dir(args.day)}/report.json"), indent=2, ensure_ascii=False))
    else:
        print(url)
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    print(schema_markdown())
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="log progress and skipped pages")
    parser = argparse.ArgumentParser(prog="python -m pipeline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add_command = functools.partial(sub.add_parser, parents=[common])

    def with_sources(p: argparse.ArgumentParser) -> None:
        p.add_argument("--sources", type=Path, default=DEFAULT_SOURCES_FILE, help="sources YAML file")
        p.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
        p.add_argument("--data", default=DEFAULT_DATA_DIR,
                       help="data root: a folder or an object-store URL such as s3://bucket/prefix (default: data)")
        p.add_argument("--from-raw", action="store_true",
                       help="no network: re-extract from what earlier crawls stored in <data>/raw")
        p.add_argument("--refetch", action="store_true", help="fetch articles again that earlier runs fetched")

    run = add_command("run", help="process one day")
    run.add_argument("--day", type=_day, required=True, metavar="YYYY-MM-DD", help="the day to process (UTC)")
    with_sources(run)
    run.set_defaults(func=cmd_run)

    backfill = add_command("backfill", help="process a range of days, inclusive")
    backfill.add_argument("--start", type=_day, required=True, metavar="YYYY-MM-DD", help="first day (UTC)")
    backfill.add_argument("--end", type=_day, required=True, metavar="YYYY-MM-DD", help="last day, included")
    with_sources(backfill)
    backfill.set_defaults(func=cmd_backfill)

    gate = add_command("gate", help="judge a day's runs (quality gate); exit 1 when it fails")
    gate.add_argument("--day", type=_day, required=True)
    gate.add_argument("--sources", type=Path, default=DEFAULT_SOURCES_FILE, help="sources YAML file")
    gate.add_argument("--source", action="append", metavar="NAME", help="only this source (repeatable)")
    gate.add_argument("--data", default=DEFAULT_DATA_DIR, help="data root: a folder or s3://bucket/prefix")
    gate.set_defaults(func=cmd_gate)

    check = add_command("verify", help="check a range of days' partitions; exit 1 when a problem is found")
    check.add_argument("--start", type=_day, required=True)
    check.add_argument("--end", type=_day, required=True)
    check.add_argument("--data", default=DEFAULT_DATA_DIR, help="data root: a folder or s3://bucket/prefix")
    check.set_defaults(func=cmd_verify)

    extract = add_command("extract", help="print the record of one HTML page as JSON")
    extract.add_argument("page")
    extract.add_argument("--url", help="the page's URL (default: its file: URL)")
    extract.set_defaults(func=cmd_extract)

    show = add_command("show", help="summarise the dataset's partitions")
    show.add_argument("--day", type=_day, metavar="YYYY-MM-DD", help="only this day")
    show.add_argument("--source", help="a site, e.g. thelimitedtimes.com")
    show.add_argument("--data", default=DEFAULT_DATA_DIR, help="data root: a folder or s3://bucket/prefix")
    show.set_defaults(func=cmd_show)

    pools = add_command("pools", help="Airflow pools: --suggest prints the extract pool sized for this machine")
    pools.add_argument("--suggest", action="store_true", help="print the suggested extract pool")
    pools.add_argument("--processes", type=int, default=1, help="worker processes per extraction task (default 1)")
    pools.add_argument("--cores", type=int, help="cores (default: this machine's)")
    pools.add_argument("--memory-gib", type=float, help="memory in GiB (default: this machine's)")
    pools.set_defaults(func=cmd_pools)

    report = add_command("report", help="write the day's report page (reports/crawl_day=D/report.html)")
    report.add_argument("--day", type=_day, required=True, help="the crawl day, YYYY-MM-DD")
    report.add_argument("--data", default=DEFAULT_DATA_DIR, help="data root: a folder or s3://bucket/prefix")
    report.add_argument("--sources", type=Path, help="sources YAML file: its enabled sources are listed even "
                                                     "when they did not run (default: the sources found in the data)")
    report.add_argument("--json", action="store_true", help="print the report's data as JSON instead of the URL")
    report.set_defaults(func=cmd_report)

    schema = add_command("schema", help="print the dataset schema as Markdown")
    schema.set_defaults(func=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    # Progress of crawls and extractions: a bar on a terminal, else a line every NEWS_CORPUS_PROGRESS_SECONDS.
    show_bars(sys.stderr.isatty())
    logging.getLogger("pipeline.progress").setLevel(logging.INFO)
    try:
        return args.func(args)
    except (PipelineError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
