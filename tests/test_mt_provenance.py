"""Provenance anywhere on the page, the per-run site profile, per-source language settings, and the manifest eval.

Every cue has positive and negative cases; whole-path cases run a site's pages as one run (the profile learns from
the run), the way a source-day runs.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from html import escape

import pytest

from pipeline.artifacts import FAMILY, ArtifactKind, Family, Finding
from pipeline.config import ConfigError, SourcesConfig
from pipeline.document import Document, Link, Page
from pipeline.eval.mt import PROVENANCE_PAGES, manifest_corpus, same_outlet, unseen_metrics
from pipeline.language import detect_language
from pipeline.mt.outlets import host_language, outlet_index
from pipeline.mt.profile import SiteCounts
from pipeline.mt.steps import _detect
from pipeline.mt.provenance import credits_human_translator, detect_provenance, is_attribution_link
from pipeline.mt.source_line import detect_source_lines
from pipeline.recipe import SourceSettings, default_steps
from pipeline.steps import DetectLanguage, RequireArticleLength, Skip, run_steps
from tests.fixtures.mt_provenance.layouts import HERE as PROVENANCE_HERE, load_articles, rendered

FETCHED = dt.datetime(2022, 1, 6, 12, tzinfo=dt.timezone.utc)
STORY = [
    "The city council approved on Thursday a plan to rebuild the old harbour bridge, which has been closed to heavy "
    "traffic since a crack was found in one of its pillars last spring.",
    "Work is due to start in the autumn and to last two years. The council said the cost would be shared with the "
    "regional government, which has promised to pay about half of it.",
    "Shop owners near the bridge welcomed the decision but asked for a temporary crossing for delivery vans while the "
    "works go on, saying that the detour costs them customers every day.",
]


def story(i: int, paragraphs: list[str] = STORY) -> list[str]:
    """Paragraphs of the i-th page of a site: each page's lines differ (lines on many pages are boilerplate)."""
    return [f"{paragraph} (Part {i}.{n}.)" for n, paragraph in enumerate(paragraphs)]


def page(url: str, paragraphs: list[str], *, title: str = "Council approves the harbour bridge plan", lang: str = "en",
         head: str = "", meta: str = "", end: str = "") -> Document:
    meta_block = f'<p class="meta">{escape(meta)}</p>' if meta else ""
    html = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<link rel="canonical" href="{url}">{head}</head><body><nav><a href="/">Home</a></nav><main><article>'
            f'<h1>{escape(title)}</h1>{meta_block}{"".join(f"<p>{p}</p>" for p in paragraphs)}{end}</article></main>'
            f'<footer><a href="https://www.lemonde.fr/international/article/2022/01/06/partner.html">Le Monde</a>'
            f"</footer></body></html>")
    return Document(page=Page(url=url, body=html.encode(), fetched_at=FETCHED, source_name="test",
                              headers=(("Content-Type", "text/html; charset=utf-8"),)), crawl_day=FETCHED.date())


def run(docs: list[Document], settings: SourceSettings = SourceSettings()) -> list[Document]:
    return list(run_steps(docs, default_steps(settings=settings), Counter()))


def provenance_kinds(doc: Document) -> list[str]:
    return [str(f.kind) for f in doc.findings if FAMILY[f.kind] is Family.PROVENANCE and f.weight > 0]


# ---------------------------------------------------------------- attribution lines, in many languages

@pytest.mark.parametrize("line", [
    "Source: ynet", "Quelle: spiegel.de", "Источник: kommersant.ru", "Джерело: pravda.com.ua", "מקור: ynet",
    "المصدر: aljazeera.net", "来源：hk01.com", "出典：asahi.com", "Fuente: El País", "Fonte: corriere.it",
    "Source : lemonde.fr", "(Source: mingpao.com)", "[来源：ltn.com.tw]", "Originally published in Le Monde.",
    "Bron: nos.nl", "Źródło: onet.pl", "Read more at lemonde.fr", "Weiterlesen auf lemonde.fr",
])
def test_attribution_lines_in_many_languages_name_a_foreign_outlet(line: str) -> None:
    [finding] = detect_source_lines([line], "en", outlet_index())
    assert finding.kind is ArtifactKind.SOURCE_LINE_FOREIGN


