"""A shard's prepare round, counted: the document frequencies and relaxed-matching evidence
that ``scoring.Evaluator`` notes with collecting statistics, without scoring anything.

The prepare round (``shard_server.prepare``) only reports what the coordinator adds up over
the shards: each scored term's number of documents (a field's term, or a word's union over
its boosted fields and forms: ``stats.CorpusStats.df``) and, per relaxed node in evaluation
order, how many of the filters' documents hold each combination of its words
(``matching.evidence``). Both are counts of document sets. ``Counter`` walks the query tree
as ``Evaluator.evaluate`` does and builds only the sets those counts need: no BM25F, no
scores, no title or typo tiers, and nothing under a node whose documents no count reads (a
query's top node, the nearness bonus: its phrases' words are counted, their positions are
not checked). Where a set is needed it is the set the evaluator builds (a word's documents
are the union of its postings, a relaxed node's the candidates holding the number of words
its shard-local decision requires), so the counts are equal; ``tests/test_counting.py``
compares them with the full evaluation's on many queries.
"""
from __future__ import annotations

import numpy as np
from whoosh import query as Q

from index.errors import Deadline
from index.read import phrases, sets
from index.read.matching import candidates, evidence
from index.read.sets import Places
from index.read.query import FieldedTerm, Relaxed
from index.read.scoring import Evaluator, held_as_typed
from index.read.stats import CorpusStats

NONE = np.empty(0, dtype=np.int64)


