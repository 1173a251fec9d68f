"""The fast set algebra, facet counting, phrase checks and snippets against their reference
forms: whole searches on SciFact claims and FakeNewsNet title words, run both ways, give the
same results (ids, order, scores, totals, facets, words not required, typos, snippets)."""
from __future__ import annotations

import contextlib
import itertools
import json
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import index
from index import SearchIndex, SearchRequest
from index.read import compiled, facet_columns, facets, folding, listing, page, places
from index.read import kernels, scoring, sets
from index.read import order
from index.read.order import in_order
from index.read.postings import PostingLists
from index.read.scoring import Evaluator, Hits
from index.errors import Deadline
from whoosh import query as Q
from tests.conftest import FAKENEWS, SCIFACT, need

SCIFACT_DOCS = 2500  # the first documents of the corpus: every claim still finds some


def _reference(monkeypatch) -> None:
    """Route the search path through the np.unique forms, shape(raw_counts) and Whoosh's
    positions for phrases."""
    monkeypatch.setattr(PostingLists, "position_masks", lambda self, field, text: None)
    monkeypatch.setattr(places.Places, "of", lambda self, w: places.searched(self.ids, w))
    monkeypatch.setattr(scoring, "every_word", lambda *args: None)  # the union, the evidence
    monkeypatch.setattr(page, "fields_holding",
                        lambda snap, docnums, terms: {d: set(page.SNIPPET_FIELDS) for d in docnums})
    monkeypatch.setattr(folding, "fold", folding.reference_fold)
    monkeypatch.setattr(listing, "Listing", listing.Eager)  # the whole list folded
    monkeypatch.setattr(compiled, "JIT_FROM", 10**9)  # numpy's passes, no compiled loop
    monkeypatch.setattr(facets, "column_counts", facets.reference_column_counts)
    monkeypatch.setattr(facets, "_author_counts", _author_counts_by_pairs)
    for name in ("union", "sum_by_id", "best"):
        monkeypatch.setattr(sets, name, getattr(sets.reference, name))
    monkeypatch.setattr(facets, "count", lambda cols, matched, f, by_month, authors=(),
                        speakers=(): facets.shape(facets.raw_counts(cols, matched, f, by_month,
                                                                    authors), authors, speakers))


def _author_counts_by_pairs(cols, docs):
    return np.bincount(cols.author_code[facets.pairs_of(cols.author_ptr, docs)],
                       minlength=len(cols.author_names))


def _run(ix: SearchIndex, requests: list[SearchRequest]) -> list[dict]:
    out = []
    for req in requests:
        r = ix.search(req)
        out.append({"q": req.q, "total": r.total, "ids": [h.document.id for h in r.hits],
                    "scores": [h.score for h in r.hits], "facets": r.facets,
                    "not_required": r.not_required, "typos": r.typos,
                    "copies": [h.copies for h in r.hits], "suggestion": r.suggestion,
                    "snippets": [h.snippet for h in r.hits],
                    "quotes": [[q.snippet for q in h.quotes] for h in r.hits]})
    return out


def _same(fast: list[dict], slow: list[dict]) -> None:
    assert len(fast) == len(slow)
    for a, b in zip(fast, slow):
        assert a["scores"] == pytest.approx(b["scores"], abs=1e-6), a["q"]
        assert {**a, "scores": None} == {**b, "scores": None}, a["q"]


def _both_ways(index_dir: str, requests: list[SearchRequest], monkeypatch) -> list[dict]:
    fast = _run(SearchIndex(index_dir, cache_size=0), requests)
    with monkeypatch.context() as m:
        _reference(m)
        slow = _run(SearchIndex(index_dir, cache_size=0), requests)
    _same(fast, slow)
    return fast


