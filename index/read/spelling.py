"""Did-you-mean: a symmetric-delete spelling index over the unstemmed ``spell`` vocabulary.

Whoosh's own corrector walks a Levenshtein automaton over the term list in Python (~0.4 s a
word on FakeNewsNet). Here every vocabulary word is filed under itself and its one-letter
deletions; a misspelling looks up its own deletions (up to two), which finds every word
within edit distance two, checked with a real edit distance. Built once per snapshot (see
``live.Snapshot.speller``).

>>> s = Speller({"taylor": 50, "tyler": 60, "swift": 80, "shift": 30})
>>> s.correct("taylr"), s.correct("swfit"), s.correct("zzzzzz"), s.correct("shift")
('taylor', 'swift', None, None)
"""
from __future__ import annotations

import re
from collections.abc import Callable

from index.analysis import is_stopword, query_terms, words

WEIGHED = 12  # of the candidates too rare in this vocabulary, the most frequent re-counted
MIN_FREQUENCY = 2  # in a large vocabulary, words seen once are as likely typos as answers
LARGE_VOCABULARY = 20_000
ONE_EDIT_FROM = 5   # letters a word needs for a correction (and a typo variant)
TWO_EDITS_FROM = 9  # letters a word needs for a correction two edits away (and a typo variant)


def deletes(word: str) -> set[str]:
    """Return ``word`` with one letter removed, in every way (the symmetric-delete keys)."""
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def distance(a: str, b: str) -> int:
    """Return the Damerau-Levenshtein (optimal string alignment) distance of a and b."""
    if a == b:
        return 0
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    """Vocabulary with frequencies, indexed for fast correction."""

    def __init__(self, frequencies: dict[str, int]) -> None:
        self.frequencies = frequencies
        self.least = MIN_FREQUENCY if len(frequencies) > LARGE_VOCABULARY else 1
        self.freq = {w: f for w, f in frequencies.items() if self._keeps(w, f)}
        self.index: dict[str, list[str]] = {}
        self.more: dict[str, list[str]] = {}  # words filed by ``updated``
        for word in self.freq:
            for key in deletes(word) | {word}:
                self.index.setdefault(key, []).append(word)

    def _keeps(self, word: str, f: int) -> bool:
        return f >= self.least and len(word) > 2

    def updated(self, frequencies: dict[str, int], touched: set[str]) -> Speller:
        """Return the speller of ``frequencies``, which differ from this one's in the
        ``touched`` words only: the same corrections as ``Speller(frequencies)``, with
        the words new to it filed in a small second index."""
        least = MIN_FREQUENCY if len(frequencies) > LARGE_VOCABULARY else 1
        if least != self.least or len(touched) > 0.2 * max(len(self.freq), 1) \
                or sum(map(len, self.more.values())) > len(self.index):
            return Speller(frequencies)
        new = object.__new__(Speller)
        new.frequencies, new.least, new.index = frequencies, least, self.index
        new.freq = dict(self.freq)
        new.more = dict(self.more)
        for word in touched:
            f = frequencies.get(word, 0)
            if not new._keeps(word, f):
                new.freq.pop(word, None)
                continue
            filed = word in self.index.get(word, ()) or word in new.more.get(word, ())
            if not filed:  # every filed word is filed under itself too
                for key in deletes(word) | {word}:
                    new.more[key] = new.more.get(key, []) + [word]
            new.freq[word] = f
        return new

    def correct(self, word: str, seen: int = 0, max_distance: int = 2,
                weigh: Callable[[str], int] | None = None) -> str | None:
        """Return the best correction of ``word``: nearest first, then most frequent.

        ``seen`` is how often the word itself occurs; a correction must be ten times as
        frequent, so a rare misspelling present in the corpus still gets corrected.
        ``weigh``: how often a candidate occurs when counted as ``seen`` was, asked of the
        few near candidates too rare in this vocabulary ("library": 2 titles, 95 bodies).
        """
        seen = max(seen, self.freq.get(word, 0))
        keys = near_keys = {word} | deletes(word)
        if max_distance > 1 and len(word) > 4:
            keys = keys | {d2 for d in keys for d2 in deletes(d)}
        candidates = {c for key in keys for index in (self.index, self.more)
                      for c in index.get(key, ())}
        best, rest = None, []
        for cand in candidates:
            if cand == word or cand not in self.freq:
                continue
            if self.freq[cand] < 10 * seen:
                rest.append(cand)
                continue
            d = distance(word, cand)
            if d <= max_distance:
                rank = (d, -self.freq[cand], cand)
                if best is None or rank < best:
                    best = rank
        limit = max_distance if best is None else best[0] - 1
        if weigh is not None and limit > 0:  # near words too rare here, counted as ``seen`` was
            nearest = {c for key in near_keys for index in (self.index, self.more)
                       for c in index.get(key, ())}  # filed under a one-letter deletion
            rest = sorted((c for c in rest if c in nearest), key=lambda c: -self.freq[c])
            near = [(d, c) for d, c in ((distance(word, c), c) for c in rest[:WEIGHED])
                    if d <= limit]
            for d, cand in near:
                f = weigh(cand)
                if f >= 10 * seen and (best is None or (d, -f, cand) < best):
                    best = (d, -f, cand)
        return best[2] if best else None


