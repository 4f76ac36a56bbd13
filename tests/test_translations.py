"""translation_of: a translation is linked to its original across sources, whatever order the days ran in."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from pipeline.dataset import Dataset, PartitionKey
from pipeline.schema import ARTICLE_SCHEMA
from pipeline.eval.translations import PAIRS, evaluate
from pipeline.translations import Article, find_links, link_days, links_rel, name_skeleton, numbers

DAY = dt.date(2024, 3, 12)

ORIGINAL_RU = """Пожар на складе в Подольске: пострадали 14 человек

Пожар на складе площадью 2 400 квадратных метров в Подольске вспыхнул 11 марта около 23:40, сообщил глава МЧС
Александр Куренков. По его словам, огонь удалось локализовать только к 4 часам утра.

В тушении участвовали 186 пожарных и 47 единиц техники. Пострадали 14 человек, трое из них госпитализированы.

Ущерб предварительно оценивается в 1,7 миллиарда рублей. Владелец склада, компания «Логистик-Центр», заявил, что
здание было застраховано на 900 миллионов рублей. Прокуратура начала проверку, сообщил Куренков."""

TRANSLATION_EN = """Fire in a warehouse in Podolsk: 14 people were injured

A fire in a warehouse with an area of 2,400 square meters in Podolsk broke out on March 11 at about 23:40, said
the head of the Ministry of Emergency Situations Alexander Kurenkov. According to him, the fire was localized only
by 4 o'clock in the morning.

186 firefighters and 47 units of equipment took part in the extinguishing. 14 people were injured, three of them
were hospitalized.

The damage is preliminarily estimated at 1.7 billion rubles. The owner of the warehouse, the company
Logistic-Center, said that the building was insured for 900 million rubles."""

# The same fire, reported independently: the event's date and toll, but its own figures and order.
INDEPENDENT_EN = """Podolsk warehouse blaze injures 14

Emergency crews battled a large blaze at a logistics warehouse outside Moscow overnight on March 11. Local media
said about 200 firefighters were sent to the scene and that 14 people needed medical help.

