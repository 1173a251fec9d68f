"""The loops ``compiled`` runs (numba; imported by ``compiled.load`` only: a process that
searches no broad list never imports numba). Kept at module level, not in a
closure, so numba's cache (``cache=True``) finds them again in the next process: compiled
once per checkout, loaded in ~0.5 s afterwards (numba's import included)."""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def before(i, j, ids, tier, score, day, seq, relevance, ascending):  # pragma: no cover
    """Does the match at place ``i`` come before the one at ``j`` in result order?"""
    a, b = ids[i], ids[j]
    if relevance:
        if tier[i] != tier[j]:
            return tier[i] > tier[j]
        if score[i] != score[j]:
            return score[i] > score[j]
        if day[a] != day[b]:
            return day[a] > day[b]
        return seq[a] < seq[b]
    if (day[a] == 0) != (day[b] == 0):
        return day[b] == 0
    if day[a] != day[b]:
        return (day[a] < day[b]) == ascending
    return seq[a] < seq[b]


@njit(cache=True, nogil=True)
def stands(doc, best, ids, multi, dense):  # pragma: no cover - compiled
    """Is ``doc`` (matching) listed: alone, or its group's first in result order?
    (Without branches: whether a document has copies is a coin toss to the processor.)"""
    return (not multi[doc]) | (ids[max(best[dense[doc]], 0)] == doc)


@njit(cache=True, nogil=True)
def fold_list(ids, multi, dense, count, quoted, parent, tier, score, day, seq,
              relevance, ascending):  # pragma: no cover - compiled
    n = len(ids)
    matching = np.zeros(len(parent), dtype=np.bool_)
    grouped = np.empty(n, dtype=np.int32)  # places of the matches with copies
    quotes = np.empty(n, dtype=np.int32)  # places of the matching quotes
    g_count, q_count = 0, 0
    for i in range(n):  # the one pass over the whole list; every place written, kept
        d = ids[i]      # by moving on or not (a branch mispredicted costs more)
        matching[d] = True
        grouped[g_count] = i
        g_count += multi[d]
        quotes[q_count] = i
        q_count += quoted[d]
    present = np.zeros(count, dtype=np.int32)
    copies = 0
    for k in range(g_count):
        g = dense[ids[grouped[k]]]
        copies += present[g] > 0
        present[g] += 1
    kept = 0  # the quotes whose article matches, first in ``quotes``
    # slot 0 is written (False) and read for documents without copies too: at least one
    wanted = np.zeros(max(count, 1), dtype=np.bool_)  # the groups whose first is asked for
    for k in range(q_count):
        i = quotes[k]
        d = ids[i]
        a = parent[d]
        held = matching[a]
        quotes[kept] = i
        kept += held
        wanted[dense[a]] |= held & multi[a]
        wanted[dense[d]] |= held & multi[d]
    best = np.full(max(count, 1), -1, dtype=np.int32)  # a wanted group's first (a place)
    for k in range(g_count if kept else 0):
        i = grouped[k]
        g = dense[ids[i]]
        if wanted[g] and (best[g] < 0 or before(i, best[g], ids, tier, score, day, seq,
                                                relevance, ascending)):
            best[g] = i
    under = np.empty(kept, dtype=np.int64)
    articles = np.empty(kept, dtype=np.int64)
    folded = 0
    for k in range(kept):
        i = quotes[k]
        d = ids[i]
        a = parent[d]
        under[folded] = i
        articles[folded] = a
        folded += stands(a, best, ids, multi, dense) & stands(d, best, ids, multi, dense)
    return present, copies, under[:folded], articles[:folded]


@njit(cache=True, nogil=True)
def part_values(ids, tf, lengths, factor, norm_a, norm_b):  # pragma: no cover - compiled
    """Return each posting's frequency (times ``factor``) over its document's length norm,
    ``norm_a + norm_b * length``: ``scoring._bm25f``'s four passes in one, the same
    operations in the same order (no fused multiply-add: numba's default)."""
    out = np.empty(len(ids), dtype=np.float64)
    scaled = factor != 1.0
    for i in range(len(ids)):
        v = np.float64(tf[i])
        if scaled:
            v *= factor
        out[i] = v / (np.float64(lengths[ids[i]]) * norm_b + norm_a)
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
def value_counts(docs, codes, size):  # pragma: no cover - compiled
    """Return how many of ``docs`` have each code (``np.bincount(codes[docs], minlength=
    size)``) in one pass, no gathered copy; counted in four tables taken in turn, so that
    neighbours of one value (a broad query's matches: one year, one kind) do not wait for
    each other's count, each as long as the codes met (of 65,536 combined ones, a few
    hundred)."""
    top = 0
    for i in range(len(docs)):
        top = max(top, codes[docs[i]] + 1)
    tables = np.zeros((4, top), dtype=np.int32)  # fewer than 2**31 documents
    n = len(docs)
    body = n - n % 4
    for i in range(0, body, 4):
        tables[0, codes[docs[i]]] += 1
        tables[1, codes[docs[i + 1]]] += 1
        tables[2, codes[docs[i + 2]]] += 1
        tables[3, codes[docs[i + 3]]] += 1
    for i in range(body, n):
        tables[0, codes[docs[i]]] += 1
    out = np.zeros(max(size, top), dtype=np.int64)
    for c in range(top):
        out[c] = tables[0, c] + tables[1, c] + tables[2, c] + tables[3, c]
    return out
