"""The compiled loops of ``folding_jit`` (numba, imported by ``folding_jit.load`` only: a
process that folds no broad list never imports numba). Kept at module level, not in a
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
