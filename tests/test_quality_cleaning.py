"""Cleaning rules on fixture pages: each rule fires on its positive case and leaves the negative case alone."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from pipeline.artifacts import ArtifactKind
from pipeline.clean.boilerplate import DropSiteBoilerplate
from pipeline.clean.captions import is_caption
from pipeline.clean.normalise import NormaliseText
from pipeline.clean.teaser import is_truncated_copy
from pipeline.clean.title import site_keys, strip_site_suffix
from pipeline.document import Document, Page
from pipeline.recipe import default_steps
from pipeline.steps import run_steps

FIXTURES = Path(__file__).parent / "fixtures" / "quality"
FETCHED = dt.datetime(2022, 1, 7, tzinfo=dt.timezone.utc)


def run_page(name: str, url: str) -> Document:
    page = Page(url=url, body=(FIXTURES / name).read_bytes(), fetched_at=FETCHED, source_name="test",
                headers=(("Content-Type", "text/html"),))
    stats: Counter[str] = Counter()
    docs = list(run_steps([Document(page=page, crawl_day=FETCHED.date())], default_steps(), stats))
    assert len(docs) == 1, stats
    return docs[0]


@pytest.fixture(scope="module")
def cleaned() -> Document:
    return run_page("teaser_and_captions.html", "https://www.riverside-courier.example/news/bridge")


@pytest.fixture(scope="module")
def native() -> Document:
    return run_page("native_article.html", "https://valleyweekly.example/choir")


def kinds(doc: Document) -> set[ArtifactKind]:
    return {finding.kind for finding in doc.findings}


def test_teaser_cut_mid_word_is_dropped_and_recorded(cleaned: Document) -> None:
    assert cleaned.paragraphs[0].startswith("The harbour bridge reopened")
    assert cleaned.paragraphs[0].endswith("said in a statement.")
    assert sum(p.startswith("The harbour bridge reopened") for p in cleaned.paragraphs) == 1
    assert ArtifactKind.TEASER_TRUNCATED_DUP in kinds(cleaned)


def test_credit_and_captions_move_to_captions(cleaned: Document) -> None:
    assert "Photo: City Press Office" in cleaned.captions
    assert any(c.startswith("Commuters queue") for c in cleaned.captions)
    assert not any("Photo:" in p for p in cleaned.paragraphs)


def test_repeated_paragraph_is_dropped(cleaned: Document) -> None:
    assert sum(p.startswith("Engineers replaced") for p in cleaned.paragraphs) == 1
    assert ArtifactKind.REPETITION in kinds(cleaned)


def test_mojibake_is_repaired(cleaned: Document) -> None:
    assert "Café owners agreed." in cleaned.text and "Ã" not in cleaned.text
    assert ArtifactKind.MOJIBAKE in kinds(cleaned)


def test_metadata(cleaned: Document) -> None:
    assert cleaned.title == "Harbour bridge reopens after six months of repairs"
    assert cleaned.authors == ["Jane Doe", "Tom O'Neil"]
    assert cleaned.published_at == dt.datetime(2022, 1, 6, 21, 30, tzinfo=dt.timezone.utc)
    assert cleaned.html_lang == "en"
    assert cleaned.language == "en"
    assert len(cleaned.paragraph_languages) == len(cleaned.paragraphs)


def test_native_article_is_left_alone(native: Document) -> None:
    text = native.text
    assert text.count("Sing as if nobody is counting") == 2  # a real quotation that repeats
    assert "The photo: a faded print of the first rehearsal" in text  # a caption-like sentence of the story
    assert native.paragraphs[-1] == "The choir rehearses every Tuesday evening and welcomes new singers of all ages."
    assert native.captions == []
    assert not kinds(native) & {ArtifactKind.TEASER_TRUNCATED_DUP, ArtifactKind.REPETITION, ArtifactKind.MOJIBAKE}


def _doc(site: str, n: int, paragraphs: list[str]) -> Document:
    page = Page(url=f"https://{site}/a{n}", body=b"", fetched_at=FETCHED, source_name="test")
    return Document(page=page, crawl_day=FETCHED.date(), site=site, paragraphs=paragraphs)


def test_site_boilerplate_is_learned_across_pages() -> None:
    footer = "Were we wrong? Fixed! Write to the newsroom."
    docs = [_doc("news.example", n, [f"Story number {n} begins with its own words.", footer,
                                     f"Unique closing line of story {n}."]) for n in range(6)]
    # a quotation shared by two of many articles stays
    docs[1].paragraphs.append("“We will rebuild,” the minister said.")
    docs[4].paragraphs.append("“We will rebuild,” the minister said.")
    docs += [_doc("news.example", n, [f"Filler story {n} of the day."]) for n in range(6, 20)]
    out = list(DropSiteBoilerplate().run(docs, Counter()))
    assert all(footer not in d.paragraphs for d in out)
    assert all(any(f.kind is ArtifactKind.SITE_BOILERPLATE for f in d.findings) for d in out[:6])
    assert out[5].paragraphs[-1] == "Unique closing line of story 5."  # the article's own last line
    assert out[4].paragraphs[-1] == "“We will rebuild,” the minister said."


def test_boilerplate_is_still_learned_when_the_counts_are_capped() -> None:
    footer = "Were we wrong? Fixed! Write to the newsroom."
    # 60 pages of 6 unique lines each over two sites overflow a cap of 50 counted lines many times over
    docs = [_doc(f"site{n % 2}.example", n, [*(f"Line {i} of story {n}." for i in range(6)), footer])
            for n in range(60)]
    out = list(DropSiteBoilerplate(max_keys=50).run(docs, Counter()))
    assert all(footer not in d.paragraphs and len(d.paragraphs) == 6 for d in out)


def test_boilerplate_is_per_site() -> None:
    line = "Subscribe to our newsletter."
    docs = [_doc(f"site{n}.example", n, ["Own text.", line]) for n in range(5)]
    out = list(DropSiteBoilerplate().run(docs, Counter()))
    assert all(line in d.paragraphs for d in out)


@pytest.mark.parametrize("line, expected", [
    ("Foto: Felix Zahn/imago", True),
    ("STR/AFP via Getty Images", True),
    ("Ministers at the summit in Brussels. (Photo: Reuters)", True),
    ("Reuters reported on Monday that the talks had stalled after the second round of negotiations.", False),
    ("He showed me a photo of his daughter.", False),
    ("写真：共同通信", True),  # a full-width colon is a label's colon too
    ("Photo credit in the archive is missing", False),  # a label without its colon
])
def test_caption_lines(line: str, expected: bool) -> None:
    assert is_caption(line) is expected


def test_teaser_needs_a_real_prefix() -> None:
    body = "The council approved the budget on Monday after a long debate about school funding."
    assert is_truncated_copy("The council approved the budget on Monday after a lo…", body)
    assert not is_truncated_copy("The council approved it.", body)  # a short lead that happens to agree


@pytest.mark.parametrize("title, site, site_name, expected", [
    ("Steigende US-Zinsen setzen Dax zu | Börsen-Zeitung", "boersen-zeitung.de", "Börsen-Zeitung",
     "Steigende US-Zinsen setzen Dax zu"),
    ("Ukrainische Gegenoffensive: Ziele | DW | 28.04.2023", "dw.com", "DW.COM", "Ukrainische Gegenoffensive: Ziele"),
    ("南海トラフ、一時調査：中日新聞Web", "chunichi.co.jp", "中日新聞Web", "南海トラフ、一時調査"),
    ("Vote count: what comes next", "example.com", "Example News", "Vote count: what comes next"),
    ("Choir marks fifty years - A Harmony of Voices", "valleyweekly.example", "Valley Weekly",
     "Choir marks fifty years - A Harmony of Voices"),  # a subtitle, not the site
])
def test_title_site_suffix(title: str, site: str, site_name: str, expected: str) -> None:
    assert strip_site_suffix(title, site_keys(site, site_name)) == expected


def test_title_repeated_as_first_line_is_recorded() -> None:
    page = Page(url="https://example.org/x", body=b"", fetched_at=dt.datetime(2022, 1, 6, tzinfo=dt.timezone.utc),
                source_name="t")
    title = "Harbour bridge reopens"
    doc = Document(page=page, crawl_day=dt.date(2022, 1, 6), title=title, paragraphs=[title, "The bridge reopened."])
    (out,) = NormaliseText().run([doc], Counter())
    assert out.paragraphs == ["The bridge reopened."]
    assert [(f.kind, f.evidence) for f in out.findings] == [(ArtifactKind.HEADLINE_REPEAT, title)]
    kept = Document(page=page, crawl_day=dt.date(2022, 1, 6), title=title,
                    paragraphs=["Harbour bridge reopens after repairs, the city said.", "The bridge reopened."])
    (out,) = NormaliseText().run([kept], Counter())
    assert len(out.paragraphs) == 2 and out.findings == []
