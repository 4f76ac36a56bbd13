"""``python -m pipeline.eval [SECTION ...]``: print every (or the named) evaluation section, side by side."""

from __future__ import annotations

import argparse
import importlib
import sys

from pipeline.eval import devdata_dir

# Each name is a module of this package with ``report(devdata: Path | None) -> None``.
SECTIONS: list[str] = ["extraction", "langid", "encoding", "mt", "mt_linguistic", "translations"]


def parse_sections(argv: list[str] | None) -> list[str]:
    """The sections named on the command line, or all of them."""
    parser = argparse.ArgumentParser(prog="python -m pipeline.eval", description=__doc__)
    # No ``choices``: with nargs="*" Python 3.11 checks the empty default against them and rejects a bare call.
    parser.add_argument("sections", nargs="*", metavar="SECTION", help=f"one of {SECTIONS}; default: all")
    sections = parser.parse_args(argv).sections
    if unknown := [name for name in sections if name not in SECTIONS]:
        parser.error(f"unknown section {unknown[0]!r} (choose from {', '.join(SECTIONS)})")
    return sections or SECTIONS


def main(argv: list[str] | None = None) -> int:
    sections = parse_sections(argv)
    devdata = devdata_dir()
    if devdata is None:
        print("development sets not found (../shared/devdata, or set NEWS_CORPUS_DEVDATA): "
              "sections that need them are skipped")
    for name in sections:
        print(f"\n== {name} ==")
        importlib.import_module(f"pipeline.eval.{name}").report(devdata)
    return 0


if __name__ == "__main__":
    sys.exit(main())
