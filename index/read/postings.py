"""Posting lists as numpy arrays: from the snapshot's memory-mapped arrays when it has them,
else decoded from Whoosh's blocks (``store.whoosh_postings``) and kept while they are searched.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from index.store.whoosh_postings import postings

POSTINGS_CACHE = 2_000_000  # decoded postings kept per snapshot without posting arrays


class PostingLists:
    """The way to one snapshot's posting lists, as read-only numpy arrays (int32 docnums,
    float32 frequencies).

    A full rebuild's snapshot has memory-mapped arrays (``arrays.PostingArrays``): a list is a
    slice. Otherwise (after an incremental update) lists are decoded from Whoosh's blocks.
    Either way the most recently used are kept, up to ``max_postings`` in all (8 bytes a
    posting; a slice of the arrays, nothing): decoding (zlib, pickle, deltas) costs more than
    scoring, a look-up in the arrays (a term's hash, a binary search per set) ~30 us, and
    the same terms are looked up again: by a search's nearness phrases and title tiers, by a
    shard's query round after its prepare round (``cluster.counting``), by the next query."""

    def __init__(self, max_postings: int = POSTINGS_CACHE, arrays=None) -> None:
        self.max_postings = max_postings
        self.arrays = arrays  # the snapshot's PostingArrays: no decoding, nothing to cache
        self._lists: OrderedDict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    def get(self, reader, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (docnums, frequencies) of ``text`` in ``fieldname``, from the cache if held."""
        key = (fieldname, text)
        with self._lock:
            found = self._lists.get(key)
            if found is not None:
                self._lists.move_to_end(key)
                return found
        found = self.arrays.get(fieldname, text) if self.arrays is not None else None
        if found is None:
            ids, weights = postings(reader, fieldname, text)
            found = (ids.astype(np.int32), weights.astype(np.float32, copy=False))
        for array in found:
            array.flags.writeable = False
        cost = max(len(found[0]), 1)  # a word that is not there is remembered too
        if cost <= self.max_postings:
            with self._lock:
                if key not in self._lists:
                    self._lists[key] = found
                    self._held += cost
                while self._held > self.max_postings:
                    _, (old, _) = self._lists.popitem(last=False)
                    self._held -= max(len(old), 1)
        return found

    def position_masks(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (docnums, position masks) of ``text`` in ``fieldname`` (the docnums of
        ``get``), or None when the snapshot's arrays do not hold that field's positions."""
        if self.arrays is None:
            return None
        return self.arrays.position_masks(fieldname, text)
