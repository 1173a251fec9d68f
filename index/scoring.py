"""Evaluate an expanded query with set algebra and score it with BM25F in one pass.

Whoosh's matcher tree walks postings one document at a time in Python; for queries that
expand to a few dozen terms (fields × stems) it cost 100-300 ms on FakeNewsNet. Here each
term's posting list is read a block at a time into a dict ``docnum → score``, and the query
tree combines dicts: OR adds, AND intersects, NOT subtracts, "maybe" adds where present.

A plain word searched in every boosted field (``FieldedTerm``) is scored with BM25F: its
weighted, length-normalised frequencies in all fields are summed and saturated once. A term
in a single named field (``title:x``) gets Whoosh's per-field BM25.

Phrases and other positional queries still use Whoosh's matchers for their document set.
"""
from __future__ import annotations

from math import log
from whoosh import query as Q

from .postings import postings
from .query import FieldedTerm

Scores = dict[int, float]


class Evaluator:
    """Evaluate queries against one searcher, with per-field length arrays cached in ``cols``."""

    def __init__(self, searcher, cols, b: float, k1: float, deadline) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.cols = cols
        self.b, self.k1 = b, k1
        self.deadline = deadline
        self.doc_count = self.reader.doc_count_all()

    def term_scores(self, fieldname: str, text: str, boost: float) -> Scores:
        """Return BM25 scores of every document containing ``text`` in ``fieldname``."""
        self.deadline.check()
        ids, weights = postings(self.reader, fieldname, text)
        if not ids:
            return {}
        df = len(ids)
        idf = log(self.doc_count / (df + 1)) + 1
        lengths = self.cols.lengths(self.reader, fieldname)
        avg = self.cols.avg_length(self.reader, fieldname)
        k1, b = self.k1, self.b
        norm_a, norm_b = k1 * (1 - b), k1 * b / avg
        factor = boost * idf * (k1 + 1)
        return {d: factor * tf / (tf + norm_a + norm_b * lengths[d]) for d, tf in zip(ids, weights)}

    def fielded_scores(self, q: FieldedTerm) -> Scores:
        """Return BM25F scores: per-field frequencies, length-normalised and weighted, are
        added up first and saturated once (a word in the title and the body is not scored
        as two unrelated words)."""
        self.deadline.check()
        pseudo: dict[int, float] = {}
        b = self.b
        for fieldname, weight in q.weights.items():
            lengths = self.cols.lengths(self.reader, fieldname)
            avg = self.cols.avg_length(self.reader, fieldname)
            norm_a, norm_b = (1 - b) / weight, b / (avg * weight)
            for text in q.texts:
                ids, freqs = postings(self.reader, fieldname, text)
                for d, tf in zip(ids, freqs):
                    pseudo[d] = pseudo.get(d, 0.0) + tf / (norm_a + norm_b * lengths[d])
        if not pseudo:
            return {}
        df = len(pseudo)
        idf = log(1 + (self.doc_count - df + 0.5) / (df + 0.5))
        k1 = self.k1
        factor = q.boost * idf * (k1 + 1)
        return {d: factor * tf / (tf + k1) for d, tf in pseudo.items()}

    # -- the query tree ------------------------------------------------------------------
    def evaluate(self, q: Q.Query) -> Scores:
        """Return ``docnum → score`` for the documents matching ``q``."""
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
                for d in self.evaluate(s):
                    result.pop(d, None)
            return _scaled(result, q.boost)
        if isinstance(q, Q.AndNot):
            result = dict(self.evaluate(q.a))
            for d in self.evaluate(q.b):
                result.pop(d, None)
            return result
        if isinstance(q, Q.AndMaybe):
            result = dict(self.evaluate(q.a))
            for d, score in self.evaluate(q.b).items():
                if d in result:
                    result[d] += score
            return result
        if isinstance(q, Q.Require):
            b = self.evaluate(q.b)
            return {d: s for d, s in self.evaluate(q.a).items() if d in b}
        if isinstance(q, Q.Not):
            result = self._all()
            for d in self.evaluate(q.query):
                result.pop(d, None)
            return result
        if isinstance(q, Q.Every):
            return self._all()
        if q is Q.NullQuery:
            return {}
        if isinstance(q, Q.Phrase):
            return self._phrase(q)
        self.deadline.check()
        return dict.fromkeys(q.docs(self.searcher), 0.0)  # ranges and the like: unscored

    def _phrase(self, q: Q.Phrase) -> Scores:
        docs = set(q.docs(self.searcher))
        if not docs:
            return {}
        words = [self.term_scores(q.fieldname, w, q.boost) for w in dict.fromkeys(q.words)]
        return {d: sum(s.get(d, 0.0) for s in words) for d in docs}

    def _all(self) -> Scores:
        deleted = self.cols.deleted
        return {d: 0.0 for d in range(self.cols.size) if d not in deleted}


def _union(parts: list[Scores]) -> Scores:
    parts = sorted(parts, key=len, reverse=True)
    if not parts:
        return {}
    result = dict(parts[0])
    for part in parts[1:]:
        for d, s in part.items():
            result[d] = result.get(d, 0.0) + s
    return result


def _intersection(parts: list[Scores]) -> Scores:
    if not parts:
        return {}
    parts = sorted(parts, key=len)
    result = dict(parts[0])
    for part in parts[1:]:
        result = {d: s + part[d] for d, s in result.items() if d in part}
        if not result:
            break
    return result


def _scaled(scores: Scores, boost: float) -> Scores:
    if boost == 1:
        return scores
    return {d: s * boost for d, s in scores.items()}
