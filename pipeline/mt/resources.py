"""The MT data files (``pipeline/data``), validated into typed models and loaded once per process.

A malformed file is a :class:`~pipeline.errors.ConfigError` naming the file and the field, so a bad edit to
the data fails at start-up, not as a silent miss.
"""

from __future__ import annotations

import functools
import re
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.artifacts import FAMILY, UNWEIGHED_FAMILIES, ArtifactKind, Family
from pipeline.errors import ConfigError

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    for pattern in patterns:
        try:
            compiled = re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from exc
        if compiled.groups and "(?P<outlet>" not in pattern:
            raise ValueError(f"use non-capturing groups (?:...) in {pattern!r}")
    return patterns


class Outlet(_Frozen):
    name: str
    language: str = Field(pattern=r"^[a-z]{2}$")
    domains: tuple[str, ...] = ()
    literal: tuple[str, ...] = ()
    literal_ambiguous: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


class OutletsFile(_Frozen):
    version: int
    outlets: tuple[Outlet, ...]
    agencies: tuple[str, ...] = ()


class Aggregator(_Frozen):
    name: str
    domains: tuple[str, ...] = Field(min_length=1)
    banner: tuple[str, ...] = ()
    boilerplate: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    cut_after: tuple[str, ...] = ()
    source_line: str | None = None
    title_separators: tuple[str, ...] = (" | ",)
    outlet_slugs: dict[str, str] = {}

    _validate_patterns = field_validator("patterns")(_check_patterns)

    @field_validator("source_line")
    @classmethod
    def _source_line_names_outlet(cls, pattern: str | None) -> str | None:
        if pattern is not None and "(?P<outlet>" not in pattern:
            raise ValueError("source_line needs a group (?P<outlet>...)")
        return pattern if pattern is None else _check_patterns((pattern,))[0]


class AggregatorsFile(_Frozen):
    version: int
    sites: tuple[Aggregator, ...]


class Idiom(_Frozen):
    phrase: str | None = None
    pattern: str | None = None

    def regex(self) -> str:
        if self.pattern is not None:
            return _check_patterns((self.pattern,))[0]
        if self.phrase is None:
            raise ValueError("an idiom needs `phrase` or `pattern`")
        words = r"\s+".join(re.escape(word) for word in self.phrase.split())
        # \b only where the phrase starts or ends with a word character ("for his part," ends with a comma)
        return (r"\b" if self.phrase[0].isalnum() else "") + words + (r"\b" if self.phrase[-1].isalnum() else "")


class IdiomsFile(_Frozen):
    language: str = Field(pattern=r"^[a-z]{2}$")
    idioms: tuple[Idiom, ...]


class Confidence(_Frozen):
    high_probability: float = Field(ge=0, le=1)
    high_families: int = Field(ge=1)
    medium_probability: float = Field(ge=0, le=1)


class Weights(_Frozen):
    version: int
    bias: float
    threshold: float = Field(gt=0, lt=1)
    weights: dict[ArtifactKind, float]
    family_caps: dict[Family, float]
    confidence: Confidence

    @field_validator("weights")
    @classmethod
    def _every_kind(cls, weights: dict[ArtifactKind, float]) -> dict[ArtifactKind, float]:
        _require_zero({k: w for k, w in weights.items() if FAMILY[k] in UNWEIGHED_FAMILIES}, "weight of kind")
        return _require_every(ArtifactKind, weights, "weight for kind")

    @field_validator("family_caps")
    @classmethod
    def _every_family(cls, caps: dict[Family, float]) -> dict[Family, float]:
        _require_zero({f: cap for f, cap in caps.items() if f in UNWEIGHED_FAMILIES}, "cap of family")
        return _require_every(Family, caps, "cap for family")


def _require_every(members: type[StrEnum], mapping: dict, what: str) -> dict:
    missing = [str(member) for member in members if member not in mapping]
    if missing:
        raise ValueError(f"no {what}(s): {', '.join(missing)}")
    return mapping


def _require_zero(values: dict, what: str) -> None:
    """Removals that say nothing about translation (``UNWEIGHED_FAMILIES``) must never count towards it."""
    for member, value in values.items():
        if value != 0:
            raise ValueError(f"{what} {member} must be 0: it only records a removal, never evidence of translation")


Model = TypeVar("Model", bound=BaseModel)


def load_model(path: Path, model: type[Model]) -> Model:
    """One YAML file as a validated model; errors are one line naming the file and the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: data file not found") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}".replace("\n", " ")) from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or "(top)"
        raise ConfigError(f"{path}: field '{field}': {error['msg']}") from None


@functools.cache
def outlets_file() -> OutletsFile:
    return load_model(DATA_DIR / "outlets.yaml", OutletsFile)


@functools.cache
def aggregators_file() -> AggregatorsFile:
    return load_model(DATA_DIR / "aggregators.yaml", AggregatorsFile)


@functools.cache
def idiom_files() -> tuple[IdiomsFile, ...]:
    return tuple(load_model(path, IdiomsFile) for path in sorted((DATA_DIR / "idioms").glob("*.yaml")))


@functools.cache
def weights() -> Weights:
    return load_model(DATA_DIR / "mt_weights.yaml", Weights)
