"""The daily report: one self-contained HTML page per crawl day, with its data as JSON beside it.

``reports/crawl_day=D/report.html`` and ``report.json`` in the data root. Per source (a configured source's run of
the day): its articles against the median of its last seven runs before the day (from the run manifests), the
skips by reason, the crawl's outcomes (from the raw zone's crawl summaries), the language mix, the
machine-translated share and origin outlets, the distribution of text length, duplicates, and the quality gate's
verdict (``quality/crawl_day=D.json``, written by the gate when it ran).

The page has no script and loads nothing: the plots are matplotlib SVG inlined in the page, with text left as text
(``svg.fonttype: none``) so the numbers in them can be read, searched and copied, and a Content-Security-Policy
that forbids any fetch or script. The report is a pure function of the data root: a re-run gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import statistics
import warnings
from collections import Counter, defaultdict
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from matplotlib.figure import Figure

from pipeline.config import SourcesConfig
from pipeline.crawl.rawzone import crawl_summaries
from pipeline.dataset import PARTITION_FILE, PartitionKey, RunManifest
from pipeline.gate import HISTORY_RUNS, quality_rel
from pipeline.storage import Storage, as_storage

REPORT_VERSION = 1
# A day's articles under half or over twice the median of the trailing runs are marked on the page (the gate judges).
LOW_RATIO, HIGH_RATIO = 0.5, 2.0
# Run counts that describe the flow of pages, not a skip (the crawl's own outcomes come from its summaries).
FLOW_COUNTS = frozenset({"warc_files", "raw_warc_files", "warc_responses", "extracted", "articles",
                         "articles_owned", "duplicates", "boilerplate_lines"})
# Run counts of pages or records lost, by reason; the others (cuts, site profiles, ...) note pages that were kept.
SKIP_COUNT_PREFIXES = ("skipped_", "failed_", "warc_", "raw_", "duplicate_url")
# Fixed bins (words), so that days and sources compare; the last is open-ended.
WORD_COUNT_BINS = (0, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000)
TOP_OUTLETS = 15
TOP_SITES = 10
UNKNOWN_LANGUAGE = "unknown"
READ_COLUMNS = ["source_name", "crawl_day", "language", "word_count", "duplicate_of", "is_machine_translated",
                "origin_outlet"]


def _as_day(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.date):
        return day
    try:
        return dt.date.fromisoformat(day)
    except ValueError:
        raise ValueError(f"day must be YYYY-MM-DD, got {day!r}") from None


def report_dir(day: dt.date) -> str:
    return f"reports/crawl_day={day.isoformat()}"


def _ranked(counter: Counter[str]) -> dict[str, int]:
    """Most frequent first, ties by name: the same order on every run."""
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))


# Collecting


def _load_manifest(storage: Storage, name: str, day: dt.date, notes: list[str]) -> RunManifest | None:
    try:
        return RunManifest.load(storage, name, day)
    except ValueError as exc:  # one bad manifest is noted; the rest of the report stands
        notes.append(str(exc))
        return None


def _gate(storage: Storage, day: dt.date, notes: list[str]) -> dict[str, Any]:
    rel = quality_rel(day)
    if not storage.exists(rel):
        return {"ran": False, "verdict": None, "sources": {}}
    try:
        result = storage.read_json(rel)
        sources = {entry["source"]: {"verdict": entry["verdict"], "reasons": list(entry.get("reasons") or [])}
                   for entry in result.get("sources") or []}
        return {"ran": True, "verdict": result["verdict"], "checked_at": result.get("checked_at"),
                "sources": sources}
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        notes.append(f"{storage.url(rel)}: not a gate result ({type(exc).__name__}: {exc})")
        return {"ran": False, "verdict": None, "sources": {}, "unreadable": True}


def _day_rows(storage: Storage, day: dt.date, manifests: dict[str, RunManifest],
              notes: list[str]) -> dict[str, list[tuple[str, pa.Table]]]:
    """The rows each run of the day owns in the dataset, as source name -> [(site, rows)], each partition read
    once (only the columns the report needs). An unreadable partition is noted and left out."""
    keys: set[PartitionKey] = {key for manifest in manifests.values() for key in manifest.partitions}
    rows: defaultdict[str, list[tuple[str, pa.Table]]] = defaultdict(list)
    for key in sorted(keys):
        rel = f"articles/{key.relative_dir()}/{PARTITION_FILE}"
        if not storage.exists(rel):
            continue
        try:
            table = storage.read_parquet(rel, columns=READ_COLUMNS)
        except (OSError, pa.ArrowException) as exc:
            notes.append(f"{storage.url(rel)}: unreadable, left out ({type(exc).__name__}: {exc})")
            continue
        table = table.filter(pc.equal(table["crawl_day"], pa.scalar(day, pa.date32())))
        for name in sorted(set(table["source_name"].to_pylist())):
            if name in manifests:
                rows[name].append((key.site, table.filter(pc.equal(table["source_name"], name))))
    return rows


def _word_counts(values: list[int]) -> dict[str, Any]:
    bins = [0] * len(WORD_COUNT_BINS)
    for value in values:
        bins[sum(1 for edge in WORD_COUNT_BINS[1:] if value >= edge)] += 1
    labels = [f"{lo}-{hi - 1}" for lo, hi in zip(WORD_COUNT_BINS, WORD_COUNT_BINS[1:])] + [f"{WORD_COUNT_BINS[-1]}+"]
    summary: dict[str, Any] = {"bins": labels, "counts": bins}
    if values:
        ordered = sorted(values)
        summary.update(min=ordered[0], p10=ordered[len(ordered) // 10], median=statistics.median_low(ordered),
                       p90=ordered[(len(ordered) * 9) // 10], max=ordered[-1])
    return summary


def _content(parts: list[tuple[str, pa.Table]]) -> dict[str, Any]:
    """What the run's rows in the dataset say: languages, translation, length, duplicates, sites."""
    table = pa.concat_tables([t for _, t in parts]) if parts else pa.table({c: [] for c in READ_COLUMNS})
    n = table.num_rows
    languages = Counter(lang or UNKNOWN_LANGUAGE for lang in table["language"].to_pylist())
    translated = sum(1 for flag in table["is_machine_translated"].to_pylist() if flag)
    outlets = Counter(o for o in table["origin_outlet"].to_pylist() if o)
    return {
        "rows": n,
        "sites": dict(list(_ranked(Counter({site: t.num_rows for site, t in parts})).items())[:TOP_SITES]),
        "site_count": len({site for site, _ in parts}),
        "languages": _ranked(languages),
        "machine_translated": {"articles": translated, "share": round(translated / n, 4) if n else None,
                               "origin_outlets": dict(list(_ranked(outlets).items())[:TOP_OUTLETS]),
                               "origin_outlet_count": len(outlets)},
        "word_count": _word_counts([int(w) for w in table["word_count"].to_pylist()]),
        "near_duplicates": sum(1 for d in table["duplicate_of"].to_pylist() if d),
    }


