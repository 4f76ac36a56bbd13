"""Provenance forms read since the layout development pages (``tests/fixtures/mt_dev_layouts``), and the site
profile's linguistic rule: each cue with positive and negative cases, then the development set as a whole."""

from __future__ import annotations

import pytest

from pipeline.artifacts import ArtifactKind, Finding
from pipeline.eval.mt import DEV_LAYOUTS, manifest_corpus, unseen_metrics
from pipeline.extract import extract_article
from pipeline.mt.outlets import outlet_index
from pipeline.mt.profile import SiteCounts
from pipeline.mt.provenance import detect_provenance, finding_outlet, paragraph_credits
from pipeline.mt.resources import weights
from pipeline.mt.source_line import detect_source_lines
from tests.test_mt_provenance import STORY, _doc, _with, page, provenance_kinds, run, story


@pytest.mark.parametrize("line", [
    "Translated from Frankfurter Allgemeine Zeitung", "Article from Caixin", "Credit: Hürriyet",
    "Originally appeared in El País", "To the original article in Walla", "Translated from Ukrainska Pravda",
])
def test_end_lines_that_credit_a_foreign_outlet(line: str) -> None:
    [finding] = detect_source_lines([line], "en", outlet_index())
    assert finding.kind is ArtifactKind.SOURCE_LINE_FOREIGN


@pytest.mark.parametrize("line", [
    "Credit: Reuters", "Credit: Getty Images", "Translated from the Hebrew by Jessica Cohen.",
    "Article from our archive", "Originally appeared in The Guardian", "To the original article",
])
def test_end_lines_of_agencies_people_and_english_outlets_are_no_foreign_credit(line: str) -> None:
    assert detect_source_lines([line], "en", outlet_index()) == []


@pytest.mark.parametrize("meta, outlet", [
    ("19.11.2026 | Source: Der Spiegel", "Der Spiegel"),
    ("Yomiuri Shimbun staff · 2026/11/12 18:05 JST", "Yomiuri Shimbun"),
    ("From the Asahi Shimbun", "Asahi Shimbun"), ("Maariv staff", "Maariv"),
])
def test_meta_lines_kickers_and_staff_bylines_naming_a_foreign_outlet(meta: str, outlet: str) -> None:
    [finding] = detect_provenance(_doc(bylines=[meta]), outlet_index())
    assert finding.kind is ArtifactKind.BYLINE_OUTLET_FOREIGN and finding_outlet(finding, outlet_index()).name == outlet


@pytest.mark.parametrize("meta", ["19.11.2026 | Source: TASS", "Levant Digest staff", "From the archive",
                                  "From the Guardian", "Source: company data | 19.11.2026"])
def test_meta_lines_of_agencies_the_site_itself_and_english_outlets(meta: str) -> None:
    assert detect_provenance(_doc(bylines=[meta]), outlet_index()) == []


def test_credit_parentheses_closing_a_paragraph_or_in_a_dateline() -> None:
    paragraphs = [
        "MOSCOW (kommersant.ru) - The ministry has prepared a decree on the grain quota.",
        "Both sides met again on Tuesday. (Source: Israel Hayom)",
        "Developers will offer discounts in the coming weeks. (caixin.com)",
    ]
    assert paragraph_credits(paragraphs) == ["kommersant.ru", "Source: Israel Hayom", "caixin.com"]
    found = detect_provenance(_doc(paragraphs=[*STORY, *paragraphs]), outlet_index())
    assert {finding_outlet(f, outlet_index()).name for f in found} == {"Kommersant", "Israel Hayom", "Caixin"}


def test_parentheses_that_cite_or_name_a_wire_are_no_credit() -> None:
    paragraphs = [
        "JERUSALEM (Reuters) - Talks resumed on Thursday.",
        "The plan was first described in the press (Haaretz).",  # a bare name closing a sentence cites, not credits
        "Exports rose by a tenth (Source: company data)",
        "The ministry confirmed it (see page 4).",
        "The plant opened in 2021 (see p. 4.)",
        "Prices rose again (AFP)",
    ]
    assert detect_provenance(_doc(paragraphs=[*STORY, *paragraphs]), outlet_index()) == []