@pytest.fixture(scope="module")
def scifact_index(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("scifact")
    corpus = folder / "corpus.jsonl"
    with open(need(SCIFACT) / "corpus.jsonl", encoding="utf-8") as src:
        corpus.write_text("".join(itertools.islice(src, SCIFACT_DOCS)), encoding="utf-8")
    index.rebuild(str(folder / "index"), [str(corpus)], workers=2)
    return str(folder / "index")


def test_scifact_claims_rank_the_same_both_ways(scifact_index, monkeypatch):
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as fh:
        claims = [json.loads(line)["text"] for line in fh][:150]
    requests = [SearchRequest(q=c, per_page=20, snippets=False) for c in claims]
    requests += [SearchRequest(q=c, per_page=20, snippets=False, operator="or") for c in claims[:40]]
    results = _both_ways(scifact_index, requests, monkeypatch)
    assert sum(r["total"] > 0 for r in results) > 0.9 * len(results)
    assert any(r["not_required"] for r in results)  # relaxed matching was exercised


def test_fakenews_queries_rank_and_count_the_same_both_ways(fakenews_sample_index, monkeypatch):
    from bench.query import sample_queries

    queries = [q for _, q in sample_queries(need(FAKENEWS), 120)]
    ix = SearchIndex(fakenews_sample_index, cache_size=0)
    author = ix.search(SearchRequest(q=queries[0])).facets["author"][0].value
    requests = [SearchRequest(q=q) for q in queries]
    requests += [SearchRequest(q=q[:-1] + "x" if len(q) > 6 else q, page=2) for q in queries[:30]]
    requests += [SearchRequest(q=q, authors=(author,), kinds=("article",)) for q in queries[:20]]
    requests += [SearchRequest(q=q, operator="and", typos=False, date_by_month=True)
                 for q in queries[:20]]
    requests += [SearchRequest(q="trump", per_page=50), SearchRequest(q="donald trump said")]
    results = _both_ways(fakenews_sample_index, requests, monkeypatch)
    assert sum(r["total"] > 0 for r in results) > 0.8 * len(results)
    assert any(r["typos"] for r in results)  # typo variants were exercised
    assert any(any(r["copies"]) for r in results)  # so was folding


sorted_ids = st.lists(st.integers(0, 200), max_size=60, unique=True).map(sorted)


@settings(max_examples=200, deadline=None)
@given(st.lists(sorted_ids, min_size=1, max_size=5), st.data())
def test_set_algebra_equals_its_np_unique_form(parts, data):
    ids = [np.asarray(p, dtype=np.int32) for p in parts]
    values = [np.asarray(data.draw(st.lists(st.floats(0, 50), min_size=len(p), max_size=len(p))))
              for p in parts]
    assert np.array_equal(sets.union(ids), sets.reference.union(ids))
    fast, slow = sets.sum_by_id(ids, values), sets.reference.sum_by_id(ids, values)
    assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])  # bit for bit
    a, b = (0, -1) if len(ids) > 1 else (0, 0)
    slow = sets.reference.best(ids[a], values[a], ids[b], values[b])
    for jit_from, loops in ((compiled.JIT_FROM, _COMPILED), (0, _COMPILED), (0, _BY_PYTHON)):
        with _loops(jit_from, loops):  # numpy's, the compiled merge, and it run by Python
            fast = sets.best(ids[a], values[a], ids[b], values[b])
        assert np.array_equal(fast[0], slow[0]) and fast[0].dtype == slow[0].dtype
        assert fast[1].tobytes() == slow[1].tobytes()


def _phrases_both_ways(index_dir: str, phrases: list[Q.Phrase]) -> int:
    """Check every phrase with the position masks and with Whoosh's matchers; return how
    many documents held one."""
    ix = SearchIndex(index_dir, cache_size=0)
    snap = ix.live.current()
    assert snap.postings.position_masks("title", "trump") is not None  # the arrays hold them
    ev = Evaluator(snap.searcher(), snap.stats, snap.postings, snap.columns.live_ids(),
                   0.75, 1.2, Deadline(60), snap.corpus)
    found = 0
    for q in phrases:
        fast = ev._phrase(q).ids.tolist()
        assert fast == sorted(q.docs(snap.searcher())), q
        found += len(fast)
    return found


def test_phrases_from_position_masks_are_whooshs(fakenews_sample_index):
    """Every pair and triple of neighbouring words of 300 titles, in order and swapped, and
    the names of speakers: the documents the masks find are the ones Whoosh's positional
    matchers find."""
    ix = SearchIndex(fakenews_sample_index, cache_size=0)
    reader = ix.live.current().searcher().reader()
    phrases = []
    for field, limit in (("title", 300), ("person", 100)):
        for docnum in range(0, reader.doc_count_all(), 7)[:limit]:
            vector = reader.stored_fields(docnum).get(field) or ""
            words = [t.text for t in reader.schema[field].analyzer(vector)]
            for n in (2, 3):
                for i in range(len(words) - n + 1):
                    phrases.append(Q.Phrase(field, words[i:i + n]))
                    phrases.append(Q.Phrase(field, words[i:i + n][::-1]))
    assert len(phrases) > 1000
    assert _phrases_both_ways(fakenews_sample_index, phrases) > 500


