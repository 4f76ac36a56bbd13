"""Link a translation to its original when the dataset holds both: the ``translation_of`` column.

A translation keeps what no translator changes: the numbers of its original (counts, sums, dates, times) in their
order, and most of its names. So an article is read as its numbers, normalised across locales ("1,200" and
"1.200" and "1 200" are 1200; "3,5" and "3.5" are 3.5; a date "12.03.2024" is 12, 3, 2024), and the consonant
skeletons of its capitalised names, Cyrillic transliterated first ("Зеленский" and "Zelensky" are both ``zlnsk``).
Two articles in different languages on different sites are a translation pair when the translation's numbers are
nearly all in the original, in the same order, with enough distinctive numbers among them; shared names only rank
the candidates (capitalised words are too noisy across languages to decide alone). Candidates come from an
inverted index on distinctive numbers, so the cost grows with the articles that share numbers, not with all pairs.

Independent reports of one event share a date, a toll, a year; they do not share a dozen numbers in one order. The
thresholds below ask for that.

Which of the two is the translation: the one judged more likely machine-translated; when that ties, the later one.

Links live beside the dataset, ``links/date=D/translation_of.parquet``: one row per translation dated D whose
original is dated D, D-1 or D-2. A partition's rebuild joins them in (see :mod:`pipeline.dataset`), so a partition
file stays a pure function of what is stored beside it. :func:`link_dates` recomputes the links of a day and of the
two days after it (an original committed late may be the one a later day's translation came from), so once every
day is processed the links do not depend on the order the days ran in.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pyarrow as pa

from pipeline.storage import Storage

log = logging.getLogger(__name__)

# How far back an original may be dated from its translation.
WINDOW_DAYS = 2
# A pair needs this many shared distinctive numbers (two digits or more, not a bare year)...
MIN_SHARED_DISTINCTIVE = 3
# ...this share of one side's numbers found in the other...
MIN_COVERAGE = 0.7
# ...and this share the other way (one side may carry numbers the other lacks)...
MIN_OTHER_COVERAGE = 0.35
# ...and this share of the shared numbers in the same order.
MIN_ORDER = 0.7
# A number shared by more articles than this is an index stop word (a year, a date everyone reports).
MAX_POSTING = 200

LINKS_SCHEMA = pa.schema([
    pa.field("article_id", pa.string(), nullable=False),
    pa.field("translation_of", pa.string(), nullable=False),
    pa.field("translation_evidence", pa.string(), nullable=False),
])
LINK_COLUMNS = ("translation_of", "translation_evidence")
# What the linker reads of a partition: never the other columns.
READ_COLUMNS = ["article_id", "source_name", "url", "language", "text", "title", "published_at", "mt_probability"]

_NUMBER = re.compile(r"(?<![\w.,])\d+(?:(?:[.,]|[ \u00a0\u202f](?=\d{3}\b))\d+)*")
_DOTTED_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{2,4}$")
_THOUSANDS = re.compile(r"^\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+$")
_NAME = re.compile(r"(?<!^)(?<![.!?»\"“]\s)\b[A-ZА-ЯЁІЇЄҐ][\w'’-]{2,}")
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
    ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
     "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya", "i", "yi", "ye", "g"]))
_VOWELS = set("aeiouyhjw")


def numbers(text: str) -> list[str]:
    """The text's numbers in order, normalised so that every locale writes each the same way."""
    out: list[str] = []
    for match in _NUMBER.finditer(text):
        token = match.group().strip()
        if _DOTTED_DATE.match(token):
            out.extend(str(int(part)) for part in token.split("."))
        elif _THOUSANDS.match(token):
            out.append(str(int(re.sub(r"\D", "", token))))
        else:
            whole, _, fraction = token.replace(",", ".").partition(".")
            whole = re.sub(r"\D", "", whole)
            fraction = re.sub(r"\D", "", fraction).rstrip("0")
            out.append(str(int(whole)) + (f".{fraction}" if fraction else "") if whole else token)
    return out


def _distinctive(number: str) -> bool:
    """Worth indexing: two digits or more, and not a year on its own (every article of a day names the year)."""
    digits = number.replace(".", "")
    return len(digits) >= 2 and not (len(number) == 4 and number.isdigit() and 1900 <= int(number) <= 2100)


