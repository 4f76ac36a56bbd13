"""``python -m pipeline.eval`` (``make eval``): every section by default, the named ones, a clear error otherwise."""

from __future__ import annotations

import pytest

from pipeline.eval.__main__ import SECTIONS, parse_sections


def test_no_argument_means_every_section() -> None:
    assert parse_sections([]) == SECTIONS


def test_named_sections_in_the_order_given() -> None:
    assert parse_sections(["mt", "langid"]) == ["mt", "langid"]


def test_unknown_section_is_one_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_sections(["extractoin"])
    assert exit_info.value.code == 2
    assert "unknown section 'extractoin'" in capsys.readouterr().err
