"""The sources file: valid files load into the typed model; every error names file, source and field."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.config import WarcSource, load_sources
from pipeline.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_file_loads_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: cc-news\n    kind: warc\n    paths: ['w/{day}/*.warc.gz']\n"
                           "    include: ['^https://www\\.example\\.org/']\n")
    config = load_sources(path)
    (source,) = config.sources
    assert isinstance(source, WarcSource)
    assert source.paths == ("w/{day}/*.warc.gz",)
    assert config.base_dir == tmp_path.resolve()
    assert source.accepts_url("https://www.example.org/a") and not source.accepts_url("https://other.org/a")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sources:\n  - name: s1\n    kind: warc\n", "source 's1': field 'paths': Field required"),
        ("sources:\n  - name: s1\n    kind: telepathy\n", "source 's1': field 'kind'"),
        ("sources:\n  - name: s1\n    kind: warc\n    paths: [a]\n    colour: red\n",
         "source 's1': field 'colour': Extra inputs are not permitted"),
        ("sources:\n  - name: s1\n    kind: warc\n    paths: [a]\n    exclude: ['(']\n",
         "source 's1': field 'exclude': Value error, invalid regular expression '('"),
        ("sources:\n  - name: ../etc\n    kind: warc\n    paths: [a]\n", "source '../etc': field 'name'"),
        ("sources:\n  - kind: warc\n    paths: [a]\n", "sources[0]: field 'name': Field required"),
        ("sources:\n  - {name: a, kind: warc, paths: [x]}\n  - {name: a, kind: warc, paths: [y]}\n",
         "source name 'a' is used twice"),
        ("sources: []\n", "field 'sources'"),
        ("- just a list\n", "expected a mapping"),
        ("sources: [\n", "not valid YAML"),
    ],
)
def test_errors_name_file_source_and_field(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_sources(path)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert expected in message, message
    assert "\n" not in message


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sources file not found"):
        load_sources(tmp_path / "nope.yaml")


def test_unknown_source_name_is_an_error(tmp_path: Path) -> None:
    config = load_sources(write(tmp_path, "sources:\n  - {name: a, kind: warc, paths: [x]}\n"))
    with pytest.raises(ConfigError, match="unknown source"):
        config.enabled(["b"])


def test_cli_reports_config_error_in_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    path = write(tmp_path, "sources:\n  - name: s1\n    kind: warc\n")
    proc = subprocess.run([sys.executable, "-m", "pipeline", "run", "--day", "2022-01-06", "--sources", str(path),
                           "--data", str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: {path}: source 's1': field 'paths': Field required"]
    assert "Traceback" not in proc.stderr