@pytest.mark.parametrize("line", [
    "Source: Reuters", "Quelle: dpa", "Source: AP", "Fuente: EFE", "Fonte: ANSA", "Source: Xinhua", "Источник: ТАСС",
    "Source: TASS", "Source: BBC News", "Source: bbc.co.uk", "Source: example.com", "Sources said the talks would go on.",
])
def test_agencies_english_and_unknown_outlets_are_no_foreign_attribution(line: str) -> None:
    assert detect_source_lines([line], "en", outlet_index()) == []


def test_an_outlet_in_the_article_s_or_the_source_s_language_is_not_foreign() -> None:
    index = outlet_index()
    assert detect_source_lines(["Quelle: spiegel.de"], "de", index) == []
    assert detect_source_lines(["Source: lemonde.fr"], "en", index, home=frozenset({"en", "fr"})) == []


def test_unlisted_domains_get_their_language_from_hints_or_country_code() -> None:
    assert host_language("www.kathimerini.gr") == "el" and host_language("news.co.il") == "he"
    assert host_language("www.folha.com.br") == "pt" and host_language("bbc.co.uk") == "en"
    assert host_language("example.com") is None and host_language("swissinfo.ch") is None  # generic, multilingual
    assert host_language("example.com", "https://example.com/de/artikel-1") == "de"
    assert host_language("example.com", "https://example.com/a/1", hint="fr-FR") == "fr"
    assert host_language("en.yna.co.kr") == "en" and host_language("english.example.jp") == "en"
    assert host_language("example.com", "https://example.com/us/politics") is None  # a section, not a language
    assert outlet_index().at_host("www.kathimerini.gr").name == "kathimerini.gr"
    assert outlet_index().at_host("www.tass.ru") is None  # an agency's domain


# ---------------------------------------------------------------- bylines, links, declared URLs

def _doc(**fields: object) -> Document:
    doc = Document(page=Page(url="https://aggregator.example.com/a/1", body=b"", fetched_at=FETCHED, source_name="t"),
                   crawl_day=FETCHED.date(), language="en", paragraphs=list(STORY))
    for name, value in fields.items():
        setattr(doc, name, value)
    return doc


@pytest.mark.parametrize("meta", ["By World Desk | ynet.co.il | 6 January 2022", "Israel Hayom · 6.1.2022",
                                  "Von der Redaktion / lemonde.fr"])
def test_a_byline_or_meta_line_naming_a_foreign_outlet(meta: str) -> None:
    [finding] = detect_provenance(_doc(bylines=[meta]), outlet_index())
    assert finding.kind is ArtifactKind.BYLINE_OUTLET_FOREIGN and finding.evidence == meta


@pytest.mark.parametrize("meta", ["By Sarah Cohen | 6 January 2022", "By Reuters", "AFP · 6.1.2022", "Kan | News",
                                  "By Staff | bbc.co.uk"])
def test_bylines_of_people_agencies_short_names_and_same_language_outlets(meta: str) -> None:
    assert detect_provenance(_doc(bylines=[meta]), outlet_index()) == []


def test_a_title_suffix_naming_a_foreign_outlet_by_its_name() -> None:
    [finding] = detect_provenance(_doc(title="Snow expected in Jerusalem | Haaretz"), outlet_index())
    assert (finding.kind, finding.evidence) == (ArtifactKind.BYLINE_OUTLET_FOREIGN, "| Haaretz")
    for title in ("Snow expected in Jerusalem", "Tax - a guide | Money", "Talks resume | Kan", "Markets | Reuters"):
        assert detect_provenance(_doc(title=title), outlet_index()) == []


def test_links_count_on_an_attribution_line_not_inside_a_sentence_nor_to_a_home_page_or_a_section() -> None:
    article = "https://www.lemonde.fr/societe/article/2022/01/06/cantines_6108.html"
    le_monde = outlet_index().at_host("www.lemonde.fr")
    alone = Link(article, "www.lemonde.fr", line="www.lemonde.fr")
    labelled = Link(article, "the full story", line="Read the full story at lemonde.fr")
    in_a_sentence = Link(article, "Le Monde reported", line="")
    home = Link("https://www.lemonde.fr/", "lemonde.fr", line="lemonde.fr")
    section = Link("https://www.lemonde.fr/international/", "International", line="International")
    assert is_attribution_link(alone, le_monde) and is_attribution_link(labelled, le_monde)
    assert not any(is_attribution_link(link, le_monde) for link in (in_a_sentence, home, section))
    [finding] = detect_provenance(_doc(links=[in_a_sentence, home, section, alone]), outlet_index())
    assert finding.kind is ArtifactKind.LINK_OUTLET_FOREIGN and finding.evidence.endswith(article)