def test_phrases_past_the_masks_positions(tmp_path):
    """A title of 80 words: a phrase past position 62 is still found (Whoosh decides the
    documents whose words sit that far), and one spanning nothing is not."""
    letters = "bcdfghjklmnpqrtvwxz"  # no stemmer cuts these words
    words = [f"w{letters[i // 19]}{letters[i % 19]}k" for i in range(80)]
    docs = [{"id": "long", "title": " ".join(words), "body": "A long headline.",
             "date": "2020-01-02", "lang": "en"},
            {"id": "short", "title": f"{words[70]} {words[71]} and {words[3]}",
             "body": "A short headline of three words, two of them as in the long one.",
             "date": "2020-01-03", "lang": "en"}]
    corpus = tmp_path / "long.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    index.rebuild(str(tmp_path / "index"), [str(corpus)])
    ix = SearchIndex(str(tmp_path / "index"), cache_size=0)
    reader = ix.live.current().searcher().reader()
    term = lambda w: next(t.text for t in reader.schema["title"].analyzer(w))  # noqa: E731
    phrases = [Q.Phrase("title", [term(words[i]), term(words[i + 1])]) for i in range(79)]
    phrases += [Q.Phrase("title", [term(words[70]), term(words[72])]),
                Q.Phrase("title", [term(words[61]), term(words[62]), term(words[63])])]
    assert _phrases_both_ways(str(tmp_path / "index"), phrases) == 79 + 1 + 1


def test_snippet_words_found_as_word_by_word(fakenews_sample_index):
    """The words a snippet marks, found with one pattern per text, are the ones reading the
    text word by word finds: 400 FakeNewsNet documents' bodies and titles, each with terms of
    its own words and of other documents' (stems, stop words, elisions, apostrophes)."""
    import random

    from index.analysis import language_pipeline
    from index.read.snippets import _matches, reference_matches

    ix = SearchIndex(fakenews_sample_index, cache_size=0)
    reader = ix.live.current().searcher().reader()
    rng = random.Random(7)
    texts = [reader.stored_fields(d) for d in range(0, reader.doc_count_all(), 5)][:400]
    pool = [t.text for f in texts[:50] for t in language_pipeline("en")(f.get("title") or "")]
    found = 0
    for fields in texts:
        analyzer = language_pipeline(fields.get("lang", ""))
        for text in (fields.get("body") or "", fields.get("title") or ""):
            own = [t.text for t in analyzer(text[:3000])]
            terms = frozenset(rng.sample(own, min(3, len(own))) + rng.sample(pool, 2))
            fast = _matches(text, terms, analyzer)
            assert fast == reference_matches(text, terms, analyzer)
            found += len(fast)
    assert found > 1000


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["trump", "Trump's", "l'élection", "u.s.", "U.S.A", "_x",
                                 "trumps", "x.trump", "İstanbul", "2020", "’s", "élection",
                                 " ", " ", ". ", "-", "'", "ﬁ", "TRUMP"]), max_size=30),
       st.sampled_from(["en", "fr", "de"]))
def test_snippet_words_on_joined_and_odd_words(parts, lang):
    from index.analysis import language_pipeline
    from index.read.snippets import _matches, reference_matches

    analyzer = language_pipeline(lang)
    text = "".join(parts)
    terms = frozenset(t.text for t in analyzer("trump élection u.s istanbul 2020 x"))
    assert _matches(text, terms, analyzer) == reference_matches(text, terms, analyzer)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), max_size=4, unique=True), min_size=1, max_size=40),
       st.data())
