"""Re-fitting the weights on labelled articles gives a valid weights file that follows the evidence."""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.artifacts import ArtifactKind
from pipeline.mt import fit, resources


def _record(kinds: list[str], label: bool) -> str:
    return json.dumps({"artifacts": [{"kind": k, "evidence": "x", "weight": 1.0} for k in kinds], "label": label})


def test_fit_writes_a_valid_weights_file(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.jsonl"
    lines = [_record(["source_line_foreign", "literal_idiom"], True)] * 20 + [_record(["script_mix"], False)] * 5
    lines += [_record([], False)] * 20 + [_record(["script_mix", "source_line_foreign"], True)] * 5
    labelled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "mt_weights.yaml"
    assert fit.main([str(labelled), "--out", str(out)]) == 0
    fitted = resources.load_model(out, resources.Weights)
    assert fitted.weights[ArtifactKind.SOURCE_LINE_FOREIGN] > fitted.weights[ArtifactKind.SCRIPT_MIX] >= 0
    assert fitted.bias < 0 and fitted.family_caps == resources.weights().family_caps


def test_fit_rejects_a_bad_file(tmp_path: Path, capsys) -> None:
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text('{"artifacts": []}\n', encoding="utf-8")
    assert fit.main([str(labelled)]) == 2
    assert "labelled.jsonl:1: not a labelled record" in capsys.readouterr().err