def test_one_outlet_is_one_fact_and_agencies_never_count() -> None:
    ynet = "https://www.ynet.co.il/news/article/abc123"
    doc = _doc(links=[Link(ynet, "og:url"), Link(ynet, "ynet.co.il", line="ynet.co.il"),
                      Link("https://www.reuters.com/world/x-2022-01-06/", "og:url")],
               bylines=["By World Desk | ynet.co.il"], paragraphs=[*STORY, "Source: ynet"])
    found = detect_provenance(doc, outlet_index(), found=detect_source_lines(doc.paragraphs, "en", outlet_index()))
    assert found == []  # the source line already names Yedioth Ahronoth: the other three cues add nothing
    [finding] = detect_provenance(_doc(links=doc.links), outlet_index())
    assert finding.kind is ArtifactKind.CANONICAL_OUTLET_FOREIGN
    [syndicated] = detect_provenance(_doc(links=[Link("https://www.lemonde.fr/a/1.html", "original-source")]),
                                     outlet_index())
    assert syndicated.evidence == "original-source: https://www.lemonde.fr/a/1.html"


def test_human_translator_credits() -> None:
    assert credits_human_translator(["Translated from the German by Christopher Sultan."])
    assert credits_human_translator(["Aus dem Russischen von Anna Lebedewa"])
    assert not credits_human_translator(["Translated by Google Translate", "This article was translated automatically."])


# ---------------------------------------------------------------- whole path: extraction, profile

def test_extraction_keeps_declared_urls_and_off_site_links_but_not_the_page_chrome() -> None:
    doc = page("https://digest.example.com/world/1", STORY, meta="By World Desk | ynet.co.il",
               head='<meta property="og:url" content="https://www.ynet.co.il/news/article/abc">'
                    '<meta name="original-source" content="https://www.ynet.co.il/news/article/abc">',
               end='<p><a href="https://www.ynet.co.il/news/article/abc">ynet.co.il</a></p>')
    from pipeline.steps import DecodeHtml, ExtractArticle

    extracted = ExtractArticle().process(DecodeHtml().process(doc))
    assert Link("https://www.ynet.co.il/news/article/abc", "og:url") in extracted.links
    assert Link("https://www.ynet.co.il/news/article/abc", "original-source") in extracted.links
    assert any(link.text == "ynet.co.il" and link.line == "ynet.co.il" for link in extracted.links)
    assert not any("lemonde" in link.url for link in extracted.links)  # the footer's link
    assert "By World Desk | ynet.co.il" in extracted.bylines


def test_an_english_aggregator_with_source_lines_at_the_end_is_caught() -> None:
    outlets = ["ynet", "walla", "kommersant.ru"]
    docs = run([page(f"https://worldnews-digest.net/a/{i}", [*story(i), f"Source: {outlet}"], title=f"Story {i}")
                for i, outlet in enumerate(outlets)])
    assert [d.is_machine_translated for d in docs] == [True, True, True]
    assert [d.origin_outlet for d in docs] == ["Yedioth Ahronoth", "Walla", "Kommersant"]
    for doc in docs:
        [profile] = [f for f in doc.findings if f.kind is ArtifactKind.SITE_REPUBLISHER]
        assert profile.evidence.startswith("worldnews-digest.net: 3 of 3 pages in this run name a foreign origin")


def test_a_republisher_s_page_that_names_nothing_is_flagged_by_the_profile() -> None:
    docs = run([page(f"https://worldnews-digest.net/a/{i}", [*story(i), *([f"Source: {outlet}"] if outlet else [])],
                     title=f"Story {i}") for i, outlet in enumerate(["ynet", "walla", "lemonde.fr", None])])
    assert docs[3].is_machine_translated and provenance_kinds(docs[3]) == []