def test_author_pairs_of_matches_equal_the_mask_over_every_pair(authors, data):
    """Counting authors from each matched document's own pairs (``facets.pairs_of``) gives
    what a mask over every (document, author) pair of the index gave."""
    doc = np.asarray([d for d, names in enumerate(authors) for _ in names], dtype=np.int64)
    code = np.asarray([c for names in authors for c in names], dtype=np.int64)
    ptr = np.searchsorted(doc, np.arange(len(authors) + 1))
    matched = np.asarray(sorted(data.draw(st.sets(st.integers(0, len(authors) - 1)))),
                         dtype=np.int64)
    chosen = np.zeros(len(authors), dtype=bool)
    chosen[matched] = True
    assert np.array_equal(np.bincount(code[facets.pairs_of(ptr, matched)], minlength=10),
                          np.bincount(code[chosen[doc]], minlength=10))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 9), max_size=5, unique=True).map(sorted), min_size=1,
                max_size=60), st.data(), st.booleans())
def test_authors_counted_by_byline_equal_every_pair(authors, data, collide):
    """Authors counted by byline (``FacetColumns.bylines``: a document's author, or its set
    of several, then each set's count to its authors) equal the count of every (document,
    author) pair of the matches; the same when every set's hash collides (``collide``: the
    sets are then told apart by their codes)."""
    doc = np.asarray([d for d, names in enumerate(authors) for _ in names], dtype=np.int64)
    code = np.asarray([c for names in authors for c in names], dtype=np.int32)
    ptr = np.searchsorted(doc, np.arange(len(authors) + 1))
    matched = np.asarray(sorted(data.draw(st.sets(st.integers(0, len(authors) - 1)))),
                         dtype=np.int64)
    with pytest.MonkeyPatch.context() as mp:
        if collide:
            mp.setattr(facet_columns, "_hashes", lambda codes, *a: np.zeros(len(a[1]), np.uint64))
        cols = SimpleNamespace(author_names=list(range(10)), author_ptr=ptr, author_code=code,
                               derived={})
        cols.bylines = lambda: facet_columns.bylines(ptr, code, 10)
        counted = facets._author_counts(cols, matched)
    assert counted.tolist() == np.bincount(code[facets.pairs_of(ptr, matched)],
                                           minlength=10).tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 3000), min_size=1, max_size=2000, unique=True).map(sorted),
       st.lists(st.integers(0, 3200), max_size=600, unique=True).map(sorted), st.booleans())
def test_places_dense_or_sparse_equal_the_binary_search(ids, word_ids, marks):
    """``Places.of`` (a map of the candidates, binary searches either way, or ``marks``: the
    map of document numbers that long lists take) finds what the binary search finds."""
    ids, word_ids = np.asarray(ids, dtype=np.int64), np.asarray(word_ids, dtype=np.int64)
    longer = np.union1d(ids[::3], np.arange(0, 3300 * 20, 7))  # many times the candidates
    for jit_from, loops in ((compiled.JIT_FROM, _COMPILED), (0, _COMPILED), (0, _BY_PYTHON)):
        found_in = places.Places(ids)
        with pytest.MonkeyPatch.context() as mp, _loops(jit_from, loops):
            if marks:
                mp.setattr(sets, "PROBE", 1e9)  # searching dearer than any map
            for w in (word_ids, ids, ids.copy(), ids[::2], word_ids, longer):  # map midway
                fast, slow = found_in.of(w), places.searched(ids, w)
                assert np.array_equal(fast[0], slow[0])
                assert np.array_equal(w[fast[1]], w[slow[1]])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 400), max_size=120, unique=True).map(sorted),
       st.lists(st.integers(0, 400), max_size=120, unique=True).map(sorted),
       st.integers(1, 64), st.integers(0, 10**6))
