"""Each segment's facts file (``index.store.segment_facts``) gives a reader exactly what
reading the segment gives: facet codes and tables, authors, day, group, seq, field lengths.

On the FakeNewsNet sample index (3,000 lines; a second segment from an update): the
build writes a file per segment; each loads equal to ``read_segment``; a snapshot opened with
the files answers as one opened without them; an incremental update writes the new
segment's only and hard-links the others'; a damaged, foreign or stale file is read past.
"""
from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from whoosh import index as whoosh_index

import index
from index import SearchIndex, SearchRequest, SnapshotStore
from index.read.segments import Segments
from index.schema import TEXT_FIELDS
from index.store.segment_facts import (FACTS_SUFFIX, SINGLE, facts_path, load, read_segment,
                                       save)
from tests.conftest import DEMO, fakenews_head

pytestmark = pytest.mark.filterwarnings("error")


def _equal(a, b) -> None:
    assert (a.sid, a.count) == (b.sid, b.count)
    for name in SINGLE:
        assert a.single[name][0] == b.single[name][0], name
        np.testing.assert_array_equal(a.single[name][1], b.single[name][1])
        assert a.single[name][1].dtype == b.single[name][1].dtype
    assert a.authors[0] == b.authors[0]
    for x, y in zip(a.authors[1:], b.authors[1:]):
        np.testing.assert_array_equal(x, y)
        assert x.dtype == y.dtype
    for name in ("day", "group", "seq"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
        assert getattr(a, name).dtype == getattr(b, name).dtype
    assert list(a.lengths) == list(b.lengths)
    for name in a.lengths:
        np.testing.assert_array_equal(a.lengths[name], b.lengths[name])
        assert a.lengths[name].dtype == b.lengths[name].dtype == np.float64
    assert a.field_length == b.field_length
    assert a.terms == b.terms and a.term_lists() == b.term_lists()
    for x, y in (*zip(a.ids, b.ids), *zip(a.quotes, b.quotes)):
        np.testing.assert_array_equal(x, y)
        assert x.dtype == y.dtype


@pytest.fixture(scope="module")
def copy(fakenews_sample_index, tmp_path_factory):
    """A hard-linked copy of the sample index (files replaced, never written in place)."""
    root = tmp_path_factory.mktemp("facts") / "index"
    shutil.copytree(fakenews_sample_index, root, copy_function=os.link)
    return root


def test_the_build_writes_each_segments_facts_equal_to_reading_it(fakenews_sample_index):
    path = SnapshotStore(fakenews_sample_index).current_path()
    ix = whoosh_index.open_dir(str(path))
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert leaves
        for leaf in leaves:
            sid = leaf.segment().segment_id()
            assert facts_path(path, sid).exists()
            found = load(path, sid, leaf.doc_count_all(), TEXT_FIELDS)
            assert found is not None and found.authors[0] and found.single["speaker"][0]
            _equal(found, read_segment(leaf, TEXT_FIELDS))


def test_a_one_process_build_writes_facts_equal_to_reading_its_segments(tmp_path):
    """A build's writer makes each segment's facts from what it holds (``fresh_facts``), in
    the building process as in the workers: equal to reading the segment back."""
    sample, _ = fakenews_head(tmp_path, 600)
    index.rebuild(str(tmp_path / "index"), [str(sample), str(DEMO)], workers=1)
    path = SnapshotStore(str(tmp_path / "index")).current_path()
    with whoosh_index.open_dir(str(path)).reader() as reader:
        for leaf, _ in reader.leaf_readers():
            found = load(path, leaf.segment().segment_id(), leaf.doc_count_all(), TEXT_FIELDS)
            assert found is not None and found.authors[0] and found.quotes[0].size
            _equal(found, read_segment(leaf, TEXT_FIELDS))


def test_a_snapshot_opened_with_facts_answers_as_one_without(fakenews_sample_index, copy):
    bare = copy.parent / "bare"
    shutil.copytree(fakenews_sample_index, bare, copy_function=os.link,
                    ignore=shutil.ignore_patterns(f"*{FACTS_SUFFIX}"))
    path = SnapshotStore(str(bare)).current_path()
    assert not list(path.glob(f"*{FACTS_SUFFIX}"))
    with whoosh_index.open_dir(str(path)).reader() as reader:
        read = Segments(reader, TEXT_FIELDS, None, path)
        loaded = Segments(reader, TEXT_FIELDS, None, SnapshotStore(str(copy)).current_path())
        for a, b in zip(read.parts, loaded.parts):
            _equal(a, b)
    with_facts, without = SearchIndex(str(copy), cache_size=0), SearchIndex(str(bare), cache_size=0)
    try:
        for req in [SearchRequest(q="trump"), SearchRequest(q="", kinds=("quote",)),
                    SearchRequest(q="president", sort="-date", date_by_month=True),
                    SearchRequest(q="police", langs=("en",), day_from=20170101)]:
            a, b = with_facts.search(req), without.search(req)
            assert [(h.document.id, h.score) for h in a.hits] == \
                [(h.document.id, h.score) for h in b.hits]
            assert (a.total, a.facets) == (b.total, b.facets)
    finally:
        with_facts.close()
        without.close()
    assert not list(path.glob(f"*{FACTS_SUFFIX}"))  # readers never write into a snapshot


def test_an_update_writes_the_new_segments_facts_and_links_the_others(copy):
    store = SnapshotStore(str(copy))
    old = store.current_path()
    index.update(str(copy), [str(DEMO)])
    new = store.current_path()
    assert new != old
    ix = whoosh_index.open_dir(str(new))
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            sid = leaf.segment().segment_id()
            file = facts_path(new, sid)
            if facts_path(old, sid).exists():  # a segment of the snapshot before: linked
                assert file.stat().st_ino == facts_path(old, sid).stat().st_ino
            else:
                _equal(load(new, sid, leaf.doc_count_all(), TEXT_FIELDS),
                       read_segment(leaf, TEXT_FIELDS))


def test_a_damaged_or_stale_facts_file_is_read_past(copy, tmp_path):
    path = SnapshotStore(str(copy)).current_path()
    with whoosh_index.open_dir(str(path)).reader() as reader:
        leaf = next(leaf for leaf, _ in reader.leaf_readers())
        sid, count = leaf.segment().segment_id(), leaf.doc_count_all()
        truth = read_segment(leaf, TEXT_FIELDS)
        save(tmp_path, truth)
        assert load(tmp_path, sid, count + 1, TEXT_FIELDS) is None  # another document count
        assert load(tmp_path, sid, count, TEXT_FIELDS[:-1]) is None  # other fields
        assert load(tmp_path, "MAIN_other", count, TEXT_FIELDS) is None
        os.rename(facts_path(tmp_path, sid), facts_path(tmp_path, "MAIN_other"))
        assert load(tmp_path, "MAIN_other", count, TEXT_FIELDS) is None  # holds another
        facts_path(tmp_path, sid).write_bytes(b"PK\x03\x04 not a zip")
        assert load(tmp_path, sid, count, TEXT_FIELDS) is None
        _equal(Segments(reader, TEXT_FIELDS, None, tmp_path).parts[0], truth)


def test_term_counts_from_the_segments_terms_equal_merging_whooshs_term_tables(copy):
    """The terms each segment's facts list, counted with the posting arrays, are the counts
    of Whoosh's merged lexicon: every field, every term, in the same order."""
    from index.read.live import TERM_FIELDS
    from index.read.terms import TermCounts

    ix = SearchIndex(str(copy), cache_size=0)
    try:
        snap = ix.live.current()
        reader = snap.searcher().reader()
        assert snap._arrays is not None and len(snap.segments.parts) > 1  # after the update
        fast = TermCounts.read(reader, TERM_FIELDS, snap._arrays, snap.segments)
        slow = TermCounts.read(reader, TERM_FIELDS, snap._arrays)
        for name in TERM_FIELDS:
            assert list(fast.sums[name].items()) == list(slow.sums[name].items()), name
        assert len(fast.sums["body"]) > 1000 and len(fast.sums["spell"]) > 1000
    finally:
        ix.close()
