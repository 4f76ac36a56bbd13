"""The article dataset's Parquet schema: the one definition of its columns, with a version.

Layout: ``<data>/articles/date=YYYY-MM-DD/source=<site>/articles.parquet`` (Hive partitioning). ``date`` and
``source`` live in the path only, so readers get them from the partitioning (pandas, pyarrow, DuckDB with
``hive_partitioning=true``). Bump :data:`SCHEMA_VERSION` whenever a column is added, removed or changes type.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = 3

# Key of the Parquet file metadata entry that carries the schema version.
SCHEMA_VERSION_KEY = b"news_corpus.schema_version"

PARTITION_COLUMNS = ("date", "source")


def _field(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={b"doc": doc.encode()})


ARTIFACT_TYPE = pa.struct(
    [pa.field("kind", pa.string(), nullable=False), pa.field("evidence", pa.string()), pa.field("weight", pa.float64())]
)

ARTICLE_FIELDS: tuple[pa.Field, ...] = (
    _field("article_id", pa.string(), "Stable id: first 32 hex digits of SHA-256 of the canonical URL.", False),
    _field("url", pa.string(), "URL the page was fetched from (after redirects).", False),
    _field("canonical_url", pa.string(), "Canonical URL: the page's rel=canonical or og:url when on the page's own "
           "site (one on another site names the text's origin), normalised; else the page's URL.", False),
    _field("source_name", pa.string(), "Name of the configured source that produced the row.", False),
    _field("title", pa.string(), "Article title."),
    _field("description", pa.string(), "Summary from the page's metadata."),
    _field("authors", pa.list_(pa.string()), "Author names, one per element.", False),
    _field("published_at", pa.timestamp("us", tz="UTC"), "Publication time in UTC; null when the page has none."),
    _field("text", pa.string(), "Clean body text; paragraphs separated by one blank line.", False),
    _field("language", pa.string(), "ISO 639-1 code of the body; null when too short or unsure."),
    _field("language_probability", pa.float64(), "Detector's probability for `language` (0..1)."),
    _field("word_count", pa.int32(), "Number of words in `text`: `\\w+` tokens; in Chinese and "
           "Japanese one per Han or kana character, in Thai, Lao, Myanmar and Khmer one per 4 characters (no "
           "segmenter). The 40-word article minimum counts the same way.", False),
    _field("content_hash", pa.string(), "SHA-256 of `text`, hex: equal texts have equal hashes.", False),
    _field("fetched_at", pa.timestamp("us", tz="UTC"), "When the page was fetched (WARC-Date), UTC.", False),
    _field("crawl_day", pa.date32(), "The run day (--day) whose crawl produced the row.", False),
    _field("pipeline_version", pa.string(), "Version of the pipeline that wrote the row.", False),
    # v2: cleaning, language and translation artifacts
    _field("html_lang", pa.string(), "Language the page declares (<html lang>, og:locale), as ISO 639-1."),
    _field("captions", pa.list_(pa.string()), "Photo captions and credit lines taken out of `text`.", False),
    _field("paragraph_languages", pa.list_(pa.string()),
           "Language of each paragraph of `text` (in order); null where too short to judge.", False),
    _field("duplicate_of", pa.string(), "article_id of the row this one near-duplicates (same day); else null."),
    _field("artifacts", pa.list_(ARTIFACT_TYPE),
           "Findings of translation-artifact and cleaning rules: kind, evidence (the line or span), weight.", False),
    _field("is_machine_translated", pa.bool_(), "Whether the article is judged machine-translated.", False),
    _field("mt_probability", pa.float64(), "Probability that the article is machine-translated (0..1).", False),
    _field("mt_confidence", pa.string(), "low / medium / high: high needs independent kinds of evidence.", False),
    _field("source_language", pa.string(), "ISO 639-1 language the article was translated from; null if unknown."),
    _field("source_language_confidence", pa.string(), "low / medium / high for `source_language`; null if unknown."),
    _field("origin_outlet", pa.string(), "Outlet the article was taken from, when known (e.g. Israel Hayom)."),
    # v3: the original of a translation, found across sources (pipeline.translations)
    _field("translation_of", pa.string(), "article_id of the original this article translates: another language, "
           "another site, dated the same day or up to two days before; else null."),
    _field("translation_evidence", pa.string(), "Why `translation_of` was linked: the numbers and names shared "
           "with the original, and how many in the same order."),
)

ARTICLE_SCHEMA = pa.schema(ARTICLE_FIELDS, metadata={SCHEMA_VERSION_KEY: str(SCHEMA_VERSION).encode()})

COLUMN_NAMES = tuple(f.name for f in ARTICLE_FIELDS)

# Rows in a partition file are sorted by this key, so a re-run writes them in the same order.
SORT_KEY = ("published_at", "article_id")


def schema_markdown() -> str:
    """The schema as a Markdown table (the README's dataset section is checked against this)."""
    lines = ["| column | type | description |", "| --- | --- | --- |"]
    for name, doc in (("date", "Partition: publication day in UTC (the fetch day when unknown)."),
                      ("source", "Partition: the publisher's registered domain, e.g. `thelimitedtimes.com`.")):
        lines.append(f"| `{name}` | partition (string) | {doc} |")
    for f in ARTICLE_FIELDS:
        lines.append(f"| `{f.name}` | {f.type}{'' if f.nullable else ', not null'} | {f.metadata[b'doc'].decode()} |")
    return "\n".join(lines)
