"""``python -m pipeline.mt.fit LABELLED.jsonl``: re-fit the per-kind weights and the bias of ``mt_weights.yaml``.

Each line of the input is a JSON object with ``artifacts`` (as in the dataset: a list of ``{kind, ...}``) and a
boolean ``label`` (machine-translated or not); dataset rows exported with a ``label`` column fit as they are.
``--fixtures`` uses the labelled fixture corpus instead. The fit is an L2-regularised logistic regression on
per-kind counts (clipped at ``MAX_COUNT``), by projected gradient descent that keeps weights non-negative; family
caps and the threshold are kept from the current file. It prints the new file (or writes it with ``--out``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import yaml

from pipeline.artifacts import FAMILY, RUN_FAMILIES, UNWEIGHED_FAMILIES, ArtifactKind, Family
from pipeline.errors import PipelineError
from pipeline.mt.resources import DATA_DIR, weights

MAX_COUNT = 3
# The kinds that may count towards translation; removals keep weight 0 (the file requires it), and the kinds a run
# learns (the site's profile) keep the file's weights: one article alone says nothing about them.
KINDS = tuple(kind for kind in ArtifactKind if FAMILY[kind] not in UNWEIGHED_FAMILIES | RUN_FAMILIES)


def features(artifacts: list[tuple[str, float]]) -> list[float]:
    """Per-kind counts of (kind, weight) findings; removals and template lines that scored 0 (no known aggregator) are
    left out."""
    counts = {kind: 0 for kind in KINDS}
    for name, weight in artifacts:
        kind = ArtifactKind(name)
        if kind in counts and (FAMILY[kind] is not Family.TEMPLATE or weight > 0):
            counts[kind] += 1
    return [float(min(counts[kind], MAX_COUNT)) for kind in KINDS]


def read_labelled(path: Path) -> tuple[np.ndarray, np.ndarray]:
    rows, labels = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            rows.append(features([(a["kind"], float(a.get("weight") or 0.0)) for a in record["artifacts"]]))
            labels.append(float(bool(record["label"])))
        except (ValueError, KeyError, TypeError) as exc:
            raise PipelineError(f"{path}:{number}: not a labelled record ({exc})") from None
    return np.array(rows), np.array(labels)


def fixture_records() -> tuple[np.ndarray, np.ndarray]:
    from pipeline.eval.mt import fixture_corpus  # runs the whole article path: only when asked for

    items = [item for item in fixture_corpus() if item.doc is not None]
    x = np.array([features([(str(f.kind), f.weight) for f in item.doc.findings]) for item in items])
    return x, np.array([float(item.machine_translated) for item in items])


def fit(x: np.ndarray, y: np.ndarray, l2: float = 0.01, steps: int = 5000, rate: float = 0.1) -> tuple[float, np.ndarray]:
    """Bias and non-negative weights minimising the mean log-loss plus ``l2`` * |w|^2."""
    if len(set(y.tolist())) < 2:
        raise PipelineError("need both machine-translated and other articles to fit")
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        w = np.maximum(0.0, w - rate * (x.T @ (p - y) / len(y) + 2 * l2 * w))
        b -= rate * float(np.mean(p - y))
    return b, w


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.mt.fit", description=__doc__.split("\n\n")[0])
    parser.add_argument("labelled", nargs="?", type=Path, help="JSONL of {artifacts, label}")
    parser.add_argument("--fixtures", action="store_true", help="fit on the labelled fixture corpus")
    parser.add_argument("--l2", type=float, default=0.01)
    parser.add_argument("--out", type=Path, help=f"write here (e.g. {DATA_DIR / 'mt_weights.yaml'})")
    args = parser.parse_args(argv)
    try:
        if args.fixtures == (args.labelled is not None):
            raise PipelineError("give a labelled JSONL file or --fixtures (one of them)")
        x, y = fixture_records() if args.fixtures else read_labelled(args.labelled)
        bias, w = fit(x, y, args.l2)
    except (PipelineError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    current = weights().model_dump(mode="json")
    current["bias"] = round(bias, 3)
    fitted = {str(kind): round(float(value), 3) for kind, value in zip(KINDS, w)}
    kept = {str(kind): current["weights"][str(kind)] for kind in ArtifactKind if FAMILY[kind] in RUN_FAMILIES}
    current["weights"] = {str(kind): fitted.get(str(kind), kept.get(str(kind), 0.0)) for kind in ArtifactKind}
    text = yaml.safe_dump(current, sort_keys=False)
    print(f"# fitted on {len(y)} articles ({int(y.sum())} machine-translated), l2={args.l2}", file=sys.stderr)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
