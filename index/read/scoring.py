"""Evaluate an expanded query with set algebra and score it with BM25F in one pass.

Whoosh's matcher tree walks postings one document at a time in Python; for queries that
expand to a few dozen terms (fields × stems) it cost 100-300 ms on FakeNewsNet. Here each
term's posting list comes whole as numpy arrays (a slice of the snapshot's memory-mapped
arrays, see ``postings.PostingLists``), and the query tree combines ``Hits``, sorted
document numbers with their scores: OR adds, AND intersects, NOT subtracts, "maybe" adds
where present.

A plain word searched in every boosted field (``FieldedTerm``) is scored with BM25F: its
weighted, length-normalised frequencies in all fields are summed and saturated once. A term
in a single named field (``title:x``) gets Whoosh's per-field BM25.

Phrases are checked from the position masks of the posting arrays (``phrases``); other
positional queries still use Whoosh's matchers for their document set.
"""
from __future__ import annotations

from math import log
from typing import NamedTuple

import numpy as np
from whoosh import query as Q

from index.errors import Deadline
from index.read import phrases, sets
from index.read.matching import (TIER_WORDS, Tiers, candidates, every_word, evidence,
                                 holding_all, relax)
from index.read.places import Places
from index.read.postings import PostingLists
from index.read.query import FieldedTerm, Nearness, Relaxed
from index.read.stats import CorpusStats, FieldStats

PASSING = 0.06  # a question's word scoring under this share of its most is held in passing


class Hits(NamedTuple):
    """Matching documents: ascending, unique docnums and their scores."""

    ids: np.ndarray     # int64
    scores: np.ndarray  # float64

    @classmethod
    def of(cls, docnums) -> Hits:
        """Unscored hits for any iterable of docnums."""
        ids = np.unique(np.fromiter(docnums, dtype=np.int64))
        return cls(ids, np.zeros(len(ids)))


EMPTY = Hits(np.empty(0, dtype=np.int64), np.empty(0))


