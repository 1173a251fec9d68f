"""A single letter typed among words ("kim k robbery", "vitamin d") is scored, never counted
in the tiers (``matching.letters``), on FakeNewsNet's first 1,000 articles plus those naming
a Kardashian in their title."""
from __future__ import annotations

import json

import pytest

from index import SearchIndex
from tests.conftest import fakenews_subset
from tests.test_reader_ranking import search, titles


@pytest.fixture(scope="module")
def kardashians(tmp_path_factory):
    def keep(n: int, line: str) -> bool:
        return n < 1000 or "kardashian" in (json.loads(line).get("title") or "").lower()

    ix = SearchIndex(fakenews_subset(tmp_path_factory.mktemp("kardashians"), keep),
                     cache_size=0)
    yield ix
    ix.close()


def test_a_single_letter_is_not_counted_as_a_word_held(kardashians):
    """"kim k robbery": pages holding a stray "k" somewhere (Kourtney's, lists naming "Kim
    K.") held all three words and ranked above the Paris robbery; "kim robbery" was right.
    The letter still scores: "kim k" puts the pages saying "Kim K" first."""
    first = titles(search(kardashians, "kim k robbery", 3))
    assert all("Robbery" in t for t in first), first
    assert all("Kim K" in t for t in titles(search(kardashians, "kim k", 3)))