def _crawl(storage: Storage, day: dt.date, name: str, notes: list[str]) -> dict[str, Any] | None:
    outcomes: Counter[str] = Counter()
    articles: Counter[str] = Counter()
    try:
        summaries = crawl_summaries(storage, day, name)
        for summary in summaries:
            outcomes.update(summary.get("outcomes") or {})
            articles.update((summary.get("by_role") or {}).get("article") or {})
    except (ValueError, TypeError, AttributeError) as exc:
        notes.append(f"crawl summaries of {name!r}: {type(exc).__name__}: {exc}")
        return None
    if not summaries:
        return None
    return {"crawls": len(summaries), "incomplete": sum(1 for s in summaries if not s.get("complete")),
            "outcomes": _ranked(outcomes), "article_outcomes": _ranked(articles)}


def _history(storage: Storage, name: str, days: list[dt.date], day: dt.date,
             notes: list[str]) -> dict[str, Any]:
    runs = []
    for earlier in [d for d in days if d < day][-HISTORY_RUNS:]:
        manifest = _load_manifest(storage, name, earlier, notes)
        if manifest is not None:
            runs.append({"day": earlier.isoformat(), "articles": int(manifest.counts.get("articles", 0))})
    median = statistics.median(r["articles"] for r in runs) if runs else None
    return {"runs": runs, "median": median}


