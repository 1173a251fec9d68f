"""A sharded index answers exactly as one index built from the same corpus.

Both are built here from the same records, one process each (a single index built by two
processes numbers its documents by segment, not in corpus order, which would change how ties
fall). Compared for every query: ids, order, scores (within 1e-6), totals, facet counts,
did-you-mean, words not required, typos and folded copies; and search-as-you-type
completions. The coordinator counts a request's prepare round itself unless it has
filters (``head_counting``); then SciFact's sharded index answers both rounds of a search in
one call (what a replica process holding every shard does), FakeNewsNet's in two. Queries are what readers type: SciFact's real questions, FakeNewsNet titles
with a typo, wrapped in a question or cut short, names alone, German and French words.
"""
from __future__ import annotations

import json
import random

import numpy as np
import pytest

import index
from index import RelatedRequest, SearchIndex, SearchRequest
from index.cluster import coordinator
from index.cluster.local_shards import LocalShards
from index.cluster.shard_server import ShardServer
from index.errors import IndexUnavailable, QueryTimeout

from tests.conftest import DEMO, FREENEWS, SCIFACT, fakenews_head, need

SHARDS = 3
BUDGET = 300.0


def _pair(tmp_path_factory, name: str, paths: list[str], shards: int = SHARDS,
          one_call: bool = False):
    """One index and a sharded one; ``one_call``: its shards answer both rounds of a search
    in one call (``rounds``, what a replica holding every shard does), else two."""
    one = str(tmp_path_factory.mktemp(f"{name}-one"))
    many = str(tmp_path_factory.mktemp(f"{name}-sharded"))
    index.rebuild(one, paths, workers=1)
    index.rebuild(many, paths, workers=1, shards=shards)
    backend = (lambda n: LocalShards(many, n, one_call=True)) if one_call else None
    # a budget no loaded machine reaches: past it, snippets lose their marks (compared here)
    return (SearchIndex(one, cache_size=0, time_budget=BUDGET),
            SearchIndex(many, cache_size=0, time_budget=BUDGET, shards_backend=backend))


@pytest.fixture(scope="module")
def scifact(tmp_path_factory):
    pair = _pair(tmp_path_factory, "scifact", [str(need(SCIFACT) / "corpus.jsonl")],
                 one_call=True)
    yield pair
    for ix in pair:
        ix.close()


@pytest.fixture(scope="module")
def fakenews(tmp_path_factory):
    sample, titles = fakenews_head(tmp_path_factory.mktemp("fakenews-lines"), 2000)
    one, many = _pair(tmp_path_factory, "fakenews", [str(sample)])
    yield one, many, [t for t in titles if len(t.split()) >= 3]
    one.close()
    many.close()


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:]


def assert_same(one: SearchIndex, many: SearchIndex, req: SearchRequest) -> None:
    a, b = one.search(req), many.search(req)
    where = f"q={req.q!r} {req}"
    assert [h.document.id for h in a.hits] == [h.document.id for h in b.hits], where
    for x, y in zip(a.hits, b.hits):
        assert (x.score is None) == (y.score is None), where
        if x.score is not None:
            assert abs(x.score - y.score) <= 1e-6, where
        assert (x.snippet, x.group, x.copies) == (y.snippet, y.group, y.copies), where
        assert (x.document, x.pinned) == (y.document, y.pinned), where  # bios' counts too
        assert [q.document for q in x.quotes] == [q.document for q in y.quotes], where
    assert (a.total, a.folded, a.facets, a.suggestion, a.not_required, a.typos, a.ignored) == \
        (b.total, b.folded, b.facets, b.suggestion, b.not_required, b.typos, b.ignored), where


def test_scifact_questions_are_answered_alike(scifact, monkeypatch):
    one, many = scifact
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as fh:
        queries = [json.loads(line)["text"] for line in fh][:120]
    assert many.health()["counts"] == one.health()["counts"]
    for q in queries:  # the coordinator counts the prepare round (``head_counting``)
        assert_same(one, many, SearchRequest(q=q, per_page=20))
    for q in queries[:30]:
        assert_same(one, many, SearchRequest(q=q, operator="or", page=2))
        assert_same(one, many, SearchRequest(q=q, operator="and"))
    # as with a filter the coordinator cannot count: the shards' both rounds in one call
    monkeypatch.setattr(coordinator, "countable", lambda req: False)
    for q in queries[30:70]:
        assert_same(one, many, SearchRequest(q=q, operator="or"))


