"""The source configuration: one YAML file validated into one typed model.

Every source kind is a pydantic model with a ``kind`` literal; :data:`Source` is their discriminated union,
so adding a kind means adding one model here and one reader in :mod:`pipeline.sources`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal, Optional, Union, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator, model_validator

from pipeline import __version__
from pipeline.errors import ConfigError

DEFAULT_SOURCES_FILE = Path("sources.yaml")

# Source names become directory names and pool names: keep them to a safe alphabet so that a name can never
# escape the data directory ("../x", "/etc") or collide by case.
SOURCE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


def _compile_all(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
    return patterns


class Expectations(BaseModel):
    """What the quality gate (:mod:`pipeline.gate`) expects of one source's run of a day."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    min_articles: int = Field(default=1, ge=0, description="Fewer articles fail the run (0: an empty day passes).")
    max_drop: float = Field(default=0.7, gt=0, le=1, description="Fewer articles than (1 - max_drop) x the median "
                                                                 "of the source's last 7 runs fail the run.")
    min_history: int = Field(default=3, ge=1, le=7, description="Earlier runs needed before max_drop applies.")
    on_failure: Literal["fail", "warn"] = Field(default="fail", description="warn: a failed check only warns.")


class _SourceBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=SOURCE_NAME_PATTERN, description="Unique id of the source; used in paths.")
    enabled: bool = True
    include: tuple[str, ...] = Field(default=(), description="Regexes; a URL must match one (when any given).")
    exclude: tuple[str, ...] = Field(default=(), description="Regexes; a URL matching any is skipped.")
    languages: tuple[Annotated[str, Field(pattern=r"^[a-z]{2}$")], ...] = Field(
        default=(), description="ISO 639-1 languages the source publishes in: language detection prefers them, and "
                                "an outlet writing in one of them is not foreign. Empty: any language.")
    min_words: int | None = Field(default=None, ge=1, description="Shortest body kept, in words (default 40; "
                                                                   "lower for a source of news briefs).")
    expect: Expectations = Field(default_factory=Expectations, description="The quality gate's checks.")

    @field_validator("include", "exclude")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        return _compile_all(patterns)

    def accepts_url(self, url: str) -> bool:
        """Whether the include/exclude patterns let this URL through."""
        if self.include and not any(re.search(p, url) for p in self.include):
            return False
        return not any(re.search(p, url) for p in self.exclude)