class Counter:
    """Count one shard's frequencies and evidence for a query into ``corpus`` (collecting
    statistics, ``CorpusStats.collect``), with the filters' ``eligible`` mask."""

    def __init__(self, snap, eligible: np.ndarray | None, deadline: Deadline,
                 corpus: CorpusStats) -> None:
        self.searcher = snap.searcher()
        self.reader = self.searcher.reader()
        self.postings = snap.postings
        self.stats = snap.stats
        self.live_ids = snap.columns.live_ids()
        self.eligible = eligible
        self.deadline = deadline
        self.corpus = corpus
        self.relaxed_nodes = 0

    def count(self, q: Q.Query, need: bool = False) -> np.ndarray | None:
        """Note what ``q`` counts; return its documents when ``need`` (else None)."""
        if isinstance(q, Relaxed):
            return self._relaxed(q, need)
        if isinstance(q, FieldedTerm):
            ids, _ = self.word(q)
            return ids
        if isinstance(q, Q.Term):
            return self.term(q.fieldname, q.text)
        if isinstance(q, Q.Or):
            found = [self.count(s, need) for s in q.subqueries]
            return _union(found) if need else None
        if isinstance(q, Q.And):
            positive = [self.count(s, need) for s in q.subqueries if not isinstance(s, Q.Not)]
            negative = [self.count(s.query, need) for s in q.subqueries if isinstance(s, Q.Not)]
            if not need:
                return None
            ids = sets.all_of(positive) if positive else self.live_ids
            for other in negative:
                ids = _minus(ids, other)
            return ids
        if isinstance(q, Q.AndNot):
            a, b = self.count(q.a, need), self.count(q.b, need)
            return _minus(a, b) if need else None
        if isinstance(q, Q.AndMaybe):
            ids = self.count(q.a, need)
            self.count(q.b)  # only scores: its documents change no count
            return ids
        if isinstance(q, Q.Require):
            a, b = self.count(q.a, need), self.count(q.b, need)
            return a[sets.member(a, b)] if need else None
        if isinstance(q, Q.Not):
            other = self.count(q.query, need)
            return _minus(self.live_ids, other) if need else None
        if isinstance(q, Q.Every):
            return self.live_ids if need else None
        if q is Q.NullQuery:
            return NONE
        if isinstance(q, Q.Phrase):
            return self._phrase(q, need)
        self.deadline.check()
        if not need:
            return None
        return np.unique(np.fromiter(q.docs(self.searcher), dtype=np.int64))

    def term(self, fieldname: str, text: str) -> np.ndarray:
        """One field's term (``Evaluator.term_scores``): its documents, its frequency noted."""
        self.deadline.check()
        ids = self.postings.get(self.reader, fieldname, text)[0]
        if len(ids) and self.stats.has(fieldname):
            self.corpus.df((fieldname, text), len(ids))
        return ids.astype(np.int64)

    def word(self, q: FieldedTerm) -> tuple[np.ndarray, np.ndarray]:
        """One word in its boosted fields (``Evaluator.word_scores``): its documents and those
        holding it as typed (a completion, or joined with its neighbour, counts), each
        scored form's frequency noted."""
        self.deadline.check()
        exact = self._forms(q.weights, [(t, 1.0) for t in q.texts] + list(q.completions))
        if not q.variants:
            return exact, exact
        near = self._forms(q.weights, list(q.variants))
        return _union([exact, near]), held_as_typed(self.postings, self.reader, q, exact)

    def _forms(self, weights: dict[str, float], texts: list[tuple[str, float]]) -> np.ndarray:
        """The documents holding any of ``texts`` in the weighted fields (``scoring._bm25f``),
        their number noted as the forms' frequency."""
        parts = [ids for fieldname in weights for text, _ in texts
                 if len(ids := self.postings.get(self.reader, fieldname, text)[0])]
        if not parts:
            return NONE
        ids = sets.union(parts).astype(np.int64)
        self.corpus.df((tuple(weights.items()), tuple(texts)), len(ids))
        return ids

    def _relaxed(self, q: Relaxed, need: bool) -> np.ndarray | None:
        """A relaxed node (``Evaluator._relaxed`` with collecting statistics): its evidence
        over every candidate, noted; its documents, when needed, by the decision the shard's
        own evidence gives."""
        parts = [self._part(word) for word in q.words]
        required = (self.count(Q.And(q.required), True), None) if q.required else None
        ids = candidates(parts, required)
        places = Places(ids)
        decision = self.corpus.decision(self.relaxed_nodes, evidence(
            parts, ids, q.strict, self.eligible, places), q.strict)
        self.relaxed_nodes += 1
        if not need:
            return None
        held = np.zeros(len(ids), dtype=np.int64)
        for (_, word_ids, *_), common in zip(parts, decision.common):
            if not common:
                held[places.of(word_ids)[0]] += 1
        return ids[held >= decision.required]

    def _part(self, word: Q.Query) -> tuple:
        """(word, ids, no scores, ids holding it exactly) of one word of a relaxed node."""
        if isinstance(word, FieldedTerm):
            ids, exact = self.word(word)
            return word.word, ids, None, exact
        ids = self.count(word, True)
        return getattr(word, "word", ""), ids, None, ids

    def _phrase(self, q: Q.Phrase, need: bool) -> np.ndarray | None:
        """A phrase (``Evaluator._phrase``): its words' frequencies noted; the documents holding
        it, when needed, from its words' positions."""
        found = [self.term(q.fieldname, w) for w in dict.fromkeys(q.words)]
        if not need:
            return None
        ids = sets.all_of(found)
        return phrases.holding(self.searcher, self.postings, q, ids) if len(ids) else NONE


def evaluated(snap, eligible: np.ndarray | None, deadline: Deadline, corpus: CorpusStats,
              query: Q.Query, b: float, k1: float) -> None:
    """What ``Counter.count`` notes, by definition: the whole query evaluated and scored with
    collecting statistics (the prepare round before ``Counter``; kept to test it against)."""
    evaluator = Evaluator(snap.searcher(), snap.stats, snap.postings, snap.columns.live_ids(),
                          b, k1, deadline, corpus)
    evaluator.eligible = eligible
    evaluator.evaluate(query)


def _union(found: list[np.ndarray]) -> np.ndarray:
    found = [f for f in found if len(f)]
    return sets.union(found) if found else NONE


def _minus(ids: np.ndarray, other: np.ndarray) -> np.ndarray:
    return ids[~sets.member(ids, other)]
