"""The linguistic model: the shipped file loads, scores deterministically and in the right direction, its features
are stable, and the training script reproduces the shipped file from the development data (skipped without it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.errors import ConfigError
from pipeline.eval import devdata_dir
from pipeline.eval import mt_linguistic
from pipeline.eval.mt_linguistic import WMT22_X_EN, roc_auc, stable_fraction
from pipeline.mt import linguistic
from pipeline.mt.resources import weights
from pipeline.mt.scoring import score, weigh

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "mt_linguistic"


def _text(name: str) -> str:
    return (FIXTURES / f"{name}.txt").read_text(encoding="utf-8")


def test_the_shipped_model_loads_and_matches_its_features() -> None:
    model = linguistic.model()
    assert model.families == linguistic.FAMILIES
    width = len(model.vector(linguistic.parse(_text("native"))))
    assert width == len(model.coef) == len(model.mean) == len(model.scale)
    assert model.flag_logit > 0 and linguistic.typography_model().families == ("typography",)
    assert linguistic.MODEL_FILE.stat().st_size < 2_000_000  # coefficients only


def test_machine_translation_scores_above_native_english_every_time() -> None:
    model = linguistic.model()
    machine, native = model.logit(_text("machine")), model.logit(_text("native"))
    assert machine is not None and native is not None
    assert machine > 0 > native
    assert model.logit(_text("machine")) == machine and linguistic.load().logit(_text("native")) == native


def test_too_short_or_not_english_gives_no_finding() -> None:
    assert linguistic.model().logit("A short note of a few words.") is None
    assert linguistic.detect_linguistic_style(_text("machine"), "de") == []
    assert linguistic.detect_linguistic_style(_text("native"), "en") == []
    [finding] = linguistic.detect_linguistic_style(_text("machine"), "en")
    assert finding.kind is ArtifactKind.LINGUISTIC_MODEL and finding.evidence.startswith("log-odds ")


def test_the_model_alone_decides_only_at_its_flag_threshold() -> None:
    table, flag = weights(), linguistic.model().flag_logit

    def verdict(logit: float, *others: Finding) -> bool:
        findings = weigh([Finding(ArtifactKind.LINGUISTIC_MODEL, f"log-odds {logit:.3f}"), *others], table,
                         known_aggregator=False)
        return score(findings, table).probability >= table.threshold

    assert verdict(flag) and verdict(flag + 4)
    assert not verdict(flag - 0.01) and not verdict(1.0)
    # below its threshold it adds to the probability but does not tip one provenance line into the verdict
    provenance = Finding(ArtifactKind.SOURCE_LINE_FOREIGN, "Source: israelhayom")
    assert not verdict(flag - 0.01, provenance)
    weighed = weigh([Finding(ArtifactKind.LINGUISTIC_MODEL, "log-odds 1.000"), provenance], table, known_aggregator=False)
    alone = weigh([provenance], table, known_aggregator=False)
    assert score(weighed, table).probability > score(alone, table).probability


def test_feature_extraction_is_stable() -> None:
    parsed = linguistic.parse("He said : “It's 5 % more , and that's it…”\n\nThen—nothing. The U.S. said 1,000 won't.")
    assert parsed.words[:3] == ["He", "said", "It's"]
    assert len(parsed.sentences) == 3
    typography = dict(zip((name for name, _ in linguistic.TYPOGRAPHY), linguistic.features(parsed, ("typography",), {}, {})))
    per = 1000 / len(parsed.text)
    assert typography["curly_double_quote"] == pytest.approx(2 * per)
    assert typography["space_before_comma"] == pytest.approx(per)
    assert typography["space_before_colon_semicolon"] == pytest.approx(per)
    assert typography["spaced_percent"] == typography["ellipsis_char"] == typography["unspaced_em_dash"] == pytest.approx(per)
    assert typography["thousands_comma"] == pytest.approx(per)
    shapes = linguistic.shape_ngrams(parsed)
    assert shapes['he w :'] == 1 and shapes['" C'] == 1  # function words kept, quotes of every style one symbol
    model = linguistic.model()
    first, second = model.vector(parsed), model.vector(linguistic.parse(parsed.text))
    assert np.array_equal(first, second)
    assert stable_fraction("cs-en:doc") == stable_fraction("cs-en:doc") and 0 <= stable_fraction("x") < 1


def test_roc_auc_counts_ties_half() -> None:
    assert roc_auc([3, 2], [1, 0]) == 1.0 and roc_auc([1], [1]) == 0.5 and roc_auc([0, 2], [1]) == 0.5


def test_the_eval_section_skips_without_the_data(capsys) -> None:
    mt_linguistic.report(None)
    assert "linguistic model: skipped" in capsys.readouterr().out


def test_a_broken_model_file_is_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "mt_linguistic.json"
    path.write_text('{"models": {}}', encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        linguistic.load(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)


def _train(out: Path, devdata: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, str(REPO / "scripts" / "train_mt_model.py"), "--out", str(out),
                           "--devdata", str(devdata)], env=env, capture_output=True, text=True, timeout=600)


def test_training_without_the_data_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    result = _train(out, tmp_path)
    assert result.returncode == 0 and "no development data" in result.stdout and not out.exists()


@pytest.mark.skipif(devdata_dir() is None or not (devdata_dir() / WMT22_X_EN).is_file(),
                    reason="WMT development data not on this machine")
def test_training_reproduces_the_shipped_model(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    result = _train(out, devdata_dir())
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == linguistic.MODEL_FILE.read_bytes()
