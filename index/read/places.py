"""Where a word's documents sit among a query's candidates (both sorted document numbers):
``Places.of``, by ``sets.intersect`` (from ``compiled.JIT_FROM`` documents a compiled gallop of
the shorter list through the longer; below, a map of document numbers or binary searches,
whichever costs least)."""
from __future__ import annotations

import numpy as np

from index.read import sets


class Places:
    """Where documents sit in ``ids`` (ascending, unique), for several lists of documents
    (``searched`` is the definition). A dense map of the candidates, built once and read by
    every later list, was tried and removed: the gallop costs less than building it."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = ids

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
        _, in_ids, in_word = sets.intersect(ids, word_ids)
        return in_ids, in_word


def searched(ids: np.ndarray, word_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Places.of`` by binary search (its definition)."""
    at = np.searchsorted(ids, word_ids)
    inside = at < len(ids)
    inside[inside] = ids[at[inside]] == word_ids[inside]
    found = np.flatnonzero(inside)
    return at[found], found
