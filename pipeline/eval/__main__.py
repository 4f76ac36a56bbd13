"""``python -m pipeline.eval [SECTION ...]``: print every (or the named) evaluation section, side by side."""

from __future__ import annotations

import argparse
import importlib
import sys

from pipeline.eval import devdata_dir

# Each name is a module of this package with ``report(devdata: Path | None) -> None``.
SECTIONS: list[str] = ["extraction", "langid", "encoding", "mt"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.eval", description=__doc__)
    parser.add_argument("sections", nargs="*", choices=SECTIONS or None, help="default: all")
    args = parser.parse_args(argv)
    devdata = devdata_dir()
    if devdata is None:
        print("development sets not found (../shared/devdata, or set NEWS_CORPUS_DEVDATA): "
              "sections that need them are skipped")
    for name in args.sections or SECTIONS:
        print(f"\n== {name} ==")
        importlib.import_module(f"pipeline.eval.{name}").report(devdata)
    return 0


if __name__ == "__main__":
    sys.exit(main())