def test_member_and_intersect_by_mark_are_numpys(a, b, span, seed):
    """``sets.member`` and ``sets.intersect`` by a mark or map of document numbers (from any
    length, at any span) are ``np.isin`` and ``np.intersect1d`` (with the places in each);
    and at the sizes that take the mark by default (long random lists)."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int32)

    def same(x, y):
        want = np.intersect1d(x, y, assume_unique=True, return_indices=True)
        got = sets.intersect(x, y)
        return np.array_equal(sets.member(x, y), np.isin(x, y)) and \
            all(g.dtype == w.dtype and np.array_equal(g, w) for g, w in zip(got, want))
    for marks, jit_from in itertools.product((True, False), (compiled.JIT_FROM, 0)):
        with pytest.MonkeyPatch.context() as mp, _loops(jit_from, _COMPILED):
            mp.setattr(sets, "MARK_FROM", 1 if marks else 10**9)
            mp.setattr(sets, "MARK_SPAN", span)
            mp.setattr(sets, "PROBE", 1e9 if marks else 0.0)
            assert same(a, b) and same(b, a)
    for x, y in ((a, b), (b, a)):  # the gallop run by Python: it raises past an end
        in_x, in_y = kernels._gallop.py_func(x, y)
        want = np.intersect1d(x, y, assume_unique=True, return_indices=True)
        assert np.array_equal(in_x, want[1]) and np.array_equal(in_y, want[2])
    rng = np.random.default_rng(seed)
    big = [np.sort(rng.choice(200_000, n, replace=False)) for n in (30_000, 9_000)]
    assert same(*big) and same(*big[::-1])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 400), max_size=120, unique=True).map(sorted),
                min_size=1, max_size=5))
def test_all_of_is_the_intersection_and_member_is_isin(lists):
    for other in lists[1:]:
        a, b = np.asarray(lists[0], dtype=np.int64), np.asarray(other, dtype=np.int64)
        assert np.array_equal(sets.member(a, b), np.isin(a, b))
    arrays = [np.asarray(x, dtype=np.int64) for x in lists]
    want = set(lists[0]).intersection(*lists[1:])
    assert sets.all_of(arrays).tolist() == sorted(want)


def test_name_phrases_keep_their_masks_after_a_push_without_names(tmp_path):
    """An incremental update whose articles name nobody writes a set with no ``person`` term;
    the snapshot still checks name phrases from the masks (it once fell back to Whoosh's
    positional matchers for every name phrase after such a push), with Whoosh's answer."""
    docs = [{"id": f"a{i}", "title": f"Story {i} of the council",
             "body": f'"We will vote on it," said Maria Keller{i} on Monday.',
             "date": "2020-01-02", "lang": "en"} for i in range(6)]
    corpus = tmp_path / "first.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    index.rebuild(str(tmp_path / "index"), [str(corpus)])
    pushed = tmp_path / "pushed.jsonl"
    pushed.write_text(json.dumps({"id": "plain", "title": "Weather for the weekend",
                                  "body": "Rain at first, then sun.", "date": "2020-01-03",
                                  "lang": "en"}) + "\n", encoding="utf-8")
    index.update(str(tmp_path / "index"), [str(pushed)])
    ix = SearchIndex(str(tmp_path / "index"), cache_size=0)
    snap = ix.live.current()
    assert snap.searcher().reader().doc_count_all() > len(docs)
    assert snap.postings.position_masks("person", "maria") is not None
    ix.close()
    phrases = [Q.Phrase("person", ["maria", f"keller{i}"]) for i in range(6)]
    assert _phrases_both_ways(str(tmp_path / "index"), phrases) > 0


class _Groups:
    """A stand-in for ``folding.Groups`` over given group keys (0: none)."""

    def __init__(self, key: np.ndarray) -> None:
        grouped = key != 0
        _, inverse, counts = np.unique(key[grouped], return_inverse=True, return_counts=True)
        self.key, self.dense = key, np.zeros(len(key), dtype=np.int64)
        self.dense[grouped] = inverse
        members = np.ones(len(key), dtype=np.int64)
        members[grouped] = counts[inverse]
        self.multi = members > 1
        self.count = len(counts)


def _ranked_matches(draw, n: int) -> tuple:
    """Draw ``n`` matches among ``size`` documents: (size, ascending ids, each document's
    group key, each match's tier and score), with many ties."""
    size = draw(st.integers(n, 3 * n))
    ids = np.sort(np.asarray(draw(st.lists(st.integers(0, size - 1), min_size=n, max_size=n,
                                           unique=True)), dtype=np.int64))
    key = np.asarray(draw(st.lists(st.integers(0, 6), min_size=size, max_size=size)),
                     dtype=np.int64)
    tier = np.asarray(draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), dtype=np.int64)
    scores = np.asarray(draw(st.lists(st.sampled_from([0.0, 1.5, 2.25, 7.0]), min_size=n,
                                      max_size=n)))
    return size, ids, key, tier, scores


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 300), st.data())
def test_folding_without_sorting_equals_sorting(n, data):
    """Each group's leader found key by key is the one sorting into result order finds, for
    every order, with ties in tier, score and date (many documents, few distinct values)."""
    draw = data.draw
    size, ids, key, tier, scores = _ranked_matches(draw, n)
    groups = _Groups(key)
    days = np.asarray(draw(st.lists(st.sampled_from([0, 20200101, 20210305]), min_size=n,
                                    max_size=n)), dtype=np.int64)
    seq = np.asarray(draw(st.permutations(range(n))), dtype=np.int64)
    seq_of, day_of = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
    seq_of[ids], day_of[ids] = seq, days  # by document number, as the index has them
    seq, days = seq_of, day_of
    for sort, ranked in (("relevance", True), ("relevance", False), ("date", False),
                         ("-date", False), ("date", True)):
        keep, copies = folding.fold(groups, ids, tier, scores, seq, days, sort, ranked)
        want, want_copies = folding.reference_fold(groups, ids, tier, scores, seq, days, sort,
                                                   ranked)
        assert keep.tolist() == want.tolist()
        assert copies.leaders.tolist() == want_copies.leaders.tolist()
        assert copies.counts.tolist() == want_copies.counts.tolist()


