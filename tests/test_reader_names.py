"""Names typed as they sound (issue 22), on real data: ``Scott Disick Sophia Richie``.

FakeNewsNet's titles write "Sofia Richie" (two edits from "sophia"); one page about Kourtney
Kardashian's pregnancy writes "Sophia Richie" once in passing and, holding all four words as
typed, ranked second, above the pages about the couple. ``neighbours.sounds_alike`` reads a
name spelt with "ph" for "f" (or "f" for "ph") as the spelling its neighbours in the query
point to; ``bench/reader`` (``fn-t10``) measures it on the judged reader set."""
from __future__ import annotations

import re

import pytest

from index import SearchIndex
from tests.conftest import fakenews_subset
from tests.test_reader_ranking import search, titles

NAMED = re.compile(r"(?i)richie|disick|colbert")


@pytest.fixture(scope="module")
def names(tmp_path_factory):
    """FakeNewsNet's first 500 lines and every one naming Richie, Disick or Colbert (~1,000)."""
    ix = SearchIndex(fakenews_subset(tmp_path_factory.mktemp("names"),
                                     lambda n, line: n < 500 or bool(NAMED.search(line))),
                     cache_size=0)
    yield ix
    ix.close()


def test_a_name_spelt_as_it_sounds_is_read_as_the_name_its_neighbours_point_to(names):
    result = search(names, "Scott Disick Sophia Richie", 5)
    assert "sofia" in result.typos.get("sophia", ()), result.typos
    assert all("Sofia" in t and "Disick" in t for t in titles(result)), titles(result)
    assert not any(t.startswith("Is Kourtney Kardashian Pregnant") for t in titles(result))


def test_a_name_written_so_keeps_its_spelling(names):
    """"Stephen Colbert" is how the titles write him: "stephen" is no "stefen" (the pair as
    typed is a name), and a first name alone has no neighbour to read it by."""
    result = search(names, "Stephen Colbert", 5)
    assert "stephen" not in result.typos, result.typos
    assert all("Colbert" in t for t in titles(result)), titles(result)
    assert "sophia" not in search(names, "Sophia", 5).typos
