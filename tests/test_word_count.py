"""word_count and the article minimum in scripts written without spaces (Chinese, Japanese, Thai)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.cli import main
from pipeline.document import count_words
from pipeline.steps import MIN_ARTICLE_WORDS
from tests.conftest import SAMPLE

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_unspaced_scripts_count_as_words() -> None:
    assert count_words("The cat sat on the mat.") == 6
    assert count_words("서울 시민 여러분") == 3  # Hangul is written with spaces
    # Han and kana: one word per character, digits as tokens; punctuation is not a word.
    assert count_words("北京时间1月6日，国家统计局发布数据。") == 15 + 2
    assert count_words("東京都は6日、新たに感染者を確認した。") == 16 + 1
    # Thai: a run counts one word per 4 characters, at least one.
    assert count_words("สวัสดีครับ ผมชื่อสมชาย") == 3 + 3
    assert count_words("Apple 苹果 announced") == 2 + 2


def test_a_chinese_article_counts_its_characters_and_keeps_the_minimum(capsys, tmp_path: Path) -> None:
    page = SAMPLE / "pages" / "www.xinwen-ribao.cn" / "06-content_5832102.html"
    assert main(["extract", str(page), "--url", "http://www.xinwen-ribao.cn/2022-01/06/content_5832102.htm"]) == 0
    row = json.loads(capsys.readouterr().out)
    han = len(HAN.findall(row["text"]))
    assert han > 200
    assert han <= row["word_count"] <= han + len(re.findall(r"[0-9A-Za-z]+", row["text"]))
    # A stub of fewer Han characters than the minimum is not an article.
    stub = tmp_path / "stub.html"
    stub.write_text("<html><head><title>通知</title></head><body><article><h1>通知</h1><p>"
                    + "系统维护中请稍后再试。" * 3 + "</p></article></body></html>", encoding="utf-8")
    assert count_words("系统维护中请稍后再试。" * 3) < MIN_ARTICLE_WORDS
    assert main(["extract", str(stub), "--url", "https://example.cn/notice.html"]) == 2
    assert "skipped_too_short" in capsys.readouterr().err
