"""The loops of a broad query compiled with numba (``kernels``, ``kernels_list``), where numpy
made a pass (and a temporary the size of the list) per step: each gives what its numpy form
gives, to the bit.

- **Folding** (``fold``, for ``listing.Listing._fold``): at 8x FakeNewsNet "times" has
  127,135 matches; folding them with numpy took 3.1-3.7 ms in a dozen passes over the list
  (the grouped matches, their groups, each group's count, the quotes, their articles, a mask
  of the matches, the groups to look in, each key of the result order read for the
  documents still tied, the quotes whose article and themselves stand), each reading arrays
  by document number (532,565 of them). One pass over the list and a pass over the quotes
  and grouped matches found there: 1.5 ms. The result order is ``order.in_order``'s: by
  relevance, a better tier first, then a higher score, a later day, a smaller ``seq``; by
  date, dated first, then the day (ascending for ``date``, descending otherwise), then a
  smaller ``seq`` (which tells any two documents apart).
- **A word's BM25F sums** (``part_values`` and ``sum_by_id``, for ``scoring._bm25f`` and
  ``sets.sum_by_id``): each posting's frequency over its length norm, then the sums by
  document over the fields' lists ("times": 129,000 postings in six lists, 125,332 of them
  the body's), added in part order.
- **Where one list's documents sit in another** (``common_places``, for ``sets.intersect``
  and ``places.Places.of``): a gallop of the shorter list through the longer, where numpy
  made a binary search of the whole longer list per document, or a map by document number.
- **Facet counts** (``counts``, for ``facets``): each value's count among a broad
  query's matches in one pass, without the gathered copy of their codes (at 8x, "times":
  the combined small columns, the speakers and the bylines 0.83 -> 0.43 ms).
- **The rows that may lead** (``contenders``, for ``order.in_order``): those at or above
  the page's last (tier, score), found in one pass keeping the page's best so far, where
  numpy counted tiers and partitioned scores in eight passes ("times": 0.49 -> 0.24 ms).
- **The higher of two scores** (``best``, for ``sets.best``: a word and its typo or
  completion variants): one merge, where numpy sorted the union and searched it twice (a
  completed word at 8x: 2.9 ms).

Lists of ``JIT_FROM`` entries or more take these paths; the numpy forms stay the reference
(``tests/test_fast_path.py`` compares them on random lists, and runs the loops by Python
too, which raises where a loop would index past an end).

numba is imported, and the loops compiled (or loaded from their cache, ``cache=True``, ~0.5 s
with numba's import; a first compile ~4 s), when a snapshot of ``JIT_FROM`` documents or more
opens (``stats.FieldStats``): never on a search's clock (a first compile took longer than a
search's budget), never in a process that opens only a small index (the demo's).
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

JIT_FROM = 2048  # entries: below this the numpy passes cost microseconds
LOOPS = ("fold_list", "part_values", "union_sums", "common_places", "value_counts",
         "contenders", "best_of")
_loaded = None


def load():
    """Return the compiled loops (``kernels`` and ``kernels_list``, by name), compiled (or
    loaded from numba's cache) on first use for the types the functions below pass, so that
    no search waits for them."""
    global _loaded
    if _loaded is None:
        from index.read import kernels as sets_and_scores
        from index.read import kernels_list
        kernels = SimpleNamespace(**{name: getattr(module, name) for module in (
            sets_and_scores, kernels_list) for name in dir(module) if name in LOOPS})
        one, no, small = np.zeros(1, np.int64), np.zeros(1, np.bool_), np.zeros(1, np.int32)
        kernels.fold_list(one, no, small, 1, no, np.full(1, -1, np.int32), small,
                          np.zeros(1), one, one, True, False)
        kernels.part_values(small, np.ones(1, np.float32), np.ones(1, np.float32), 1.0, 1.0,
                            1.0, 1.0, 1.0)
        kernels.union_sums(one, np.zeros(1), np.array([0, 1], np.int64))
        for a, b in ((small, small), (small, one), (one, small), (one, one)):
            kernels.common_places(a, b)
        for codes in (np.uint8, np.uint16, np.int32):  # ``facet_columns.narrow``'s types
            kernels.value_counts(one, np.zeros(1, codes), 1)
        for tiers in (small, one):
            kernels.contenders(tiers, np.zeros(1), 1)
        for a, b in ((small, small), (one, one)):
            kernels.best_of(a, np.zeros(1), b, np.zeros(1))
        _loaded = kernels
    return _loaded


def fold(ids: np.ndarray, multi: np.ndarray, dense: np.ndarray, count: int,
         quoted: np.ndarray, parent: np.ndarray, tier: np.ndarray, score: np.ndarray,
         day: np.ndarray, seq: np.ndarray, sort: str, ranked: bool
         ) -> tuple[np.ndarray, int, np.ndarray, np.ndarray]:
    """Return, for the matches ``ids`` (ascending; ``tier`` and ``score`` per match; the
    rest per document number), each group's matches (``count`` groups), how many copies
    fold, and the places in ``ids`` of the quotes that fold under their article with each
    one's article."""
    relevance = sort == "relevance" and ranked
    return load().fold_list(
        ids.astype(np.int64, copy=False), multi, dense.astype(np.int32, copy=False), count,
        quoted, parent.astype(np.int32, copy=False),
        tier.astype(np.int32, copy=False),  # a few words: small numbers
        score.astype(np.float64, copy=False), day.astype(np.int64, copy=False),
        seq.astype(np.int64, copy=False), relevance, sort == "date")


def part_values(ids: np.ndarray, tf: np.ndarray, lengths: np.ndarray, factor: float,
                norm_a: float, norm_b: float, knee: float, drop: float) -> np.ndarray:
    """Return ``tf * factor / (norm_a + norm_b * length)`` (float64), less ``drop`` of a length
    past ``knee``, as ``stats.FieldStats.weighted`` computes it with numpy
    (for other types than the index's, int32, float32 and float32, numba compiles the loop
    again)."""
    return load().part_values(ids, tf, lengths, float(factor), float(norm_a), float(norm_b),
                              float(knee), float(drop))


def sum_by_id(ids_parts: list[np.ndarray], value_parts: list[np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
    """``sets.sum_by_id``: (ascending distinct ids, each one's values summed in part
    order)."""
    starts = np.zeros(len(ids_parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in ids_parts], out=starts[1:])
    ids = np.concatenate(ids_parts, dtype=np.int64)
    values = np.concatenate(value_parts, dtype=np.float64)
    union, sums = load().union_sums(ids, values, starts)
    return union.astype(np.result_type(*ids_parts), copy=False), sums


def common_places(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return where the documents both ``a`` and ``b`` (ascending, distinct) hold sit in
    each (int64 places): ``places.searched``'s answer."""
    return load().common_places(a, b)


def counts(docs: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """Return ``np.bincount(codes[docs], minlength=size)``: compiled from ``JIT_FROM``
    documents, numpy's below."""
    if len(docs) < JIT_FROM:
        return np.bincount(codes[docs], minlength=size)
    return load().value_counts(docs.astype(np.int64, copy=False), codes, size)


def contenders(tier: np.ndarray, score: np.ndarray, end: int) -> np.ndarray:
    """Return ``order._contenders``'s rows (``end`` < rows): those that may be among the
    first ``end`` by (tier, score)."""
    return load().contenders(tier, score.astype(np.float64, copy=False), end)


def best(a_ids: np.ndarray, a_scores: np.ndarray, b_ids: np.ndarray, b_scores: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """Return ``sets.best``'s answer: the ids of either, each with the higher of its scores
    (0 the least)."""
    ids, scores = load().best_of(a_ids, a_scores.astype(np.float64, copy=False), b_ids,
                                 b_scores.astype(np.float64, copy=False))
    return ids.astype(np.result_type(a_ids, b_ids), copy=False), scores