def test_a_native_german_site_quoting_laut_le_monde_stays_clean_even_on_every_page() -> None:
    german = [
        "Der Stadtrat hat am Donnerstag beschlossen, die alte Hafenbrücke neu zu bauen. Sie ist seit dem Frühjahr für "
        "den Schwerverkehr gesperrt, nachdem ein Riss in einem Pfeiler entdeckt worden war.",
        "Laut Le Monde plant auch die Partnerstadt in Frankreich eine ähnliche Brücke. Die Arbeiten sollen im Herbst "
        "beginnen und zwei Jahre dauern; die Kosten teilen sich Stadt und Land.",
        "Die Geschäftsleute in der Nähe der Brücke begrüßten die Entscheidung, forderten aber eine Behelfsbrücke für "
        "Lieferwagen, solange die Arbeiten andauern.",
    ]
    docs = run([page(f"https://www.rheinpost.de/region/{i}", story(i, german) if i else german, title=f"Brücke {i}", lang="de") for i in range(5)])
    for doc in docs:
        assert doc.language == "de" and not doc.is_machine_translated
        assert [f for f in doc.findings if f.weight > 0] == []


def test_a_native_site_with_one_foreign_attribution_stays_clean_and_is_lowered() -> None:
    pages = [page(f"https://www.metroherald.co.uk/world/{i}", story(i), title=f"Story {i}") for i in range(5)]
    pages.append(page("https://www.metroherald.co.uk/world/5", [*story(5), "Source: Le Monde"], title="Story 5"))
    docs = run(pages)
    assert not any(d.is_machine_translated for d in docs)
    assert [str(f.kind) for f in docs[5].findings if f.weight != 0] == ["source_line_foreign", "site_native"]
    assert all(not any(f.kind is ArtifactKind.SITE_NATIVE for f in d.findings) for d in docs[:5])  # nothing to lower


def test_a_magazine_of_credited_human_translations_is_no_republisher() -> None:
    outlets = ["Die Zeit", "Haaretz", "El País"]
    docs = run([page(f"https://www.worldpressreview.org/t/{i}",
                     [*story(i), "Translated from the original by Anna Smith.", f"This article first appeared in {o}."],
                     title=f"Essay {i}") for i, o in enumerate(outlets)])
    assert not any(d.is_machine_translated for d in docs)
    assert not any(f.kind is ArtifactKind.SITE_REPUBLISHER for d in docs for f in d.findings)


def test_wire_credits_everywhere_on_a_page_never_count() -> None:
    docs = run([page(f"https://worldnews-digest.net/a/{i}", [*story(i), "Source: Reuters"], title=f"Story {i}",
                     meta="By Reuters | reuters.com",
                     head='<meta property="og:url" content="https://www.reuters.com/world/story-2022-01-06/">')
                for i in range(3)])
    for doc in docs:
        assert not doc.is_machine_translated and provenance_kinds(doc) == []


def _with(*kinds: ArtifactKind, lines: tuple[str, ...] = ()) -> Document:
    doc = _doc(paragraphs=[*STORY, *lines])
    doc.findings = [Finding(kind, "x", 1.0) for kind in kinds]
    return doc


@pytest.mark.parametrize("pages, expected", [
    ([_with(ArtifactKind.SOURCE_LINE_FOREIGN)] * 3 + [_with()], ArtifactKind.SITE_REPUBLISHER),
    ([_with(ArtifactKind.SOURCE_LINE_FOREIGN)] * 2 + [_with()] * 2, None),  # two pages naming: not enough alone
    ([_with(ArtifactKind.LINK_OUTLET_FOREIGN, ArtifactKind.LITERAL_IDIOM)] * 2 + [_with()] * 2,
     ArtifactKind.SITE_REPUBLISHER),  # two naming, corroborated by two pages with other traces
    ([_with(ArtifactKind.CREDIT_MANGLED)] * 2 + [_with()], ArtifactKind.SITE_REPUBLISHER),
    ([_with(ArtifactKind.TEASER_TRUNCATED_DUP)] * 4, None),  # a native layout's pasted teaser, naming nothing
    ([_with(ArtifactKind.SOURCE_LINE_FOREIGN)] + [_with()] * 4, ArtifactKind.SITE_NATIVE),
    ([_with(ArtifactKind.SOURCE_LINE_FOREIGN)] * 2 + [_with()] * 3, None),
    ([_with(ArtifactKind.SOURCE_LINE_FOREIGN, lines=("Translated from the Hebrew by Jessica Cohen.",))] * 4
     + [_with()], ArtifactKind.SITE_NATIVE),  # credited human translations count as pages only
])
def test_site_profile_rules(pages: list[Document], expected: ArtifactKind | None) -> None:
    counts = SiteCounts()
    for doc in pages:
        counts.add(doc)
    assert counts.kind() is expected


