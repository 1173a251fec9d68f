"""The compiled loops over a broad list's matches that ``compiled`` runs (numba, as
``kernels``): folding near-duplicates and quotes, facet counts, the rows that may lead."""
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


@njit(cache=True, nogil=True)
def contenders(tier, score, end):  # pragma: no cover - compiled
    """Return the rows that may be among the first ``end`` (``end`` <= rows) by (tier,
    score): those at or above the ``end``-th largest pair, ``order._contenders``'s rows. One
    pass keeps the ``end`` largest pairs seen (a row replaces the least of them only when
    above it: a few hundred times in a broad query's 100,000 rows), a second collects."""
    best_tier = np.empty(end, dtype=np.int64)
    best_score = np.empty(end, dtype=np.float64)
    for i in range(end):
        best_tier[i], best_score[i] = tier[i], score[i]
    least = 0
    for i in range(1, end):
        if (best_tier[i], best_score[i]) < (best_tier[least], best_score[least]):
            least = i
    for i in range(end, len(tier)):
        t, s = tier[i], score[i]
        if t > best_tier[least] or (t == best_tier[least] and s > best_score[least]):
            best_tier[least], best_score[least] = t, s
            for j in range(end):
                if (best_tier[j], best_score[j]) < (best_tier[least], best_score[least]):
                    least = j
    cut_tier, cut_score = best_tier[least], best_score[least]
    out = np.empty(len(tier), dtype=np.int64)
    n = 0
    for i in range(len(tier)):
        out[n] = i
        n += (tier[i] > cut_tier) | ((tier[i] == cut_tier) & (score[i] >= cut_score))
    return out[:n]