def build_report(day: dt.date | str, storage: Storage | str, config: SourcesConfig | None = None) -> dict[str, Any]:
    """Everything the day's page shows, JSON-able. The sources are the configured ones (enabled) when ``config``
    is given, plus any that ran, crawled or were judged by the gate that day."""
    day, storage = _as_day(day), as_storage(storage)
    notes: list[str] = []
    all_runs = RunManifest.days_by_source(storage)
    gate = _gate(storage, day, notes)
    crawled = {rel.split("/")[2].removeprefix("source=")
               for rel in storage.list(f"raw/date={day.isoformat()}", suffix=".summary.json")}
    names = {name for name, days in all_runs.items() if day in days} | crawled | set(gate["sources"])
    if config is not None:
        names |= {source.name for source in config.enabled()}
    kinds = {source.name: source.kind for source in config.sources} if config is not None else {}

    manifests = {name: m for name in sorted(names)
                 if day in all_runs.get(name, []) and (m := _load_manifest(storage, name, day, notes))}
    rows = _day_rows(storage, day, manifests, notes)
    sources = []
    for name in sorted(names):
        manifest = manifests.get(name)
        counts = dict(sorted(manifest.counts.items())) if manifest else {}
        history = _history(storage, name, all_runs.get(name, []), day, notes)
        articles = int(counts["articles"]) if "articles" in counts else None
        median = history["median"]
        skips = Counter({k: int(v) for k, v in counts.items()
                         if k not in FLOW_COUNTS and k.startswith(SKIP_COUNT_PREFIXES) and v})
        sources.append({
            "source": name,
            "kind": kinds.get(name),
            "ran": manifest is not None,
            "articles": articles,
            "history": history,
            "vs_median": round(articles / median, 4) if articles is not None and median else None,
            "counts": counts,
            "skips": _ranked(skips),
            "crawl": _crawl(storage, day, name, notes),
            **_content(rows.get(name, [])),
            "gate": gate["sources"].get(name),
        })
    return {
        "report_version": REPORT_VERSION,
        "day": day.isoformat(),
        "data_root": storage.url(),
        "history_runs": HISTORY_RUNS,
        "gate": {key: value for key, value in gate.items() if key != "sources"},
        "totals": {"sources": len(sources), "ran": sum(1 for s in sources if s["ran"]),
                   "articles": sum(s["articles"] or 0 for s in sources), "rows": sum(s["rows"] for s in sources)},
        "sources": sources,
        "notes": notes,
    }


# Plots: matplotlib figures rendered to SVG with their text as text, inlined in the page


PALETTE = {"today": "#1f6fb2", "history": "#a9c4de", "bar": "#4a7fb0", "skip": "#c0703a", "crawl": "#6a8f3c",
           "mt": "#8a5aa8"}
PLOT_WIDTH = 5.0  # inches: two plots side by side on a wide page, text at its real size
_SVG_START = re.compile(r"<svg\b")
_SVG_TAG = re.compile(r"<[^>]+>")
_SVG_ID = re.compile(r'(\bid="|url\(#|href="#)')


