"""Facet counts equal brute-force counts over the matches, with multi-select semantics."""
from __future__ import annotations

from collections import Counter

import pytest

from index import SearchRequest
from service.presenter import search_json

ALL = 100_000  # the index layer has no page-size cap; the API has


def run(searcher, req: SearchRequest) -> dict:
    """Search, in the API's JSON form."""
    return search_json(searcher.search(req), 0.0)


def brute_force(searcher, req: SearchRequest) -> dict[str, Counter]:
    """Count facet values over every result of ``req`` by reading each result."""
    res = run(searcher, SearchRequest(**{**req.__dict__, "per_page": ALL, "page": 1,
                                           "facets": False, "snippets": False,
                                           "collapse": False}))
    counts = {"author": Counter(), "kind": Counter(), "lang": Counter(), "date": Counter()}
    for r in res["results"]:
        for name in searcher.document(r["id"]).authors:
            counts["author"][name] += 1
        counts["kind"][r["kind"]] += 1
        if r["lang"]:
            counts["lang"][r["lang"]] += 1
        if r["date"]:
            counts["date"][r["date"][:7] if req.date_by_month else r["date"][:4]] += 1
    return counts


def without(req: SearchRequest, facet: str) -> SearchRequest:
    """The request with one facet's own filter removed (what its counts must ignore).

    Months are counted within the filter's year: the date filter widens to that year.
    """
    year = req.day_from // 10000 if req.date_by_month and req.day_from else None
    date = {"day_from": year * 10000 + 101, "day_to": year * 10000 + 1231} if year else \
        {"day_from": None, "day_to": None}
    drop = {"author": {"authors": ()}, "kind": {"kinds": ()}, "lang": {"langs": ()},
            "date": date}[facet]
    return SearchRequest(**{**req.__dict__, **drop})


REQUESTS = [
    SearchRequest(),
    SearchRequest(q="wind"),
    SearchRequest(q="housing OR Wohnungen OR logements OR viviendas"),
    SearchRequest(q="said", kinds=("article", "bio")),
    SearchRequest(authors=("Margaret Ellison", "Jürgen Köhler")),
    SearchRequest(q="council", langs=("en",), day_from=20230101, day_to=20241231),
    SearchRequest(kinds=("quote",), authors=("Inés Valdés",), langs=("es",)),
    SearchRequest(day_from=20230101, day_to=20231231, date_by_month=True),
    SearchRequest(q="wind", day_from=20230301, day_to=20230630, date_by_month=True),
]


@pytest.mark.parametrize("req", REQUESTS, ids=lambda r: repr(r.q or "*"))
def test_facets_match_brute_force(searcher, req):
    got = run(searcher, req)["facets"]
    for facet in ("author", "kind", "lang", "date"):
        expected = brute_force(searcher, without(req, facet))[facet]
        shown = {f["value"]: f["count"] for f in got[facet]}
        if facet == "author":  # the top 20, plus any selected author
            for name, n in shown.items():
                assert n == expected[name], (facet, name)
            top = sorted(expected.values(), reverse=True)[:len(shown)]
            assert sorted(shown.values(), reverse=True)[:len(top)] == top
        else:
            assert shown == dict(expected), facet


def test_total_matches_filtered_count(searcher):
    req = SearchRequest(q="wind", kinds=("quote",), langs=("en",))
    res = run(searcher, req)
    assert res["total"] == sum(brute_force(searcher, req)["kind"].values())
    assert {f["value"] for f in res["facets"]["kind"]} >= {"article", "quote"}  # multi-select
