"""Each MT detector on its own inputs, including the look-alikes it must leave alone."""

from __future__ import annotations

import pytest
import regex

from pipeline.artifacts import ArtifactKind, Family, Finding
from pipeline.mt import script
from pipeline.mt.credits import is_mangled
from pipeline.mt.idioms import detect_idioms, idiom_matcher
from pipeline.mt.names import detect_name_variants
from pipeline.mt.origin import infer_origin
from pipeline.mt.outlets import outlet_index
from pipeline.mt.paragraphs import detect_language_mismatch
from pipeline.mt.resources import weights
from pipeline.mt.scoring import confidence, score, weigh
from pipeline.mt.script import detect_script_mix, script_language
from pipeline.mt.source_line import detect_source_lines
from pipeline.mt.steps import MAX_FINDINGS_PER_KIND, _merge
from pipeline.mt.template import split_teaser, template_for
from pipeline.mt.title import find_outlet_suffix


def test_name_variant_found_with_a_shared_neighbour() -> None:
    text = "President Qasim Tokayev asked for help. Later Qassim Tokayev spoke again."
    [finding] = detect_name_variants(text)
    assert finding.kind is ArtifactKind.NAME_VARIANT
    assert "Qasim Tokayev" in finding.evidence and "Qassim Tokayev" in finding.evidence


@pytest.mark.parametrize("text", [
    "Kim Jong Un visited the tomb of Kim Jong Il and Kim Il Sung.",
    "Officials in Austria and Australia, and in Iran and Iraq, said nothing.",
    "Bryan Adams and Ryan Adams toured; Mark Kelly and Scott Kelly flew.",
    "Zelensky met Biden. Later Zelenskyy's aide spoke.",  # spelled twice, but no shared context: not claimed
])
def test_name_variant_leaves_different_entities_alone(text: str) -> None:
    assert detect_name_variants(text) == []


def test_script_mix_finds_foreign_runs_and_their_language() -> None:
    findings = detect_script_mix("The crowd chanted שלום עולם while officials from Москва watched.")
    assert [f.evidence for f in findings] == ["שלום עולם", "Москва"]
    assert script_language("שלום") == "he" and script_language("Київ") == "uk" and script_language("東京です") == "ja"


def test_every_letter_of_the_scripts_passes_the_quick_check() -> None:
    every_character = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    letters = regex.findall(f"[{script._LETTER}]", every_character)
    assert len(letters) > 100_000
    assert not [letter for letter in letters if not script._ANY_SCRIPT.match(letter)]
    assert not script._ANY_SCRIPT.search("Zürich, Łódź, Việt Nam, „quoted“ – 5 € ✓")


def test_script_mix_ignores_diacritics_emoji_and_text_written_in_that_script() -> None:
    assert detect_script_mix("Zürich, Kraków and São Paulo in winter ❄️🌞, and the letter α.") == []
    assert detect_script_mix("Москва — столица России, и это большой город с метро.") == []


@pytest.mark.parametrize("line", ["Kazakh President, yesterday, Photo: AP", "Photo: AFP via Getty Images",
                                  "Photo: John Smith", "Credit: EPA", "Ministers at the summit. Photo: Reuters"])
def test_ordinary_credits_are_not_mangled(line: str) -> None:
    assert not is_mangled(line, outlet_index(), "en")


@pytest.mark.parametrize("line", ["Paratroopers board a plane, today, Photo: API.", "Photo: Reuter",
                                  "Photography: Reuters", "Foto: dpa", "Photo: Photo: AP"])
def test_mangled_credits(line: str) -> None:
    assert is_mangled(line, outlet_index(), "en")


def test_untranslated_label_is_native_in_its_own_language() -> None:
    assert not is_mangled("Ein Streufahrzeug bei Boppard. Foto: dpa", outlet_index(), "de")


def test_source_lines_name_foreign_outlets_not_agencies() -> None:
    lines = ["Source: Reuters", "Source: AP", "Source: lemonde.fr", "Via: The Country", "Source: BBC News"]
    assert [f.evidence for f in detect_source_lines(lines, "en", outlet_index())] == ["Source: lemonde.fr",
                                                                                   "Via: The Country"]
    assert detect_source_lines(["Source: lemonde.fr"], "fr", outlet_index()) == []  # a French page citing Le Monde


def test_title_literal_ambiguous_only_when_allowed() -> None:
    index = outlet_index()
    assert find_outlet_suffix("Winter in the camps | The World", index) is None  # an English programme's name
    suffix = find_outlet_suffix("Winter in the camps | The World", index, allow_ambiguous=True)
    assert suffix is not None and {o.name for o in suffix.outlets} >= {"Die Welt", "Le Monde"}
    unambiguous = find_outlet_suffix("Rents rise - South German Newspaper", index)
    assert unambiguous is not None and unambiguous.title == "Rents rise"


