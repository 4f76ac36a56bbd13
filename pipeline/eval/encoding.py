"""Encoding repair: ftfy's test cases through this pipeline's text repair, and legacy-encoding files decoded.

Baselines: the text left as it is (mojibake cases) and a plain UTF-8 decode with replacement (legacy files).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.clean.text import normalise, repair
from pipeline.decode import decode_html

CASE_FILES = ("in-the-wild.json", "synthetic.json", "negative.json")


def _same(a: str, b: str) -> bool:
    return normalise(a) == normalise(b)


def mojibake_cases(folder: Path) -> None:
    for name in CASE_FILES:
        path = folder / name
        if not path.exists():
            continue
        cases = [c for c in json.loads(path.read_text(encoding="utf-8")) if c.get("expect") == "pass"]
        untouched = sum(_same(c["original"], c["fixed"]) for c in cases)
        repaired = sum(_same(repair(c["original"]), c["fixed"]) for c in cases)
        print(f"  {name:<18} {len(cases):>4} cases   left as is {untouched / len(cases):.3f}   "
              f"pipeline repair {repaired / len(cases):.3f}")


def legacy_files(folder: Path) -> None:
    expected = json.loads((folder / "expected-encodings.json").read_text(encoding="utf-8"))
    right = naive = 0
    for entry in expected:
        raw = (folder / entry["file"]).read_bytes()
        truth = raw.decode(entry["encoding"]).lstrip("\ufeff")
        text, _ = decode_html(raw)
        right += text.lstrip("\ufeff") == truth
        naive += raw.decode("utf-8", errors="replace").lstrip("\ufeff") == truth
    print(f"  legacy files       {len(expected):>4} files   utf-8 decode {naive / len(expected):.3f}   "
          f"pipeline decode {right / len(expected):.3f}  (text identical to the true encoding's)")


def report(devdata: Path | None) -> None:
    folder = devdata / "encoding" if devdata else None
    if folder is None or not folder.is_dir():
        print("skipped: encoding/ development sets not found")
        return
    if (folder / "ftfy-test-cases").is_dir():
        mojibake_cases(folder / "ftfy-test-cases")
    if (folder / "charset-normalizer-samples" / "expected-encodings.json").exists():
        legacy_files(folder / "charset-normalizer-samples")