def name_skeleton(word: str) -> str:
    """A name's consonants, in Latin letters: what survives transliteration and declension's vowel changes."""
    latin = "".join(_CYRILLIC.get(ch, ch) for ch in word.lower()).replace("x", "ks").replace("c", "k")
    latin = unicodedata.normalize("NFKD", latin)
    return "".join(ch for ch in latin if ch.isascii() and ch.isalpha() and ch not in _VOWELS)[:6]


def names(text: str) -> set[str]:
    """Skeletons of the capitalised words that are not sentence starts: mostly names of people and places."""
    return {s for s in (name_skeleton(w) for w in _NAME.findall(text)) if len(s) >= 3}


@dataclass(frozen=True)
class Article:
    article_id: str
    site: str
    language: str | None
    published: dt.datetime | None
    mt_probability: float
    numbers: tuple[str, ...]
    names: frozenset[str]

    @classmethod
    def from_row(cls, row: dict) -> "Article":
        text = "\n".join(filter(None, [row.get("title"), row.get("text")]))
        return cls(row["article_id"], row["site"], row.get("language"), row.get("published_at"),
                   float(row.get("mt_probability") or 0.0), tuple(numbers(text)), frozenset(names(text)))


@dataclass(frozen=True)
class Link:
    translation: str
    original: str
    evidence: str