_COMPILED = compiled.load()
_LOADED = {name: list(getattr(_COMPILED, name).signatures) for name in compiled.LOOPS}
_BY_PYTHON = SimpleNamespace(**{name: getattr(_COMPILED, name).py_func
                                for name in compiled.LOOPS})


@contextlib.contextmanager
def _loops(jit_from: int, loops):
    """Run ``compiled``'s paths from ``jit_from`` entries with ``loops`` (compiled, or their
    Python: which raises an IndexError where a compiled loop would read or write past an
    end, and calls the loops it uses, not their compiled forms)."""
    default = compiled.JIT_FROM
    compiled.JIT_FROM, compiled._loaded = jit_from, loops
    try:
        yield
    finally:
        compiled.JIT_FROM, compiled._loaded = default, _COMPILED


class _Stories:
    """A stand-in for ``stories.Stories``: each quote's article (-1: not a quote)."""

    def __init__(self, parent: np.ndarray) -> None:
        self.parent = parent
        self.quoted = parent >= 0


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 200), st.data())
def test_listing_folded_for_the_page_equals_the_whole_list_folded(n, data):
    """The total, the folded count and the first rows (their copies and quotes) of a list
    folded for the page only are those of the whole list folded, for every order, with
    quotes of grouped and of non-matching articles, and quotes in groups themselves."""
    draw = data.draw
    size, ids, key, tier, scores = _ranked_matches(draw, n)
    parent = np.asarray(draw(st.lists(st.integers(-1, size - 1), min_size=size,
                                      max_size=size)), dtype=np.int64)
    parent[parent == np.arange(size)] = -1  # no quote of itself
    seq = np.asarray(draw(st.permutations(range(size))), dtype=np.int64)
    day = np.asarray(draw(st.lists(st.sampled_from([0, 20200101, 20210305]), min_size=size,
                                   max_size=size)), dtype=np.int64)
    hits, groups, stories = Hits(ids, scores), _Groups(key), _Stories(parent)
    for sort, ranked, (jit_from, loops) in itertools.product(
            ("relevance", "date", "-date"), (True, False),
            ((compiled.JIT_FROM, _COMPILED), (0, _COMPILED), (0, _BY_PYTHON))):
        with _loops(jit_from, loops):  # numpy passes; the compiled pass a broad list takes;
            lazy = listing.Listing(hits, tier, day, seq, sort, ranked, groups, stories)
        # (and that pass run by Python, which raises where a loop indexes past an end)
        eager = listing.Eager(hits, tier, day, seq, sort, ranked, groups, stories)
        assert (lazy.total, lazy.folded) == (eager.total, eager.folded)
        for end in (1, 3, 10, n + 5):
            fast, slow = lazy.first(end), eager.first(end)
            assert fast[0].tolist() == slow[0].tolist(), (sort, ranked, end)
            assert fast[1:] == slow[1:], (sort, ranked, end)