@pytest.mark.parametrize("lead, outlet", [
    ("As reported by Corriere della Sera, the ticket will cost 2.50 euros from January.", "Corriere della Sera"),
    ("Asharq Al-Awsat reported that the kingdom opened the plant yesterday.", "Asharq Al-Awsat"),
    ("According to the Asahi Shimbun, rice prices hit a record.", "Asahi Shimbun"),
])
def test_a_lead_crediting_a_foreign_outlet(lead: str, outlet: str) -> None:
    [finding] = detect_provenance(_doc(paragraphs=[lead, *STORY]), outlet_index())
    assert finding.kind is ArtifactKind.LEAD_OUTLET_FOREIGN and finding_outlet(finding, outlet_index()).name == outlet


@pytest.mark.parametrize("paragraphs", [
    ["According to the ministry, rice prices hit a record.", *STORY],
    ["As reported by Reuters, the talks resumed.", *STORY],
    ["The Guardian reported that the talks resumed.", *STORY],
    [*STORY, "As reported by Corriere della Sera, the ticket will cost more."],  # a citation further down
])
def test_leads_of_sources_wires_english_outlets_and_later_citations_are_no_lead_credit(paragraphs: list[str]) -> None:
    assert detect_provenance(_doc(paragraphs=paragraphs), outlet_index()) == []


def test_a_lead_credit_weighs_less_than_a_credit_line() -> None:
    table = weights().weights
    assert 0 < table[ArtifactKind.LEAD_OUTLET_FOREIGN] < table[ArtifactKind.SOURCE_LINE_FOREIGN]


def test_extraction_keeps_source_and_kicker_blocks_but_not_picture_credits() -> None:
    blocks = ('<div class="kicker">From the Asahi Shimbun</div>', '<p class="kaynak">Credit: Hürriyet</p>',
              '<p class="teaser-image__credits">Tomer Appelbaum/Haaretz</p>', '<span class="image-source">Haaretz</span>')
    html = page("https://asia-digest.example.com/a/1", story(1), meta="By Ken Sato", end="".join(blocks)).page.body
    extracted = extract_article(html.decode(), "https://asia-digest.example.com/a/1")
    assert extracted.bylines == ["By Ken Sato", "From the Asahi Shimbun", "Credit: Hürriyet"]
    assert extracted.authors == ["Ken Sato"]  # a source block names no author
    [doc] = run([page("https://asia-digest.example.com/a/1", story(1), end=blocks[0] + blocks[2])])
    assert provenance_kinds(doc) == ["byline_outlet_foreign"] and doc.origin_outlet == "Asahi Shimbun"


def _reading(log_odds: float, *kinds: ArtifactKind) -> object:
    doc = _with(*kinds)
    doc.findings.append(Finding(ArtifactKind.LINGUISTIC_MODEL, f"log-odds {log_odds:.3f}", 1.0))
    return doc


@pytest.mark.parametrize("pages, expected", [
    ([_reading(2.5)] * 3 + [_with()], ArtifactKind.SITE_REPUBLISHER),  # three pages read as translated
    ([_reading(2.5)] * 2 + [_with(ArtifactKind.TEASER_TRUNCATED_DUP)] + [_with()],
     ArtifactKind.SITE_REPUBLISHER),  # two, and a layout trace on the site
    ([_reading(2.5)] * 2 + [_with()] * 2, None),  # two, and nothing else on the site
    ([_reading(2.5, ArtifactKind.NAME_VARIANT)] + [_with()] * 4, ArtifactKind.SITE_NATIVE),  # one odd page
    ([_reading(0.8, ArtifactKind.NAME_VARIANT)] * 4, None),  # leaning, not reading, as translated
    ([_with(ArtifactKind.LEAD_OUTLET_FOREIGN, ArtifactKind.LITERAL_IDIOM)] * 4, None),  # a press review's leads
    ([_with(ArtifactKind.SOURCE_LINE_FOREIGN, ArtifactKind.LITERAL_IDIOM)] * 4, ArtifactKind.SITE_REPUBLISHER),
])
def test_site_profile_from_how_the_pages_read(pages: list, expected: ArtifactKind | None) -> None:
    counts = SiteCounts()
    for doc in pages:
        counts.add(doc)
    assert counts.kind() is expected


def test_layout_development_pages() -> None:
    """The layout development set (manifest under ``pages:``): aggregators caught, natives clean, origins named."""
    metrics = unseen_metrics(manifest_corpus(DEV_LAYOUTS))
    assert metrics.aggregator_articles == 34 and metrics.native_articles == 18 and metrics.dropped == []
    assert metrics.recall >= 0.9 and metrics.precision >= 0.97 and metrics.native_flagged == []
    assert metrics.outlet_accuracy >= 0.9
