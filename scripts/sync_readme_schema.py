"""Write the schema table (from pipeline/schema.py) into README.md between the schema markers."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.schema import schema_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCK = re.compile(r"(<!-- schema:begin -->\n).*?(\n<!-- schema:end -->)", re.DOTALL)


def synced(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + schema_markdown() + m.group(2), text)


if __name__ == "__main__":
    text = README.read_text(encoding="utf-8")
    README.write_text(synced(text), encoding="utf-8")
