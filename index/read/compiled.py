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
    no search waits for them (a type met first in a search cost it 10-40 ms)."""
    global _loaded
    if _loaded is None:
        from index.read import kernels as sets_and_scores
        from index.read import kernels_list
        kernels = SimpleNamespace(**{name: getattr(module, name) for module in (
            sets_and_scores, kernels_list) for name in dir(module) if name in LOOPS})
        one, no, small, real = (_ro(np.zeros(1, t)) for t in (np.int64, bool, np.int32, float))
        kernels.fold_list(one, no, small, 1, no, small, small, real, one, one, True, False)
        for lengths in (np.float32, np.float64):  # ``stats.FieldStats``'s lengths
            kernels.part_values(small, _ro(np.ones(1), np.float32), _ro(np.ones(1), lengths),
                                1.0, 1.0, 1.0, 1.0, 1.0)
        kernels.union_sums(one, real, _ro(np.array([0, 1])))
        for a, b in ((small, small), (small, one), (one, small), (one, one)):
            kernels.common_places(a, b)
            kernels.best_of(a, real, b, real)
        for codes in (np.uint8, np.uint16, np.int32):  # ``facet_columns.narrow``'s types
            kernels.value_counts(one, _ro(np.zeros(1), codes), 1)
        for tiers in (small, one):
            kernels.contenders(tiers, real, 1)
        _loaded = kernels
    return _loaded


def _ro(array: np.ndarray, dtype=None) -> np.ndarray:
    """Return a read-only view of ``array`` (as ``dtype`` and contiguous, copied when it is
    not): numba compiles a loop once per type of its arguments, and a read-only or strided
    array is a type apart (a snapshot's arrays are read-only, a search's own are not); every
    call below passes read-only arrays of fixed types, so ``load``'s forms serve every search."""
    view = np.ascontiguousarray(array, dtype).view()
    view.flags.writeable = False
    return view


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
        _ro(ids, np.int64), _ro(multi, bool), _ro(dense, np.int32), count, _ro(quoted, bool),
        _ro(parent, np.int32), _ro(tier, np.int32),  # a few words: small numbers
        _ro(score, np.float64), _ro(day, np.int64), _ro(seq, np.int64), relevance,
        sort == "date")


def part_values(ids: np.ndarray, tf: np.ndarray, lengths: np.ndarray, factor: float,
                norm_a: float, norm_b: float, knee: float, drop: float) -> np.ndarray:
    """Return ``tf * factor / (norm_a + norm_b * length)`` (float64), less ``drop`` of a length
    past ``knee``, as ``stats.FieldStats.weighted`` computes it with numpy (frequencies as
    float32, exact for Whoosh's; lengths as stored, float32 or float64)."""
    return load().part_values(_ro(ids, np.int32), _ro(tf, np.float32), _ro(lengths),
                              float(factor), float(norm_a), float(norm_b), float(knee),
                              float(drop))


def sum_by_id(ids_parts: list[np.ndarray], value_parts: list[np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
    """``sets.sum_by_id``: (ascending distinct ids, each one's values summed in part
    order)."""
    starts = np.zeros(len(ids_parts) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in ids_parts], out=starts[1:])
    ids = np.concatenate(ids_parts, dtype=np.int64)
    values = np.concatenate(value_parts, dtype=np.float64)
    union, sums = load().union_sums(_ro(ids), _ro(values), _ro(starts))
    return union.astype(np.result_type(*ids_parts), copy=False), sums


def common_places(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return where the documents both ``a`` and ``b`` (ascending, distinct) hold sit in
    each (int64 places): ``places.searched``'s answer."""
    return load().common_places(_ro(a, _ids(a)), _ro(b, _ids(b)))


def _ids(a: np.ndarray):
    """Return the type document numbers are passed as: int32 or int64, as they are."""
    return np.int32 if a.dtype == np.int32 else np.int64


def counts(docs: np.ndarray, codes: np.ndarray, size: int) -> np.ndarray:
    """Return ``np.bincount(codes[docs], minlength=size)``: compiled from ``JIT_FROM``
    documents, numpy's below."""
    if len(docs) < JIT_FROM:
        return np.bincount(codes[docs], minlength=size)
    return load().value_counts(_ro(docs, np.int64), _ro(codes), size)


def contenders(tier: np.ndarray, score: np.ndarray, end: int) -> np.ndarray:
    """Return ``order._contenders``'s rows (``end`` < rows): those that may be among the
    first ``end`` by (tier, score)."""
    return load().contenders(_ro(tier, np.int32) if tier.dtype.itemsize <= 4 else _ro(tier),
                             _ro(score, np.float64), end)


def best(a_ids: np.ndarray, a_scores: np.ndarray, b_ids: np.ndarray, b_scores: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """Return ``sets.best``'s answer: the ids of either, each with the higher of its scores
    (0 the least)."""
    ids, scores = load().best_of(_ro(a_ids, _ids(a_ids)), _ro(a_scores, np.float64),
                                 _ro(b_ids, _ids(b_ids)), _ro(b_scores, np.float64))
    return ids.astype(np.result_type(a_ids, b_ids), copy=False), scores
