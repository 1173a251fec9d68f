"""End to end on real multilingual news: the free-news-demo corpus (Global Voices and
Wikinews in English, German and French, with bylines and dates) read, detected, indexed
and searched, its facets checked against counts taken from the raw file itself."""
from __future__ import annotations

import gzip
import json
import re
from collections import Counter

import pytest

from corpus import Article, Summary, extract
from corpus.lang import detect_language
from index import SearchIndex, SearchRequest
from service.presenter import search_json
from tests.conftest import FREENEWS, need

ALL = 100_000


def key(record: dict) -> str:
    """What identifies a raw record in the index: its url (ids are made from it), else its id."""
    return record.get("url") or record["id"]


@pytest.fixture(scope="module")
def raw() -> list[dict]:
    with gzip.open(need(FREENEWS), "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def extracted():
    summary = Summary()
    return list(extract([str(need(FREENEWS))], summary)), summary


@pytest.fixture(scope="module")
def ix(freenews_index):
    searcher = SearchIndex(freenews_index)
    yield searcher
    searcher.close()


def names(record: dict) -> list[str]:
    """The bylines the author cleaner keeps: Global Voices has 126 people, Wikinews none.

    Eight of the 126 Global Voices bylines are one-word WordPress logins or handles (``kixes``, ``Jea``,
    ``Atlatszo.hu``…); one-word author entries are dropped, because in crawled data such as
    FakeNewsNet nearly all of them are months, job titles or page words ("August",
    "Reporter", "Hello"), so those posts have no author.
    """
    return [n for n in record["authors"] if len(n.split()) >= 2]


def test_every_article_is_read_with_its_byline_date_and_language(raw, extracted):
    recs, summary = extracted
    articles = {r.url or r.id: r for r in recs if isinstance(r, Article)}
    assert summary.articles == len(articles) == len(raw) == 1198
    assert not summary.rejects
    for record in raw:
        art = articles[key(record)]
        assert art.title == " ".join(record["title"].split())
        assert art.authors == names(record)
        assert art.lang == record["lang"]
        assert (art.date or None) == ((record["date"] or "")[:10] or None)
    assert Counter(a.lang for a in articles.values()) == {"en": 698, "de": 400, "fr": 100}
    people = {n for a in articles.values() for n in a.authors}
    assert people == {n for r in raw for n in names(r)} and len(people) == 118
    assert sum(1 for a in articles.values() if not a.date) == 1  # the French one without


def test_language_detection_agrees_with_the_published_language(raw):
    """langdetect on the text alone, against the language each collection is written in.

    Measured: 1,197 of 1,198; the one miss is a Global Voices post that is mostly Spanish
    tweets quoted with an English translation.
    """
    wrong = [r["id"] for r in raw if detect_language(f"{r['title']}\n{r['text']}") != r["lang"]]
    assert len(wrong) <= 3, wrong


def run(ix: SearchIndex, req: SearchRequest) -> dict:
    """Search, in the API's JSON form."""
    return search_json(ix.search(req), 0.0)


def test_facets_count_exactly_what_the_file_holds(ix, raw):
    res = run(ix, SearchRequest(kinds=("article",), per_page=1))
    assert res["total"] == 1198
    facets = res["facets"]
    assert {v["value"]: v["count"] for v in facets["lang"]} == {"en": 698, "de": 400, "fr": 100}
    years = Counter(r["date"][:4] for r in raw if r["date"])
    assert {v["value"]: v["count"] for v in facets["date"]} == dict(years)
    bylines = Counter(n for r in raw for n in names(r))
    for entry in facets["author"]:
        assert entry["count"] == bylines[entry["value"]], entry
    assert facets["author"][0] == {"value": "Ndesanjo Macha", "count": 26}

    narrowed = run(ix, SearchRequest(kinds=("article",), authors=("Mong Palatino",),
                                       per_page=ALL))
    assert narrowed["total"] == bylines["Mong Palatino"] == 20
    assert all(r["author"] == "Mong Palatino" for r in narrowed["results"])


def _ids_with_word(raw: list[dict], lang: str, pattern: str) -> set[str]:
    word = re.compile(pattern, re.IGNORECASE)
    return {key(r) for r in raw if r["lang"] == lang and word.search(f"{r['title']}\n{r['text']}")}


@pytest.mark.parametrize("query, lang, only_inflected", [
    ("Wahlen", "de", r"\bWahl\b"),                 # singular in the text, plural asked
    ("Regierungen", "de", r"\bRegierung\b"),
    ("élections", "fr", r"\bélection\b"),
    ("elections", "en", r"\belection\b"),
])
def test_inflected_forms_are_found_in_each_language(ix, raw, query, lang, only_inflected):
    """A query finds the documents that hold only another inflection of its word."""
    expected = _ids_with_word(raw, lang, only_inflected)
    assert len(expected) >= 5
    res = run(ix, SearchRequest(q=query, kinds=("article",), per_page=ALL, facets=False,
                                  snippets=False))
    found = {r["url"] or r["id"] for r in res["results"]}
    assert expected <= found, sorted(expected - found)[:5]


def test_an_author_name_brings_that_authors_posts_first(ix):
    res = run(ix, SearchRequest(q="Juliana Rincón Parra", kinds=("article",), per_page=5))
    assert [r["author"] for r in res["results"]] == ["Juliana Rincón Parra"] * 5


def test_snippets_mark_the_match_in_german_text(ix):
    res = run(ix, SearchRequest(q="Bundesregierung", langs=("de",), per_page=3))
    assert res["total"] >= 3
    for r in res["results"]:
        assert "<mark>" in r["snippet"], r
