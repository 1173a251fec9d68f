"""Builds are reproducible: the same corpus gives the same document order, ties and fold
leaders whatever the number of build processes.

With ``workers=2`` Whoosh writes one segment per process, so document numbers follow the
segments, not the corpus; every document carries ``seq`` (its place in the corpus) and the
result order breaks ties by it, so the answers cannot depend on who wrote what.
"""
from __future__ import annotations

import random

import pytest

import index
from index import SearchIndex, SearchRequest
from tests.conftest import fakenews_head

# Whoosh's multi-process writer leaves a file of the parent's own (empty) segment for the
# garbage collector, whose ResourceWarning can land in any later call: not what this tests.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

LINES = 1500  # FakeNewsNet articles: enough for wire copies (near-duplicate groups) and ties


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    sample, titles = fakenews_head(tmp_path_factory.mktemp("repro-corpus"), LINES)
    made = []
    for name, workers in (("one-process", 1), ("two-a", 2), ("two-b", 2)):
        index_dir = str(tmp_path_factory.mktemp(name))
        index.rebuild(index_dir, [str(sample)], workers=workers)
        made.append(SearchIndex(index_dir, cache_size=0))
    yield made, [t for t in titles if len(t.split()) >= 3]
    for ix in made:
        ix.close()


def _answer(ix: SearchIndex, req: SearchRequest) -> tuple:
    result = ix.search(req)
    return ([(h.document.id, h.score, h.group, h.copies) for h in result.hits],
            result.total, result.folded, result.facets)


def _requests(titles: list[str]) -> list[SearchRequest]:
    rng = random.Random(20)
    reqs = []
    for title in rng.sample(titles, 40):
        words = title.split()
        reqs += [SearchRequest(q=title, per_page=20), SearchRequest(q=" ".join(words[:2])),
                 SearchRequest(q=words[0], per_page=50, sort="date")]
    # ties everywhere: every document of a kind, in corpus order, and common words
    reqs += [SearchRequest(q="", per_page=50), SearchRequest(q="", kinds=("quote",), per_page=50),
             SearchRequest(q="said", per_page=50), SearchRequest(q="trump", page=3)]
    return reqs


def test_two_processes_build_the_same_index_twice_and_as_one_process(builds):
    (single, first, second), titles = builds
    assert single.health()["counts"] == first.health()["counts"] == second.health()["counts"]
    folded = 0
    for req in _requests(titles):
        expected = _answer(single, req)
        assert _answer(first, req) == expected, req
        assert _answer(second, req) == expected, req
        folded += expected[2]
    assert folded > 0  # the sample has wire copies, so fold leaders were compared


def test_a_group_lists_the_same_copies_in_the_same_order(builds):
    (single, first, _), titles = builds
    groups = {h.group for t in titles[:200]
              for h in single.search(SearchRequest(q=t)).hits if h.group and h.copies}
    assert groups
    for group in sorted(groups)[:10]:
        req = SearchRequest(q="", group=group, per_page=50)
        assert _answer(first, req) == _answer(single, req)
