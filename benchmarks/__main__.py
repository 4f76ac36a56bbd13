"""``python -m benchmarks [NAME ...]``: run every (or the named) benchmark and print its figures."""

from __future__ import annotations

import argparse
import importlib
import sys

# Each name is a module of this package with ``main(quick: bool) -> None``.
BENCHMARKS: list[str] = ["extraction", "mt", "crawl", "scaleout", "big_pages"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"default: all of {BENCHMARKS}")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = parser.parse_args(argv)
    for name in args.names or BENCHMARKS:
        print(f"\n== {name} ==", flush=True)
        importlib.import_module(f"benchmarks.{name}").main(quick=args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())
