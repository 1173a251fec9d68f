"""One result per story, on real news (the first 3,000 FakeNewsNet lines): an article's own
matching quotes fold under it; kind=quote and collapse=0 list them one by one; a bio counts
the articles the index holds by its author; nothing found offers what to drop."""
from __future__ import annotations

from collections import Counter

import pytest

from index import SearchIndex, SearchRequest
from service.presenter import search_json

QUERIES = ("trump", "said", "president obama", "clinton campaign", "police", "white house")


@pytest.fixture(scope="module")
def fakenews(fakenews_sample_index):
    searcher = SearchIndex(fakenews_sample_index)
    yield searcher
    searcher.close()


def run(searcher, q: str, **kw) -> dict:
    return search_json(searcher.search(SearchRequest(q=q, **kw)), 0.0)


@pytest.mark.parametrize("q", QUERIES)
def test_an_articles_quotes_fold_under_it(fakenews, q):
    folded = run(fakenews, q, per_page=50)
    listed = run(fakenews, q, per_page=50, collapse=False)
    articles = {r["id"] for r in folded["results"] if r["kind"] == "article"}
    # no quote is listed beside its own article
    assert not [r for r in folded["results"] if r["kind"] == "quote"
                and r["article_id"] in articles]
    under = {r["id"]: r["quotes"] for r in folded["results"] if r["kind"] == "article"}
    for article_id, quotes in under.items():
        for quote in quotes:
            doc = fakenews.document(quote["id"])
            assert doc.kind == "quote" and doc.article_id == article_id
            assert quote["speaker"] == doc.speaker
    # what collapse=0 lists as separate quotes is exactly what folding took away
    assert folded["total"] + folded["folded"] == listed["total"]
    if listed["total"] <= 50:
        quote_ids = {r["id"] for r in listed["results"] if r["kind"] == "quote"}
        assert {q["id"] for qs in under.values() for q in qs} <= quote_ids


def test_the_sample_really_has_articles_with_quotes_under_them(fakenews):
    """The check above is not vacuous: some of these searches fold quotes."""
    counts = Counter()
    for q in QUERIES:
        for r in run(fakenews, q, per_page=50)["results"]:
            counts[r["kind"]] += 1
            counts["with quotes"] += bool(r.get("quotes"))
    assert counts["with quotes"] >= 10, counts


@pytest.mark.parametrize("q", QUERIES[:3])
def test_kind_quote_lists_quotes_one_by_one(fakenews, q):
    quotes = run(fakenews, q, per_page=50, kinds=("quote",))
    listed = run(fakenews, q, per_page=50, kinds=("quote",), collapse=False)
    assert quotes["total"] == listed["total"] > 0
    assert all(r["kind"] == "quote" and r["article_title"] for r in quotes["results"])


def test_bios_count_the_articles_in_the_index(fakenews):
    bios = run(fakenews, "", kinds=("bio",), per_page=20)["results"]
    assert bios, "the sample has bios"
    for bio in bios:
        by = run(fakenews, "", kinds=("article",), authors=(bio["title"],), per_page=1)
        assert bio["article_count"] == by["total"], bio["title"]


def test_nothing_found_says_which_filter_or_word_to_drop(client):
    body = client.get("/search?q=library+qzxwvkjh&op=and&kind=article").get_json()
    assert body["total"] == 0
    alone = client.get("/search?q=library&op=and&kind=article").get_json()["total"]
    assert body["try_without"] == [{"param": "word", "value": "qzxwvkjh", "total": alone}]
    assert alone > 0 and "popular" not in body  # analytics is off
    one = client.get("/search?q=library&author=Daniel+Okafor&from=2030").get_json()
    assert one["total"] == 0
    assert [t["param"] for t in one["try_without"]] == ["date"]  # not the author, not a word


def test_a_sharded_index_folds_stories_and_counts_bios_alike(tmp_path, demo_index):
    """Two shards answer as one index: the quotes under their article, the bio's count."""
    import index
    from tests.conftest import DEMO, ROOT

    index.rebuild(str(tmp_path / "sharded"), [str(DEMO), str(ROOT / "tests" / "data")],
                  shards=2)
    one, two = SearchIndex(demo_index), SearchIndex(str(tmp_path / "sharded"))
    try:
        for q, kw in (("library", {}), ("Helen Marsh", {}), ("Margaret Ellison", {}),
                      ("council", {"kinds": ("bio", "quote")})):
            a, b = run(one, q, per_page=10, **kw), run(two, q, per_page=10, **kw)
            assert (a["total"], a["folded"]) == (b["total"], b["folded"]), q
            shown = [(r["id"], [x["id"] for x in r.get("quotes", [])], r.get("article_count"))
                     for r in a["results"]]
            assert shown == [(r["id"], [x["id"] for x in r.get("quotes", [])],
                              r.get("article_count")) for r in b["results"]], q
        assert run(two, "library")["results"][0]["quotes"]
        bio = run(two, "Margaret Ellison", kinds=("bio",))["results"][0]
        assert bio["article_count"] == 5
    finally:
        one.close()
        two.close()


def test_quotes_linked_segment_by_segment_as_article_by_article(fakenews_sample_index, tmp_path):
    """The map from quotes to their articles, read from each segment's own terms, is the one
    looking each article id up in the whole reader gives, and so is the one joined from the
    segments' facts (``stories.joined``): on the FakeNewsNet sample, and on
    an index where an article was replaced by an update (its old document deleted, in another
    segment than the new one) and one deleted outright."""
    import json
    import shutil

    import numpy as np

    import index
    from index.read import stories
    from index.read.segments import Segments
    from index.schema import TEXT_FIELDS

    def both_ways(path: str) -> np.ndarray:
        ix = SearchIndex(path, cache_size=0)
        snap = ix.live.current()
        reader, live = snap.searcher().reader(), snap.columns.live
        fast = stories._linked(reader, live)
        slow = np.full(reader.doc_count_all(), -1, dtype=np.int64)
        stories.Stories._link(reader, live, slow, reader.field_terms("article_id"))
        # and joined from the segments' facts (the files, and read from the segments)
        from_files = stories.joined(snap.segments, live)
        from_reading = stories.joined(Segments(reader, TEXT_FIELDS), live)
        fast[~live], slow[~live], from_files[~live], from_reading[~live] = -1, -1, -1, -1
        ix.close()
        assert np.array_equal(fast, slow)
        assert np.array_equal(from_files, fast) and np.array_equal(from_reading, fast)
        return fast

    assert (both_ways(fakenews_sample_index) >= 0).sum() > 1000
    copy = tmp_path / "copy"
    shutil.copytree(fakenews_sample_index, copy)
    ix = SearchIndex(str(copy), cache_size=0)
    reader = ix.live.current().searcher().reader()
    with_quotes = sorted(reader.field_terms("article_id"))[:2]
    replaced = dict(reader.stored_fields(next(iter(
        reader.postings("id", with_quotes[0]).all_ids()))))
    ix.close()
    replaced["body"] = (replaced.get("body") or "") + ' "We never said that," said Ana Ruiz.'
    pushed = tmp_path / "pushed.jsonl"
    pushed.write_text(json.dumps({k: v for k, v in replaced.items()
                                  if isinstance(v, str)}) + "\n", encoding="utf-8")
    index.update(str(copy), [str(pushed)], delete_ids=[with_quotes[1]])
    after = both_ways(str(copy))
    assert (after >= 0).sum() > 1000
