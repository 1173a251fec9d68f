"""Read whole posting lists fast: a block at a time, not one document at a time.

Whoosh's matchers step through postings with a Python call per document; reading the W3
codec's decoded blocks directly is several times faster. Other matchers (inlined short
lists, other codecs) are read the public way.
"""
from __future__ import annotations


def leaf_postings(leaf, fieldname: str, text: str, weights: bool = True) -> tuple[list[int], list[float]]:
    """Return (docnums, weights) of ``text`` in ``fieldname`` of one segment reader."""
    ids: list[int] = []
    found: list[float] = []
    if (fieldname, text) not in leaf:
        return ids, found
    m = leaf.postings(fieldname, text)
    if hasattr(m, "_read_ids") and hasattr(m, "_next_block"):  # W3LeafMatcher
        while m.is_active():
            m._read_ids()
            ids.extend(m._ids)
            if weights:
                m._read_weights()
                found.extend(m._weights)
            m._next_block()
    else:
        while m.is_active():
            ids.append(m.id())
            if weights:
                found.append(m.weight())
            m.next()
    return ids, found


def postings(reader, fieldname: str, text: str, weights: bool = True) -> tuple[list[int], list[float]]:
    """Return (docnums, weights) over every segment of ``reader`` (docnums made global)."""
    ids: list[int] = []
    found: list[float] = []
    for leaf, base in reader.leaf_readers():
        leaf_ids, leaf_weights = leaf_postings(leaf, fieldname, text, weights)
        ids.extend(d + base for d in leaf_ids) if base else ids.extend(leaf_ids)
        found.extend(leaf_weights)
    return ids, found
