"""Field statistics for BM25: every document's length in each text field, and the averages.

Read per segment (each field's length column is one byte a document; ``segments`` keeps a
segment's across snapshots), so scoring a term is array arithmetic with no per-document
look-ups.
"""
from __future__ import annotations

import numpy as np

from index.read import compiled
from index.read.matching import Decision, Evidence, decide


def average_lengths(reader, fields) -> dict[str, float]:
    """Return each field's average length over ``reader``'s documents, deleted ones included:
    Whoosh's definition, at least 1 (an empty field must not divide by zero)."""
    count = max(reader.doc_count_all(), 1)
    return {name: max(reader.field_length(name) / count, 1.0) for name in fields}


EXACT_SINGLE = 1 << 24  # whole numbers below it are exact in float32 (Whoosh's lengths: < 110,000)
# BM25 over-penalises very long documents (Lv & Zhai, "When documents are very long, BM25
# fails!", SIGIR 2011): a field's length past LONG_FROM times its average counts at LONG_SLOPE.
# FakeNewsNet: the 77,000-character "Chris Cornell" page ranked below a 4,000-character one
# naming Soundgarden once (reader set, docs/benchmarks.md part 9); SciFact's abstracts are
# rarely that long (0.6904 -> 0.6905)
LONG_FROM = 2.0
LONG_SLOPE = 1 / 3


class FieldStats:
    """Per-field document lengths and average lengths of one snapshot, put together from
    its segments' (``segments.Segments``)."""

    def __init__(self, segs, fields) -> None:
        self.doc_count = segs.size
        self._lengths: dict[str, np.ndarray] = {}
        for name in fields:
            lengths = segs.concat(lambda p, n=name: p.lengths[n], np.float64)
            if not len(lengths) or lengths.max() < EXACT_SINGLE:  # whole numbers: exact
                lengths = lengths.astype(np.float32)  # half the bytes a broad query reads
            lengths.flags.writeable = False
            self._lengths[name] = lengths
        if segs.size >= compiled.JIT_FROM:  # an archive with broad lists: their loops loaded
            compiled.load()  # (or compiled) with its snapshot, never on a search's clock
        # Whoosh's definition (``average_lengths``), from the segments' totals
        count = max(self.doc_count, 1)
        self._avg = {name: max(sum(p.field_length[name] for p in segs.parts) / count, 1.0)
                     for name in fields}

    def fields(self) -> list[str]:
        """Return the scored text fields."""
        return list(self._lengths)

    def has(self, fieldname: str) -> bool:
        """Return True if ``fieldname`` is a scored text field."""
        return fieldname in self._lengths

    def lengths(self, fieldname: str) -> np.ndarray:
        """Return every document's length in ``fieldname`` (read-only; float32 or float64)."""
        return self._lengths[fieldname]

    def lengths_of(self, fieldname: str, ids: np.ndarray) -> np.ndarray:
        """Return the lengths in ``fieldname`` of documents ``ids``, as float64."""
        return self._lengths[fieldname][ids].astype(np.float64, copy=False)

    def length_norms(self, fieldname: str, ids: np.ndarray, norm_a: float, norm_b: float,
                     avg: float) -> np.ndarray:
        """Return ``norm_a + norm_b * length`` of documents ``ids`` in ``fieldname`` (a new
        array, float64), a length past ``LONG_FROM`` times the average ``avg`` counting at
        ``LONG_SLOPE`` past there; one temporary the size of ``ids``."""
        norms = self.lengths_of(fieldname, ids)
        past = norms - LONG_FROM * avg
        np.maximum(past, 0.0, out=past)
        past *= 1 - LONG_SLOPE
        norms -= past
        norms *= norm_b
        norms += norm_a
        return norms

    def weighted(self, fieldname: str, ids: np.ndarray, tf: np.ndarray, factor: float,
                 norm_a: float, norm_b: float, avg: float) -> np.ndarray:
        """Return ``tf * factor / length_norms(...)`` of documents ``ids`` (float64): a
        posting list's part of a BM25F sum (compiled for a broad list, ``compiled``)."""
        if len(ids) >= compiled.JIT_FROM:
            return compiled.part_values(ids, tf, self._lengths[fieldname], factor, norm_a,
                                        norm_b, LONG_FROM * avg, 1 - LONG_SLOPE)
        part = tf.astype(np.float64)
        if factor != 1:  # 1.0 * x is x
            part *= factor
        part /= self.length_norms(fieldname, ids, norm_a, norm_b, avg)
        return part

    def avg_length(self, fieldname: str) -> float:
        """Return the average length of ``fieldname``."""
        return self._avg[fieldname]