def test_fakenews_reader_queries_are_answered_alike(fakenews):
    one, many, titles = fakenews
    rng = random.Random(7)
    shown = 0
    for title in rng.sample(titles, 60):
        words = title.split()
        typo = " ".join(_typo(w, rng) if i == 1 else w for i, w in enumerate(words))
        for q in (title, typo, f"what about {' '.join(words[:4])}?", " ".join(words[:3])[:-2],
                  words[0] + "?"):
            assert_same(one, many, SearchRequest(q=q))
        shown += one.search(SearchRequest(q=typo)).total > 0
    assert shown > 40  # the queries find things: the comparison is not of empty pages
    for q in ("trump", "hillary clinton emails", "obama said", "\"white house\"", "merkel",
              "kardashian -kanye", "title:oscars", "brad pit", "presidnet trump"):
        for extra in ({}, {"sort": "-date"}, {"sort": "date", "page": 3}, {"kinds": ("quote",)},
                      {"kinds": ("bio",)}, {"recency": 90.0}, {"collapse": False},
                      {"per_page": 50}):
            assert_same(one, many, SearchRequest(q=q, **extra))
    hit = one.search(SearchRequest(q="trump", facets=True))
    author = hit.facets["author"][0].value
    speaker = one.search(SearchRequest(q="said", kinds=("quote",))).facets["speaker"][0].value
    for req in (SearchRequest(q="trump", authors=(author,)), SearchRequest(speakers=(speaker,)),
                SearchRequest(q="", sort="-date"), SearchRequest(q="trump", day_from=20170101)):
        assert_same(one, many, req)
    for prefix in ("tru", "hillary cl", "kard"):
        assert one.suggest(prefix) == many.suggest(prefix)
    for hit in one.search(SearchRequest(q="trump clinton", kinds=("article",))).hits[:5]:
        req = RelatedRequest(doc_id=hit.document.id)
        a, b = one.related(req), many.related(req)
        assert a.terms == b.terms and len(a.hits) > 0
        assert [(h.document.id, h.score, h.copies, h.group) for h in a.hits] == \
            [(h.document.id, h.score, h.copies, h.group) for h in b.hits]


def test_pages_made_by_the_shards_are_the_coordinators(fakenews):
    """With shards in the worker and on replicas (``shard_pages``), each shard makes its
    rows' hits in a fetch round: the same hits, snippets, folded quotes and bios' article
    counts over every shard as the page the coordinator makes (and one index's)."""
    one, many, titles = fakenews
    root = str(many.live.store.root)
    fetching = SearchIndex(root, cache_size=0, time_budget=BUDGET, shards_backend=lambda n:
                           LocalShards(root, n, shard_pages=True))
    asked = []
    real = LocalShards.map

    def recording(self, snapshot_id, method, args, deadline):
        asked.append(method)
        return real(self, snapshot_id, method, args, deadline)
    try:
        LocalShards.map = recording
        bios = 0
        for q in titles[:15] + ["trump", "presidnet trump said", "\"white house\"", "obama"]:
            for extra in ({}, {"kinds": ("bio",)}, {"kinds": ("quote",)}, {"sort": "-date"},
                          {"per_page": 30}, {"snippets": False}):
                req = SearchRequest(q=q, **extra)
                assert_same(one, fetching, req)
                assert_same(many, fetching, req)
                bios += sum(h.document.kind == "bio" for h in fetching.search(req).hits)
        assert bios > 5 and asked.count("fetch") > 100
    finally:
        LocalShards.map = real
        fetching.close()


@pytest.mark.parametrize("error", [IndexUnavailable("the replica is gone"),
                                   QueryTimeout("past the budget")])
