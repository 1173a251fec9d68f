"""A shard's prepare round counts (``cluster.counting``) what the full evaluation with
collecting statistics notes: the same document frequencies and relaxed-matching evidence.

Every prepare call of real sharded searches is run both ways and compared: SciFact-like
reader queries on FakeNewsNet (titles, typos, questions, phrases, NOT, op=and, prefixes,
filters, fields) and German and French news; then hypothesis draws queries from the index's
own words with operators and filters. These run with the shards preparing (the fallback
for filters); then the coordinator's own count of a request without filters
(``head_counting``) is compared, for every such search, with what the shards' prepare
calls add up to.
"""
from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import index
from index import SearchIndex, SearchRequest
from index.cluster import coordinator, counting, head_counting
from index.cluster.shard_server import ShardServer, _filters
from index.errors import Deadline
from index.read.matching import Evidence

from tests.conftest import FREENEWS, fakenews_head, need
from tests.test_sharded import _typo

COMPARED: list[int] = []  # prepare calls compared, per test


def _both(snap, req, query, ranking, corpus, budget):
    """The prepare round, counted and evaluated: fail unless both note the same."""
    eligible = _filters(snap, req).mask()
    counted, full = corpus.collect(), corpus.collect()
    counting.Counter(snap, eligible, Deadline(budget), counted).count(query)
    counting.evaluated(snap, eligible, Deadline(budget), full, query, ranking.b, ranking.k1)
    where = f"q={req.q!r} {req} {query!r}"
    assert counted.seen_dfs == full.seen_dfs, where
    assert len(counted.seen_evidence) == len(full.seen_evidence), where
    for (a, strict_a), (b, strict_b) in zip(counted.seen_evidence, full.seen_evidence):
        assert a.exact == b.exact and strict_a == strict_b, where
        assert (a.patterns is None) == (b.patterns is None), where
        if a.patterns is not None:
            assert np.array_equal(a.patterns, b.patterns), where
    COMPARED.append(len(full.seen_evidence))
    return counted.seen_dfs, counted.seen_evidence


@pytest.fixture(autouse=True)
def both_ways(monkeypatch):
    monkeypatch.setattr(ShardServer, "prepare", staticmethod(_both))
    monkeypatch.setattr(coordinator, "countable", lambda req: False)  # the shards prepare
    COMPARED.clear()


@pytest.fixture(scope="module")
def fakenews(tmp_path_factory):
    sample, titles = fakenews_head(tmp_path_factory.mktemp("counting-lines"), 1500)
    root = str(tmp_path_factory.mktemp("counting-fakenews"))
    index.rebuild(root, [str(sample)], workers=1, shards=2)
    ix = SearchIndex(root, cache_size=0, time_budget=300.0)
    yield ix, [t for t in titles if len(t.split()) >= 3]
    ix.close()


def _reader_queries(title: str, rng: random.Random) -> tuple[str, ...]:
    """What readers type from a title: itself, with a typo, in a question, cut short, a
    phrase, NOT, AND, a required word."""
    words = title.split()
    typo = " ".join(_typo(w, rng) if i == 1 else w for i, w in enumerate(words))
    return (title, typo, f"what about {' '.join(words[:4])}?", " ".join(words[:3])[:-2],
            f'"{" ".join(words[:2])}" {words[-1]}', f"{words[0]} -{words[1]}",
            f"{words[0]} AND {words[-1]}", f"+{words[0]} {words[1]} {words[2]}")


def _search_titles(ix, titles: list[str], seed: int, n: int, also=None) -> None:
    """Search ``n`` titles the ways readers type them (``_reader_queries``), each also with
    every word required, and ``also(words)`` when given."""
    rng = random.Random(seed)
    for title in rng.sample(titles, n):
        words = title.split()
        for q in _reader_queries(title, rng):
            ix.search(SearchRequest(q=q))
        ix.search(SearchRequest(q=" ".join(words[:3]), operator="and"))
        if also is not None:
            ix.search(also(words))