def test_facet_columns_counted_together_equal_one_by_one(fakenews_sample_index):
    """Kind, lang, year, month and site counted from their combined codes, and authors from
    each document's single author, equal counting each column (and every author pair) alone,
    for random sets of documents of FakeNewsNet, deleted ones and empty sets included."""
    ix = SearchIndex(fakenews_sample_index, cache_size=0)
    cols = ix.live.current().columns
    rng = np.random.default_rng(3)
    columns = [["year", "kind", "lang", "site", "speaker"], ["month", "kind"], ["lang"], []]
    for share, (jit_from, loops) in itertools.product(
            (0.0, 0.001, 0.05, 0.5, 1.0),
            ((compiled.JIT_FROM, _COMPILED), (0, _COMPILED), (0, _BY_PYTHON))):
        docs = np.flatnonzero(rng.random(cols.size) < share)
        with _loops(jit_from, loops):  # numpy's counts, compiled ones, and those by Python
            for names in columns:
                fast = facets.column_counts(cols, docs, names)
                slow = facets.reference_column_counts(cols, docs, names)
                assert [a.tolist() for a in fast] == [b.tolist() for b in slow]
            assert facets._author_counts(cols, docs).tolist() == \
                _author_counts_by_pairs(cols, docs).tolist()
    assert int(facets._author_counts(cols, cols.live_ids()).sum()) > 100
    ix.close()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(0, 300), max_size=40, unique=True).map(sorted),
                max_size=4), st.integers(0, 4), st.data())
def test_sums_merged_into_the_largest_list_equal_the_sort(small, where, data):
    """``sets.sum_by_id`` merging the other lists into the one holding most postings (a
    word's body), with numpy or the compiled merge, gives the sort's ids and sums to the
    bit: ids only the short lists hold, lists before and after the largest, values that
    round differently in another order."""
    big = sorted(data.draw(st.sets(st.integers(0, 400), min_size=1, max_size=300)))
    parts = small[:where] + [big] + small[where:]
    ids = [np.asarray(p, dtype=np.int32) for p in parts]
    values = [np.asarray(data.draw(st.lists(st.sampled_from([0.1, 0.2, 0.3, 1e-17, 7.0, 1 / 3]),
                                            min_size=len(p), max_size=len(p)))) for p in parts]
    slow = sets.reference.sum_by_id(ids, values)
    merged = [sets._into_largest(ids, values, int(np.argmax([len(p) for p in ids])))]
    for loops in (_COMPILED, _BY_PYTHON):  # merged by the loops (compiled, and by Python)
        with _loops(0, loops):
            merged.append(compiled.sum_by_id(ids, values))
    for fast in merged:
        assert np.array_equal(fast[0], slow[0]) and fast[0].dtype == slow[0].dtype
        assert fast[1].tobytes() == slow[1].tobytes()  # bit for bit
    top = max(int(p[-1]) for p in ids if len(p)) + 1
    counted = sets._dense(ids, values, top)  # many lists (a completed last word): counted
    assert np.array_equal(counted[0], slow[0]) and counted[0].dtype == slow[0].dtype
    assert counted[1].tobytes() == slow[1].tobytes()


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 80), st.sampled_from([1, 3, 70001]), st.data())
def test_first_rows_by_tier_and_score_equal_the_full_sort(n, spread, data):
    """``order.in_order``'s first rows (tiers counted, or partitioned when they spread wide;
    by date, one number per row partitioned) are those of sorting every row, with ties in
    tier, score and date."""
    draw = data.draw
    tier = np.asarray(draw(st.lists(st.integers(-2, 2), min_size=n, max_size=n)),
                      dtype=np.int64) * spread
    score = np.asarray(draw(st.lists(st.sampled_from([0.0, 1.5, 2.25]), min_size=n,
                                     max_size=n)))
    day = np.asarray(draw(st.lists(st.sampled_from([0, 20200101, 20200102, 99991231]),
                                   min_size=n, max_size=n)), dtype=np.int64)
    seq = np.asarray(draw(st.permutations(range(n))), dtype=np.int64) * spread
    full = np.lexsort((seq, -day, -score, -tier))
    by_date = {"date": np.lexsort((seq, day, day == 0)), "-date": np.lexsort((seq, -day, day == 0))}
    for end, (jit_from, loops) in itertools.product(
            (1, 2, 10, n), ((compiled.JIT_FROM, _COMPILED), (0, _COMPILED), (0, _BY_PYTHON))):
        with _loops(jit_from, loops):  # the rows that may lead: numpy's, compiled, by Python
            assert in_order(tier, score, day, seq, "relevance", True, end).tolist() == \
                full[:end].tolist()
        for sort, rows in by_date.items():  # one number per row, partitioned
            assert in_order(tier, score, day, seq, sort, False, end).tolist() == \
                rows[:end].tolist()


