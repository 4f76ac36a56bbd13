"""Language identification: the combined detectors, abstention, the declared language, confusable groups and
paragraph languages."""

from __future__ import annotations

import langdetect
import langdetect_rs
import pytest

from pipeline import language
from pipeline.language import (CLEAR, CONFUSABLE_GROUPS, declared_language, detect_language, language_scores,
                               paragraph_languages)

STORY = ("The city council approved a new budget on Monday that raises spending on schools and public transport "
         "while cutting the cost of administration, after a debate that lasted well into the night and ended "
         "with a narrow vote of twenty-one to nineteen. The mayor said the plan would be reviewed in the autumn "
         "when the figures for the first half of the year are known, and that no service would be closed.")
GERMAN_QUOTE = ("„Wir haben lange über diesen Vorschlag gesprochen und sind am Ende zu dem Schluss gekommen, dass "
                "er für die Stadt und ihre Bürger der richtige Weg ist“, sagte die Bürgermeisterin am Abend.")
TEXTS = [STORY, GERMAN_QUOTE, "La ciutat ha aprovat el pressupost per a l'any vinent després d'un llarg debat.",
         "Правительство утвердило новый бюджет после долгих обсуждений в парламенте.", "Ein, zwei, drei, vier"]


def test_languages_of_documents_and_abstention() -> None:
    assert detect_language(STORY)[0] == "en"
    assert detect_language(GERMAN_QUOTE)[0] == "de"
    assert detect_language(TEXTS[2])[0] == "ca"
    assert detect_language(TEXTS[3])[0] == "ru"
    assert detect_language("OK 12") == (None, None)  # too short to judge: no guess
    assert detect_language("12345 " * 200 + "Hello there") == (None, None)  # the judged start has no words


def test_declared_language_decides_only_between_close_candidates() -> None:
    assert detect_language(STORY, declared="de")[0] == "en"
    short = "Banco de datos"  # Spanish and Portuguese alike
    for declared in ("es", "pt"):
        assert language_scores(short, declared=declared).get(declared, 0) > language_scores(short).get(declared, 0)


def test_declared_language_tags() -> None:
    assert declared_language("pt-BR") == "pt"
    assert declared_language("nb_NO") == "no"
    assert declared_language("{{lang}}") is None


@pytest.mark.parametrize("text", TEXTS)
def test_langdetect_rs_answers_as_langdetect_does(text: str) -> None:
    langdetect.DetectorFactory.seed = langdetect_rs.DetectorFactory.seed = 0
    assert [(c.lang, c.prob) for c in langdetect_rs.detect_langs(text)] == \
        [(c.lang, c.prob) for c in langdetect.detect_langs(text)]


def test_variants_of_one_code_merge() -> None:
    assert language._per_code([("nb", 0.6), ("nn", 0.3), ("da", 0.1)]) == {"no": 0.6, "da": 0.1}
    assert language._langdetect_scores("中华人民共和国国务院总理今天在北京会见了来访的外国客人")["zh"] > 0.99


def test_group_model_redivides_only_an_unclear_answer_within_its_group() -> None:
    romance = next(g for g in CONFUSABLE_GROUPS if "es" in g)
    unclear = {"es": 0.5, "ca": 0.3, "en": 0.2}
    judged = language._judged_within_group(unclear, "Barcelona, Ed. Paidós, 1993.")
    assert judged["en"] == 0.2  # outside the group: untouched
    assert sum(judged[lang] for lang in romance) == pytest.approx(0.8)  # the group keeps its share
    assert set(judged) >= romance
    clear = {"es": CLEAR, "pt": 1 - CLEAR}
    assert language._judged_within_group(clear, "Banco de datos") is clear
    outside = {"de": 0.6, "nl": 0.4}
    assert language._judged_within_group(outside, "Haus") is outside


def test_paragraph_languages() -> None:
    paragraphs = [STORY, GERMAN_QUOTE, "Photo: AP", STORY.replace("city", "town")]
    assert paragraph_languages(paragraphs, "en") == ["en", "de", None, "en"]


def test_lingua_is_asked_only_when_its_vote_could_change_the_answer(monkeypatch) -> None:
    asked: list[str] = []
    full = language._lingua_scores

    def counted(text: str, detector=None) -> dict[str, float]:
        asked.append(text)
        return full(text, detector)

    monkeypatch.setattr(language, "_lingua_scores", counted)
    assert detect_language(STORY)[0] == "en"  # fastText and langdetect sure: lingua cannot overturn them
    assert asked == []
    assert detect_language(TEXTS[2])[0] == "ca"  # a confusable group: lingua (and the group's model) decide
    assert asked
    asked.clear()
    assert language_scores("Ein, zwei, drei, vier")  # short: the cheap detectors are not sure enough alone
    assert asked


def test_an_expert_is_left_out_only_when_it_cannot_change_the_answer() -> None:
    sure = [({"en": 0.999, "de": 0.001}, 1.0), ({"en": 0.99999}, 0.3)]
    assert language._leads_whatever(sure, "en", 1.0)
    assert not language._leads_whatever(sure, "en", 2.0)  # a heavier expert could overturn it
    # the bound holds: the worst vote for "en" still leaves it first
    worst = language._product_of_experts([({"de": 1.0}, 1.0), *sure])
    assert next(iter(worst)) == "en"
    # the declared language's bonus counts for the answer when it is the answer, else for a rival
    barely = [({"en": 0.97, "de": 0.03}, 1.0), ({"en": 0.99999}, 0.3)]
    assert language._leads_whatever(barely, "en", 1.0, declared="en")
    assert not language._leads_whatever(barely, "en", 1.0)
    fairly = [({"en": 0.99, "de": 0.01}, 1.0), ({"en": 0.99999}, 0.3)]
    assert language._leads_whatever(fairly, "en", 1.0)
    assert not language._leads_whatever(fairly, "en", 1.0, declared="de")
    unsure = [({"en": 0.9, "de": 0.1}, 1.0), ({"en": 0.99999}, 0.3)]
    assert not language._leads_whatever(unsure, "en", 1.0)
    assert next(iter(language._product_of_experts([({"de": 1.0}, 1.0), *unsure]))) == "de"