def test_reader_queries_count_as_they_evaluate(fakenews):
    ix, titles = fakenews
    _search_titles(ix, titles, 11, 40, lambda words: SearchRequest(
        q=" ".join(words[:5]), operator="or", kinds=("quote",)))
    author = ix.search(SearchRequest(q="trump", facets=True)).facets["author"][0].value
    for q in ("trump", "hillary clinton emails", "obama said", '"white house"', "title:oscars",
              "kardashian -kanye", "brad pit", "presidnet trump", "NOT trump", "trump OR obama",
              "(clinton OR obama) AND emails", "the", "donald trump s"):
        for extra in ({}, {"kinds": ("quote",)}, {"authors": (author,)},
                      {"day_from": 20170101}, {"operator": "and"}, {"typos": False}):
            ix.search(SearchRequest(q=q, **extra))
    assert sum(1 for n in COMPARED if n) > 500  # relaxed nodes compared, not just words


def test_german_and_french_count_as_they_evaluate(tmp_path_factory):
    root = str(tmp_path_factory.mktemp("counting-freenews"))
    index.rebuild(root, [str(need(FREENEWS))], workers=1, shards=2)
    ix = SearchIndex(root, cache_size=0, time_budget=300.0)
    for q in ("was sagt die Bundesregierung zu Rumsfeld?", "Verteidigungsminster Rumsfeld",
              "que s'est-il passé avec le président Chirac ?", "présidnet Chirac",
              "Wahlen in Deutschland", "gouvernement français -Chirac", "Bush Irak"):
        for extra in ({}, {"langs": ("de",)}, {"langs": ("fr",)}, {"operator": "and"}):
            ix.search(SearchRequest(q=q, **extra))
    assert len(COMPARED) >= 2 * 7 * 4
    ix.close()


WORDS = ["trump", "clinton", "obama", "emails", "white", "house", "said", "new", "kardashian",
         "oscars", "presidnet", "hilary", "the", "of", "brad", "pitt", "zzxq", "election"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=6),
       joins=st.lists(st.sampled_from([" ", " ", " ", " -", " AND ", " OR ", ' "', " +"]),
                      min_size=6, max_size=6),
       operator=st.sampled_from(["auto", "and", "or"]), typos=st.booleans(),
       kinds=st.sampled_from([(), ("quote",), ("article",)]), day_from=st.sampled_from(
           [None, 20170101]))
def test_drawn_queries_count_as_they_evaluate(fakenews, words, joins, operator, typos, kinds,
                                              day_from):
    ix, _ = fakenews
    q = words[0] + "".join(j + w for j, w in zip(joins, words[1:]))
    if q.count('"') % 2:
        q += '"'
    ix.search(SearchRequest(q=q, operator=operator, typos=typos, kinds=kinds,
                            day_from=day_from, snippets=False, facets=False))


def test_the_coordinator_counts_what_the_shards_add_up_to(fakenews, monkeypatch):
    """``head_counting.counted`` against the sum of every shard's ``Counter``: the same
    frequencies and, per relaxed node, the same evidence."""
    ix, titles = fakenews
    monkeypatch.undo()  # the coordinator counts again
    ix.search(SearchRequest(q="trump"))  # opens the shards
    servers = ix._backends[2].servers

    def compared(head, query, corpus, deadline):
        whole = corpus.collect()
        counting.Counter(head_counting._Whole(head), None, deadline, whole).count(query)
        dfs: dict = {}
        nodes = []
        for server in servers:
            seen = corpus.collect()
            counting.Counter(server._snapshot(head.snapshot_id), None, deadline,
                             seen).count(query)
            for key, df in seen.seen_dfs.items():
                dfs[key] = dfs.get(key, 0) + df
            nodes.append(seen.seen_evidence)
        assert whole.seen_dfs == dfs, repr(query)
        for (ev, strict), shards in zip(whole.seen_evidence, zip(*nodes, strict=True),
                                        strict=True):
            summed = Evidence.total([e for e, _ in shards])
            assert ev.exact == summed.exact and strict == shards[0][1], repr(query)
            assert (ev.patterns is None) == (summed.patterns is None), repr(query)
            if ev.patterns is not None:
                assert np.array_equal(ev.patterns, summed.patterns), repr(query)
        COMPARED.append(len(whole.seen_evidence))
        return head_counting.counted(head, query, corpus, deadline)

    monkeypatch.setattr(coordinator, "counted", compared)
    _search_titles(ix, titles, 12, 30)
    for q in ("hillary clinton emails", '"white house"', "title:oscars", "NOT trump",
              "(clinton OR obama) AND emails", "presidnet trump", "donald trump s"):
        ix.search(SearchRequest(q=q))
    assert sum(1 for n in COMPARED if n) > 150  # relaxed nodes compared, not just words