_FIELD_PREFIX = re.compile(r"\b\w+:")


def did_you_mean(speller: Speller, counts: dict[str, dict[str, int]], text: str,
                 langs: tuple[str, ...], vocab=None, read_as: dict[str, str] | None = None,
                 typos: dict[str, tuple[str, ...]] | None = None,
                 common: int = 0) -> str | None:
    """Return ``text`` with each misspelt word replaced by its correction, or None.

    The search's own reading of a word comes first: a word it read as another (``read_as``,
    "brad pit angelina": "pit" → "pitt") is offered as that word, and a word it matched
    through typo variants (``typos``: the word → their index terms) only as a correction
    among them ("brad put angelina" offered a word the search never took); a word the search
    took as typed that ``common`` documents hold (``variants.common_count``) is a word ("did obama
    ban the pledge…" was offered "fan").

    A word's own frequency is the largest of its unstemmed frequency in titles, deks,
    headings and names and its (perhaps inflected or unaccented) forms in titles and bodies;
    a correction too rare among the first is counted alike, its forms in every text field
    looked up in ``vocab`` (the snapshot's ``vocabulary.Vocabulary``, if given): "libary" →
    "library" (2 titles, its stem in 95 documents), not "liars" (12 titles, two edits).
    ``counts``: per field, each term's document frequency (``Opened.frequencies``: a look-up,
    where asking Whoosh's reader cost one per segment, 2-4 ms a query at 8x FakeNewsNet).
    """
    def df(field: str, term: str) -> int:
        return counts[field].get(term, 0)

    def weigh(w: str) -> int:
        return max(vocab.frequency(t) for t in query_terms(w, langs)) if vocab is not None \
            else max(df(f, t) for f in ("title", "body") for t in query_terms(w, langs))

    out = text
    changed = False
    for word in dict.fromkeys(words(_FIELD_PREFIX.sub(" ", text))):
        if len(word) < 3 or word.isdigit() or word.upper() in ("AND", "OR", "NOT") \
                or is_stopword(word, langs):  # "did" is no typo of "dix"
            continue
        fix = (read_as or {}).get(word)
        if fix is None:
            seen = max([df("spell", word)] + [df(f, t) for f in ("title", "body")
                                               for t in query_terms(word, langs)])
            took = (typos or {}).get(word)
            if took is None and common and seen >= common:
                continue
            fix = speller.correct(word, seen, edits_allowed(word), weigh=weigh)
            if fix and took is not None and not query_terms(fix, langs) & set(took):
                fix = None  # the search took other words for it
        if fix:
            out = re.sub(rf"(?i)\b{re.escape(word)}\b", lambda m: _cased(fix, m.group()), out)
            changed = True
    return out if changed else None


def edits_allowed(word: str) -> int:
    """Return the edits a correction of ``word`` may be away, and a typo variant
    (``variants``): none below ``ONE_EDIT_FROM`` letters (a short word the search read as
    another in context is offered as that word: "brad pit" → "pitt"; "what happened to mac
    miller" was offered "may"), one below ``TWO_EDITS_FROM``, two from it ("north korea
    missle test" was offered "miss", two letters away, a variant of the stem "missl" only)."""
    return 0 if len(word) < ONE_EDIT_FROM else 2 if len(word) >= TWO_EDITS_FROM else 1


def _cased(fix: str, typed: str) -> str:
    """Return ``fix`` in the case ``typed`` was written in ("Pit" → "Pitt").

    >>> _cased("pitt", "Pit"), _cased("nasa", "NSA"), _cased("pitt", "pit")
    ('Pitt', 'NASA', 'pitt')
    """
    if typed.isupper() and len(typed) > 1:
        return fix.upper()
    return fix[:1].upper() + fix[1:] if typed[:1].isupper() else fix
