"""Posting lists decoded from Whoosh's segment files into numpy arrays.

Whoosh's matchers step through postings with a Python call per document; decoding the W3
codec's blocks directly (each a pickled tuple of docnum deltas and weights) and turning the
deltas back into docnums with numpy is several times faster. Other matchers (inlined short
lists, deleted documents, other codecs) are read the public way.
"""
from __future__ import annotations

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound

_NONE = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32))
_NO_MASKS = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint64))
MASK_BITS = 63               # positions 0-62 each have a bit of a posting's position mask
OVERFLOW = np.uint64(1 << 63)  # the 64th bit: the word also sits at a position past 62


def leaf_postings(leaf, fieldname: str, text: str, weights: bool = True
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Return (docnums, weights) of ``text`` in ``fieldname`` of one segment reader."""
    try:
        m = leaf.postings(fieldname, text)
    except TermNotFound:
        return _NONE
    if isinstance(m, W3LeafMatcher) and not m._byteids:
        return _w3_postings(m, weights)
    ids: list[int] = []
    found: list[float] = []
    while m.is_active():  # inlined lists, deletions (a FilterMatcher), other codecs
        ids.append(m.id())
        if weights:
            found.append(m.weight())
        m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(found, dtype=np.float32)


def _w3_postings(m: W3LeafMatcher, weights: bool) -> tuple[np.ndarray, np.ndarray]:
    """Decode a W3 posting list a block at a time: each block is a pickled tuple of the
    docnum deltas (restarting from 0 in each block) and the weights (None: all 1.0; one
    float: all the same)."""
    deltas: list[int] = []
    lengths: list[int] = []
    found: list[float] = []
    while m.is_active():
        m._read_data()
        block_deltas, block_weights = m._data[0], m._data[1]
        n = len(block_deltas)
        deltas.extend(block_deltas)
        lengths.append(n)
        if weights:
            if block_weights is None:
                found.extend([1.0] * n)
            elif isinstance(block_weights, float):
                found.extend([block_weights] * n)
            else:
                found.extend(block_weights)
        m._next_block()
    running = np.cumsum(np.asarray(deltas, dtype=np.int64))
    if len(lengths) > 1:  # make each block's running sum restart at its first docnum
        ends = np.cumsum(lengths)
        running -= np.repeat(np.concatenate(([0], running[ends[:-1] - 1])), lengths)
    return running, np.asarray(found, dtype=np.float32)


def position_mask(positions) -> int:
    """Return the bits of ``positions`` (bit p: the word is at position p), past 62 the
    ``OVERFLOW`` bit only."""
    mask = 0
    for p in positions:
        mask |= 1 << p if p < MASK_BITS else 1 << MASK_BITS
    return mask


def leaf_position_masks(leaf, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (docnums, position masks) of ``text`` in a positional ``fieldname`` of one
    segment reader: the same docnums as ``leaf_postings``, each with the positions of the
    word in that document as bits (see ``position_mask``)."""
    try:
        m = leaf.postings(fieldname, text)
    except TermNotFound:
        return _NO_MASKS
    fmt = leaf.schema[fieldname].format
    ids: list[int] = []
    masks: list[int] = []
    while m.is_active():
        ids.append(m.id())
        masks.append(position_mask(fmt.decode_positions(m.value())))
        m.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(masks, dtype=np.uint64)


def position_masks(reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """Return (docnums, position masks) over every segment of ``reader``."""
    parts = [(base, *leaf_position_masks(leaf, fieldname, text))
             for leaf, base in reader.leaf_readers()]
    parts = [p for p in parts if len(p[1])]
    if not parts:
        return _NO_MASKS
    return (np.concatenate([ids + base for base, ids, _ in parts]),
            np.concatenate([masks for _, _, masks in parts]))


def postings(reader, fieldname: str, text: str, weights: bool = True
             ) -> tuple[np.ndarray, np.ndarray]:
    """Return (docnums, weights) over every segment of ``reader`` (docnums made global)."""
    parts = [(base, *leaf_postings(leaf, fieldname, text, weights))
             for leaf, base in reader.leaf_readers()]
    parts = [p for p in parts if len(p[1])]
    if not parts:
        return _NONE
    if len(parts) == 1 and parts[0][0] == 0:
        return parts[0][1], parts[0][2]
    return (np.concatenate([ids + base for base, ids, _ in parts]),
            np.concatenate([found for _, _, found in parts]))