def test_a_fetch_round_that_fails_leaves_the_page_to_the_coordinator(fakenews, monkeypatch,
                                                                      error):
    """A replica lost, or the budget spent, between the query round and the fetch round:
    the search still answers, its page made by the coordinator (past the budget with plain
    snippets, as always), never a 503 or a timeout for want of a page."""
    one, many, titles = fakenews
    root = str(many.live.store.root)
    fetching = SearchIndex(root, cache_size=0, time_budget=BUDGET, shards_backend=lambda n:
                           LocalShards(root, n, shard_pages=True))
    failed = []

    def fetch(*args):
        failed.append(args)
        raise error
    monkeypatch.setattr(ShardServer, "fetch", staticmethod(fetch))
    try:
        for q in titles[:5] + ["trump", "obama"]:
            for extra in ({}, {"kinds": ("bio",)}):
                assert_same(one, fetching, SearchRequest(q=q, **extra))
        assert len(failed) >= 14
    finally:
        fetching.close()


def test_german_and_french_are_answered_alike(tmp_path_factory):
    """free-news-demo: real English, German and French news, queried as readers type."""
    one, many = _pair(tmp_path_factory, "freenews", [str(need(FREENEWS))], shards=2)
    queries = ("was sagt die Bundesregierung zu Rumsfeld?", "Verteidigungsminster Rumsfeld",
               "Bundesregierung", "que s'est-il passé avec le président Chirac ?",
               "présidnet Chirac", "l'économie", "gouvernement français", "Chirac?",
               "élections", "Wahlen in Deutschland", "Bush Irak", "")
    for q in queries:
        for extra in ({}, {"langs": ("de",)}, {"langs": ("fr",)}, {"kinds": ("quote",)},
                      {"sort": "-date"}):
            assert_same(one, many, SearchRequest(q=q, **extra))
    assert many.search(SearchRequest(q="Verteidigungsminster Rumsfeld")).hits[0].document.title \
        == "Donald Rumsfeld bleibt US-amerikanischer Verteidigungsminister"
    doc = one.search(SearchRequest(q="Chirac")).hits[0].document
    assert many.document(doc.id) == doc
    assert many.document("no-such-id") is None
    for ix in (one, many):
        ix.close()


def test_updates_deletes_and_rollback_of_a_sharded_index(tmp_path):
    root = tmp_path / "index"
    index.rebuild(str(root), [str(DEMO)], shards=2)
    ix = SearchIndex(str(root), cache_size=0)
    first = ix.health()["snapshot"]
    victim = ix.search(SearchRequest(q="", kinds=("article",))).hits[0].document
    assert ix.search(SearchRequest(q=victim.title)).hits[0].document.id == victim.id
    index.update(str(root), delete_ids=[victim.id])
    assert ix.document(victim.id) is None
    assert victim.id not in [h.document.id for h in ix.search(SearchRequest(q=victim.title)).hits]
    assert ix.search(SearchRequest(q="", kinds=("quote",))).total > 0  # other quotes stay
    extra = tmp_path / "new.txt"
    extra.write_text("---\nurl: https://demo.example.org/en/lighthouse\ndate: 2026-11-30\n"
                     "lang: en\n---\nLighthouse keepers of Brittany return\n\n"
                     "The lighthouse keepers of Brittany are back on the islands, the "
                     "ministry said on Monday, after ten years of automatic lights.\n",
                     encoding="utf-8")
    index.update(str(root), [str(extra)])
    found = ix.search(SearchRequest(q="lighthouse kepers brittany"))
    assert found.hits and found.hits[0].document.title.startswith("Lighthouse keepers")
    new_id = found.hits[0].document.id
    index.rollback(str(root))
    assert new_id not in [h.document.id for h in
                          ix.search(SearchRequest(q="lighthouse keepers brittany")).hits]
    assert ix.document(victim.id) is None and ix.health()["snapshot"] != first  # the delete
    ix.close()


