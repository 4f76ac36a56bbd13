"""Language accuracy on the lingua development sets: this pipeline's detector vs bare seeded langdetect.

Every item is judged (no minimum length): the sets measure the detectors, not the pipeline's abstention rule. The
pipeline's figure is also given on each half of a set (alternate items): a constant that helps on one half only was
fitted to noise.
"""

from __future__ import annotations

import json
import resource
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from langdetect import DetectorFactory, detect
from langdetect.lang_detect_exception import LangDetectException

from pipeline.language import guess_language, normalise_code

SETS = ("lingua-sentences-dev.jsonl", "lingua-word-pairs-dev.jsonl")


def bare_langdetect(text: str) -> str | None:
    DetectorFactory.seed = 0
    try:
        return normalise_code(detect(text))
    except LangDetectException:
        return None


def pipeline_detector(text: str) -> str | None:
    return guess_language(text)[0]


def accuracy(items: list[dict[str, str]], detector: Callable[[str], str | None]) -> tuple[float, dict[str, float]]:
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for item in items:
        total[item["lang"]] += 1
        right[item["lang"]] += detector(item["text"]) == item["lang"]
    per_language = {lang: right[lang] / total[lang] for lang in total}
    return sum(right.values()) / max(1, sum(total.values())), per_language


def report(devdata: Path | None) -> None:
    folder = devdata / "langid" if devdata else None
    if folder is None or not folder.is_dir():
        print("skipped: langid/ development sets not found")
        return
    detectors = {"bare langdetect": bare_langdetect, "pipeline": pipeline_detector}
    for name in SETS:
        path = folder / name
        if not path.exists():
            print(f"skipped: {name} not found")
            continue
        items = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
        print(f"{name}: {len(items)} items")
        for label, detector in detectors.items():
            start = time.perf_counter()
            overall, per_language = accuracy(items, detector)
            per_item = 1000 * (time.perf_counter() - start) / len(items)
            worst = sorted(per_language.items(), key=lambda kv: kv[1])[:5]
            print(f"  {label:<16} accuracy {overall:.4f}   {per_item:.2f} ms/item   worst: "
                  + ", ".join(f"{lang} {value:.3f}" for lang, value in worst))
        halves = [accuracy(items[first::2], pipeline_detector)[0] for first in (0, 1)]
        print(f"  pipeline halves  {halves[0]:.4f} / {halves[1]:.4f}")
    # The detectors' models load lazily, per language met: after both sets this is what they cost at most.
    print(f"  peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
