"""Where a word's documents sit among a query's candidates (both sorted document numbers):
``Places.of``, found by a map of the candidates, by binary searches either way, or by
``sets.intersect``'s map of document numbers, whichever costs least."""
from __future__ import annotations

import numpy as np

from index.read import sets


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

    def of(self, word_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return where ``word_ids`` found in ``ids`` sit there, and where in ``word_ids`` (not
        a mask: copying by a random mask is several times slower)."""
        ids = self.ids
        if word_ids is ids or (len(word_ids) == len(ids) and np.array_equal(word_ids, ids)):
            return np.arange(len(ids)), np.arange(len(ids))  # one word: no look-up
        if len(word_ids) > (self.SEARCH if self.can_map else 1) * len(ids):
            if sets.by_marks(ids, word_ids):  # long lists: a map, not far-apart probes
                return marked(ids, word_ids)
            return inverse(ids, word_ids)  # fewer candidates than the list: find them in it
        if self.dense is None:
            if not self.can_map or len(word_ids) * self.SEARCH < len(ids):
                return marked(ids, word_ids) if sets.by_marks(ids, word_ids) else \
                    searched(ids, word_ids)
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


def marked(ids: np.ndarray, word_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Places.of`` by ``sets.intersect``'s map of document numbers (at 8x FakeNewsNet,
    15,000 candidates found in a common word's 120,000 postings: ~1 ms by binary search)."""
    _, in_ids, in_word = sets.intersect(ids, word_ids)
    return in_ids, in_word


def inverse(ids: np.ndarray, word_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Places.of`` for a list much longer than ``ids``: where the documents of ``ids`` found
    in ``word_ids`` sit in ``ids``, and where they sit in ``word_ids``."""
    if not len(word_ids):
        return searched(ids, word_ids)
    at = np.minimum(np.searchsorted(word_ids, ids), len(word_ids) - 1)
    found = word_ids[at] == ids
    return np.flatnonzero(found), at[found]
