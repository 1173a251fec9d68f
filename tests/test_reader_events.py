"""A question asking what happened wants an event (issue 22, ``index.read.events``), on
FakeNewsNet's first 1,000 articles plus those naming Kim Kardashian or Demi Lovato in their
title: among the first page's pages of a tier (the rescoring window: the page the widget asks
for, ten), one whose title names an event ranks first, for that question only. ``bench/reader`` measures the rule on the judged reader set (its events batch)."""
from __future__ import annotations

import json

import pytest

from index import SearchIndex
from tests.conftest import fakenews_subset
from tests.test_reader_ranking import search, titles


@pytest.fixture(scope="module")
def celebrities(tmp_path_factory):
    def keep(n: int, line: str) -> bool:
        title = (json.loads(line).get("title") or "").lower()
        return n < 1000 or "kardashian" in title or "lovato" in title

    ix = SearchIndex(fakenews_subset(tmp_path_factory.mktemp("celebrities"), keep),
                     cache_size=0)
    yield ix
    ix.close()


def test_what_happened_ranks_the_event_first(celebrities):
    """"what happened to kim kardashian in paris": her wedding photos from Paris and Paris
    Hilton ranked above the robbery; "what happened to demi lovato": plastic surgery photos
    above her overdose (reader set fn-e07, fn-q09)."""
    first = titles(search(celebrities, "what happened to kim kardashian in paris", 10))[:3]
    assert all("Robbery" in t for t in first), first
    first = titles(search(celebrities, "what happened to demi lovato", 10))[:3]
    assert "overdose" in first[0].lower(), first
    assert not any("Plastic Surgery" in t for t in first), first


def test_only_a_question_asking_what_happened_wants_an_event(celebrities):
    """The same words, not asked as what happened, rank as before: no event is preferred."""
    asked = titles(search(celebrities, "what happened to kim kardashian in paris", 10))
    plain = titles(search(celebrities, "kim kardashian paris", 10))
    assert asked != plain, plain
    assert not all("Robbery" in t for t in plain[:3]), plain
