"""The README stays true: its schema table is the schema, and it leads with the two commands."""

from __future__ import annotations

from pathlib import Path

from pipeline.schema import SCHEMA_VERSION, schema_markdown

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_schema_table_matches_the_schema() -> None:
    block = README.split("<!-- schema:begin -->\n", 1)[1].split("\n<!-- schema:end -->", 1)[0]
    assert block == schema_markdown(), "run: .venv/bin/python scripts/sync_readme_schema.py"
    assert f"schema version {SCHEMA_VERSION}" in README


def test_two_commands_come_first() -> None:
    first_block = README.split("```sh", 1)[1].split("```", 1)[0]
    assert "make run" in first_block and "make test" in first_block
