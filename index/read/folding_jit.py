"""A broad query's list folded in one compiled pass (numba): what ``listing.Listing._fold``
finds with numpy, to the document.

At 8x FakeNewsNet "times" has 72,567 matches; folding them with numpy took ~3.7 ms in a dozen
passes over the list (the grouped matches, their groups, each group's count, the quotes, their
articles, a mask of the matches, the groups to look in, each key of the result order read for
the documents still tied, the quotes whose article and themselves stand), each pass reading or
writing arrays by document number (532,565 of them) and making a temporary the size of the
list: the largest stage of a broad search after scoring, and one that grows with the archive.
The loops below read each match's entries once and keep only a count and a best per group.

The result order is ``order.in_order``'s: by relevance, a better tier first, then a higher
score, a later day, a smaller ``seq``; by date, dated first, then the day (ascending for
``date``, descending otherwise), then a smaller ``seq`` (which tells any two documents
apart). ``Listing`` uses this path for lists of ``JIT_FROM`` matches or more; the numpy path
stays the reference (``tests/test_fast_path.py`` compares them on random lists and orders).

numba is imported, and the loops compiled (or loaded from their cache, ``cache=True``), on
the first broad list or at a worker's warm-up (``load``), never by a process that does not
fold a broad list.
"""
from __future__ import annotations

import numpy as np

JIT_FROM = 2048  # matches: below this the numpy passes cost microseconds
_kernel = None


def load():
    """Return the compiled fold, compiled (or loaded from numba's cache) on first use for
    the one set of types ``fold`` passes, so that no search waits for it."""
    global _kernel
    if _kernel is None:
        from index.read.fold_kernel import fold_list as kernel
        one, no = np.zeros(1, np.int64), np.zeros(1, np.bool_)
        kernel(one, no, np.zeros(1, np.int32), 1, no, np.full(1, -1, np.int32),
               np.zeros(1, np.int32), np.zeros(1), one, one, True, False)
        _kernel = kernel
    return _kernel


def fold(ids: np.ndarray, multi: np.ndarray, dense: np.ndarray, count: int,
         quoted: np.ndarray, parent: np.ndarray, tier: np.ndarray, score: np.ndarray,
         day: np.ndarray, seq: np.ndarray, sort: str, ranked: bool
         ) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Return, for the matches ``ids`` (ascending; ``tier`` and ``score`` per match; the
    rest per document number), each group's matches (``count`` groups), how many copies
    fold, and the places in ``ids`` of the quotes that fold under their article with each
    one's article."""
    relevance = sort == "relevance" and ranked
    return load()(ids.astype(np.int64, copy=False), multi, dense.astype(np.int32, copy=False),
                  count, quoted, parent.astype(np.int32, copy=False),
                  tier.astype(np.int32, copy=False),  # a few words: small numbers
                  score.astype(np.float64, copy=False), day.astype(np.int64, copy=False),
                  seq.astype(np.int64, copy=False), relevance, sort == "date")
