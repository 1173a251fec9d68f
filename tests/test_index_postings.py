"""Posting lists decoded block by block with numpy equal what Whoosh's own matchers read,
across segments, many blocks and deletions; the decoded-list cache stays within its bound."""
from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

from index.postings import PostingCache, postings


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    rng = random.Random(7)
    ix = whoosh_index.create_in(str(tmp_path_factory.mktemp("postings")),
                                Schema(id=ID(stored=True, unique=True), body=TEXT))
    words = ["alpha", "beta", "gamma", "delta"]
    for segment in range(3):  # three commits: three segments, docnums offset by base
        with ix.writer() as w:
            for n in range(700):  # "alpha" in most documents: several 128-posting blocks
                body = " ".join(rng.choice(words) for _ in range(rng.randint(1, 30)))
                w.add_document(id=f"{segment}-{n}", body=body)
    with ix.writer() as w:  # deletions make Whoosh filter the lists
        for n in range(0, 700, 9):
            w.delete_by_term("id", f"1-{n}")
    r = ix.reader()
    yield r
    r.close()


@pytest.mark.parametrize("word", ["alpha", "beta", "delta", "missing"])
def test_decoded_lists_equal_whooshs_matchers(reader, word):
    ids, weights = postings(reader, "body", word)
    if word == "missing":
        assert len(ids) == 0 and len(weights) == 0
        return
    m = reader.postings("body", word)
    want_ids, want_weights = [], []
    while m.is_active():
        want_ids.append(m.id())
        want_weights.append(m.weight())
        m.next()
    assert len(want_ids) > 1000  # many blocks, three segments
    assert ids.tolist() == want_ids
    assert np.allclose(weights, want_weights)
    assert not set(ids.tolist()) & {d for d in range(reader.doc_count_all())
                                    if reader.is_deleted(d)}


def test_cache_returns_read_only_lists_and_keeps_within_its_bound(reader):
    cache = PostingCache(max_postings=3000)
    first = cache.get(reader, "body", "alpha")
    assert cache.get(reader, "body", "alpha") is first  # served from the cache
    with pytest.raises(ValueError):
        first[0][0] = 5  # shared between requests: nobody may change it
    for word in ("beta", "gamma", "delta", "nothing"):
        ids, _ = cache.get(reader, "body", word)
        assert ids.tolist() == postings(reader, "body", word)[0].tolist()
    assert cache._held <= 3000
    assert ("body", "alpha") not in cache._lists  # the least recently used went first


def test_a_list_longer_than_the_bound_is_not_cached(reader):
    cache = PostingCache(max_postings=10)
    ids, _ = cache.get(reader, "body", "alpha")
    assert len(ids) > 10 and not cache._lists