The company said it was cooperating with investigators. A spokesperson said 35 employees had been on shift and
that the damage would be assessed in the coming 10 days. Regional officials promised an inspection of 60 similar
warehouses in the area by the end of 2024."""


def article(article_id: str, site: str, language: str, text: str, mt: float = 0.0) -> Article:
    return Article.from_row({"article_id": article_id, "site": site, "language": language, "text": text,
                             "published_at": dt.datetime(2024, 3, 12, tzinfo=dt.timezone.utc), "mt_probability": mt})


@pytest.mark.parametrize(("text", "expected"), [
    ("2,400 and 2.400 and 2 400 and 2400", ["2400"] * 4),
    ("1,7 млрд, 1.7 billion, 3,50 euro", ["1.7", "1.7", "3.5"]),
    ("am 12.03.2024 um 23:40", ["12", "3", "2024", "23", "40"]),
    ("1 000 000 people, 30%", ["1000000", "30"]),
])
def test_numbers_are_written_alike_in_every_locale(text: str, expected: list[str]) -> None:
    assert numbers(text) == expected


def test_names_match_across_scripts() -> None:
    assert name_skeleton("Куренков") == name_skeleton("Kurenkov")
    assert name_skeleton("Зеленский") == name_skeleton("Zelensky")
    assert name_skeleton("Подольске")[:4] == name_skeleton("Podolsk")[:4]


def test_a_translation_is_linked_to_its_original_and_an_independent_report_is_not() -> None:
    original = article("a" * 32, "ria.example.ru", "ru", ORIGINAL_RU)
    translation = article("b" * 32, "news-aggregator.example.com", "en", TRANSLATION_EN, mt=0.8)
    independent = article("c" * 32, "wire.example.co.uk", "en", INDEPENDENT_EN)
    links = find_links([original, translation, independent], [original, translation, independent])
    assert [(link.translation, link.original) for link in links] == [("b" * 32, "a" * 32)]
    assert "numbers in the original" in links[0].evidence


def test_the_same_language_or_the_same_site_is_never_a_translation() -> None:
    original = article("a" * 32, "ria.example.ru", "ru", ORIGINAL_RU)
    same_site = article("b" * 32, "ria.example.ru", "en", TRANSLATION_EN, mt=0.8)
    same_language = article("d" * 32, "other.example.ru", "ru", ORIGINAL_RU)
    assert find_links([same_site], [original, same_site]) == []
    assert find_links([same_language], [original, same_language]) == []


def _row(article_id: str, source: str, language: str, text: str, day: dt.date, mt: float) -> dict:
    published = dt.datetime.combine(day, dt.time(9), dt.timezone.utc)
    return {"article_id": article_id, "url": f"https://{source}/{article_id}", "canonical_url": f"https://{source}/x",
            "source_name": source.split(".")[0], "authors": [], "published_at": published, "text": text,
            "language": language, "word_count": len(text.split()), "content_hash": article_id,
            "fetched_at": published, "crawl_day": day, "pipeline_version": "test", "captions": [],
            "paragraph_languages": [], "artifacts": [], "is_machine_translated": mt > 0.5, "mt_probability": mt,
            "mt_confidence": "low"}


def _commit(dataset: Dataset, site: str, day: dt.date, row: dict) -> None:
    dataset.replace_run_rows(PartitionKey(day, site), row["source_name"], day,
                             pa.Table.from_pylist([row], schema=ARTICLE_SCHEMA))


def _files(root) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.parquet"))
            if "articles" in p.parts or "links" in p.parts}


@pytest.mark.parametrize("original_first", [True, False])
def test_links_do_not_depend_on_the_order_days_ran_in(tmp_path, original_first: bool) -> None:
    """The original is dated the day before its translation; either day may be processed first."""
    dataset = Dataset(tmp_path)
    original = ("ria.example.ru", DAY - dt.timedelta(1), _row("a" * 32, "ria.example.ru", "ru", ORIGINAL_RU,
                                                               DAY - dt.timedelta(1), 0.0))
    translation = ("aggregator.example.com", DAY, _row("b" * 32, "aggregator.example.com", "en", TRANSLATION_EN,
                                                        DAY, 0.9))
    for site, day, row in ([original, translation] if original_first else [translation, original]):
        _commit(dataset, site, day, row)
        link_days(dataset.storage, [day])
    table = dataset.read(PartitionKey(DAY, "aggregator.example.com"))
    assert table["translation_of"].to_pylist() == ["a" * 32]
    assert dataset.read(PartitionKey(DAY - dt.timedelta(1), "ria.example.ru"))["translation_of"].to_pylist() == [None]
    assert (tmp_path / links_rel(DAY)).exists()
    files = _files(tmp_path)
    link_days(dataset.storage, [DAY - dt.timedelta(1), DAY])  # a re-run changes nothing
    assert _files(tmp_path) == files


def test_a_link_goes_when_its_original_goes(tmp_path) -> None:
    dataset = Dataset(tmp_path)
    _commit(dataset, "ria.example.ru", DAY, _row("a" * 32, "ria.example.ru", "ru", ORIGINAL_RU, DAY, 0.0))
    _commit(dataset, "aggregator.example.com", DAY, _row("b" * 32, "aggregator.example.com", "en", TRANSLATION_EN,
                                                         DAY, 0.9))
    link_days(dataset.storage, [DAY])
    assert dataset.read(PartitionKey(DAY, "aggregator.example.com"))["translation_of"].to_pylist() == ["a" * 32]
    dataset.replace_run_rows(PartitionKey(DAY, "ria.example.ru"), "ria", DAY, [])
    link_days(dataset.storage, [DAY])
    assert dataset.read(PartitionKey(DAY, "aggregator.example.com"))["translation_of"].to_pylist() == [None]
    assert not (tmp_path / links_rel(DAY)).exists()


@pytest.mark.skipif(not (PAIRS / "manifest.yaml").exists(), reason="no written translation pairs")
def test_written_pairs_are_linked_and_independent_reports_are_not() -> None:
    """The pairs of tests/fixtures/translation_pairs, through the whole per-article path (make eval reports it)."""
    result = evaluate()
    assert result.pairs >= 10
    assert result.recall >= 0.9, result
    assert result.negatives_linked == 0 and result.wrong == [], result


def test_a_canonical_on_another_site_is_provenance_not_identity() -> None:
    """A translation whose rel=canonical names its original must stay its own article in its own partition."""
    from pipeline.extract import extract_article

    body = "".join(f"<p>{line}</p>" for line in TRANSLATION_EN.split("\n\n"))
    page = ('<html><head><link rel="canonical" href="https://ria.example.ru/news/123"><title>Fire</title></head>'
            f"<body><article>{body}</article></body></html>")
    extracted = extract_article(page, "https://aggregator.example.com/fire-podolsk")
    assert extracted is not None
    assert (extracted.site, extracted.canonical_url) == ("example.com", "https://aggregator.example.com/fire-podolsk")
    same_site = page.replace("https://ria.example.ru/news/123", "https://www.aggregator.example.com/fire")
    assert extract_article(same_site, "https://aggregator.example.com/fire-podolsk?utm=x").canonical_url == \
        "https://www.aggregator.example.com/fire"
