"""Set algebra on sorted document numbers: unions, sums and maxima by document.

The posting lists a query combines are each sorted and unique, so their concatenation is a
few sorted runs. A stable sort (NumPy's timsort/radix sort) merges such runs in about linear
time, where ``np.unique`` sorts from scratch (and, without ``return_inverse``, hashes first:
on FakeNewsNet it was the largest single cost of a query's set algebra). Every function here
returns exactly what its ``np.unique`` form (``reference``) returns, sums added in the same
order, so scores are equal bit for bit; ``tests/test_pruning.py`` compares whole searches run
both ways.
"""
from __future__ import annotations

from math import log2

import numpy as np

from index.read import compiled


def _runs(ids: np.ndarray, order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Return (the distinct ids of sorted ``ids``, where each of ``ids`` goes among them)."""
    first = np.empty(len(ids), dtype=bool)
    first[:1] = True
    np.not_equal(ids[1:], ids[:-1], out=first[1:])
    return ids[first], np.cumsum(first) - 1


def union(parts: list[np.ndarray]) -> np.ndarray:
    """Return the ascending distinct document numbers of sorted ``parts``."""
    if len(parts) == 1:
        return np.asarray(parts[0])
    return _runs(np.sort(np.concatenate(parts), kind="stable"))[0]


def sum_by_id(ids_parts: list[np.ndarray], value_parts: list[np.ndarray]
              ) -> tuple[np.ndarray, np.ndarray]:
    """Return (unique ascending ids, the sum of each id's values), added in part order."""
    if len(ids_parts) == 1:
        return ids_parts[0], value_parts[0]
    sizes = [len(p) for p in ids_parts]
    big, total = int(np.argmax(sizes)), sum(sizes)
    top = max(int(p[-1]) for p in ids_parts if len(p)) + 1 if total else 0
    merges = total >= MERGE_FROM and sizes[big] >= MOST * total
    if top * DENSE_COST < min((len(sizes) - 1) * sizes[big] if merges else total * SORT_COST,
                              total * SORT_COST):
        return _dense(ids_parts, value_parts, top)
    if merges:  # compiled: one merge of the lists, smallest first, and a walk a list
        return compiled.sum_by_id(ids_parts, value_parts)  # (``_into_largest``: numpy's)
    ids = np.concatenate(ids_parts)
    order = np.argsort(ids, kind="stable")  # equal ids keep part order: the same sums
    distinct, where = _runs(ids[order])
    return distinct, np.bincount(where, weights=np.concatenate(value_parts)[order],
                                 minlength=len(distinct))


MERGE_FROM = 20_000  # postings from which the other lists are merged into the largest one
MOST = 0.6           # when it holds this share of them (a word's body postings)
# Costs per element (merging a list into the largest costs one per element of the largest),
# measured at 8x FakeNewsNet: sums by a dense count cost per document number up to the
# largest held, a sort per posting.
DENSE_COST, SORT_COST = 1.5, 8


def _dense(ids_parts: list[np.ndarray], value_parts: list[np.ndarray], top: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """``sum_by_id`` by one count over the document numbers below ``top``: each id's values
    are added in the order the concatenation holds them, part order, as the sort adds them
    (a last word completed into 20 words at 8x FakeNewsNet: 27 lists, 117,595 postings,
    merged into the largest in 5.2 ms, sorted in 2.2 ms, counted in 1.5 ms)."""
    ids = np.concatenate(ids_parts)
    sums = np.bincount(ids, weights=np.concatenate(value_parts), minlength=top)
    held = np.zeros(top, dtype=bool)
    held[ids] = True
    distinct = np.flatnonzero(held)
    return distinct.astype(ids.dtype, copy=False), sums[distinct]


def _into_largest(ids_parts: list[np.ndarray], value_parts: list[np.ndarray], big: int
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``sum_by_id`` by merging the other lists into the largest: no sort of all the
    postings ("time" at 8x FakeNewsNet: 131,997 postings, 103,000 of them the body's). The
    sums keep part order: the lists before the largest summed first, then it, then each
    list after it in turn."""
    ids, values = ids_parts[big], value_parts[big]
    if big:
        ids, values = _added(*sum_by_id(ids_parts[:big], value_parts[:big]), ids, values)
    after = [(i, v) for i, v in zip(ids_parts[big + 1:], value_parts[big + 1:]) if len(i)]
    if len(after) == 1:
        return _added(ids, values, *after[0])
    return _added_in_turn(ids, values, after) if after else (ids, values)


def _added_in_turn(ids: np.ndarray, values: np.ndarray, parts: list) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    """``_added`` of each of ``parts`` (shorter lists) in turn, with one copy of the long
    list, not one a part: the ids only the parts hold are put in at once, then each part's
    values added in order ("times" at 8x FakeNewsNet: five lists after the body's 125,332)."""
    ids = ids.astype(np.result_type(ids, *(p for p, _ in parts)), copy=False)
    new = union([p[np.flatnonzero(~member(p, ids))] for p, _ in parts])
    if len(new):
        before = np.searchsorted(ids, new)
        ids, values = np.insert(ids, before, new), np.insert(values, before, 0.0)
    else:
        values = values.copy()
    for part_ids, part_values in parts:
        values[np.searchsorted(ids, part_ids)] += part_values
    return ids, values


def _added(a_ids: np.ndarray, a_values: np.ndarray, b_ids: np.ndarray, b_values: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray]:
    """Return the ids of ``a`` or ``b`` (each ascending, unique) and their values, summed
    where both hold an id (one addition: the same in either order); the shorter list is
    searched for in the longer, and the ids it alone holds inserted."""
    (s_ids, s_values), (l_ids, l_values) = sorted(((a_ids, a_values), (b_ids, b_values)),
                                                  key=lambda part: len(part[0]))
    l_ids = l_ids.astype(np.result_type(l_ids, s_ids), copy=False)
    at = np.searchsorted(l_ids, s_ids)
    found = at < len(l_ids)
    found[found] = l_ids[at[found]] == s_ids[found]
    new = np.flatnonzero(~found)
    if len(new):  # inserted before these places of the longer list, in order
        before = at[new]
        ids, values = np.insert(l_ids, before, s_ids[new]), np.insert(l_values, before, 0.0)
        at = at + np.searchsorted(before, at, "right")
        at[new] = before + np.arange(len(new))
    else:
        ids, values = l_ids, l_values.copy()
    values[at] += s_values
    return ids, values


def all_of(lists: list[np.ndarray]) -> np.ndarray:
    """Return the documents in every one of ``lists`` (each ascending, unique), by binary
    searches of the shortest list's survivors in each longer one."""
    lists = sorted(lists, key=len)
    ids = lists[0]
    for other in lists[1:]:
        ids = ids[np.flatnonzero(member(ids, other))]  # places: faster than the mask
    return ids


MARK_FROM = 512  # documents on each side from which a mark may be cheaper than searching
MARK_SPAN = 64   # a mark when the document numbers span at most this many times both lists
# Costs (ns, 8x FakeNewsNet, caches cold) of finding places by a map of document numbers: a
# map entry to clear, one to set or read per document of either list; by binary search: a
# probe of the longer list per level, per document of the shorter.
MAP_PAGE, MAP_ENTRY, PROBE = 0.5, 1.2, 2.0


def _span(a: np.ndarray, b: np.ndarray) -> int:
    """Return the size of a mark of ``a`` and ``b`` by document number (both non-empty) if
    it pays (``MARK_SPAN``), else 0."""
    top = int(max(a[-1], b[-1])) + 1
    return top if top <= MARK_SPAN * (len(a) + len(b)) else 0


def by_marks(a: np.ndarray, b: np.ndarray) -> bool:
    """Return True if the places of ``a`` in ``b`` are found cheaper by ``intersect``'s map
    than by binary searches of the shorter list in the longer (116,000 candidates against a
    title's 3,500: searched in 0.15 ms, mapped in 0.4; against 30,000: 0.9 and 0.53)."""
    if not len(a) or not len(b):
        return False
    short, long = sorted((len(a), len(b)))
    top = int(max(a[-1], b[-1])) + 1
    return PROBE * short * log2(long + 1) > MAP_ENTRY * (short + long) + MAP_PAGE * top


def member(ids: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Return, per document of ``ids``, whether ``others`` holds it (both ascending and unique:
    ``np.isin``). Long lists are marked by document number, one byte each, and the mark read
    (at 8x FakeNewsNet, 116,000 ids and 30,000 others: 0.1 ms, where binary searches of the
    shorter in the longer took 1.0, their probes landing far apart); short ones are searched."""
    found = np.zeros(len(ids), dtype=bool)
    if not len(ids) or not len(others):
        return found
    if min(len(ids), len(others)) >= MARK_FROM and (top := _span(ids, others)):
        mark = np.zeros(top, dtype=bool)
        mark[others] = True
        return mark[ids]
    if len(others) <= len(ids):
        at = np.minimum(np.searchsorted(ids, others), len(ids) - 1)
        found[at[ids[at] == others]] = True
        return found
    at = np.minimum(np.searchsorted(others, ids), len(others) - 1)
    return others[at] == ids


def intersect(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the documents of both (ascending and unique) and where they sit in each:
    ``np.intersect1d(a, b, assume_unique=True, return_indices=True)``. Long lists by a map of
    document number to place in ``b`` (116,000 and 30,000 documents: 0.47 ms, sorting both
    1.1 ms); from ``compiled.JIT_FROM`` documents by a compiled gallop of the shorter list
    through the longer (``compiled.common_places``; 11,581 candidates in "year"'s 116,780
    documents: 0.39 -> 0.22 ms)."""
    if len(a) + len(b) >= compiled.JIT_FROM and len(a) and len(b):
        ia, ib = compiled.common_places(a, b)
        return a[ia].astype(np.result_type(a, b), copy=False), ia, ib
    if not by_marks(a, b):
        return _searched_both(a, b)
    place = np.zeros(int(max(a[-1], b[-1])) + 1, dtype=np.int32)
    place[b] = np.arange(1, len(b) + 1)  # 0: not in b
    in_b = place[a]
    ia = np.flatnonzero(in_b)
    return a[ia].astype(np.result_type(a, b), copy=False), ia, in_b[ia].astype(np.int64) - 1


def _searched_both(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``intersect`` by binary searches of the shorter list in the longer."""
    short, long, swap = (a, b, False) if len(a) <= len(b) else (b, a, True)
    if not len(short) or not len(long):
        empty = np.zeros(0, dtype=np.int64)
        return np.zeros(0, dtype=np.result_type(a, b)), empty, empty
    at = np.minimum(np.searchsorted(long, short), len(long) - 1)
    in_short = np.flatnonzero(long[at] == short)
    in_long = at[in_short].astype(np.int64)
    common = short[in_short].astype(np.result_type(a, b), copy=False)
    return (common, in_long, in_short) if swap else (common, in_short, in_long)


def best(a_ids: np.ndarray, a_scores: np.ndarray, b_ids: np.ndarray, b_scores: np.ndarray
         ) -> tuple[np.ndarray, np.ndarray]:
    """Return the ids of either, each with the higher of its scores (0 when lower); from
    ``compiled.JIT_FROM`` documents by one compiled merge (a completed word's forms at 8x:
    2.9 ms by the union's sort and two binary searches of it)."""
    if len(a_ids) + len(b_ids) >= compiled.JIT_FROM:
        return compiled.best(a_ids, a_scores, b_ids, b_scores)
    ids = union([a_ids, b_ids])
    scores = np.zeros(len(ids))
    at = np.searchsorted(ids, a_ids)
    scores[at] = np.maximum(scores[at], a_scores)
    at = np.searchsorted(ids, b_ids)
    scores[at] = np.maximum(scores[at], b_scores)
    return ids, scores


class reference:  # noqa: N801 - a namespace: the np.unique forms, the definition of the above
    """The plain ``np.unique`` forms of the functions above, kept to test them against."""

    @staticmethod
    def union(parts: list[np.ndarray]) -> np.ndarray:
        return np.unique(np.concatenate(parts))

    @staticmethod
    def sum_by_id(ids_parts, value_parts):
        if len(ids_parts) == 1:
            return ids_parts[0], value_parts[0]
        ids, where = np.unique(np.concatenate(ids_parts), return_inverse=True)
        return ids, np.bincount(where, weights=np.concatenate(value_parts), minlength=len(ids))

    @staticmethod
    def best(a_ids, a_scores, b_ids, b_scores):
        ids, where = np.unique(np.concatenate([a_ids, b_ids]), return_inverse=True)
        scores = np.zeros(len(ids))
        np.maximum.at(scores, where, np.concatenate([a_scores, b_scores]))
        return ids, scores
