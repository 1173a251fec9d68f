"""Exactness (issue 22, ``index.read.exactness``) on free-news-demo: among the first results
of a tier, a page holding the query's words as typed ranks above one holding them only through
a stem; the first results are reordered among themselves, never joined by another page. And
on FakeNewsNet, a page whose text holds the query's words side by side ranks as together.

``bench/reader`` measures the rule on the judged reader set (docs/benchmarks.md, part 10)."""
from __future__ import annotations

import json

import pytest

from index import SearchIndex, SearchRequest
from index.errors import Deadline
from index.read import exactness
from index.read.search import plan
from tests.conftest import fakenews_subset
from tests.test_reader_ranking import search, titles

BUNDESTAG = "Die Wahl zum 19. deutschen Bundestag - und die Folgen"  # "Jamaika" once
CONTE = "Italiens Ministerpräsident Guiseppe Conte tritt zurück"      # "Sondierungen" once


def test_a_word_held_as_typed_ranks_above_its_stem(freenews_search, monkeypatch):
    """"Jamaika Sondierung": no page holds both words. The one page about the Jamaica talks
    says "Jamaika"; Conte's resignation says "Sondierungen" (the stem of "Sondierung", a rarer
    word) and ranked above it by BM25F alone."""
    found = titles(search(freenews_search, "Jamaika Sondierung", 10))
    assert found.index(BUNDESTAG) < found.index(CONTE), found
    monkeypatch.setattr(exactness, "WEIGHT", 0.0)
    before = titles(search(freenews_search, "Jamaika Sondierung", 10))
    assert before.index(CONTE) < before.index(BUNDESTAG), before
    assert sorted(before) == sorted(found)  # the same first ten, reordered


def test_pages_of_the_window_do_not_overlap(freenews_search):
    """Pages of 5 split the first ten as a page of 10 does: each half reordered within
    itself, no page listed twice or left out; the pages past the window are untouched."""
    def page(n: int, size: int) -> list[str]:
        result = freenews_search.search(SearchRequest(q="Bersih rally Kuala Lumpur", page=n,
                                                      per_page=size, kinds=("article",),
                                                      facets=False, snippets=False))
        return [h.document.id for h in result.hits]
    ten = page(1, 10)
    assert len(set(page(1, 5)) | set(page(2, 5))) == len(ten) == 10
    assert sorted(page(1, 5) + page(2, 5)) == sorted(ten)
    assert page(2, 10) == page(3, 5) + page(4, 5)


def test_the_forms_a_word_is_held_as(freenews_search):
    """A word is held as typed, or written as one with a neighbour ("half time": "halftime",
    "half-time"); a common word is left out, as from the tiers."""
    p = plan(freenews_search.live.current(), SearchRequest(q="super bowl half time"),
             freenews_search.ranking, Deadline(60))
    words = exactness.typed_words(p.query)
    assert [forms[0] for forms, _ in words] == ["super", "bowl", "half", "time"]
    assert {"halftime", "half-time", "bowlhalf"} <= set(words[2][0]), words
    assert exactness.typed_words(p.query, (False, True, True, True)) == words[:1]


@pytest.fixture(scope="module")
def parkland(tmp_path_factory):
    """FakeNewsNet's first 1,000 lines and every article naming Parkland."""
    def keep(n: int, line: str) -> bool:
        record = json.loads(line)
        return n < 1000 or "parkland" in f"{record.get('title')} {record.get('text')}".lower()

    ix = SearchIndex(fakenews_subset(tmp_path_factory.mktemp("parkland"), keep), cache_size=0)
    yield ix
    ix.close()


def test_words_side_by_side_in_the_text_rank_as_together(parkland, monkeypatch):
    """"parkland survivors": an actress's condolences name Parkland in the title and
    "survivors" once, further on, and ranked first; "Parkland survivor Emma Gonzalez" holds
    the words side by side, as together as a title holding them (held-out reader set,
    fn-r11). The same first ten, reordered."""
    def first_ten() -> list[str]:
        return titles(search(parkland, "parkland survivors", 10))
    found = first_ten()
    assert found[0].startswith("Emma Gonzalez"), found
    monkeypatch.setattr(exactness, "neighbours", lambda query: (None, 0))
    before = first_ten()
    assert before[0].startswith("Camila Mendes"), before
    assert sorted(before) == sorted(found)


def test_the_words_side_by_side(freenews_search):
    """Every word of the query, in order, its stem's beginning as typed (accents or not),
    one short word at most between them (a stop word); none for a word read as another."""
    def pattern(text: str):
        snap = freenews_search.live.current()
        return exactness.neighbours(plan(snap, SearchRequest(q=text), freenews_search.ranking,
                                         Deadline(10)).query)[0]
    found = pattern("parkland survivors")
    assert found.search("parkland survivor emma") and found.search("parkland's survivors")
    assert not found.search("parkland school survivors") and not found.search("survivors parkland")
    assert pattern("élections législatives").search("les elections legislatives")
    assert pattern("pledge of allegiance").search("the pledge of allegiance")
    assert pattern("climate") is None  # one word
    assert pattern("Verteidigungsminster Rumsfeld") is None  # read as "Verteidigungsminister"
