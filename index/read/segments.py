"""What a snapshot reads from each of its segments, kept across snapshots by segment id.

Whoosh writes a segment once and never changes it: a commit adds segments, marks documents
of older ones deleted (in the new TOC), or merges segments into a new one, and a snapshot
directory hard-links the segment files it shares with the one before
(``store.snapshots``). So what every search needs per document (facet values, field
lengths, near-duplicate group keys, the place in the corpus) is read one segment at a time
(``Segment``), keyed by its Whoosh segment id, and a snapshot opened after an incremental
change reads only the segments that are new to it; the others come from the snapshot
before. A segment new to this process is loaded from the facts file its writer saved beside
it (``store.segment_facts``), else read from the segment. Deletions are the snapshot's own:
one boolean mask (``live``), applied when the segments' arrays are put together, so the
result is the same as reading every segment afresh (``tests/test_reopen.py`` checks it).
"""
from __future__ import annotations

import numpy as np
from whoosh.reading import MultiReader, SegmentReader

from index.store.segment_facts import SINGLE, Segment, segment_facts

__all__ = ["SINGLE", "Segment", "Segments", "reopen_reader"]


class Segments:
    """The segments of one snapshot, in its document order, and its deletions."""

    def __init__(self, reader, fields, before: Segments | None = None,
                 folder=None) -> None:
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
                part = segment_facts(leaf, fields, folder)  # its facts file, if written
                self.new.append(sid)
            self.parts.append(part)
            self.bases.append(base)
            if leaf.has_deletions():
                dead = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
                self.live[dead + base] = False
        self.by_id = {part.sid: part for part in self.parts}
        self.size = size
        self.live.flags.writeable = False

    def concat(self, get, dtype, offset: bool = False) -> np.ndarray:
        """Return the per-document arrays ``get(segment)`` put together in document order
        (``offset``: arrays of local document numbers, made the snapshot's)."""
        arrays = [get(part) + base if offset else get(part)
                  for part, base in zip(self.parts, self.bases)]
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
