"""A misspelt word read as the word it misspells, on real FakeNewsNet documents (issue 22).

"libary" is in one FakeNewsNet body ("Best Disney Channel Shows": "my libary school"); the
word it misspells is a whole word of only 2 titles but its stem is in 95 documents. The
module's index holds every FakeNewsNet article that names a library, a "libary", a liar or
liars (the words the correction and the did-you-mean weigh), so the counts are the corpus's
own for these words."""
from __future__ import annotations

import re

import pytest

from index import SearchIndex, SearchRequest
from tests.conftest import fakenews_subset

WORDS = re.compile(r"\b(librar(?:y|ies|ian|ians)|libary|liars?)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A SearchIndex of the FakeNewsNet articles holding one of ``WORDS``."""
    folder = tmp_path_factory.mktemp("fakenews-library")
    ix = SearchIndex(fakenews_subset(folder, lambda _, line: WORDS.search(line)), cache_size=0)
    yield ix
    ix.close()


def text_of(ix: SearchIndex, doc_id: str) -> str:
    doc = ix.document(doc_id)
    return f"{doc.title} {doc.text}".lower()


def test_a_misspelling_some_page_holds_is_searched_as_the_word(library):
    """The one page holding "libary" no longer comes first: the typed word is read as
    "library" (its stem 95 times as common), and "libary" ranks as a typo of it."""
    result = library.search(SearchRequest(q="libary?", per_page=5, kinds=("article",),
                                          facets=False, snippets=False))
    assert "librari" in result.typos["libary"]
    found = [text_of(library, h.document.id) for h in result.hits]
    assert len(found) == 5 and all("librar" in t and "libary" not in t for t in found)


def test_did_you_mean_weighs_a_correction_as_it_weighs_the_word(library):
    """"liars" is in more titles than "library" (12 vs 2) but two edits away; counted as the
    typed word is counted (titles, names and bodies, stemmed), "library" is far more common
    than "libary", and one edit away: it is the suggestion."""
    result = library.search(SearchRequest(q="libary?", per_page=5, facets=False,
                                          snippets=False))
    assert result.suggestion == "library?"


MISS = re.compile(r"\b(miss|missiles?)\b", re.IGNORECASE)


@pytest.fixture(scope="module")
def missiles(tmp_path_factory):
    """FakeNewsNet's first 1,000 articles, those with "Miss" in their title and those naming
    a missile anywhere."""
    import json

    def keep(n: int, line: str) -> bool:
        return n < 1000 or bool(MISS.search(json.loads(line).get("title") or "")) \
            or "missile" in line.lower()

    ix = SearchIndex(fakenews_subset(tmp_path_factory.mktemp("missiles"), keep), cache_size=0)
    yield ix
    ix.close()


def test_did_you_mean_is_as_near_as_a_typo(missiles):
    """"north korea missle test" was offered "north korea miss test": "miss" is two letters
    from "missle", a variant only of its stem "missl". A correction is as near as the
    search's typos are to the word typed (one edit below nine letters), so none is offered
    here (no title holds "missile"); the search still matches the missile pages."""
    result = missiles.search(SearchRequest(q="north korea missle test", per_page=5))
    assert result.suggestion is None, result.suggestion
    assert "missil" in result.typos["missle"] and result.total > 0
    assert missiles.search(SearchRequest(q="missle", per_page=5)).suggestion is None


@pytest.fixture(scope="module")
def survivors(tmp_path_factory):
    """FakeNewsNet's first 1,000 articles and every one naming a survivor, a survival or
    someone surviving, or Parkland."""
    def keep(n: int, line: str) -> bool:
        return n < 1000 or "surviv" in line.lower() or "parkland" in line.lower()

    ix = SearchIndex(fakenews_subset(tmp_path_factory.mktemp("survivors"), keep), cache_size=0)
    yield ix
    ix.close()


def test_a_form_no_title_holds_matches_its_neighbour(survivors):
    """"parkland survivers": the stem of "survivers" is that of survive and survived, common,
    so it was searched as a word and never corrected, though no title says "survivers". Its
    whole-word neighbour "survivors", of a stem of its own, is now a typo of it; a form the
    titles hold ("survived") is not expanded."""
    typed = survivors.search(SearchRequest(q="parkland survivers", per_page=5,
                                           kinds=("article",), snippets=False))
    assert "survivor" in typed.typos.get("survivers", ()), typed.typos
    assert survivors.search(SearchRequest(q="parkland survived", per_page=5)).typos == {}


def test_did_you_mean_leaves_a_short_word_the_search_took(freenews_search):
    """On free-news-demo, "ira belfast" was offered "iran belfast" (and on FakeNewsNet "what
    happened to mac miller" "may miller"): a word too short for a typo variant is offered
    only as the word the search read it as in context ("brad pit" → "pitt")."""
    result = freenews_search.search(SearchRequest(q="ira belfast", per_page=5))
    assert result.suggestion is None, result.suggestion
