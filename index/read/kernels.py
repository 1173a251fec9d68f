"""The compiled loops of set algebra and scoring that ``compiled`` runs (numba; imported
by ``compiled.load`` only: a process that searches no broad list never imports numba): a
word's BM25F parts and sums, where one list's documents sit in another, the higher of two
scores. Kept at module level, not in a closure, so numba's cache (``cache=True``) finds them
again in the next process: compiled once per checkout, loaded in ~0.5 s afterwards (numba's
import included); ``kernels_list`` holds the loops over a list's matches."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def part_values(ids, tf, lengths, factor, norm_a, norm_b, knee,
                drop):  # pragma: no cover - compiled
    """Return each posting's frequency (times ``factor``) over its document's length norm,
    ``norm_a + norm_b * length``, less ``drop`` of the length past ``knee``:
    ``scoring._bm25f``'s passes in one, the same operations in the same order (no fused
    multiply-add: numba's default)."""
    out = np.empty(len(ids), dtype=np.float64)
    scaled = factor != 1.0
    for i in range(len(ids)):
        v = np.float64(tf[i])
        if scaled:
            v *= factor
        length = np.float64(lengths[ids[i]])
        past = length - knee
        if past > 0.0:
            length -= past * drop
        out[i] = v / (length * norm_b + norm_a)
    return out


@njit(cache=True, nogil=True)
def _merged(a, b):  # pragma: no cover - compiled
    """Return the ascending distinct ids of ``a`` or ``b`` (each ascending, distinct). (With
    branches: a short list merged into a long one takes the same one nearly every time.)"""
    out = np.empty(len(a) + len(b), dtype=np.int64)
    i, j, n = 0, 0, 0
    while i < len(a) and j < len(b):
        x, y = a[i], b[j]
        if x < y:
            out[n] = x
            i += 1
        elif y < x:
            out[n] = y
            j += 1
        else:
            out[n] = x
            i += 1
            j += 1
        n += 1
    for k in range(i, len(a)):
        out[n] = a[k]
        n += 1
    for k in range(j, len(b)):
        out[n] = b[k]
        n += 1
    return out[:n]


@njit(cache=True, nogil=True)
def _places(union, part):  # pragma: no cover - compiled
    """Return where each of ``part`` (ascending, all in ``union``) is in ``union``: by a walk
    when it is dense there, by binary searches from the last place when sparse."""
    at = np.empty(len(part), dtype=np.int64)
    j, n = 0, len(union)
    walk = 8 * len(part) >= n
    for x in range(len(part)):
        d = part[x]
        if walk:
            while union[j] < d:
                j += 1
        else:
            j += np.searchsorted(union[j:], d)
        at[x] = j
    return at


@njit(cache=True, nogil=True)
def union_sums(ids, values, starts):  # pragma: no cover - compiled
    """Return (the ascending distinct ids of the parts ``ids[starts[p]:starts[p + 1]]``,
    each ascending and distinct; each id's values summed from 0 in part order, as
    ``sets.sum_by_id`` adds them). The lists but the largest (a word's body postings) are
    merged, smallest first, then merged once with the largest, noting where each entry of
    both goes; each short list finds its places among the short ones' (a few thousand, in
    cache), not among the whole union."""
    k = len(starts) - 1
    sizes = starts[1:] - starts[:-1]
    order = np.argsort(sizes)
    big = order[-1]
    short = np.empty(0, dtype=np.int64)
    for p in order[:-1]:
        short = _merged(short, ids[starts[p]:starts[p + 1]])
    long = ids[starts[big]:starts[big + 1]]
    union = np.empty(len(short) + len(long), dtype=np.int64)
    in_short = np.empty(len(short), dtype=np.int64)
    in_long = np.empty(len(long), dtype=np.int64)
    i, j, n = 0, 0, 0
    while i < len(short) or j < len(long):
        take_short = j == len(long) or (i < len(short) and short[i] <= long[j])
        take_long = i == len(short) or (j < len(long) and long[j] <= short[i])
        if take_short:
            union[n] = short[i]
            in_short[i] = n
            i += 1
        if take_long:
            union[n] = long[j]
            in_long[j] = n
            j += 1
        n += 1
    sums = np.zeros(n, dtype=np.float64)
    for p in range(k):
        first = starts[p]
        if p == big:
            for x in range(len(long)):
                sums[in_long[x]] += values[first + x]
        else:
            at = _places(short, ids[first:starts[p + 1]])
            for x in range(len(at)):
                sums[in_short[at[x]]] += values[first + x]
    return union[:n], sums


@njit(cache=True, nogil=True)
def common_places(a, b):  # pragma: no cover - compiled
    """Return where the documents both ``a`` and ``b`` (ascending, distinct) hold sit in
    ``a`` and in ``b``: ``places.searched``, each document of the shorter list looked for in
    the longer (``_gallop``)."""
    if len(a) <= len(b):
        return _gallop(a, b)
    in_b, in_a = _gallop(b, a)
    return in_a, in_b


@njit(cache=True, nogil=True)
def _gallop(short, long):  # pragma: no cover - compiled
    """Return where the documents of ``short`` that ``long`` holds sit in each, each looked
    for from where the last was found, by steps doubling until past it, then halving: a few
    probes near each other when the lists are alike, a binary search when ``short`` is much
    shorter."""
    in_short = np.empty(len(short), dtype=np.int64)
    in_long = np.empty(len(short), dtype=np.int64)
    n, j, size = 0, 0, len(long)
    for i in range(len(short)):
        d = short[i]
        if j < size and long[j] < d:
            lo, step = j, 1  # long[lo] < d
            hi = lo + step
            while hi < size and long[hi] < d:
                lo = hi
                step *= 2
                hi = lo + step
            hi = min(hi, size)  # long[hi] >= d, or the end
            lo += 1
            while lo < hi:
                mid = (lo + hi) >> 1
                if long[mid] < d:
                    lo = mid + 1
                else:
                    hi = mid
            j = lo
        if j >= size:
            break
        if long[j] == d:
            in_short[n] = i
            in_long[n] = j
            n += 1
            j += 1
    return in_short[:n], in_long[:n]


@njit(cache=True, nogil=True)
def best_of(a_ids, a_scores, b_ids, b_scores):  # pragma: no cover - compiled
    """Return the ids of either (each ascending, distinct), each with the higher of its
    scores, 0 the least (``sets.best``: ``np.maximum`` from 0, ``a`` then ``b``), by one
    merge."""
    out = np.empty(len(a_ids) + len(b_ids), dtype=np.int64)
    scores = np.empty(len(out), dtype=np.float64)
    i, j, n = 0, 0, 0
    while i < len(a_ids) or j < len(b_ids):
        take_a = j == len(b_ids) or (i < len(a_ids) and a_ids[i] <= b_ids[j])
        take_b = i == len(a_ids) or (j < len(b_ids) and b_ids[j] <= a_ids[i])
        s = 0.0
        if take_a:
            out[n] = a_ids[i]
            s = s if s >= a_scores[i] else a_scores[i]  # np.maximum(s, a): s when equal
            i += 1
        if take_b:
            out[n] = b_ids[j]
            s = s if s >= b_scores[j] else b_scores[j]
            j += 1
        scores[n] = s
        n += 1
    return out[:n], scores[:n]