class CorpusStats:
    """The statistics a score needs from the whole corpus: documents (with Whoosh's deleted
    ones, its N for idf), live documents, average field lengths, and the document
    frequency of each scored term and the relaxed-matching decisions, looked up by key.

    In one index they are the index's own (``CorpusStats.of``; ``df`` and ``decision`` then
    answer from what the evaluator found). A sharded search runs each query twice: first
    with ``collecting`` stats, which note every shard's own frequencies and evidence, then
    with ``complete`` ones, which answer with the sums over all shards, so every shard
    scores as one index would.
    """

    def __init__(self, doc_count: int, live_count: int, avg: dict[str, float],
                 recency: tuple[float, float, float] | None) -> None:
        self.doc_count = doc_count
        self.live_count = live_count
        self.avg = avg
        self.recency = recency  # (newest, lower median, upper median) day numbers, dated docs
        self.dfs: dict | None = None       # key → document frequency, over all shards
        self.decisions: list | None = None  # per relaxed node, in evaluation order
        self.collecting = False
        self.seen_dfs: dict = {}
        self.seen_evidence: list = []

    @classmethod
    def of(cls, stats: FieldStats, live_count: int, days: np.ndarray) -> CorpusStats:
        """Return one index's own statistics (``days``: its live documents' days)."""
        avg = {name: stats.avg_length(name) for name in stats.fields()}
        return cls(stats.doc_count, live_count, avg, recency_basis(*day_counts(days)))

    def collect(self) -> CorpusStats:
        """Return a copy that notes frequencies and evidence as a query is evaluated."""
        copy = CorpusStats(self.doc_count, self.live_count, self.avg, self.recency)
        copy.collecting = True
        return copy

    def complete(self, dfs: dict, decisions: list) -> CorpusStats:
        """Return a copy that answers with the given corpus-wide frequencies and decisions."""
        copy = CorpusStats(self.doc_count, self.live_count, self.avg, self.recency)
        copy.dfs, copy.decisions = dfs, decisions
        return copy

    def avg_length(self, fieldname: str) -> float:
        return self.avg[fieldname]

    def df(self, key: tuple, local: int) -> int:
        """Return the document frequency of ``key`` (``local``: this index's own)."""
        if self.collecting:
            self.seen_dfs[key] = local
        if self.dfs is not None:
            return self.dfs.get(key, local)
        return local

    def decision(self, node: int, ev: Evidence, strict: bool) -> Decision:
        """Return the decision for relaxed node ``node`` (its place in the evaluation
        order), given its evidence."""
        if self.collecting:
            self.seen_evidence.append((ev, strict))
        if self.decisions is not None:
            return self.decisions[node]
        return decide(ev, strict, self.live_count)

    def __getstate__(self) -> dict:  # sent to shards: what they were asked, not what they saw
        return {**self.__dict__, "seen_dfs": {}, "seen_evidence": []}


def day_counts(days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the distinct days of ``days`` that are known (YYYYMMDD > 0) and their counts."""
    return np.unique(days[days > 0], return_counts=True)


def recency_basis(days: np.ndarray, counts: np.ndarray) -> tuple[float, float, float] | None:
    """Return (newest, lower median, upper median) of the dated documents as day numbers
    (see ``day_number``), from distinct days and their counts; None when none is dated."""
    total = int(counts.sum())
    if not total:
        return None
    order = np.argsort(days)
    days, cumulative = days[order], np.cumsum(counts[order])
    low = days[np.searchsorted(cumulative, (total - 1) // 2 + 1)]
    high = days[np.searchsorted(cumulative, total // 2 + 1)]
    return float(day_number(days[-1])), float(day_number(low)), float(day_number(high))


def day_number(day):
    """Return YYYYMMDD as a number of days (roughly: 365.25-day years, 30.44-day months)."""
    return (day // 10000) * 365.25 + (day // 100 % 100) * 30.44 + day % 100