def test_the_api_serves_a_sharded_index(tmp_path):
    """The HTTP API does not change: search, documents, related, suggestions and health."""
    from service import create_app

    root = str(tmp_path / "index")
    index.rebuild(root, [str(DEMO)], shards=2)
    app = create_app({"INDEX_DIR": root, "CACHE_SIZE": 0})
    client = app.test_client()
    found = client.get("/search?q=windpark+kuste&facets=1").get_json()
    assert found["total"] > 0 and found["facets"]["author"]
    doc_id = found["results"][0]["id"]
    assert client.get(f"/documents/{doc_id}").get_json()["id"] == doc_id
    related = client.get(f"/documents/{doc_id}/related")
    assert related.status_code == 200 and related.get_json()["results"]
    assert client.get("/suggest?q=windp").get_json()
    health = client.get("/health").get_json()
    assert health["counts"]["article"] == 33 and health["size_bytes"] > 100_000
    assert client.get("/documents/no-such-id").status_code == 404
    app.extensions["search_index"].close()


def test_pushed_documents_reach_a_sharded_index(tmp_path):
    """Pushes (the admin API) are applied to a sharded snapshot, quotes with their article."""
    from service import create_app
    from tests.conftest import ADMIN_TOKEN
    from tests.test_push import story, wait_for

    root = str(tmp_path / "index")
    index.rebuild(root, [str(DEMO)], shards=2)
    app = create_app({"INDEX_DIR": root, "ADMIN_TOKEN": ADMIN_TOKEN, "CACHE_SIZE": 0})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    doc = story("gull", "Gull survey finds a growing colony",
                "\u201cThe colony is growing,\u201d said Mayor Helen Marsh.")
    res = client.post("/admin/documents", json=doc, headers=auth)
    assert res.status_code == 202
    doc_id = res.get_json()["documents"][0]["id"]

    def found(q: str, kind: str) -> int:
        return client.get(f"/search?q={q}&kind={kind}").get_json()["total"]
    wait_for(lambda: found("gull+survey", "article") == 1 and found("colony", "quote") == 1)
    assert client.delete(f"/admin/documents/{doc_id}", headers=auth).status_code == 202
    wait_for(lambda: client.get(f"/documents/{doc_id}").status_code == 404
             and found("colony", "quote") == 0)
    assert found("gull", "article") == 0
    assert index.SnapshotStore(root).current_path().joinpath("shard-1").is_dir()
    app.extensions["search_index"].close()


def test_facet_counts_cross_as_codes_and_add_up_as_names_would():
    """The shards' facet counts cross as codes into each shard's own values; the coordinator
    adds them up and lists them as ``facets.shape`` lists the names added up (the
    definition), sorting only the values it can list."""
    from index.cluster import facet_codes
    from index.read import facets

    rng = random.Random(3)
    names = [f"Name {i}" for i in range(300)] + ["ann lee", "ANN LEE", ""]
    for _ in range(150):
        by_month = rng.random() < 0.5
        shards, answers, raws = [], [], []
        authors = tuple(rng.sample(names, rng.choice((0, 1, 2))))
        speakers = tuple(rng.sample(names, rng.choice((0, 1, 2))))
        for _ in range(3):
            lists = {c: rng.sample(names, rng.choice((0, 5, 40, 120)))
                     for c in facet_codes.COLUMNS}
            counts, raw = {}, {}
            for facet in ("author", "date", "kind", "lang", "site", "speaker"):
                values = lists[facet_codes.column_of(facet, by_month)]
                codes = sorted(rng.sample(range(len(values)), len(values) // 2))
                n = [rng.choice((1, 1, 2, 3, 7)) for _ in codes]
                counts[facet] = (np.array(codes, np.int32), np.array(n, np.int32))
                raw[facet] = {values[c]: k for c, k in zip(codes, n)}
            missing = tuple(a for a in authors if a not in raw["author"] and rng.random() < 0.7)
            raw["author"].update(dict.fromkeys(missing, 0))
            shards.append(lists)
            answers.append((counts, missing))
            raws.append(raw)
        expected = facets.shape(facets.add_counts(raws), authors, speakers)
        got = facet_codes.merged(facet_codes.Table(shards), answers, by_month, authors,
                                 speakers)
        assert got == expected, (authors, speakers)
