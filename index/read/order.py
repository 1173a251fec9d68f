"""The order of results: by relevance tier, score, date, then place in the corpus; or by date.

One comparison serves a single index, each shard of a sharded one and the merge of the
shards' answers, so a sharded search lists the same documents in the same order:

    relevance   tier (more query words, fewer typos; see ``matching``) descending, then the
                score descending, then the newer document, then the lower ``seq``
    date        undated last, then the date (ascending for ``date``, descending for
                ``-date``), then the lower ``seq``

``seq`` is a document's place in the corpus, written by every build whatever the number of
build processes or shards (an index from before it was written everywhere uses its document
numbers). Tier and score are compared as they are, never folded into one float
key: two scores a float sum could not tell apart stay apart.
"""
from __future__ import annotations

import numpy as np

from index.read import compiled


def in_order(tier: np.ndarray, score: np.ndarray, day: np.ndarray, seq: np.ndarray,
             sort: str, ranked: bool, end: int | None = None,
             ids: np.ndarray | None = None) -> np.ndarray:
    """Return the positions of the first ``end`` rows (all when None), in result order;
    ``ids``: the rows' document numbers, when ``day`` and ``seq`` are per document (then read
    only for the rows that may be among the first: a broad query has 100,000 rows)."""
    n = len(tier)
    end = n if end is None else min(end, n)
    if sort == "relevance" and ranked:
        rows = (compiled.contenders if n >= compiled.JIT_FROM else _contenders)(
            tier, score, end) if end < n else np.arange(n)
        docs = rows if ids is None else ids[rows]
        order = np.lexsort((seq[docs], -day[docs], -score[rows], -tier[rows]))
        return rows[order][:end]
    if ids is not None:
        day, seq = day[ids], seq[ids]
    if end < n and len(seq) and 0 <= int(day.min()) and int(day.max()) < DAY_LIMIT \
            and 0 <= int(seq.min()) and int(seq.max()) < SEQ_LIMIT:
        key = _date_key(day, seq, sort)  # one number per row: its first rows partitioned
        first = np.argpartition(key, end - 1)[:end]
        return first[np.argsort(key[first])]
    order = np.lexsort((seq, day if sort == "date" else -day, day == 0))
    return order[:end]


DAY_LIMIT, SEQ_LIMIT = 1 << 27, 1 << 32  # a day number (yyyymmdd) and ``seq`` fit these bits


def _date_key(day: np.ndarray, seq: np.ndarray, sort: str) -> np.ndarray:
    """Return each row's place in a date order as one number, smaller first: undated last,
    then the date (ascending for ``date``, descending for ``-date``), then ``seq``."""
    day = day.astype(np.int64)
    dated = day if sort == "date" else DAY_LIMIT - 1 - day
    return ((day == 0).astype(np.int64) << 59) | (dated << 32) | seq.astype(np.int64)


def _contenders(tier: np.ndarray, score: np.ndarray, end: int) -> np.ndarray:
    """Return the rows that may be among the first ``end`` by (tier, score): every row of a
    better tier than the end-th row's, and those of its tier scoring at least its score."""
    n = len(tier)
    low, high = (int(tier.min()), int(tier.max())) if n else (0, 0)
    if low == high:  # one tier (any one-word query): the scores alone
        return np.flatnonzero(score >= kth_largest_score(score, end))
    last_tier = _kth_largest(tier, end, low, high)
    above = tier > last_tier
    same = np.flatnonzero(tier == last_tier)
    need = end - int(above.sum())
    scores = score[same]
    cut = kth_largest_score(scores, need)
    keep = above
    keep[same[scores >= cut]] = True
    return np.flatnonzero(keep)


SAMPLE = 2048  # scores read to find a bound below the k-th largest


def kth_largest_score(score: np.ndarray, k: int) -> float:
    """Return the ``k``-th largest of ``score`` (``np.partition``'s): of a long array, only
    the scores above a bound found from every n/``SAMPLE``-th one are partitioned (the bound
    is checked to leave at least ``k``; else all are). At 8x, "year": 116,780 scores, 0.6 ms
    partitioned, ~0.15 ms so."""
    n = len(score)
    if n > 8 * SAMPLE and k * 64 < n:
        sample = score[::n // SAMPLE]
        j = min(len(sample), 4 * k * len(sample) // n + 8)  # ~4k scores expected above it
        bound = np.partition(sample, len(sample) - j)[len(sample) - j]
        above = score[score >= bound]
        if len(above) >= k:  # every score from the k-th largest up is among them
            return np.partition(above, len(above) - k)[len(above) - k]
    return np.partition(score, n - k)[n - k]


def _kth_largest(tier: np.ndarray, k: int, low: int, high: int) -> int:
    """Return the ``k``-th largest of ``tier`` (small integers from ``low`` to ``high``) by
    counting each value: ``np.partition`` of 116,780 tiers of few distinct values took 1.5 ms,
    the count 0.2 ms."""
    if high - low >= 1 << 16:
        return int(np.partition(tier, len(tier) - k)[len(tier) - k])
    at_least = np.cumsum(np.bincount(tier - low)[::-1])  # rows of tier high, high - 1, ...
    return high - int(np.searchsorted(at_least, k))
