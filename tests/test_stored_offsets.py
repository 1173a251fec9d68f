"""Stored fields' offsets derived in numpy (``store.whoosh_columns``) are Whoosh's own."""
from __future__ import annotations

from array import array

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import columns, index as whoosh_index

from index.store import whoosh_columns
from index.store.snapshots import SnapshotStore


@given(st.lists(st.integers(0, 2**31 - 1), max_size=300), st.sampled_from("BHIL"))
@settings(max_examples=200, deadline=None)
def test_offsets_equal_whooshs_loop(lengths, code):
    values = array(code, [v % (1 << (8 * array(code).itemsize)) for v in lengths])
    got, want = whoosh_columns.offsets_of(values), whoosh_columns.reference_offsets(values)
    assert got.typecode == want.typecode and got == want


def _stored(path: str) -> list[dict]:
    ix = whoosh_index.open_dir(path)
    with ix.reader() as reader:
        return [reader.stored_fields(d) for d in range(reader.doc_count_all())]


def test_every_stored_document_reads_the_same(fakenews_sample_index, monkeypatch):
    """Every document of a real index (3,000 FakeNewsNet lines, several segments without
    written offsets) reads the same with Whoosh's loop and with numpy."""
    path = str(SnapshotStore(fakenews_sample_index).current_path())
    fast = _stored(path)
    with monkeypatch.context() as m:
        m.setattr(columns.VarBytesColumn.Reader, "_read_offsets_and_lengths",
                  whoosh_columns._original)
        slow = _stored(path)
    assert len(fast) > 3000 and fast == slow
    ix = whoosh_index.open_dir(path)
    with ix.reader() as reader:
        leaf, _ = next(iter(reader.leaf_readers())) if hasattr(reader, "leaf_readers") else (reader, 0)
        column = leaf._perdoc._cached_reader("_stored", columns.PickleColumn(
            columns.CompressedBytesColumn()))
        offsets = column._child._offsets
        assert not column._child.had_stored_offsets  # derived, by numpy
        assert isinstance(offsets, array) and np.all(np.diff(np.frombuffer(offsets, "L")) >= 0)