class Evaluator:
    """Evaluate queries against one searcher, with the snapshot's field statistics
    (``stats``: each document's lengths), posting lists and live documents, and the
    statistics of the whole corpus (``corpus``: the index's own, or a sharded snapshot's)."""

    def __init__(self, searcher, stats: FieldStats, postings: PostingLists,
                 live_ids: np.ndarray, b: float, k1: float, deadline: Deadline,
                 corpus: CorpusStats) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.stats = stats
        self.postings = postings
        self.live_ids = live_ids
        self.b, self.k1 = b, k1
        self.deadline = deadline
        self.corpus = corpus
        self.doc_count = corpus.doc_count
        self.eligible: np.ndarray | None = None  # documents the filters keep (a mask)
        self.tiers: Tiers | None = None          # set by relaxed matching
        self.relaxed_nodes = 0                   # relaxed nodes evaluated so far
        self.near: np.ndarray | None = None      # documents holding the nearness bonus

    def term_scores(self, fieldname: str, text: str, boost: float) -> Hits:
        """Return BM25 scores of every document containing ``text`` in ``fieldname``."""
        self.deadline.check()
        ids, tf = self.postings.get(self.reader, fieldname, text)
        if not len(ids):
            return EMPTY
        if not self.stats.has(fieldname):  # kind:quote, lang:de, role:…: a filter, unscored
            return Hits(ids.astype(np.int64), np.zeros(len(ids)))
        df = self.corpus.df((fieldname, text), len(ids))
        idf = log(self.doc_count / (df + 1)) + 1
        avg = self.corpus.avg_length(fieldname)
        k1, b = self.k1, self.b
        tf = tf.astype(np.float64)
        norms = self.stats.length_norms(fieldname, ids, k1 * (1 - b), k1 * b / avg, avg)
        return Hits(ids, boost * idf * (k1 + 1) * tf / (tf + norms))

    def fielded_scores(self, q: FieldedTerm) -> Hits:
        """Return the BM25F scores of one word (see ``word_scores``)."""
        return self.word_scores(q)[0]

    def word_scores(self, q: FieldedTerm) -> tuple[Hits, np.ndarray]:
        """Return BM25F scores of one word, and the documents that hold it exactly.

        Per-field frequencies, length-normalised and weighted, are added up first and
        saturated once (a word in the title and the body is not scored as two unrelated
        words). The variants (typos) are scored apart, with their own idf and at their
        weight, and a document gets the best: a common word one typo away from a rare one adds
        little. Completions are the word being typed: scored with it as one term (one idf: a
        page holding "corona" twice is not above one holding "coronavirus" five times because
        "corona" alone is rarer), their holders holding the word; so do the holders of the
        word joined with its neighbour (``FieldedTerm.joined``)."""
        self.deadline.check()
        exact = _bm25f(self, q.weights, [(t, 1.0) for t in q.texts] + list(q.completions),
                       q.boost)
        if not q.variants:
            return exact, exact.ids
        near = _bm25f(self, q.weights, list(q.variants), q.boost)
        return _best(exact, near), held_as_typed(self.postings, self.reader, q, exact.ids)

    def word_idf(self, q: FieldedTerm, held: int) -> float:
        """Return the idf the word ``q`` (without its typo variants) is scored with."""
        return _idf(self, q.weights, [(t, 1.0) for t in q.texts] + list(q.completions), held)

    # -- the query tree ------------------------------------------------------------------
    def evaluate(self, q: Q.Query) -> Hits:
        """Return the documents matching ``q`` with their scores."""
        if isinstance(q, Relaxed):
            return self._relaxed(q)
        if isinstance(q, FieldedTerm):
            return self.fielded_scores(q)
        if isinstance(q, Q.Term):
            return self.term_scores(q.fieldname, q.text, q.boost)
        if isinstance(q, Q.Or):
            return _scaled(_union([self.evaluate(s) for s in q.subqueries]), q.boost)
        if isinstance(q, Q.And):
            positive = [s for s in q.subqueries if not isinstance(s, Q.Not)]
            negative = [s.query for s in q.subqueries if isinstance(s, Q.Not)]
            result = _intersection([self.evaluate(s) for s in positive]) if positive \
                else self._all()
            for s in negative:
                result = _minus(result, self.evaluate(s))
            return _scaled(result, q.boost)
        if isinstance(q, Q.AndNot):
            return _minus(self.evaluate(q.a), self.evaluate(q.b))
        if isinstance(q, Q.AndMaybe):
            result = self.evaluate(q.a)
            extra = self.evaluate(q.b)
            if isinstance(q.b, Nearness):
                self.near = extra.ids
            _, ia, ib = sets.intersect(result.ids, extra.ids)
            scores = result.scores.copy()
            scores[ia] += extra.scores[ib]
            return Hits(result.ids, scores)
        if isinstance(q, Q.Require):
            result = self.evaluate(q.a)
            keep = np.flatnonzero(sets.member(result.ids, self.evaluate(q.b).ids))
            return Hits(result.ids[keep], result.scores[keep])
        if isinstance(q, Q.Not):
            return _minus(self._all(), self.evaluate(q.query))
        if isinstance(q, Q.Every):
            return self._all()
        if q is Q.NullQuery:
            return EMPTY
        if isinstance(q, Q.Phrase):
            return self._phrase(q)
        self.deadline.check()
        return Hits.of(q.docs(self.searcher))  # ranges and the like: unscored

    def _relaxed(self, q: Relaxed) -> Hits:
        """Relaxed matching (see ``matching``); its tiers are kept for ranking."""
        tiered = q.strict or len(q.words) <= TIER_WORDS or any(q.named())  # titles rank
        parts = [self._word_part(word, tiered, q.question) for word in q.words]
        required = self.evaluate(Q.And(q.required)) if q.required else None
        corpus, places = self.corpus, None
        every = None if corpus.collecting or corpus.decisions is not None else every_word(
            parts, required, q.strict, self.eligible, corpus.live_count)
        if every is not None:  # every counted word required: their intersection
            decision, ids = every
        elif corpus.decisions is not None:  # a shard asked with the corpus's decisions
            decision = corpus.decisions[self.relaxed_nodes]
            ids = holding_all(parts, decision.common, required) \
                if decision.tiered and decision.required == decision.common.count(False) \
                else candidates(parts, required)
        else:
            ids = candidates(parts, required)
            places = Places(ids)  # where each word's documents sit among the candidates
            decision = corpus.decision(self.relaxed_nodes, evidence(
                parts, ids, q.strict, self.eligible, places), q.strict)
        self.relaxed_nodes += 1
        ids, scores, self.tiers = relax(parts, required, ids, decision, places, q.named())
        return Hits(ids, scores)

    def _word_part(self, word: Q.Query, tiered: bool, question: bool = False) -> tuple:
        """(word, ids, scores, ids holding it exactly, ids holding it in the title, ids
        holding it only in passing) of one word of a relaxed query; every form of a synonym
        group counts as the word itself. In passing (a question's words only): the word's
        score under ``PASSING`` of its most, at full saturation (once in a very long page:
        the same share on every shard)."""
        if isinstance(word, FieldedTerm):
            hits, exact = self.word_scores(word)
            titled = [self.postings.get(self.reader, "title", t)[0]
                      for t in (word.texts + word.joined if tiered else ())]
            passing = None
            if question and tiered and len(hits.ids):
                most = word.boost * self.word_idf(word, len(exact)) * (self.k1 + 1)
                passing = hits.ids[hits.scores < PASSING * most]
            return (word.word, hits.ids, hits.scores, exact,
                    sets.union(titled) if titled else exact[:0], passing)
        hits = self.evaluate(word)
        return getattr(word, "word", ""), hits.ids, hits.scores, hits.ids, hits.ids[:0]

    def _phrase(self, q: Q.Phrase) -> Hits:
        """Return the documents holding the phrase ``q``, scored as its words together."""
        words = [self.term_scores(q.fieldname, w, q.boost) for w in dict.fromkeys(q.words)]
        candidates = _intersection(words).ids
        if not len(candidates):  # no document has every word: no positions to check
            return EMPTY
        ids = phrases.holding(self.searcher, self.postings, q, candidates)
        docs = Hits(ids, np.zeros(len(ids)))
        for found in words:
            _, ia, ib = sets.intersect(docs.ids, found.ids)
            docs.scores[ia] += found.scores[ib]
        return docs

    def _all(self) -> Hits:
        return Hits(self.live_ids, np.zeros(len(self.live_ids)))


