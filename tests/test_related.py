"""Related documents and near-duplicate folding, end to end on real data: free-news-demo
(en/de/fr news, categories to check topicality) and a FakeNewsNet sample (wire copies)."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pytest

from index import RelatedRequest, SearchIndex, SearchRequest
from index.write.neardup import jaccard, signature
from tests.conftest import FREENEWS, need


@pytest.fixture(scope="module")
def free(freenews_search):
    return freenews_search


@pytest.fixture(scope="module")
def fake(fakenews_search):
    return fakenews_search


@pytest.fixture(scope="module")
def fake_app(fakenews_sample_index):
    from service import create_app

    app = create_app({"INDEX_DIR": fakenews_sample_index, "CACHE_SIZE": 0})
    yield app
    app.extensions["search_index"].close()


def _topics(record: dict) -> set[str]:
    return {c for c in record.get("categories", []) + record.get("tags", []) if c != "English"}


def test_related_articles_share_topics_more_than_random_ones(free):
    """Global Voices posts: the top-5 related share a category far more often than chance."""
    with gzip.open(need(FREENEWS), "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for line in fh]
    by_url = {r["url"]: r for r in records if r.get("url")}
    posts = [r for r in records if r["collection"] == "globalvoices-en" and _topics(r)]
    rng = np.random.default_rng(7)
    related_hits = random_hits = related_n = random_n = 0
    for source in rng.choice(len(posts), 40, replace=False):
        record = posts[int(source)]
        found = free.search(SearchRequest(q=f'"{record["title"]}"', kinds=("article",),
                                          per_page=1)).hits
        assert found and found[0].document.url == record["url"]
        result = free.related(RelatedRequest(found[0].document.id, per_page=5))
        assert len(result.hits) == 5 and result.terms
        for hit in result.hits:
            assert hit.document.id != found[0].document.id and hit.document.kind == "article"
            other = by_url.get(hit.document.url)
            related_n += 1
            related_hits += bool(other and _topics(other) & _topics(record))
        for other in rng.choice([r for r in records if r["lang"] == "en"], 5):
            random_n += 1
            random_hits += bool(_topics(other) & _topics(record))
    assert related_hits / related_n > 0.6
    assert related_hits / related_n > random_hits / random_n + 0.25  # measured: 0.82, 0.44


def test_related_prefers_the_same_language_and_honours_filters(free):
    german = free.search(SearchRequest(q="Bundestag", kinds=("article",), langs=("de",),
                                       per_page=1)).hits[0].document
    result = free.related(RelatedRequest(german.id, per_page=10))
    assert [h.document.lang for h in result.hits] == ["de"] * 10
    french = free.related(RelatedRequest(german.id, langs=("fr",), per_page=3))
    assert all(h.document.lang == "fr" for h in french.hits)
    assert free.related(RelatedRequest("no-such-id")) is None


def test_related_excludes_the_source_its_quotes_and_its_copies(fake):
    snap = fake.live.current()
    groups = snap.groups
    article = snap.columns.values["kind"].index("article")
    docnum = int(np.flatnonzero(groups.multi & (snap.columns.codes["kind"] == article))[0])
    source = snap.searcher().stored_fields(docnum)["id"]
    copies = {snap.searcher().stored_fields(int(d))["id"]
              for d in np.flatnonzero(groups.key == groups.key[docnum])}
    result = fake.related(RelatedRequest(source, kinds=("article", "quote"), per_page=20))
    ids = {h.document.id for h in result.hits}
    assert ids and not ids & copies
    assert not any(h.document.article_id == source for h in result.hits)


def test_related_over_http(fake_app):
    client = fake_app.test_client()
    first = client.get("/search?q=trump&kind=article&per_page=1").get_json()["results"][0]
    res = client.get(f"/documents/{first['id']}/related?per_page=20")
    assert res.status_code == 200
    body = res.get_json()
    assert body["id"] == first["id"] and len(body["results"]) == 20 and body["terms"]
    assert all(r["kind"] == "article" and r["id"] != first["id"] for r in body["results"])
    assert client.get(f"/documents/{first['id']}/related?per_page=21").status_code == 400
    assert client.get(f"/documents/{first['id']}/related?kind=x").get_json()["error"]["code"] \
        == "bad_parameter"
    missing = client.get("/documents/nope/related")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_minhash_estimates_shingle_jaccard():
    base = " ".join(f"word{i} common{i % 7}" for i in range(400))
    edited = base.replace("word10 ", "changed ").replace("word200 ", "other ")
    exact = jaccard(base, edited)
    estimate = float((signature(base) == signature(edited)).mean())
    assert 0.8 < exact < 1 and abs(estimate - exact) < 0.1
    assert jaccard(base, "entirely different words here and there") == 0.0


def _bodies(ix: SearchIndex, docnums) -> list[str]:
    searcher = ix.live.current().searcher()
    return [searcher.stored_fields(int(d)).get("body", "") for d in docnums]


def test_copies_are_grouped_and_folded_in_search(fake):
    snap = fake.live.current()
    groups = snap.groups
    assert groups.with_copies >= 5
    # every pair of copies in a group is a near-duplicate by the exact measure (or close)
    for key in np.unique(groups.key[groups.multi])[:10]:
        bodies = _bodies(fake, np.flatnonzero(groups.key == key)[:3])
        assert jaccard(bodies[0], bodies[1]) >= 0.6
    # a query matching a whole group: one result, the others counted and listed on demand
    key = np.unique(groups.key[groups.multi])[0]
    member = int(np.flatnonzero(groups.key == key)[0])
    title = snap.searcher().stored_fields(member)["body"].split()[:6]
    q = " ".join(title)
    folded = fake.search(SearchRequest(q=q))
    unfolded = fake.search(SearchRequest(q=q, collapse=False))
    assert folded.total + folded.folded == unfolded.total and folded.folded > 0
    shown = [h for h in folded.hits if h.copies]
    assert shown and shown[0].group is not None
    listed = fake.search(SearchRequest(q=q, group=shown[0].group, per_page=50))
    assert listed.total == shown[0].copies + 1
    assert {h.group for h in listed.hits} == {shown[0].group}
    # facets count documents, copies included
    kinds = {f.value: f.count for f in folded.facets["kind"]}
    assert sum(kinds.values()) == unfolded.total


def test_no_top10_page_holds_two_copies_after_folding(fake):
    """Seeded title-word queries: pages with a near-duplicate pair before, none after."""
    snap = fake.live.current()
    searcher = snap.searcher()
    rng = np.random.default_rng(11)
    copies = np.flatnonzero(snap.groups.multi)  # titles of articles that have copies
    before = after = 0
    for docnum in rng.choice(copies, min(30, len(copies)), replace=False):
        title = searcher.stored_fields(int(docnum)).get("title", "").split()
        if len(title) < 2:
            continue
        q = " ".join(title[:3])
        for collapse in (False, True):
            page = fake.search(SearchRequest(q=q, kinds=("article",), collapse=collapse))
            bodies = [h.document.text for h in page.hits if h.document.text]
            dup = any(jaccard(a, b) >= 0.8 for i, a in enumerate(bodies) for b in bodies[i + 1:])
            before += dup and not collapse
            after += dup and collapse
    assert before > 0 and after == 0


def test_search_group_and_collapse_over_http(fake_app, fake):
    client = fake_app.test_client()
    snap = fake.live.current()
    key = np.unique(snap.groups.key[snap.groups.multi])[0]
    gid = snap.groups.group_of(int(np.flatnonzero(snap.groups.key == key)[0]))
    body = client.get(f"/search?group={gid}&per_page=50").get_json()
    assert body["total"] == int((snap.groups.key == key).sum()) and body["folded"] == 0
    assert all(r["group"] == gid for r in body["results"])
    assert client.get("/search?q=trump&collapse=2").status_code == 400
    assert client.get("/search?group=xyz").get_json()["error"]["code"] == "bad_parameter"


def test_incremental_update_continues_the_groups(tmp_path):
    """A copy added later joins its original's group; deleting the original keeps it."""
    import index

    with gzip.open(need(FREENEWS), "rt", encoding="utf-8") as fh:
        records = [json.loads(line) for _, line in zip(range(40), fh)]
    long = [r for r in records if len(r["text"].split()) > 150][:3]
    first = tmp_path / "first.jsonl"
    first.write_text("".join(json.dumps(r) + "\n" for r in long), encoding="utf-8")
    index_dir = str(tmp_path / "index")
    index.rebuild(index_dir, [str(first)])
    copy = dict(long[0], id="wire-copy", url="https://example.org/wire-copy",
                text=long[0]["text"] + "\n\nThis story was distributed by a wire service.")
    later = tmp_path / "later.jsonl"
    later.write_text(json.dumps(copy) + "\n", encoding="utf-8")
    index.update(index_dir, [str(later)])
    ix = SearchIndex(index_dir, cache_size=0)
    try:
        hits = ix.search(SearchRequest(kinds=("article",), collapse=False, per_page=50)).hits
        group = {h.document.url: h.group for h in hits}
        assert group["https://example.org/wire-copy"] == group[long[0]["url"]] is not None
        assert group[long[1]["url"]] is None
        folded = ix.search(SearchRequest(kinds=("article",), per_page=50))
        assert folded.total == len(hits) - 1 and folded.folded == 1
    finally:
        ix.close()
