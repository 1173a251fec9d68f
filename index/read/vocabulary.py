"""The index terms of the searched text fields, for typo and prefix matching.

Built once per snapshot (on its first typo or prefix look-up, or when a worker warms up):
every term of the text fields with its document frequency (the largest over the fields),
sorted, so that a prefix is a slice; and a symmetric-delete table, each term filed under
itself and its one-letter deletions, as two numpy arrays (the keys are Python's string hash:
the table lives in one process only). A word then finds every term one edit away
(insertion, deletion, substitution, transposition) by looking up its own deletions, and two
edits away by looking up deletions of its deletions (which covers two insertions, two
deletions or one of each with a substitution or transposition, not two substitutions).

Terms with digits are never typo candidates, and in a large vocabulary terms seen in one
document only are left out of the table (they are as likely typos as answers).
"""
from __future__ import annotations

import bisect

import numpy as np

from index.analysis import fold
from index.read.spelling import deletes, distance

LARGE = 50_000        # terms: from this size on, terms of one document are no candidates
MIN_TYPO_CHARS = 4    # shortest term filed for typos (a 5-letter word's deletion is 4)


class Vocabulary:
    """Terms with their document frequencies; prefix and edit-distance look-ups."""

    def __init__(self, reader, fields, arrays=None, folded: bool = False) -> None:
        frequency: dict[str, int] = {}
        names = set(reader.indexed_field_names())
        for name in fields:
            if name not in names:
                continue
            texts = [t.decode("utf-8") if isinstance(t, bytes) else t
                     for t in reader.lexicon(name)]
            # the posting arrays know each term's frequency; else ask Whoosh term by term
            found = arrays.frequencies(name, texts) if arrays is not None else None
            if found is None:
                found = [reader.doc_frequency(name, t) for t in texts]
            for text, df in zip(texts, found):
                if folded:
                    text = fold(text)
                if df > frequency.get(text, 0):
                    frequency[text] = int(df)
        self.terms = sorted(frequency)
        self.df = np.fromiter((frequency[t] for t in self.terms), dtype=np.int64,
                              count=len(self.terms))
        self._position = {t: i for i, t in enumerate(self.terms)}
        least = 2 if len(self.terms) >= LARGE else 1
        keys: list[int] = []
        owners: list[int] = []
        for i, term in enumerate(self.terms):
            if len(term) < MIN_TYPO_CHARS or self.df[i] < least or not term.isalpha():
                continue
            for key in deletes(term) | {term}:
                keys.append(hash(key))
                owners.append(i)
        order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
        self._keys = np.asarray(keys, dtype=np.int64)[order]
        self._owners = np.asarray(owners, dtype=np.int32)[order]

    def frequency(self, term: str) -> int:
        """Return the document frequency of ``term`` (0 when absent)."""
        i = self._position.get(term)
        return 0 if i is None else int(self.df[i])

    def with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Return up to ``limit`` terms longer than ``prefix`` that start with it, the most
        frequent first."""
        lo = bisect.bisect_right(self.terms, prefix)  # the prefix itself is not a completion
        hi = bisect.bisect_left(self.terms, prefix + "\U0010ffff")
        if hi <= lo:
            return []
        df = self.df[lo:hi]
        top = np.argsort(-df, kind="stable")[:limit]
        return [self.terms[lo + int(i)] for i in top]

    def near(self, term: str, max_distance: int, limit: int) -> list[tuple[str, int]]:
        """Return up to ``limit`` (term, distance) pairs within ``max_distance`` edits of
        ``term`` (itself excluded; an edit of the first letter counts twice), nearest
        first, then the most frequent."""
        keys = {term} | deletes(term)
        if max_distance > 1:
            keys |= {d2 for d in list(keys) for d2 in deletes(d)}
        wanted = np.fromiter((hash(k) for k in keys), dtype=np.int64, count=len(keys))
        lo = np.searchsorted(self._keys, wanted, side="left")
        hi = np.searchsorted(self._keys, wanted, side="right")
        owners = {int(o) for a, b in zip(lo, hi) if b > a for o in self._owners[a:b]}
        found = []
        for i in owners:
            candidate = self.terms[i]
            if candidate == term:
                continue
            # as in Meilisearch, a typo in the first letter counts as two
            d = distance(term, candidate) + (candidate[:1] != term[:1])
            if d <= max_distance:
                found.append((d, -int(self.df[i]), candidate))
        found.sort()
        return [(c, d) for d, _, c in found[:limit]]
