"""Posting lists decoded block by block with numpy equal what Whoosh's own matchers read,
across segments, many blocks and deletions; the decoded-list cache stays within its bound;
the posting arrays a rebuild writes equal them for every term and are dropped when stale."""
from __future__ import annotations

import random

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

from index.read.postings import PostingLists
from index.store.whoosh_postings import postings


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
    cache = PostingLists(max_postings=3000)
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
    cache = PostingLists(max_postings=10)
    ids, _ = cache.get(reader, "body", "alpha")
    assert len(ids) > 10 and not cache._lists


# -- posting arrays written by a full rebuild -------------------------------------------------
@pytest.fixture
def built(tmp_path):
    import index
    from tests.conftest import DEMO

    index_dir = tmp_path / "ix"
    index.rebuild(str(index_dir), [str(DEMO)])
    return index_dir


def _open_arrays(index_dir):
    from index import SnapshotStore
    from index.store.arrays import PostingArrays

    path = SnapshotStore(str(index_dir)).current_path()
    ix = whoosh_index.open_dir(str(path))
    reader = ix.reader()
    return PostingArrays.open(path, ix, reader), reader, path, ix


def test_arrays_of_a_rebuild_equal_the_whoosh_lists_for_every_term(built):
    assert _assert_arrays_equal_whoosh(built) > 3000
    arrays, reader, _, _ = _open_arrays(built)
    try:
        assert len(arrays.get("body", "nosuchwordanywhere")[0]) == 0
        ids, _ = arrays.get("spell", "wind")  # the unstemmed words too (query language, names)
        assert len(ids) and ids.tolist() == postings(reader, "spell", "wind")[0].tolist()
    finally:
        reader.close()


def _assert_arrays_equal_whoosh(index_dir) -> int:
    """Check every term of every field with arrays; return how many were checked."""
    from index.schema import ARRAY_FIELDS

    arrays, reader, _, _ = _open_arrays(index_dir)
    try:
        assert arrays is not None, "the snapshot is read the slow Whoosh way"
        checked = 0
        for field in ARRAY_FIELDS:
            for text in reader.lexicon(field):
                text = text.decode("utf-8") if isinstance(text, bytes) else text
                ids, tf = arrays.get(field, text)
                want_ids, want_tf = postings(reader, field, text)
                assert ids.tolist() == want_ids.tolist() and tf.tolist() == want_tf.tolist(), text
                checked += 1
        return checked
    finally:
        reader.close()


def test_a_stale_set_is_ignored(built):
    import json

    from index.store.arrays import ARRAYS_DIR

    _, reader, path, _ = _open_arrays(built)
    reader.close()
    (meta,) = (path / ARRAYS_DIR).glob("*/meta.json")
    stale = json.loads(meta.read_text())
    stale["segments"][0][1] += 1  # written for another version of the segment: not trusted
    meta.write_text(json.dumps(stale))
    arrays, reader, _, _ = _open_arrays(built)
    reader.close()
    assert arrays is None


def test_arrays_survive_many_small_updates(built, tmp_path):
    """100 incremental changes (adds, replacements, deletions; the merge policy merges the
    small segments on the way): every snapshot keeps arrays equal to Whoosh's lists."""
    import index
    from index import SearchIndex, SearchRequest, SnapshotStore
    from index.store.arrays import ARRAYS_DIR
    from tests.test_index_lifecycle import write_article

    ix = SearchIndex(str(built))
    doomed = ix.search(SearchRequest(q="wind farm")).hits[0].document.id
    for n in range(100):
        folder = tmp_path / f"push-{n}"
        write_article(folder, f"story-{n % 60}", f"Quayside story {n}", what=f"tune number {n}")
        index.update(str(built), [str(folder)], delete_ids=[doomed] if n == 50 else ())
        index.merge_segments(str(built))  # what the push applier runs when idle
        if n in (0, 49, 99):
            assert _assert_arrays_equal_whoosh(built) > 3000
    path = SnapshotStore(str(built)).current_path()
    assert len(list((path / ARRAYS_DIR).glob("*/meta.json"))) < 20  # merged segments, not 100 sets
    body = ix.search(SearchRequest(q="quayside story", per_page=50))
    assert body.total == 60  # 100 stories over 60 urls: replaced, not added twice
    hits = ix.search(SearchRequest(q="wind farm", per_page=50)).hits
    assert doomed not in {h.document.id for h in hits}
    ix.close()