# ---------------------------------------------------------------- per-source settings

def test_source_languages_and_min_words_are_validated_and_reach_the_steps() -> None:
    config = SourcesConfig.model_validate({"sources": [
        {"name": "briefs", "kind": "warc", "paths": ["x.warc.gz"], "languages": ["de", "fr"], "min_words": 12}]})
    settings = SourceSettings.of(config.get("briefs"))
    assert settings == SourceSettings(("de", "fr"), 12)
    steps = default_steps(settings=settings)
    assert next(s for s in steps if isinstance(s, RequireArticleLength)).min_words == 12
    assert next(s for s in steps if isinstance(s, DetectLanguage)).languages == {"de", "fr"}
    assert SourceSettings.of(SourcesConfig.model_validate(
        {"sources": [{"name": "s", "kind": "warc", "paths": ["x"]}]}).get("s")) == SourceSettings()
    for bad in ({"languages": ["german"]}, {"min_words": 0}):
        with pytest.raises(ValueError):
            SourcesConfig.model_validate({"sources": [{"name": "s", "kind": "warc", "paths": ["x"], **bad}]})


def test_a_paragraph_in_one_of_the_source_s_languages_is_no_mismatch() -> None:
    french = ("Le conseil municipal a approuvé jeudi le projet de reconstruction du vieux pont du port, fermé aux "
              "poids lourds depuis le printemps dernier.")
    german = _doc(language="de", paragraphs=[*story(1, ["Der Stadtrat hat am Donnerstag den Neubau der alten "
                                                        "Hafenbrücke beschlossen, die seit dem Frühjahr gesperrt ist."]),
                                             french], paragraph_languages=["de", "fr"])
    assert [f.kind for f in _detect(german)] == [ArtifactKind.PARAGRAPH_LANGUAGE_MISMATCH]
    assert _detect(german, frozenset({"de", "fr"})) == []


def test_a_brief_passes_a_lower_floor_only() -> None:
    brief = _doc(paragraphs=["Police closed the A9 near Munich after a lorry overturned on Thursday morning. "
                             "Nobody was hurt."])
    with pytest.raises(Skip):
        RequireArticleLength().process(brief)
    assert RequireArticleLength(12).process(brief) is brief


def test_source_languages_decide_close_candidates_but_not_another_language() -> None:
    text = "Det er en god dag i dag, og vi skal ut og gå en tur i skogen med hunden."
    assert detect_language(text, languages=frozenset({"da"}))[0] == "da"
    assert detect_language(text, languages=frozenset({"no"}))[0] == "no"
    hebrew = "הממשלה אישרה הבוקר את התוכנית להרחבת הרכבת הקלה לשכונות הדרומיות של העיר"
    assert detect_language(hebrew, languages=frozenset({"en"}))[0] == "he"


# ---------------------------------------------------------------- the manifest eval (held-out format)

def test_development_pages_are_rendered_from_articles_yaml() -> None:
    for name, text in rendered(load_articles()).items():
        assert (PROVENANCE_HERE / name).read_text(encoding="utf-8") == text, \
            f"{name}: run python -m tests.fixtures.mt_provenance.layouts"


def test_manifest_eval_on_the_development_pages() -> None:
    items = manifest_corpus(PROVENANCE_PAGES)
    metrics = unseen_metrics(items)
    assert metrics.aggregator_articles >= 20 and metrics.native_articles >= 10 and metrics.dropped == []
    assert metrics.recall >= 0.9 and metrics.precision >= 0.97
    assert metrics.native_flagged == []
    assert metrics.outlet_accuracy >= 0.9 and metrics.outlets_known >= 10
    assert unseen_metrics(manifest_corpus(PROVENANCE_PAGES, configured=True)).native_flagged == []


def test_same_outlet_accepts_names_slugs_and_domains() -> None:
    assert same_outlet("Yedioth Ahronoth", "ynet") and same_outlet("kathimerini.gr", "Kathimerini")
    assert same_outlet("Le Monde", "lemonde.fr") and not same_outlet("Le Monde", "Le Figaro")
    assert not same_outlet(None, "Le Monde")