@settings(max_examples=60, deadline=None)
@given(st.integers(16_385, 200_000), st.integers(1, 400), st.sampled_from([2, 50, 10**9]),
       st.integers(0, 10**6))
def test_kth_largest_score_from_a_bound_equals_the_partition(n, k, distinct, seed):
    """``order.kth_largest_score`` (only the scores above a bound from a sample partitioned)
    is ``np.partition``'s k-th largest, with many ties or none, sorted or not."""
    rng = np.random.default_rng(seed)
    score = rng.integers(0, distinct, n).astype(np.float64) / 7
    for s in (score, np.sort(score), np.sort(score)[::-1].copy()):
        assert order.kth_largest_score(s, k) == np.partition(s, n - k)[n - k]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 50), st.floats(0.5, 40, width=32),
                          st.floats(0, 5000, width=32)), min_size=1, max_size=60),
       st.sampled_from([1.0, 0.5, 0.3, 1 / 3]), st.floats(0.01, 4), st.floats(1e-6, 1),
       st.floats(0, 5000), st.sampled_from([1.0, 1 - 1 / 3, 0.0]))
def test_a_lists_weighted_frequencies_compiled_equal_numpys(postings, factor, norm_a, norm_b,
                                                            knee, drop):
    """A posting list's part of a BM25F sum, ``tf * factor / (norm_a + norm_b * length)``
    (less ``drop`` of a length past ``knee``), computed by the compiled loop
    (and by Python) is numpy's to the bit: odd frequencies, lengths and factors, every
    multiplication and addition rounded as numpy rounds it."""
    docs = sorted({d for d, _, _ in postings})
    ids = np.asarray(docs, dtype=np.int32)
    tf = np.asarray([next(t for d, t, _ in postings if d == doc) for doc in docs], np.float32)
    lengths = np.zeros(51, dtype=np.float32)
    for d, _, length in postings:
        lengths[d] = length
    want = tf.astype(np.float64)
    if factor != 1:
        want *= factor
    length = lengths[ids].astype(np.float64)
    length -= np.maximum(length - knee, 0.0) * drop
    want /= length * norm_b + norm_a
    for loops in (_COMPILED, _BY_PYTHON):
        with _loops(0, loops):
            got = compiled.part_values(ids, tf, lengths, factor, norm_a, norm_b, knee, drop)
        assert got.tobytes() == want.tobytes()


def test_broad_words_scored_by_the_compiled_loops_equal_numpys(fakenews_sample_index):
    """Whole searches of FakeNewsNet's broadest words (and two- and three-word queries made
    of them) score, count and fold the same with the compiled loops from the first entry
    as with numpy's passes only."""
    ix = SearchIndex(fakenews_sample_index, cache_size=0)
    queries = ["the", "year", "times", "said trump", "new york times", "people", "police"]
    requests = [SearchRequest(q=q, sort=sort) for q in queries for sort in ("relevance", "date")]
    runs = []
    for jit_from in (0, 10**9):
        with _loops(jit_from, _COMPILED):
            runs.append(_run(ix, requests))
    assert runs[0] == runs[1]
    assert max(r["total"] for r in runs[0]) > 1000  # broad lists, copies and quotes folded
    ix.close()


def test_searches_compile_no_loop_past_those_loaded(fakenews_sample_index):
    """Every call of a compiled loop passes the types ``compiled.load`` compiled them for
    (read-only arrays of fixed types), so no search waits for numba: a type first met in a
    search cost it 10-40 ms (a snapshot's arrays are read-only, a search's own are not)."""
    ix = SearchIndex(fakenews_sample_index, cache_size=0)
    with _loops(0, _COMPILED):  # every list through the compiled loops, however short
        for q in ("the", "times", "said trump", "new york times", "hilary clinton", "jen",
                  "middleton prince william", "kissing year old"):
            for kw in ({}, {"sort": "date"}, {"kinds": ("article",), "page": 2}):
                ix.search(SearchRequest(q=q, **kw))
    # nor did any test before this one (all call the loops through ``compiled``)
    assert {name: list(getattr(_COMPILED, name).signatures) for name in compiled.LOOPS} \
        == _LOADED
    ix.close()
