"""Body text rules: links to other stories and calls to action go; story lines that merely look alike stay."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from trafilatura.utils import load_html

from pipeline.clean.continuation import continuation_paragraphs, paragraph_blocks
from pipeline.clean.end_matter import DropEndMatter
from pipeline.clean.related_links import drop_related_links
from pipeline.document import Document, Page
from pipeline.extract import extract_article

FIXTURES = Path(__file__).parent / "fixtures" / "quality_body"
URL = "https://lakeside-gazette.example/news/tram"
STORY = [
    "The city council voted on Tuesday evening to build a tram line from the central station to the harbour.",
    "The line will have eleven stops and run every six minutes at peak times.",
]
LAST_PARAGRAPH_WITH_LINK = ("Deputy mayor Lena Hart said the vote was a relief. The full decision and the route map are "
                            "published on the council's website, where residents can also comment until the end of "
                            "the month.")


@pytest.fixture(scope="module")
def page_html() -> str:
    return (FIXTURES / "related_links.html").read_text(encoding="utf-8")


def test_read_more_line_goes_and_linked_subheading_and_linked_last_paragraph_stay(page_html: str) -> None:
    extracted = extract_article(page_html, URL)
    assert extracted is not None
    assert not any(p.startswith("Read more") for p in extracted.paragraphs)
    assert "What the new line will cost the city" in extracted.paragraphs  # a subheading that is an anchor link
    assert extracted.paragraphs[-1] == LAST_PARAGRAPH_WITH_LINK


def test_headline_list_and_trailing_link_block_go(page_html: str) -> None:
    tree = load_html(page_html)
    paragraphs = [
        STORY[0],
        "- Harbour bridge reopens after two years of repairs",  # a list of links to other stories
        "- Bus fares to rise by ten percent in January",
        STORY[1],
        "- Eleven stops, every six minutes",  # a list item of the story: not a link
        LAST_PARAGRAPH_WITH_LINK,
        "Old town residents take tram plan to court",  # the trailing block of links
        "A new look for the station square, in pictures",
        # a card whose one link holds headline, date and teaser
        "TIMETABLE: The harbour ferry will run every forty minutes from November, the operator said, citing falling "
        "passenger numbers.",
    ]
    assert drop_related_links(paragraphs, tree)[0] == [STORY[0], STORY[1], "- Eleven stops, every six minutes",
                                                    LAST_PARAGRAPH_WITH_LINK]


def test_lines_of_a_page_wrapped_in_one_link_stay() -> None:
    paragraphs = [STORY[0], STORY[1]]
    third = "A third paragraph of the story, as long as the others, about the stops and the timetable of the new line."
    tree = load_html(f"<html><body><a href='/story'><p>{STORY[0]}</p><p>{STORY[1]}</p><p>{third}</p></a></body></html>")
    assert drop_related_links(paragraphs, tree) == (paragraphs, [])


def test_a_body_of_links_alone_keeps_its_first_line(page_html: str) -> None:
    lines = ["Old town residents take tram plan to court", "A new look for the station square, in pictures"]
    assert drop_related_links(lines, load_html(page_html))[0] == lines[:1]


def _document(paragraphs: list[str]) -> Document:
    fetched = dt.datetime(2024, 5, 1, tzinfo=dt.timezone.utc)
    page = Page(url=URL, body=b"", fetched_at=fetched, source_name="test")
    return Document(page=page, crawl_day=fetched.date(), paragraphs=list(paragraphs))


@pytest.mark.parametrize("notice", [
    ["Get the latest news from thewest.com.au in your inbox.", "Sign up for our emails"],
    ["Folgst du schon 20 Minuten auf Whatsapp?",
     "Eine Newsübersicht am Morgen und zum Feierabend: Abonniere den Whatsapp-Kanal von 20 Minuten."],
    ["Il vous reste 57.09% de cet article à lire. La suite est réservée aux abonnés."],
    ["Links lesen, Rechts bekämpfen",  # the heading of a donation box
     "Hat Ihnen dieser Artikel gefallen? Dann unterstützen Sie uns bitte mit einer Spende."],
    ["Newsletter: Sport inside", "Suscríbete y recibe cada lunes las mejores historias de la semana."],
    ["この記事は会員限定です。"],
    ["Follow the Lakeside Gazette on Google News to get our stories in your feed."],
    ["Genau das ist unser Ziel: gut gemachter Journalismus. Sie können das unterstützen."],
    # credits of the text
    ["With files from The Associated Press"],
    ["Reporting by Maya Gebeilly in Beirut; Editing by Alex Richardson", "Copyright © 2024 Reuters."],
    ["—Associated Press writer John Leicester in Paris contributed to this report."],
    ["Mit Agenturmaterial."],
    ["Quelle: ntv.de"],
    ["First published in The Conversation."],
])
def test_calls_to_action_and_credits_that_end_the_body_go(notice: list[str]) -> None:
    doc = DropEndMatter().process(_document([*STORY, *notice]))
    assert doc.paragraphs == STORY
    assert [f.evidence for f in doc.findings] == notice


@pytest.mark.parametrize("ending", [
    "The novel, first published in 1962, is back in the shops this week with a new foreword by the author.",
    "Copyright lawyers said the ruling would change how newspapers license their archives.",
    "Her findings, reporting by Anna Weber shows, were first cited in the appendix of the council's study.",
])
def test_story_lines_about_publishing_and_copyright_stay(ending: str) -> None:
    doc = DropEndMatter().process(_document([*STORY, ending]))
    assert doc.paragraphs == [*STORY, ending]


def test_a_short_call_to_action_inside_the_body_goes() -> None:
    doc = DropEndMatter().process(_document([STORY[0], "CLICK HERE TO GET THE LAKESIDE GAZETTE APP", STORY[1]]))
    assert doc.paragraphs == STORY


@pytest.mark.parametrize("ending", [
    # The story mentions a newsletter and subscribers in the third person.
    "The council's newsletter will print the timetable, and subscribers to the transport app will get a message.",
    # A long paragraph that ends with a link instruction is the story's.
    ("To read the 70-page report, which explains how the engineers chose the route along the old harbour wall and "
     "why they rejected the tunnel under the market square that the opposition had asked for, click here."),
])
def test_story_lines_that_mention_subscriptions_stay(ending: str) -> None:
    doc = DropEndMatter().process(_document([*STORY, ending]))
    assert doc.paragraphs == [*STORY, ending]
    assert not doc.findings


def test_a_heading_without_a_notice_below_it_stays() -> None:
    doc = DropEndMatter().process(_document([*STORY, "What happens next"]))
    assert doc.paragraphs == [*STORY, "What happens next"]


def test_truncation_is_judged_against_the_main_text_block() -> None:
    story = "".join(f"<p>{line}</p>" for line in STORY)  # 33 words in the article's own block
    teasers = "".join(f"<li><p>Teaser {n} about another story on the site</p></li>" for n in range(8))  # 8 words each
    tree = load_html(f"<html><body><article>{story}</article><ul>{teasers}</ul></body></html>")
    # Each teaser has its own parent: the article's block is the one with the most words.
    blocks = paragraph_blocks(tree)
    assert (sum(blocks.values()), max(blocks.values())) == (33 + 8 * 8, 33)


SPLIT_STORY = """<html><body><article>
<div class="story-body"><p>{first}</p><p>{second}</p></div>
<div class="ad-slot"><p>Advertisement</p></div>
<div class="story-body"><h2>What comes next</h2><p>{third}</p><p>{fourth}</p></div>
<div class="story-body"><p>Photo: Lakeside Gazette</p></div>
<div class="teasers"><p>{teaser}</p></div>
</article></body></html>"""
SPLIT_LINES = {
    "first": "The city council voted on Tuesday evening to build a tram line from the central station to the harbour, "
             "ending a debate that has divided the town for almost a decade and cost two mayors their majority.",
    "second": "Construction is expected to start next spring and to last three years, the transport department said.",
    "third": "The line will have eleven stops and run every six minutes at peak times, and the old town, which fought "
             "the plan in court, will get two of the stops after the council changed the route in the summer.",
    "fourth": "Residents said they would consider the decision before deciding whether to appeal it.",
    "teaser": "Harbour bridge reopens after two years of repairs, and the ferry timetable changes for the winter season "
              "as the operator cuts two of the evening crossings because of falling passenger numbers.",
}


def test_story_split_by_an_ad_continues_with_its_second_block_only() -> None:
    tree = load_html(SPLIT_STORY.format(**SPLIT_LINES))
    extracted = f"{SPLIT_LINES['first']}\n{SPLIT_LINES['second']}"  # an extraction that stopped at the ad
    assert continuation_paragraphs(paragraph_blocks(tree), extracted) == [
        "What comes next", SPLIT_LINES["third"], SPLIT_LINES["fourth"]]  # not the credit block, not the teasers


def test_nothing_is_appended_when_the_extraction_has_the_whole_story_or_another_block() -> None:
    tree = load_html(SPLIT_STORY.format(**SPLIT_LINES))
    whole = "\n".join(SPLIT_LINES[key] for key in ("first", "second", "third", "fourth"))
    assert continuation_paragraphs(paragraph_blocks(tree), whole) == []
    assert continuation_paragraphs(paragraph_blocks(tree), SPLIT_LINES["teaser"]) == []


def test_embedded_social_post_goes_and_a_quotation_stays() -> None:
    quotation = "We will not stop until the tram reaches the harbour, the mayor told the council on Tuesday evening."
    tweet = "Huge crowds at the town hall tonight, nobody expected this many people to turn up for a tram vote"
    paragraphs = "".join(f"<p>{line}</p>" for line in (*STORY, LAST_PARAGRAPH_WITH_LINK))
    html = (f"<html><body><article><h1>Council approves tram line</h1>{paragraphs}"
            f"<blockquote><p>{quotation}</p></blockquote>"
            f'<blockquote class="twitter-tweet"><p lang="en">{tweet}</p>&mdash; Lakeside Watch (@lakewatch) '
            f"May 1, 2024</blockquote>{paragraphs}</article></body></html>")
    extracted = extract_article(html, URL)
    assert extracted is not None
    text = "\n".join(extracted.paragraphs)
    assert quotation in text
    assert "Huge crowds" not in text and "@lakewatch" not in text


def test_headline_repeated_as_first_line_goes_and_stays_the_title(page_html: str) -> None:
    extracted = extract_article(page_html, URL)
    assert extracted is not None
    assert extracted.title == "Council approves new tram line to the harbour"
    assert extracted.paragraphs[0].startswith("The city council voted on Tuesday evening")
    assert "What the new line will cost the city" in extracted.paragraphs  # an <h2> of the story stays