def _in_order(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence of two number sequences (short: a few dozen numbers each)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def _match(translation: Article, original: Article) -> tuple[float, str] | None:
    """How well ``translation`` renders ``original`` (higher is better) and why, or None when it does not."""
    shared_numbers = Counter(translation.numbers) & Counter(original.numbers)
    shared = sum(shared_numbers.values())
    distinctive = sum(n for number, n in shared_numbers.items() if _distinctive(number))
    if distinctive < MIN_SHARED_DISTINCTIVE:
        return None
    # One side may carry numbers the other lacks (page furniture the extraction kept, a dropped paragraph), never
    # both: most numbers of one side are in the other, and a good share the other way.
    # Counted over distinct numbers: a teaser pasted twice repeats its numbers.
    distinct = len(set(shared_numbers))
    coverages = sorted((distinct / len(set(translation.numbers)), distinct / len(set(original.numbers))))
    if coverages[1] < MIN_COVERAGE or coverages[0] < MIN_OTHER_COVERAGE:
        return None
    # Names only support numbers: capitalised words are too noisy across languages (German nouns, titles).
    shared_names = translation.names & original.names
    ordered = _in_order(translation.numbers, original.numbers)
    if ordered < MIN_ORDER * shared:
        return None
    evidence = (f"{shared} of {len(translation.numbers)} numbers in the original ({ordered} in order): "
                + ", ".join(sorted(shared_numbers, key=lambda n: (len(n), n))[-8:])
                + (f"; {len(shared_names)} names" if shared_names else ""))
    return sum(coverages) + ordered / shared + 0.1 * len(shared_names), evidence


def _translation_first(a: Article, b: Article) -> tuple[Article, Article]:
    """(translation, original) of a pair: the likelier machine translation, else the later, else by id."""
    def key(x: Article) -> tuple:
        return (x.mt_probability, x.published or dt.datetime.min.replace(tzinfo=dt.timezone.utc), x.article_id)
    return (a, b) if key(a) > key(b) else (b, a)


def find_links(articles_of_day: Iterable[Article], window: Iterable[Article]) -> list[Link]:
    """Links from the articles of one day to originals among ``window`` (that day and the days before it)."""
    window = sorted(window, key=lambda a: a.article_id)
    postings: dict[str, list[int]] = defaultdict(list)
    for index, article in enumerate(window):
        for number in set(article.numbers):
            if _distinctive(number):
                postings[number].append(index)
    links = []
    for article in sorted(articles_of_day, key=lambda a: a.article_id):
        votes: Counter[int] = Counter()
        for number in set(article.numbers):
            if _distinctive(number) and len(postings.get(number, ())) <= MAX_POSTING:
                votes.update(postings.get(number, ()))
        best: tuple[float, str, str] | None = None
        for index, n in votes.items():
            other = window[index]
            if n < MIN_SHARED_DISTINCTIVE or other.article_id == article.article_id or other.site == article.site \
                    or not article.language or not other.language or other.language == article.language:
                continue
            translation, original = _translation_first(article, other)
            if translation is not article:
                continue
            scored = _match(article, other)
            if scored and (best is None or (scored[0], other.article_id) > (best[0], best[1])):
                best = (scored[0], other.article_id, scored[1])
        if best:
            links.append(Link(article.article_id, best[1], best[2]))
    return links


def links_rel(day: dt.date) -> str:
    return f"links/date={day.isoformat()}/translation_of.parquet"


def read_links(storage: Storage, day: dt.date) -> pa.Table:
    rel = links_rel(day)
    return storage.read_parquet(rel, schema=LINKS_SCHEMA) if storage.exists(rel) else LINKS_SCHEMA.empty_table()


def _articles(storage: Storage, day: dt.date) -> list[Article]:
    from pipeline.dataset import Dataset

    dataset = Dataset(storage)
    rows = []
    for key in dataset.partitions(day):
        table = storage.read_parquet(dataset.partition_rel(key), columns=READ_COLUMNS)
        rows += [{**row, "site": key.site} for row in table.to_pylist()]
    return [Article.from_row(row) for row in rows]


def _window_files(storage: Storage, day: dt.date) -> list[tuple[str, int]]:
    """The partition files a day's links are computed from: how a link step sees that they changed under it."""
    return [entry for back in range(WINDOW_DAYS + 1)
            for entry in storage.list_sizes(f"articles/date={(day - dt.timedelta(back)).isoformat()}")]


def _by_article(links: pa.Table) -> dict[str, tuple[str, str]]:
    return {row["article_id"]: (row["translation_of"], row["translation_evidence"]) for row in links.to_pylist()}


def link_day(storage: Storage, day: dt.date) -> int:
    """Recompute the links of the translations dated ``day`` and rebuild the partitions whose rows they change;
    returns the number of links. Like a partition's rebuild, it computes again if its inputs changed meanwhile."""
    from pipeline.dataset import MAX_REBUILDS, Dataset, PartitionKey

    dataset = Dataset(storage)
    for _ in range(MAX_REBUILDS):
        inputs = _window_files(storage, day)
        of_day = _articles(storage, day)
        window = of_day + [a for back in range(1, WINDOW_DAYS + 1)
                           for a in _articles(storage, day - dt.timedelta(back))]
        links = find_links(of_day, window)
        table = pa.Table.from_pylist([{"article_id": link.translation, "translation_of": link.original,
                                       "translation_evidence": link.evidence} for link in links], schema=LINKS_SCHEMA)
        before = read_links(storage, day)
        if not table.equals(before):
            if table.num_rows:
                storage.write_parquet(links_rel(day), table)
            else:
                storage.delete(links_rel(day))
            old, new = _by_article(before), _by_article(table)
            changed = {article for article in old.keys() | new.keys() if old.get(article) != new.get(article)}
            # The partitions holding a changed row, from the rows already read: (day, site) is the partition.
            for site in sorted({article.site for article in of_day if article.article_id in changed}):
                dataset.rebuild(PartitionKey(day, site))
        if _window_files(storage, day) == inputs:
            log.info("translation links dated %s: %d", day, len(links))
            return len(links)
        log.info("partitions of %s changed while their translations were linked; linking again", day)
    raise RuntimeError(f"{storage.url(links_rel(day))}: the partitions kept changing over {MAX_REBUILDS} link runs")


def link_days(storage: Storage, days: Iterable[dt.date]) -> dict[str, int]:
    """Relink every day in ``days`` and the WINDOW_DAYS after each (which may hold their translations); returns
    the number of links of each day that has partitions."""
    from pipeline.dataset import Dataset

    dataset = Dataset(storage)
    todo = sorted({d + dt.timedelta(n) for d in days for n in range(WINDOW_DAYS + 1)})
    return {day.isoformat(): link_day(storage, day) for day in todo if dataset.partitions(day)}


def with_links(table: pa.Table, links: pa.Table) -> pa.Table:
    """``table`` with its translation columns set from a day's links (null where an article has none)."""
    found = _by_article(links)
    ids = table["article_id"].to_pylist()
    for position, column in enumerate(LINK_COLUMNS):
        values = pa.array([found[i][position] if i in found else None for i in ids], pa.string())
        table = table.set_column(table.schema.get_field_index(column), table.schema.field(column), values)
    return table
