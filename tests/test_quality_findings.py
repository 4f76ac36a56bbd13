"""Every line a cleaning rule removes from the body is a finding of its own kind, and none counts towards
machine translation; lines the rules leave alone give no finding."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from trafilatura.utils import load_html

from pipeline.artifacts import FAMILY, UNWEIGHED_FAMILIES, ArtifactKind, Finding
from pipeline.clean.end_matter import DropEndMatter
from pipeline.clean.related_links import drop_related_links
from pipeline.document import Document, Page
from pipeline.errors import ConfigError
from pipeline.mt import fit, resources
from pipeline.mt.steps import MAX_FINDINGS_PER_KIND, DetectTranslation
from pipeline.steps import ExtractArticle

FIXTURES = Path(__file__).parent / "fixtures" / "quality_findings"
URL = "https://valley-courier.example/news/river-ferry"
HEADLINE = "River ferry to run all night from June"
STORY = [
    "The river ferry between the old port and the university campus will run all night from the first of June, the "
    "regional transport authority announced on Monday after a year of trials on weekend nights.",
    "Ferries will leave every thirty minutes between midnight and five in the morning, and the night fare will be the "
    "same as the day fare, the authority said, in response to complaints from night-shift workers at the hospital.",
]
CALL, CREDIT = ArtifactKind.CALL_TO_ACTION, ArtifactKind.TEXT_CREDIT


def _document(paragraphs: list[str] | None = None, html: str = "") -> Document:
    fetched = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
    page = Page(url=URL, body=html.encode(), fetched_at=fetched, source_name="test")
    return Document(page=page, crawl_day=fetched.date(), html=html, paragraphs=list(paragraphs or []))


def _kinds_and_lines(findings: list[Finding]) -> list[tuple[ArtifactKind, str]]:
    return [(finding.kind, finding.evidence) for finding in findings]


def test_extraction_records_the_repeated_headline_and_the_link_line() -> None:
    html = (FIXTURES / "headline_and_links.html").read_text(encoding="utf-8")
    doc = ExtractArticle().process(_document(html=html))
    assert _kinds_and_lines(doc.findings) == [
        (ArtifactKind.HEADLINE_REPEAT, HEADLINE),
        (ArtifactKind.RELATED_LINK, "Lees ook: Bridge closure leaves cyclists with long detours"),
    ]
    # The story's lines stay and give no finding, the one with a link inside it too.
    assert doc.paragraphs[:2] == STORY and doc.paragraphs[2].endswith("in an open letter last year.")
    assert len(doc.paragraphs) == 3


def test_a_first_line_that_only_starts_like_the_headline_stays() -> None:
    first = f"{HEADLINE}, the authority said on Monday, after a year of trials on weekend nights in the old port."
    html = (f"<html><body><h1>{HEADLINE}</h1><article><p>{first}</p>"
            + "".join(f"<p>{line}</p>" for line in STORY) + "</article></body></html>")
    doc = ExtractArticle().process(_document(html=html))
    assert doc.paragraphs[0] == first
    assert not any(f.kind is ArtifactKind.HEADLINE_REPEAT for f in doc.findings)


def test_each_related_link_line_is_a_finding_and_story_lines_are_not() -> None:
    tree = load_html(
        "<html><body><ul><li><a href='/a'>Harbour festival moves to the old port</a></li></ul>"
        "<p><a href='/b'>Night buses to be cut on two suburban routes</a></p>"
        "<p><a href='/c'>Students ask for more stops on the eastern bank</a></p></body></html>")
    listed = "- Harbour festival moves to the old port"
    trailing = ["Night buses to be cut on two suburban routes", "Students ask for more stops on the eastern bank"]
    kept, findings = drop_related_links([STORY[0], listed, STORY[1], *trailing], tree)
    assert kept == STORY
    assert _kinds_and_lines(findings) == [(ArtifactKind.RELATED_LINK, line) for line in [listed, *trailing]]


def test_evidence_is_cut_to_200_characters() -> None:
    long_link = "Read more: " + " ".join(["the tram story"] * 30)
    tree = load_html(f"<html><body><p><a href='/x'>{long_link.removeprefix('Read more: ')}</a></p></body></html>")
    _, findings = drop_related_links([STORY[0], long_link, STORY[1]], tree)
    assert [f.evidence for f in findings] == [long_link[:200]]


@pytest.mark.parametrize(("notice", "kinds"), [
    (["Get the latest news from the Valley Courier in your inbox.", "Sign up for our emails"], [CALL, CALL]),
    (["Il vous reste 57.09% de cet article à lire. La suite est réservée aux abonnés."], [CALL]),
    (["Reporting by Maya Gebeilly in Beirut; Editing by Alex Richardson", "Copyright © 2024 Reuters."],
     [CREDIT, CREDIT]),
    (["Mit Agenturmaterial.", "Folgen Sie uns auf Instagram und Facebook."], [CREDIT, CALL]),
    # The heading of a notice box takes the kind of the notice below it.
    (["Newsletter: Sport inside", "Suscríbete y recibe cada lunes las mejores historias de la semana."],
     [CALL, CALL]),
    (["Links lesen, Rechts bekämpfen", "Quelle: ntv.de"], [CREDIT, CREDIT]),
])
def test_end_matter_is_recorded_as_calls_to_action_and_credits(notice: list[str], kinds: list[ArtifactKind]) -> None:
    doc = DropEndMatter().process(_document([*STORY, *notice]))
    assert doc.paragraphs == STORY
    assert _kinds_and_lines(doc.findings) == list(zip(kinds, notice))


def test_a_short_call_to_action_in_the_body_is_recorded_and_story_lines_are_not() -> None:
    app = "CLICK HERE TO GET THE VALLEY COURIER APP"
    ending = "The students' newsletter will print the night timetable, and subscribers to the app will get a message."
    doc = DropEndMatter().process(_document([STORY[0], app, STORY[1], ending]))
    assert doc.paragraphs == [*STORY, ending]
    assert _kinds_and_lines(doc.findings) == [(CALL, app)]


def test_removals_all_stay_on_record_and_never_count_towards_translation() -> None:
    links = [f"Related story number {n} about the river ferry" for n in range(MAX_FINDINGS_PER_KIND + 2)]
    removals = [Finding(ArtifactKind.RELATED_LINK, line) for line in links]
    removals += [Finding(ArtifactKind.HEADLINE_REPEAT, HEADLINE), Finding(CALL, "Sign up for our emails"),
                 Finding(CREDIT, "Mit Agenturmaterial.")]

    def detected(findings: list[Finding]) -> Document:
        doc = _document(STORY)
        doc.language, doc.paragraph_languages, doc.findings = "en", ["en", "en"], list(findings)
        return DetectTranslation().process(doc)

    with_removals, without = detected(removals), detected([])
    # every one, beyond the per-kind cap of the detectors' findings
    assert _kinds_and_lines(with_removals.findings[:len(removals)]) == _kinds_and_lines(removals)
    assert all(f.weight == 0 for f in with_removals.findings[:len(removals)])
    assert with_removals.mt_probability == without.mt_probability


def test_the_weights_file_rejects_a_weight_for_a_removal(tmp_path: Path) -> None:
    text = (resources.DATA_DIR / "mt_weights.yaml").read_text(encoding="utf-8")
    path = tmp_path / "mt_weights.yaml"
    path.write_text(text.replace("  call_to_action: 0\n", "  call_to_action: 0.4\n"), encoding="utf-8")
    with pytest.raises(ConfigError, match="weight of kind call_to_action must be 0"):
        resources.load_model(path, resources.Weights)
    assert {FAMILY[kind] for kind in (ArtifactKind.RELATED_LINK, ArtifactKind.HEADLINE_REPEAT, CALL, CREDIT)} \
        <= UNWEIGHED_FAMILIES


def test_a_refit_keeps_removals_at_weight_0(tmp_path: Path) -> None:
    def record(kinds: list[str], label: bool) -> str:
        return json.dumps({"artifacts": [{"kind": k, "evidence": "x", "weight": 0.0} for k in kinds], "label": label})

    # call_to_action fires on every translated article here: the fit must still not weigh it.
    lines = [record(["call_to_action", "source_line_foreign"], True)] * 20 + [record([], False)] * 20
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "mt_weights.yaml"
    assert fit.main([str(labelled), "--out", str(out)]) == 0
    fitted = resources.load_model(out, resources.Weights)
    assert fitted.weights[CALL] == 0 and fitted.weights[ArtifactKind.SOURCE_LINE_FOREIGN] > 0
