"""Relaxed matching: how many of a query's plain words a document must hold, and the tiers
results are ranked in.

A query's plain words are not all required. Common words (in more than ``COMMON_SHARE`` of
the documents: "news", "today", "said" in a news archive) only add to the score, as in
Elasticsearch's common terms query, unless every word is common. With ``n`` other words,
the documents holding at least ``m`` of them match, ``m`` the largest number (``n`` at most)
for which at least ``ENOUGH`` documents do (counted among those the request's filters keep). A short query
whose words all meet in enough documents therefore stays an AND; a question wrapped around
a headline, or a word no document has, lowers ``m`` until the article is found. Phrases,
``+word`` and ``field:value`` are always required; ``op=and`` (or an explicit AND) requires
every word.

Results are ranked in tiers before their score: more of the query's words first, then
fewer typos (a word matched only through a typo or a completion), then BM25F: a document
with every word is never below one with fewer, and an exact word is never below its typo.
(Measured on the known-item benchmark, ``bench/known_item.py``; see docs/benchmarks.md.)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ENOUGH = 10          # documents holding the required number of words before fewer are required
COMMON_SHARE = 0.04  # a word in more than this share of the documents is common
TIER_WORDS = 4       # queries of more counted words are ranked by score alone (OR)


@dataclass(frozen=True)
class Tiers:
    """Per matching document (ascending ids): query words held, words held only as a typo
    or completion; and which words each document holds, to say what was not required."""

    ids: np.ndarray
    matched: np.ndarray
    typos: np.ndarray
    words: tuple[tuple[str, np.ndarray], ...]  # (word as typed, ids holding it)
    required: int                               # m: words a document had to hold
    counted: int                                # n: words that count (not common ones)

    def key(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (matched, typos) of ``ids`` (a subset of ``self.ids``)."""
        at = np.searchsorted(self.ids, ids)
        return self.matched[at], self.typos[at]

    def missing(self, docnum: int) -> list[str]:
        """Return the words document ``docnum`` does not hold."""
        return [w for w, ids in self.words
                if not (len(ids) and ids[min(np.searchsorted(ids, docnum), len(ids) - 1)] == docnum)]


def relax(parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
          required: tuple[np.ndarray, np.ndarray] | None, strict: bool,
          eligible: np.ndarray | None, doc_count: int) -> tuple[np.ndarray, np.ndarray, Tiers]:
    """Combine per-word matches into the relaxed result.

    ``parts``: per word (word, ids, scores, ids holding it exactly); ``required``: (ids,
    scores) every result must be in, or None; ``eligible``: a mask of the documents the
    filters keep (for counting only). Return (ids, scores, tiers).
    """
    common = [len(p[3]) > COMMON_SHARE * doc_count for p in parts]
    if all(common) or strict:
        common = [False] * len(parts)
    ids = np.unique(np.concatenate([p[1] for p in parts]))
    if required is not None:
        ids = np.intersect1d(ids, required[0], assume_unique=True)
    matched = np.zeros(len(ids), dtype=np.int64)
    typos = np.zeros(len(ids), dtype=np.int64)
    scores = np.zeros(len(ids))
    for (_, word_ids, word_scores, exact), is_common in zip(parts, common):
        at = np.searchsorted(ids, word_ids)
        inside = at < len(ids)
        inside[inside] = ids[at[inside]] == word_ids[inside]
        at = at[inside]
        if not is_common:
            matched[at] += 1
        scores[at] += word_scores[inside]
        typos[at[~np.isin(word_ids[inside], exact, assume_unique=True)]] += 1
    if required is not None:
        scores += required[1][np.searchsorted(required[0], ids)]
    n = common.count(False)
    m = n
    if len(parts) > TIER_WORDS and not strict:  # a long query: any word, ranked by BM25F
        m, matched, typos = 0, np.zeros_like(matched), np.zeros_like(typos)
    elif not strict:
        counted = matched if eligible is None else matched[eligible[ids]]
        at_least = np.cumsum(np.bincount(counted, minlength=n + 1)[::-1])[::-1]
        while m > 1 and at_least[m] < ENOUGH:
            m -= 1
        if m == 1 and at_least[1] == 0:  # no document holds any rarer word: the common
            m = 0                        # words alone carry the query
    keep = matched >= m
    tiers = Tiers(ids[keep], matched[keep], typos[keep],
                  tuple((p[0], p[1]) for p in parts), m, n)
    return ids[keep], scores[keep], tiers


def rank_key(tiers: Tiers, ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Return one sort key per document: its tier, then its score within the tier."""
    matched, typos = tiers.key(ids)
    top = float(scores.max()) if len(scores) else 0.0
    # the tier steps by 2; the score, scaled into [0, 1), never crosses a step
    return (matched * (len(tiers.words) + 1) - typos) * 2.0 + scores / (top + 1.0)