def test_paragraph_language_mismatch_needs_long_paragraphs() -> None:
    paragraphs = ["Dies ist ein langer Absatz, der offensichtlich auf Deutsch geschrieben wurde und bleibt.", "Kurz."]
    [finding] = detect_language_mismatch(paragraphs, ["de", "fr"], "en")
    assert finding.evidence.startswith("de: ")
    assert detect_language_mismatch(paragraphs, ["de"], "en") == []  # languages not aligned with paragraphs


def test_idioms_know_their_languages() -> None:
    phrases = [f.evidence for f in detect_idioms("Recall that the army left. The minister said this Tuesday that.")]
    assert phrases == ["Recall that", "said this Tuesday"]
    assert idiom_matcher().languages_of("said this Tuesday") == {"fr", "es", "pt"}
    assert detect_idioms("We recall that meeting; the vote is this Tuesday.") == []


def test_idiom_phrases_are_found_wherever_their_words_stand_together() -> None:
    text = "For his part, the minister promised High-quality development of the region."
    assert [f.evidence for f in detect_idioms(text)] == ["For his part,", "High-quality development"]
    assert idiom_matcher().languages_of("High-quality development") == {"zh"}
    assert detect_idioms(text, "en") == detect_idioms(text)
    assert detect_idioms(text, "de") == []  # an English quotation in a German article is no trace of translation
    # every word of both phrases, but not as the phrases
    assert detect_idioms("His part in the development was of high quality, for all to see.") == []


def test_teaser_with_subtitle_is_a_copy_of_the_body_start() -> None:
    body = "A special unit of Russian fighters arrived in Kazakhstan this morning after the Kremlin decided to act."
    lead = "Moscow sends paratroopers " + body[:60]
    assert split_teaser(lead, body) == "Moscow sends paratroopers"
    assert split_teaser("A different opening entirely, not from the body at all here", body) is None


def test_template_lines_of_a_known_aggregator() -> None:
    template = template_for("thelimitedtimes.com")
    assert template is not None and template_for("example.com") is None
    index = outlet_index()
    assert template.line_kind("Were we wrong?", index, None) is ArtifactKind.SITE_BOILERPLATE
    assert template.line_kind("All news articles on 2022-01-06", index, None) is ArtifactKind.SITE_BOILERPLATE
    assert template.line_kind("Source: israelhayom", index, None) is ArtifactKind.SOURCE_LINE_FOREIGN
    assert template.line_kind("The army said it was ready.", index, None) is None


def test_family_caps_keep_one_template_from_counting_many_times() -> None:
    table = weights()
    template_only = weigh([Finding(ArtifactKind.SITE_BOILERPLATE, f"line {i}") for i in range(20)], table, True)
    assert score(template_only, table).family_totals[Family.TEMPLATE] == table.family_caps[Family.TEMPLATE]
    result = score(template_only, table)
    assert confidence(result, result.probability >= table.threshold, table) != "high"
    # elsewhere the same lines are learned boilerplate, no evidence of translation
    assert all(f.weight == 0 for f in weigh(template_only, table, known_aggregator=False))


def test_high_confidence_needs_independent_families() -> None:
    table = weights()
    findings = weigh([Finding(ArtifactKind.AGGREGATOR_BANNER, "x"), Finding(ArtifactKind.SITE_BOILERPLATE, "y"),
                      Finding(ArtifactKind.SOURCE_LINE_FOREIGN, "Source: israelhayom"),
                      Finding(ArtifactKind.TITLE_OUTLET_LITERAL, "| Israel today"),
                      Finding(ArtifactKind.NAME_VARIANT, "a / b")], table, True)
    result = score(findings, table)
    assert result.probability > 0.9 and confidence(result, True, table) == "high"


def test_origin_from_an_ambiguous_literal_is_settled_by_language_votes() -> None:
    findings = [Finding(ArtifactKind.TITLE_OUTLET_LITERAL, "| The World"),
                Finding(ArtifactKind.LITERAL_IDIOM, "the sexagenarian")]
    origin = infer_origin(findings, "en", outlet_index(), None)
    assert (origin.outlet, origin.language, origin.confidence) == ("Le Monde", "fr", "medium")
    named = infer_origin([Finding(ArtifactKind.SOURCE_LINE_FOREIGN, "Source: spiegel.de")], "en", outlet_index(), None)
    assert (named.outlet, named.language, named.confidence) == ("Der Spiegel", "de", "high")


def test_every_cleaning_finding_stays_on_record_and_only_the_first_of_a_kind_count() -> None:
    table = weights()
    lines = [Finding(ArtifactKind.SITE_BOILERPLATE, f"line {i}") for i in range(MAX_FINDINGS_PER_KIND + 3)]
    merged = weigh(_merge(lines, [Finding(ArtifactKind.SITE_BOILERPLATE, "a detector's extra")]), table, True,
                   max_per_kind=MAX_FINDINGS_PER_KIND)
    assert [f.evidence for f in merged] == [f.evidence for f in lines]  # all removals recorded, no sixth new one
    assert [f.weight > 0 for f in merged] == [True] * MAX_FINDINGS_PER_KIND + [False] * 3
    assert score(merged, table).probability == score(merged[:MAX_FINDINGS_PER_KIND], table).probability
