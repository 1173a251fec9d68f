"""The index terms of the searched text fields, for typo and prefix matching.

Built for a snapshot (on its first typo or prefix look-up, or when a worker warms up), or
updated from the one before it with the terms a push changed (``terms.TermCounts``):
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

from index.read.spelling import deletes, distance

LARGE = 50_000        # terms: from this size on, terms of one document are no candidates
MIN_TYPO_CHARS = 4    # shortest term filed for typos (a 5-letter word's deletion is 4)
REBUILD_SHARE = 0.2   # an update touching more of the terms than this builds anew


class Vocabulary:
    """Terms with their document frequencies; prefix and edit-distance look-ups.

    Each term has a stable id (its place in ``names``); ``terms`` is the sorted list of the
    present ones (``ids`` in the same order), so that an update after a push inserts its
    few new terms instead of sorting everything again, and files only terms new to the
    delete table in a small second table (``updated``)."""

    def __init__(self, frequency: dict[str, int]) -> None:
        self._frequency = frequency
        self.terms = sorted(frequency)
        self.names = list(self.terms)
        self._id = {t: i for i, t in enumerate(self.names)}
        self.ids = np.arange(len(self.terms), dtype=np.int64)
        self.df = np.fromiter((frequency[t] for t in self.terms), dtype=np.int64,
                              count=len(self.terms))
        self.least = 2 if len(self.terms) >= LARGE else 1
        self.tabled = np.zeros(len(self.names), dtype=bool)
        self._keys, self._owners = self._table(range(len(self.names)))
        self._more_keys, self._more_owners = self._keys[:0], self._owners[:0]

    def _qualifies(self, i: int) -> bool:
        term = self.names[i]
        return len(term) >= MIN_TYPO_CHARS and self.df[i] >= self.least and term.isalpha()

    def _table(self, ids) -> tuple[np.ndarray, np.ndarray]:
        """File the qualifying terms of ``ids`` under themselves and their deletions."""
        keys: list[int] = []
        owners: list[int] = []
        for i in ids:
            if not self._qualifies(i):
                continue
            self.tabled[i] = True
            for key in deletes(self.names[i]) | {self.names[i]}:
                keys.append(hash(key))
                owners.append(i)
        order = np.argsort(np.asarray(keys, dtype=np.int64), kind="stable")
        return np.asarray(keys, dtype=np.int64)[order], np.asarray(owners, dtype=np.int32)[order]

    def updated(self, frequency: dict[str, int], touched: set[str]) -> Vocabulary:
        """Return the vocabulary of ``frequency``, which differs from this one's in the
        ``touched`` terms only; the same as ``Vocabulary(frequency)`` would be."""
        if len(touched) > REBUILD_SHARE * max(len(self.names), 1) \
                or (2 if len(frequency) >= LARGE else 1) != self.least:
            return Vocabulary(frequency)
        new = object.__new__(Vocabulary)
        new._frequency, new.least = frequency, self.least
        added = sorted(t for t in touched if t not in self._id)
        new.names = self.names + added
        new._id = {**self._id, **{t: len(self.names) + i for i, t in enumerate(added)}}
        new.df = np.concatenate((self.df, np.zeros(len(added), dtype=np.int64)))
        was = {t for t in touched if t in self._id and self.df[self._id[t]] > 0}
        for t in touched:
            new.df[new._id[t]] = frequency.get(t, 0)
        gone = sorted(t for t in was if t not in frequency)
        at = [bisect.bisect_left(self.terms, t) for t in gone]
        terms = list(self.terms)
        for pos in reversed(at):
            del terms[pos]
        ids = np.delete(self.ids, at)
        come = sorted(t for t in touched if t in frequency and t not in was)
        at = [bisect.bisect_left(terms, t) for t in come]
        for pos, t in sorted(zip(at, come), reverse=True):
            terms.insert(pos, t)
        new.terms, new.ids = terms, np.insert(ids, at, [new._id[t] for t in come])
        new.tabled = np.concatenate((self.tabled, np.zeros(len(added), dtype=bool)))
        new._keys, new._owners = self._keys, self._owners
        keys, owners = new._table(new._id[t] for t in touched if not new.tabled[new._id[t]])
        order = np.argsort(np.concatenate((self._more_keys, keys)), kind="stable")
        new._more_keys = np.concatenate((self._more_keys, keys))[order]
        new._more_owners = np.concatenate((self._more_owners, owners))[order]
        if len(new._more_keys) > REBUILD_SHARE * max(len(new._keys), 1):
            return Vocabulary(frequency)  # the second table has grown: one table again
        return new

    def frequency(self, term: str) -> int:
        """Return the document frequency of ``term`` (0 when absent)."""
        i = self._id.get(term)
        return 0 if i is None else int(self.df[i])

    def with_prefix(self, prefix: str, limit: int) -> list[str]:
        """Return up to ``limit`` terms longer than ``prefix`` that start with it, the most
        frequent first."""
        lo = bisect.bisect_right(self.terms, prefix)  # the prefix itself is not a completion
        hi = bisect.bisect_left(self.terms, prefix + "\U0010ffff")
        if hi <= lo:
            return []
        df = self.df[self.ids[lo:hi]]
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
        owners = set()
        for table, owned in ((self._keys, self._owners), (self._more_keys, self._more_owners)):
            lo = np.searchsorted(table, wanted, side="left")
            hi = np.searchsorted(table, wanted, side="right")
            owners.update(int(o) for a, b in zip(lo, hi) if b > a for o in owned[a:b])
        found = []
        for i in owners:
            candidate = self.names[i]
            if candidate == term or not self._qualifies(i):  # filed before its count fell
                continue
            # as in Meilisearch, a typo in the first letter counts as two
            d = distance(term, candidate) + (candidate[:1] != term[:1])
            if d <= max_distance:
                found.append((d, -int(self.df[i]), candidate))
        found.sort()
        return [(c, d) for d, _, c in found[:limit]]
