"""The source configuration: one YAML file validated into one typed model.

Every source kind is a pydantic model with a ``kind`` literal; :data:`Source` is their discriminated union,
so adding a kind means adding one model here and one reader in :mod:`pipeline.sources`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal, Union, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.errors import ConfigError

DEFAULT_SOURCES_FILE = Path("sources.yaml")

# Source names become directory names and pool names: keep them to a safe alphabet so that a name can never
# escape the data directory ("../x", "/etc") or collide by case.
SOURCE_NAME_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"


class _SourceBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=SOURCE_NAME_PATTERN, description="Unique id of the source; used in paths.")
    enabled: bool = True
    include: tuple[str, ...] = Field(default=(), description="Regexes; a URL must match one (when any given).")
    exclude: tuple[str, ...] = Field(default=(), description="Regexes; a URL matching any is skipped.")

    @field_validator("include", "exclude")
    @classmethod
    def _patterns_compile(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        return patterns

    def accepts_url(self, url: str) -> bool:
        """Whether the include/exclude patterns let this URL through."""
        if self.include and not any(re.search(p, url) for p in self.include):
            return False
        return not any(re.search(p, url) for p in self.exclude)


class WarcSource(_SourceBase):
    """WARC or WARC.gz files (such as Common Crawl's CC-NEWS) given as paths or globs that may contain ``{day}``."""

    kind: Literal["warc"]
    paths: tuple[str, ...] = Field(min_length=1, description="Paths or globs; {day} becomes YYYY-MM-DD.")


# Every source kind, in one place: the union below and the error messages derive from this tuple.
SOURCE_MODELS: tuple[type[_SourceBase], ...] = (WarcSource,)
SOURCE_KINDS = frozenset(get_args(model.model_fields["kind"].annotation)[0] for model in SOURCE_MODELS)

Source = Annotated[Union[SOURCE_MODELS], Field(discriminator="kind")]


class SourcesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: tuple[Source, ...] = Field(min_length=1)
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