def test_incremental_update_shares_the_arrays_of_the_live_snapshot(built, tmp_path):
    import os

    import index
    from index import SnapshotStore
    from index.store.arrays import ARRAYS_DIR
    from tests.test_index_lifecycle import write_article

    before = SnapshotStore(str(built)).current_path()
    index.update(str(built), [str(write_article(tmp_path / "a", "one", "One more story"))])
    after = SnapshotStore(str(built)).current_path()
    old = {p.relative_to(before): p.stat().st_ino for p in (before / ARRAYS_DIR).rglob("*.npy")}
    new = {p.relative_to(after): p.stat().st_ino for p in (after / ARRAYS_DIR).rglob("*.npy")}
    assert old and all(new[name] == inode for name, inode in old.items())  # hard links
    assert len(new) > len(old) and os.path.exists(before)


def test_arrays_of_a_two_process_rebuild_survive_updates(tmp_path):
    """A rebuild with 2 processes writes 2 segments in one set; merges reorder segments."""
    import index
    from tests.conftest import DEMO, TEST_DATA
    from tests.test_index_lifecycle import write_article

    index_dir = tmp_path / "ix2"
    index.rebuild(str(index_dir), [str(DEMO), str(TEST_DATA)], workers=2)
    _, reader, _, _ = _open_arrays(index_dir)
    segments = len(reader.leaf_readers())
    reader.close()
    for n in range(30):
        folder = tmp_path / f"p{n}"
        write_article(folder, f"s{n}", f"Harbour note {n}")
        index.update(str(index_dir), [str(folder)])
    assert _assert_arrays_equal_whoosh(index_dir) > 3000
    assert segments >= 1


def test_document_frequencies_from_the_arrays_after_updates(built, tmp_path):
    import index
    from index.schema import ARRAY_FIELDS
    from tests.test_index_lifecycle import write_article

    for n in range(3):
        index.update(str(built), [str(write_article(tmp_path / f"f{n}", f"f{n}", f"Ferry {n}"))])
    arrays, reader, _, _ = _open_arrays(built)
    try:
        for field in ARRAY_FIELDS:
            texts = [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.lexicon(field)]
            assert arrays.frequencies(field, texts).tolist() == \
                [reader.doc_frequency(field, t) for t in texts]
    finally:
        reader.close()


def test_sets_written_without_a_field_read_it_the_whoosh_way_after_an_update(built, tmp_path):
    """An index whose sets were written before ``spell`` had arrays, then pushed to: the new
    segment's set has it, the old set does not; the snapshot keeps its arrays for the other
    fields and reads ``spell`` from Whoosh's blocks (no set is rewritten)."""
    import json

    import index
    from index.store.arrays import ARRAYS_DIR
    from tests.test_index_lifecycle import write_article

    _, reader, path, _ = _open_arrays(built)
    reader.close()
    (meta,) = (path / ARRAYS_DIR).glob("*/meta.json")
    old = json.loads(meta.read_text())
    meta.write_text(json.dumps({**old, "fields": [f for f in old["fields"] if f != "spell"]}))
    for part in meta.parent.glob("spell.*"):
        part.unlink()
    index.update(str(built), [str(write_article(tmp_path / "a", "late", "Windmill late story"))])
    arrays, reader, path, _ = _open_arrays(built)
    try:
        assert arrays is not None and arrays.get("spell", "wind") is None
        assert len(list((path / ARRAYS_DIR).glob("*/meta.json"))) == 2  # the old set kept
    finally:
        reader.close()
    assert _assert_arrays_equal_whoosh_except(built, "spell") > 3000


def _assert_arrays_equal_whoosh_except(index_dir, missing: str) -> int:
    from index.schema import ARRAY_FIELDS

    arrays, reader, _, _ = _open_arrays(index_dir)
    try:
        checked = 0
        for field in ARRAY_FIELDS:
            if field == missing:
                continue
            for text in reader.lexicon(field):
                text = text.decode("utf-8") if isinstance(text, bytes) else text
                assert arrays.get(field, text)[0].tolist() == postings(reader, field, text)[0].tolist()
                checked += 1
        return checked
    finally:
        reader.close()
