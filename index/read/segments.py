"""What a snapshot reads from each of its segments, kept across snapshots by segment id.

Whoosh writes a segment once and never changes it: a commit adds segments, marks documents
of older ones deleted (in the new TOC), or merges segments into a new one, and a snapshot
directory hard-links the segment files it shares with the one before
(``store.snapshots``). So what every search needs per document (facet values, field
lengths, near-duplicate group keys, the place in the corpus) is read one segment at a time
(``Segment``), keyed by its Whoosh segment id, and a snapshot opened after an incremental
change reads only the segments that are new to it; the others come from the snapshot
before. Deletions are the snapshot's own: one boolean mask (``live``), applied when the
segments' arrays are put together, so the result is the same as reading every segment
afresh (``tests/test_reopen.py`` checks it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from whoosh.reading import MultiReader, SegmentReader

from index.read.stats import leaf_lengths
from index.store.whoosh_postings import leaf_postings

SINGLE = ("kind", "lang", "year", "month", "speaker", "site")  # one value a document


@dataclass(frozen=True)
class Segment:
    """The per-document values of one segment (local document numbers).

    ``single[name]`` is (values, codes): code 0 is no value, code i is ``values[i - 1]``;
    ``authors`` is (names, documents, codes) with one pair per (document, author)."""

    sid: str
    count: int
    single: dict[str, tuple[list[str], np.ndarray]]
    authors: tuple[list[str], np.ndarray, np.ndarray]
    day: np.ndarray
    group: np.ndarray
    seq: np.ndarray
    lengths: dict[str, np.ndarray]
    field_length: dict[str, int]


def read_segment(leaf, fields) -> Segment:
    """Read one segment reader's per-document values (deleted documents included or not:
    the snapshot's ``live`` mask decides)."""
    count = leaf.doc_count_all()
    indexed = set(leaf.indexed_field_names())
    single = {}
    for name in SINGLE:
        values: list[str] = []
        codes = np.zeros(count, dtype=np.int32)
        for text in leaf.field_terms(name) if name in indexed else ():
            values.append(text)
            codes[leaf_postings(leaf, name, text, weights=False)[0]] = len(values)
        single[name] = (values, codes)
    names: list[str] = []
    docs, codes_ = [], []
    for text in leaf.field_terms("author") if "author" in indexed else ():
        ids = leaf_postings(leaf, "author", text, weights=False)[0]
        docs.append(ids)
        codes_.append(np.full(len(ids), len(names), dtype=np.int32))
        names.append(text)
    authors = (names, np.concatenate(docs) if docs else np.empty(0, dtype=np.int64),
               np.concatenate(codes_) if codes_ else np.empty(0, dtype=np.int32))
    return Segment(
        leaf.segment().segment_id(), count, single, authors,
        _column(leaf, "day", count), _column(leaf, "group", count), _column(leaf, "seq", count),
        {name: np.asarray(leaf_lengths(leaf, name), dtype=np.float64) for name in fields},
        {name: leaf.field_length(name) for name in fields})


def _column(leaf, name: str, count: int) -> np.ndarray:
    if name in leaf.schema and leaf.has_column(name):
        return np.fromiter(leaf.column_reader(name), dtype=np.int64, count=count)
    return np.zeros(count, dtype=np.int64)


class Segments:
    """The segments of one snapshot, in its document order, and its deletions."""

    def __init__(self, reader, fields, before: Segments | None = None) -> None:
        known = before.by_id if before is not None else {}
        self.parts: list[Segment] = []
        self.bases: list[int] = []
        self.new: list[str] = []  # ids of the segments read for this snapshot
        size = reader.doc_count_all()
        self.live = np.ones(size, dtype=bool)
        for leaf, base in reader.leaf_readers():
            sid = leaf.segment().segment_id()
            part = known.get(sid)
            if part is None or part.count != leaf.doc_count_all():
                part = read_segment(leaf, fields)
                self.new.append(sid)
            self.parts.append(part)
            self.bases.append(base)
            if leaf.has_deletions():
                dead = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
                self.live[dead + base] = False
        self.by_id = {part.sid: part for part in self.parts}
        self.size = size
        self.live.flags.writeable = False

    def concat(self, get, dtype) -> np.ndarray:
        """Return the per-document arrays ``get(segment)`` put together in document order."""
        arrays = [get(part) for part in self.parts]
        if not arrays:
            return np.zeros(0, dtype=dtype)
        return np.concatenate(arrays).astype(dtype, copy=False)

    def removed_since(self, before: Segments | None) -> bool:
        """Return True if a segment of ``before`` is not in this snapshot (merged away)."""
        return before is None or any(sid not in self.by_id for sid in before.by_id)


def reopen_reader(ix, old_reader):
    """Return a reader of ``ix``'s segments that takes the segment readers of
    ``old_reader`` (the same thread's, of the snapshot before) for the segments that did not
    change, as Lucene's ``openIfChanged`` does, and opens the others; close what it leaves.

    A reused reader keeps its open files and what it has read (the stored fields' offsets,
    term caches); the files it opens later come from ``ix``'s directory, which hard-links
    the same files (the one before may be deleted meanwhile). Whoosh's own ``reader(reuse=)``
    cannot be used: it matches segments by id alone (ignoring new deletions) and adds back
    segments merged away."""
    toc = ix._read_toc()
    leaves = {leaf.segment().segment_id(): leaf for leaf, _ in old_reader.leaf_readers()}
    readers, kept = [], set()
    for seg in toc.segments:
        leaf = leaves.get(seg.segment_id())
        if leaf is not None and not leaf.is_closed and not seg.is_compound() \
                and isinstance(leaf._storage, type(ix.storage)) \
                and leaf.doc_count_all() == seg.doc_count_all() \
                and leaf.segment().deleted_count() == seg.deleted_count():  # deletions only grow
            leaf._storage = leaf._perdoc._storage = ix.storage
            kept.add(id(leaf))
            readers.append(leaf)
        else:
            readers.append(SegmentReader(ix.storage, toc.schema, seg, generation=toc.generation))
    for leaf in leaves.values():
        if id(leaf) not in kept and not leaf.is_closed:
            leaf.close()
    if not readers:
        return ix.reader()
    return readers[0] if len(readers) == 1 else MultiReader(readers, generation=toc.generation)
