"""prune_noise: comment threads and "more on this site" boxes leave the tree; the article and other blocks stay."""

from __future__ import annotations

from trafilatura.utils import load_html

from pipeline.extract import prune_noise

STORY = "".join(f"<p>Paragraph {i} of the story about the council's new tram line.</p>" for i in range(6))


def _pruned(body: str) -> str:
    tree = load_html(f"<html><head><title>T</title></head><body>{body}</body></html>")
    prune_noise(tree)
    return " ".join(tree.text_content().split())


def test_comment_threads_and_related_boxes_go_and_the_text_after_them_stays() -> None:
    text = _pruned(f"<ul id='menu'><li>Home</li></ul><article><h1>Tram</h1>{STORY}</article>"
                   "<div id='Comments'><p>First!</p></div>after the thread"
                   "<aside class='box related-stories'><p>Another story</p></aside>"
                   "<section id='КОММЕНТАРИИ'><p>Отличная статья</p></section>")
    assert "First!" not in text and "Another story" not in text and "Отличная" not in text
    assert "Home" in text and "Paragraph 5 of the story" in text and "after the thread" in text


def test_each_container_of_a_repeated_class_is_judged_on_its_own() -> None:
    text = _pruned(f"<div class='comment-box'><h1>Tram</h1>{STORY}</div><div class='comment-box'><p>Reply</p></div>")
    assert "Paragraph 0" in text and "Reply" not in text


def test_the_article_itself_and_unmarked_blocks_stay() -> None:
    # An opinion piece marked "commentary" holds the headline; a marked block with most paragraphs is the story.
    assert "Paragraph 0" in _pruned(f"<div class='commentary'><h1>Tram</h1>{STORY}</div>")
    assert "Paragraph 0" in _pruned(f"<h1>Tram</h1><div class='recommended-layout'>{STORY}</div><p>Foot</p>")
    assert "Sidebar text" in _pruned(f"<article><h1>Tram</h1>{STORY}</article><div class='sidebar'><p>Sidebar text</p>"
                                     "</div>")