def held_as_typed(postings: PostingLists, reader, q: FieldedTerm, exact: np.ndarray
                  ) -> np.ndarray:
    """Return the documents holding word ``q`` as typed: ``exact`` (its forms and
    completions), and those holding it written as one with its neighbour (``q.joined``)."""
    if not q.joined:
        return exact
    return sets.union([exact] + [postings.get(reader, name, t)[0]
                                 for name in q.weights for t in q.joined])


def _bm25f(ev: Evaluator, weights: dict[str, float], texts: list[tuple[str, float]],
           boost: float) -> Hits:
    """Return the BM25F scores of documents holding any of ``texts`` (each with a
    weight on its frequencies) in the weighted fields, scored as one term."""
    ids_parts, tf_parts = [], []
    for fieldname, weight in weights.items():
        avg = ev.corpus.avg_length(fieldname)
        norm_a, norm_b = (1 - ev.b) / weight, ev.b / (avg * weight)
        for text, factor in texts:
            ids, tf = ev.postings.get(ev.reader, fieldname, text)
            if len(ids):
                ids_parts.append(ids)
                tf_parts.append(ev.stats.weighted(fieldname, ids, tf, factor, norm_a, norm_b,
                                                  avg))
    if not ids_parts:
        return EMPTY
    ids, pseudo = sets.sum_by_id(ids_parts, tf_parts)
    scores = boost * _idf(ev, weights, texts, len(ids)) * (ev.k1 + 1) * pseudo
    scores /= np.add(pseudo, ev.k1, out=pseudo if pseudo.flags.writeable else None)
    return Hits(ids.astype(np.int64), scores)


def _idf(ev: Evaluator, weights: dict[str, float], texts: list[tuple[str, float]],
         held: int) -> float:
    """Return the idf of ``texts`` scored as one term, ``held`` documents holding them here
    (the corpus's count in a sharded search)."""
    df = ev.corpus.df((tuple(weights.items()), tuple(texts)), held)
    return log(1 + (ev.doc_count - df + 0.5) / (df + 0.5))


def _best(a: Hits, b: Hits) -> Hits:
    """Return the documents of either, each with the higher of its two scores."""
    return Hits(*sets.best(a.ids, a.scores, b.ids, b.scores))


def _union(parts: list[Hits]) -> Hits:
    parts = [p for p in sorted(parts, key=lambda p: len(p.ids), reverse=True) if len(p.ids)]
    if not parts:
        return EMPTY
    return Hits(*sets.sum_by_id([p.ids for p in parts], [p.scores for p in parts]))


def _intersection(parts: list[Hits]) -> Hits:
    if not parts:
        return EMPTY
    parts = sorted(parts, key=lambda p: len(p.ids))
    result = parts[0]
    for part in parts[1:]:
        if not len(result.ids):
            break
        ids, ia, ib = sets.intersect(result.ids, part.ids)
        result = Hits(ids, result.scores[ia] + part.scores[ib])
    return result


def _minus(result: Hits, other: Hits) -> Hits:
    keep = np.flatnonzero(~sets.member(result.ids, other.ids))  # places: faster than a mask
    return Hits(result.ids[keep], result.scores[keep])


def _scaled(hits: Hits, boost: float) -> Hits:
    return hits if boost == 1 else Hits(hits.ids, hits.scores * boost)