class CrawlSettings(BaseModel):
    """How politely and defensively the crawler fetches: defaults for every source, overridable per source."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    user_agent: str = Field(default=f"news-corpus-pipeline/{__version__} (open news corpus research crawler)",
                            min_length=1, description="Sent with every request; names the project.")
    obey_robots: bool = True
    delay_seconds: float = Field(default=1.0, ge=0, description="Minimum time between request starts per host.")
    max_crawl_delay_seconds: float = Field(default=30.0, ge=0, description="Cap on a robots.txt Crawl-delay.")
    per_host_concurrency: int = Field(default=1, ge=1, le=4, description="Requests in flight per host at most.")
    max_parallel_requests: int = Field(default=32, ge=1, le=256, description="Requests in flight overall.")
    connect_timeout_seconds: float = Field(default=10.0, gt=0)
    read_timeout_seconds: float = Field(default=30.0, gt=0, description="Longest wait for the next bytes.")
    total_timeout_seconds: float = Field(default=60.0, gt=0, description="Longest time for one response.")
    max_retries: int = Field(default=3, ge=0, le=10, description="On connection errors, timeouts, 429 and 5xx.")
    backoff_base_seconds: float = Field(default=1.0, ge=0)
    backoff_max_seconds: float = Field(default=60.0, ge=0)
    max_retry_after_seconds: float = Field(default=120.0, ge=0, description="A longer Retry-After gives up.")
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_body_bytes: int = Field(default=10 * 2**20, gt=0, description="Bytes received per response at most.")
    max_decompressed_bytes: int = Field(default=50 * 2**20, gt=0, description="Bytes after gzip/deflate at most.")
    max_articles: int = Field(default=5000, ge=1, description="Articles fetched per source and day at most.")
    # Leases in the crawl state (pipeline/crawl/lease.py): one run crawls a source-day, one crawler talks to a host.
    lease_wait_seconds: float = Field(default=180.0, ge=0, description="How long a run waits for another run's "
                                      "crawl of the same source and day, then refuses (0: refuses at once).")
    lease_ttl_seconds: float = Field(default=60.0, ge=1, description="A killed crawl's leases expire after this.")
    lease_settle_seconds: float = Field(default=1.0, ge=0, description="Between writing a lease and reading it back.")
    allow_private_networks: tuple[str, ...] = Field(
        default=(), description="CIDR networks exempt from the block on private/loopback/link-local addresses "
                                "(tests use 127.0.0.0/8; intranet sources may need more).")

    @field_validator("allow_private_networks")
    @classmethod
    def _networks_parse(cls, networks: tuple[str, ...]) -> tuple[str, ...]:
        for network in networks:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError as exc:
                raise ValueError(f"not a network: {network!r} ({exc})") from None
        return networks


# Per-source overrides: every CrawlSettings field, optional (derived, so the two can never drift apart).
CrawlOverrides = create_model(
    "CrawlOverrides", __config__=ConfigDict(extra="forbid", frozen=True),
    **{name: (Optional[f.annotation], None) for name, f in CrawlSettings.model_fields.items()},
)


class _NetworkSourceBase(_SourceBase):
    crawl: CrawlOverrides = Field(default_factory=CrawlOverrides, description="Overrides of the crawl settings.")
    pool: str = Field(default="crawl_default", pattern=r"^crawl_[a-z0-9_]{1,48}$",
                      description="Airflow pool of this source's crawl task: one per host family.")


def _http_url(url: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an http(s) URL: {url!r}")
    return url


def _day_template(template: str) -> str:
    try:
        template.format(day=dt.date(2000, 1, 2))
    except (KeyError, IndexError, ValueError) as exc:
        raise ValueError(f"bad template {template!r}: only {{day}} or {{day:<strftime>}} may appear ({exc})") from None
    return template


class RssSource(_NetworkSourceBase):
    """RSS or Atom feeds; entries dated on the day (and undated entries) are fetched."""

    kind: Literal["rss"]
    feeds: tuple[str, ...] = Field(min_length=1, description="Feed URLs.")

    @field_validator("feeds")
    @classmethod
    def _feeds_http(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_http_url(u) for u in urls)


class SitemapSource(_NetworkSourceBase):
    """Sitemaps or sitemap indexes (gzip or not, Google News sitemaps too); URLs dated on the day are fetched."""

    kind: Literal["sitemap"]
    sitemaps: tuple[str, ...] = Field(min_length=1, description="Sitemap URLs; may contain {day} templates.")
    max_depth: int = Field(default=3, ge=0, le=5, description="How deep sitemap indexes are followed.")
    undated: Literal["include", "skip"] = Field(default="include", description="URLs without any date.")

    @field_validator("sitemaps")
    @classmethod
    def _sitemaps_http(cls, urls: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_day_template(_http_url(u)) for u in urls)


class ArchiveSource(_NetworkSourceBase):
    """A dated listing page per day (``https://example.org/archive/{day}``), paginated, listing the day's articles."""

    kind: Literal["archive"]
    url_template: str = Field(description="Listing URL; {day} is YYYY-MM-DD, {day:%Y/%m/%d} any strftime format.")
    article_pattern: str = Field(description="Regex; links on a listing page matching it are articles.")
    next_page_pattern: str | None = Field(default=None, description="Regex for pagination links (rel=next is "
                                                                     "always followed).")
    max_pages: int = Field(default=50, ge=1, le=1000, description="Listing pages per day at most.")

    @field_validator("url_template")
    @classmethod
    def _template_valid(cls, template: str) -> str:
        if "{day" not in template:
            raise ValueError("url_template must contain {day}")
        return _day_template(_http_url(template))

    @field_validator("article_pattern", "next_page_pattern")
    @classmethod
    def _pattern_compiles(cls, pattern: str | None) -> str | None:
        _compile_all((pattern,) if pattern else ())
        return pattern


class WarcSource(_NetworkSourceBase):
    """WARC or WARC.gz files (such as Common Crawl's CC-NEWS): local paths or globs, or http(s) URLs, streamed.

    A URL ending in ``.paths`` or ``.paths.gz`` is a list of WARC paths, as CC-NEWS publishes one per month
    (``https://data.commoncrawl.org/crawl-data/CC-NEWS/{day:%Y/%m}/warc.paths.gz``); the files of the day (their
    name contains ``path_list_day``) are taken, relative to ``path_list_base``.
    """

    kind: Literal["warc"]
    paths: tuple[str, ...] = Field(min_length=1, description="Paths, globs or URLs; {day} becomes YYYY-MM-DD.")
    sites: tuple[str, ...] = Field(default=(), description="Only records of these hosts (and their subdomains).")
    path_list_base: str = Field(default="https://data.commoncrawl.org/", description="Prefix of listed paths.")
    path_list_day: str = Field(default="-{day:%Y%m%d}", description="A listed file of the day contains this.")
    max_files: int = Field(default=1000, ge=1, description="WARC files per day at most.")

    @field_validator("paths")
    @classmethod
    def _paths_templates(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_day_template(p) for p in paths)

    @field_validator("path_list_day")
    @classmethod
    def _day_marker_template(cls, marker: str) -> str:
        return _day_template(marker)

    @property
    def is_remote(self) -> bool:
        return any(p.startswith(("http://", "https://")) for p in self.paths)


# Every source kind, in one place: the union below and the error messages derive from this tuple.
SOURCE_MODELS: tuple[type[_SourceBase], ...] = (WarcSource, RssSource, SitemapSource, ArchiveSource)
NETWORK_KINDS = frozenset({"rss", "sitemap", "archive"})
SOURCE_KINDS = frozenset(get_args(model.model_fields["kind"].annotation)[0] for model in SOURCE_MODELS)

Source = Annotated[Union[SOURCE_MODELS], Field(discriminator="kind")]


class SourcesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: tuple[Source, ...] = Field(min_length=1)
    crawl: CrawlSettings = Field(default_factory=CrawlSettings, description="Crawl settings for every source.")
    # Directory that relative paths in the file are resolved against (the file's own directory).
    base_dir: Path = Path(".")

    @model_validator(mode="after")
    def _names_unique(self) -> "SourcesConfig":
        seen: set[str] = set()
        for source in self.sources:
            if source.name in seen:
                raise ValueError(f"source name {source.name!r} is used twice")
            seen.add(source.name)
        return self

    def enabled(self, names: list[str] | None = None) -> list[Source]:
        """The enabled sources, or the named ones (enabled or not); unknown names are an error."""
        if not names:
            return [s for s in self.sources if s.enabled]
        by_name = {s.name: s for s in self.sources}
        unknown = [n for n in names if n not in by_name]
        if unknown:
            raise ConfigError(f"unknown source(s): {', '.join(unknown)} (known: {', '.join(by_name)})")
        return [by_name[n] for n in names]

    def get(self, name: str) -> Source:
        return self.enabled([name])[0]

    def crawl_settings(self, source: Source) -> CrawlSettings:
        """The file's crawl settings with the source's overrides applied."""
        overrides = getattr(source, "crawl", None)
        if overrides is None:
            return self.crawl
        return CrawlSettings.model_validate({**self.crawl.model_dump(), **overrides.model_dump(exclude_none=True)})


def _describe_error(path: Path, raw: dict, error: dict) -> str:
    loc = list(error["loc"])
    where = ""
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        index = loc[1]
        entries = raw.get("sources") or []
        name = entries[index].get("name") if index < len(entries) and isinstance(entries[index], dict) else None
        where = f"source {name!r}" if name else f"sources[{index}]"
        loc = loc[2:]
        # pydantic puts the union tag (the kind) in the location; it is not a field the user wrote.
        if loc and loc[0] in SOURCE_KINDS:
            loc = loc[1:]
        if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
            loc = ["kind"]
    field = ".".join(str(part) for part in loc) or "(entry)"
    prefix = f"{path}: {where + ': ' if where else ''}"
    return f"{prefix}field '{field}': {error['msg']}"


def load_sources(path: str | Path = DEFAULT_SOURCES_FILE) -> SourcesConfig:
    """Read and validate a sources file; raise :class:`ConfigError` naming file, source and field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: sources file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}".replace("\n", " ")) from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'sources' list at the top")
    try:
        return SourcesConfig.model_validate({**raw, "base_dir": path.resolve().parent})
    except ValidationError as exc:
        errors = exc.errors()
        # A failed entry also makes pydantic report the list as too short: noise next to the real error.
        errors = [e for e in errors if not (e["loc"] == ("sources",) and e["type"] == "too_short")] or errors
        more = len(errors) - 1
        message = _describe_error(path, raw, errors[0])
        raise ConfigError(message + (f" (and {more} more error{'s' if more > 1 else ''})" if more else "")) from None
