"""The MT data files load and validate; a broken edit fails with one line naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.artifacts import ArtifactKind
from pipeline.errors import ConfigError
from pipeline.mt import resources
from pipeline.mt.outlets import outlet_index

MAJOR_LANGUAGES = {"he", "de", "fr", "es", "it", "ru", "ar", "zh", "ja", "tr", "pl", "pt", "nl"}


def test_data_files_cover_the_major_languages() -> None:
    languages = {o.language for o in resources.outlets_file().outlets}
    assert MAJOR_LANGUAGES <= languages
    assert MAJOR_LANGUAGES <= {f.language for f in resources.idiom_files()}
    assert len(resources.aggregators_file().sites) >= 3
    assert set(resources.weights().weights) == set(ArtifactKind)


def test_agencies_are_never_outlets() -> None:
    index = outlet_index()
    for agency in ("Reuters", "AP", "AFP", "dpa", "Xinhua"):
        assert index.resolve(agency) == []


@pytest.mark.parametrize(("text", "message"), [
    ("version: 1\nsites:\n  - name: X\n    domains: [x.com]\n    patterns: ['(a)b']\n", "non-capturing"),
    ("version: 1\nsites:\n  - name: X\n    domains: []\n", "sites.0.domains"),
    ("version: 1\nsites: [", "cannot read"),
])
def test_bad_aggregator_file_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "aggregators.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        resources.load_model(path, resources.AggregatorsFile)
    assert message in str(error.value) and str(path) in str(error.value) and "\n" not in str(error.value)


def test_weights_need_every_kind(tmp_path: Path) -> None:
    path = tmp_path / "mt_weights.yaml"
    path.write_text("version: 1\nbias: -3\nthreshold: 0.5\nweights: {mojibake: 0.1}\nfamily_caps: {}\n"
                    "confidence: {high_probability: 0.9, high_families: 2, medium_probability: 0.7}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="no weight for kind"):
        resources.load_model(path, resources.Weights)
