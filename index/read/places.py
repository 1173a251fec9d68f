"""Where a word's documents sit among a query's candidates (both sorted document numbers):
``Places.of``, found by a map of the candidates, or by ``sets.intersect`` (a map of document
numbers or binary searches of the shorter list in the longer, whichever costs least)."""
from __future__ import annotations

import numpy as np

from index.read import compiled, sets


class Places:
    """Where documents sit in ``ids`` (ascending, unique), for several lists of documents.

    Candidates that fill much of their range of document numbers (a common word's) get one
    dense map, built on the first look-up of a list long enough to pay for it and read by
    every later one (a gather per document); other look-ups are binary searches. Both return
    the same (``searched``)."""

    DENSE = 8    # a dense map when the candidates fill at least 1/DENSE of their range
    SEARCH = 16  # a list this many times shorter than the candidates is binary-searched

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids
        self.dense: np.ndarray | None = None
        self.can_map = len(ids) > 256 and len(ids) * self.DENSE >= int(ids[-1])

    def holds_all(self, word_ids: np.ndarray) -> bool:
        """Return True if ``word_ids`` are the candidates themselves (a one-word query)."""
        return word_ids is self.ids or (len(word_ids) == len(self.ids)
                                        and np.array_equal(word_ids, self.ids))

    def of(self, word_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return where ``word_ids`` found in ``ids`` sit there, and where in ``word_ids`` (not
        a mask: copying by a random mask is several times slower)."""
        ids = self.ids
        if self.holds_all(word_ids):
            return np.arange(len(ids)), np.arange(len(ids))  # one word: no look-up
        if len(ids) + len(word_ids) >= compiled.JIT_FROM:  # compiled: a gallop through both
            return compiled.common_places(ids, word_ids)
        if len(word_ids) > (self.SEARCH if self.can_map else 1) * len(ids) or (
                self.dense is None and (not self.can_map or len(word_ids) * self.SEARCH < len(ids))):
            # a map of document numbers for long lists (15,000 candidates in a common word's
            # 120,000 postings: ~1 ms by binary search at 8x), else binary searches
            _, in_ids, in_word = sets.intersect(ids, word_ids)
            return in_ids, in_word
        if self.dense is None:
            self.dense = np.full(int(ids[-1]) + 1, -1, dtype=np.int32)  # half the bytes
            self.dense[ids] = np.arange(len(ids))
        at = np.full(len(word_ids), -1, dtype=np.int32)
        inside = word_ids < len(self.dense)
        at[inside] = self.dense[word_ids[inside]]
        found = np.flatnonzero(at >= 0)
        return at[found], found


def searched(ids: np.ndarray, word_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Places.of`` by binary search (its definition)."""
    at = np.searchsorted(ids, word_ids)
    inside = at < len(ids)
    inside[inside] = ids[at[inside]] == word_ids[inside]
    found = np.flatnonzero(inside)
    return at[found], found