def _rc() -> dict[str, Any]:
    return {"svg.fonttype": "none",        # text stays text: numbers readable and searchable in the page
            "svg.hashsalt": "news-corpus",  # fixed element ids: the same data gives the same bytes
            "text.parse_math": False,       # a "$" in an outlet name is text, not mathtext
            "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}


def _svg(figure: Figure, label: str, prefix: str) -> str:
    """The figure as an ``<svg>`` element for the page; its element ids get ``prefix`` (ids must be unique in
    the page, and every figure of matplotlib's numbers them alike)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    svg = buffer.getvalue()
    svg = svg[_SVG_START.search(svg).start():]  # no XML prolog or DOCTYPE inside HTML
    # In tags only: text drawn in the plot is data (matplotlib escapes it, so no "<" or ">" is left in it).
    svg = _SVG_TAG.sub(lambda tag: _SVG_ID.sub(lambda m: f"{m.group(1)}{prefix}-", tag.group(0)), svg)
    return svg.replace("<svg ", f'<svg class="plot" role="img" aria-label="{html.escape(label)}" ', 1)


def _barh(title: str, counts: dict[str, int | float], colour: str) -> Figure:
    """Horizontal bars, largest first from the top, each with its number written beside it."""
    names, values = list(counts), list(counts.values())
    figure = Figure(figsize=(PLOT_WIDTH, 0.6 + 0.26 * max(len(names), 1)))
    axes = figure.add_subplot()
    positions = range(len(names))[::-1]
    bars = axes.barh(list(positions), values, color=colour)
    axes.bar_label(bars, labels=[f"{v:g}" for v in values], padding=3)
    axes.set_yticks(list(positions), names)
    axes.set_title(title, loc="left")
    axes.margins(x=0.15)
    axes.xaxis.set_visible(False)
    return figure


def _history_plot(source: dict[str, Any], day: str) -> Figure:
    runs, median = source["history"]["runs"], source["history"]["median"]
    days = [r["day"] for r in runs] + [day]
    values = [r["articles"] for r in runs] + [source["articles"] or 0]
    figure = Figure(figsize=(PLOT_WIDTH, 2.2))
    axes = figure.add_subplot()
    bars = axes.bar(range(len(days)), values, color=[PALETTE["history"]] * len(runs) + [PALETTE["today"]])
    axes.bar_label(bars, labels=[str(v) for v in values], padding=2)
    title = "articles: last runs and this day"
    if median is not None:
        axes.axhline(median, color="#555555", linestyle="--", linewidth=1)
        title += f"; median {median:g} (dashed)"
    axes.set_xticks(range(len(days)), [d[5:] for d in days])
    axes.yaxis.set_visible(False)
    axes.spines["left"].set_visible(False)
    axes.set_title(title, loc="left")
    axes.margins(y=0.2)
    return figure


def _word_count_plot(source: dict[str, Any]) -> Figure:
    histogram = source["word_count"]
    figure = Figure(figsize=(PLOT_WIDTH, 2.2))
    axes = figure.add_subplot()
    bars = axes.bar(range(len(histogram["bins"])), histogram["counts"], color=PALETTE["bar"])
    axes.bar_label(bars, labels=[str(c) if c else "" for c in histogram["counts"]], padding=2)
    axes.set_xticks(range(len(histogram["bins"])), histogram["bins"], rotation=30, ha="right")
    axes.yaxis.set_visible(False)
    axes.spines["left"].set_visible(False)
    axes.set_title("text length (words)", loc="left")
    axes.margins(y=0.2)
    return figure


def _overview_plot(report: dict[str, Any]) -> Figure:
    sources = report["sources"]
    figure = Figure(figsize=(7.2, 0.8 + 0.42 * max(len(sources), 1)))
    axes = figure.add_subplot()
    positions = list(range(len(sources)))[::-1]
    today = axes.barh([p + 0.2 for p in positions], [s["articles"] or 0 for s in sources], height=0.4,
                      color=PALETTE["today"], label=report["day"])
    median = axes.barh([p - 0.2 for p in positions], [s["history"]["median"] or 0 for s in sources], height=0.4,
                       color=PALETTE["history"], label=f"median of the last {HISTORY_RUNS} runs")
    axes.bar_label(today, labels=[str(s["articles"]) if s["ran"] else "no run" for s in sources], padding=3)
    axes.bar_label(median, labels=[f"{s['history']['median']:g}" if s["history"]["median"] is not None else "none"
                                   for s in sources], padding=3, fontsize=8)
    axes.set_yticks(positions, [s["source"] for s in sources])
    axes.xaxis.set_visible(False)
    axes.margins(x=0.15)
    axes.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    axes.set_title("articles per source", loc="left")
    return figure


def _source_figures(source: dict[str, Any], day: str) -> dict[str, tuple[str, Figure]]:
    """The figures a source has data for, as key -> (what it shows, figure)."""
    name = source["source"]
    figures = {"history": (f"{name}: articles per run", _history_plot(source, day))}
    if source["skips"]:
        figures["skips"] = (f"{name}: skips", _barh("skipped, by reason", source["skips"], PALETTE["skip"]))
    if source["crawl"]:
        figures["crawl"] = (f"{name}: crawl outcomes", _barh("crawl: final outcome per URL",
                                                             source["crawl"]["outcomes"], PALETTE["crawl"]))
    if source["rows"]:
        figures["languages"] = (f"{name}: languages", _barh("language", source["languages"], PALETTE["bar"]))
        figures["word_count"] = (f"{name}: text length", _word_count_plot(source))
    if source["machine_translated"]["origin_outlets"]:
        figures["origin_outlets"] = (f"{name}: origin outlets", _barh(
            "origin outlets", source["machine_translated"]["origin_outlets"], PALETTE["mt"]))
    return figures


def _plots(report: dict[str, Any]) -> dict[str, Any]:
    """Every figure of the page as inline SVG: the overview, and per source the ones it has data for."""
    import matplotlib

    with matplotlib.rc_context(_rc()), warnings.catch_warnings():
        # Layout measures text with matplotlib's own font, which lacks CJK and other scripts; the browser draws
        # the text with its fonts, so a missing glyph there does not matter.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from font")
        overview = _svg(_overview_plot(report), "articles per source against the median of earlier runs",
                        "all") if report["sources"] else ""
        per_source = {}
        for number, source in enumerate(report["sources"], 1):
            per_source[source["source"]] = {
                key: _svg(figure, label, f"s{number}-{key}")
                for key, (label, figure) in _source_figures(source, report["day"]).items()}
        return {"overview": overview, "sources": per_source}


# The page


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>news corpus: {{ r.day }}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 76em; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1em; margin: 1.2em 0 .3em; }
table { border-collapse: collapse; margin: .5em 0; } th, td { padding: .2em .7em; border-bottom: 1px solid #eee; }
th { text-align: left; background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { display: inline-block; padding: .05em .6em; border-radius: .8em; font-weight: 600; color: #fff; }
.pass { background: #2e7d32; } .warn { background: #b26a00; } .fail { background: #c62828; }
.none { background: #757575; }
.low { color: #c62828; font-weight: 600; } .high { color: #b26a00; font-weight: 600; }
.plots { display: flex; flex-wrap: wrap; gap: 1em 2em; align-items: flex-start; } figure { margin: 0; }
svg.plot { max-width: 100%; height: auto; }
.muted { color: #666; } ul.reasons { margin: .2em 0; } details { margin: .5em 0; }
</style>
</head>
<body>
{% macro verdict(v) -%}
<span class="verdict {{ v if v in ('pass', 'warn', 'fail') else 'none' }}">{{ v or 'gate not run' }}</span>
{%- endmacro %}
<h1>news corpus: crawl day {{ r.day }}</h1>
<p class="muted">data root {{ r.data_root }} &middot; report version {{ r.report_version }}</p>
<p>Quality gate: {{ verdict(r.gate.verdict) }}
{% if r.gate.ran %}<span class="muted">checked at {{ r.gate.checked_at }}</span>{% endif %}
 &middot; {{ r.totals.ran }} of {{ r.totals.sources }} sources ran &middot; {{ r.totals.articles }} articles,
{{ r.totals.rows }} rows in the dataset</p>
{% if r.notes %}<ul>{% for note in r.notes %}<li class="low">{{ note }}</li>{% endfor %}</ul>{% endif %}
<table id="summary">
<thead><tr><th>source</th><th>articles</th><th>median of last {{ r.history_runs }}</th><th>vs median</th>
<th>machine-translated</th><th>skipped</th><th>gate</th></tr></thead>
<tbody>
{% for s in r.sources %}<tr>
<td><a href="#source-{{ loop.index }}">{{ s.source }}</a></td>
<td class="n">{{ s.articles if s.ran else 'no run' }}</td>
<td class="n">{{ '%g' % s.history.median if s.history.median is not none else '' }}</td>
<td class="n {{ ratio_class(s.vs_median) }}">
{{- '%.0f%%' % (100 * s.vs_median) if s.vs_median is not none else '' }}</td>
<td class="n">{{ '%.1f%%' % (100 * s.machine_translated.share) if s.machine_translated.share is not none else '' }}</td>
<td class="n">{{ s.skips.values() | sum }}</td>
<td>{{ verdict(s.gate.verdict if s.gate else None) }}</td>
</tr>{% endfor %}
</tbody>
</table>
{% if plots.overview %}<figure>{{ plots.overview | safe }}</figure>
{% else %}<p class="low">No source ran, crawled or was configured for this day.</p>{% endif %}
{% for s in r.sources %}{% set p = plots.sources[s.source] %}
<section id="source-{{ loop.index }}">
<h2>{{ s.source }}{% if s.kind %} <span class="muted">({{ s.kind }})</span>{% endif %}</h2>
<p>Gate: {{ verdict(s.gate.verdict if s.gate else None) }}</p>
{% if s.gate and s.gate.reasons %}<ul class="reasons">{% for reason in s.gate.reasons %}<li>{{ reason }}</li>
{% endfor %}</ul>{% endif %}
{% if s.ran %}<p>articles: {{ s.articles }}{% if s.history.median is not none %} (median of its last
{{ s.history.runs | length }} runs: {{ '%g' % s.history.median }}){% endif %} &middot; rows in the dataset:
{{ s.rows }}, in {{ s.site_count }} site(s) &middot; machine-translated: {{ s.machine_translated.articles }}
&middot; near-duplicates: {{ s.near_duplicates }} &middot; URLs seen twice: {{ s.counts.get('duplicate_url', 0) }}</p>
{% else %}<p class="low">No run of this source for the day.</p>{% endif %}
<div class="plots">
{% for key in ('history', 'skips', 'crawl', 'languages', 'word_count', 'origin_outlets') if key in p %}
<figure data-plot="{{ key }}">{{ p[key] | safe }}</figure>
{% endfor %}
</div>
{% if s.word_count.median is defined %}<p class="muted">words: min {{ s.word_count.min }}, 10% {{ s.word_count.p10 }},
median {{ s.word_count.median }}, 90% {{ s.word_count.p90 }}, max {{ s.word_count.max }}</p>{% endif %}
{% if s.crawl %}<p class="muted">{{ s.crawl.crawls }} crawl(s){% if s.crawl.incomplete %},
<span class="low">{{ s.crawl.incomplete }} incomplete</span>{% endif %}.</p>{% endif %}
{% if s.sites %}<details><summary>sites ({{ s.site_count }})</summary><table>
{% for site, n in s.sites.items() %}<tr><td>{{ site }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table></details>{% endif %}
{% if s.counts %}<details><summary>run counts</summary><table>
{% for key, n in s.counts.items() %}<tr><td>{{ key }}</td><td class="n">{{ n }}</td></tr>{% endfor %}
</table></details>{% endif %}
</section>
{% endfor %}
</body>
</html>
"""


def _ratio_class(ratio: float | None) -> str:
    """How a day's articles against the median are marked in the summary table."""
    if ratio is None:
        return ""
    return "low" if ratio < LOW_RATIO else "high" if ratio > HIGH_RATIO else ""


def render_html(report: dict[str, Any]) -> str:
    """The page for a report from :func:`build_report`. Text from the data is escaped by the template engine."""
    import jinja2

    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True)
    environment.globals["ratio_class"] = _ratio_class
    return environment.from_string(_TEMPLATE).render(r=report, plots=_plots(report))


def write_report(day: dt.date | str, storage: Storage | str, config: SourcesConfig | None = None) -> str:
    """Build the day's report and write ``reports/crawl_day=D/report.json`` and ``report.html`` (last) to the
    data root; returns the page's location (a local path or a URL, as :meth:`Storage.url` gives it)."""
    day, storage = _as_day(day), as_storage(storage)
    report = build_report(day, storage, config)
    storage.write_json(f"{report_dir(day)}/report.json", report)
    storage.write_bytes(f"{report_dir(day)}/report.html", render_html(report).encode("utf-8"))
    return storage.url(f"{report_dir(day)}/report.html")
