"""German compounds: a word the index hardly holds also matches its parts written apart.

German writes "Burkaverbot" where a text may have "Burka-Verbot" or "Verbot der Burka", and
a reader types the compound. A word of ``MIN_CHARS`` letters or more that fewer than
``RARE`` documents hold, and that reads as no typo, is split where both sides are terms the
index holds in ``MIN_PART`` documents or more (each side ``PART_CHARS`` letters at least; the
left one may end in a linking "s", "es", "n" or "en": "Verteidigungs|minister"), the split
whose rarer side is the most common winning; the parts are taken from the index's own
vocabulary, as Lucene's dictionary decompounder takes them from a word list. The word then
matches the parts as a phrase ("burka verbot", so "Burka-Verbot"), at ``PART_WEIGHT`` of
their score, as one word of the query (a ``SynonymGroup``).

>>> from index.read.vocabulary import Vocabulary
>>> split("burkaverbot", Vocabulary({"burka": 3, "verbot": 19, "burk": 1}))
('burka', 'verbot')
>>> split("verteidigungsminister", Vocabulary({"verteidigung": 4, "minist": 9}))
('verteidigung', 'minister')
>>> split("kardashain", Vocabulary({"kardashian": 40})) is None
True
"""
from __future__ import annotations

from index.analysis import fold, stem_of
from index.read.vocabulary import Vocabulary

MIN_CHARS = 9      # letters a word needs to be split
PART_CHARS = 4     # letters each part needs
RARE = 3           # a word held by this many documents or more is not split
MIN_PART = 2       # documents each part must be held by
PART_WEIGHT = 0.5  # the parts' phrase scores at this weight (below the word as typed)
LINKS = ("es", "en", "s", "n")  # German linking elements (Fugenelemente), longest first
LANG = "de"


def split(word: str, vocab: Vocabulary) -> tuple[str, str] | None:
    """Return the two parts ``word`` (folded, lowercased) is made of, or None."""
    if len(word) < MIN_CHARS or not word.isalpha():
        return None
    best, found = 0, None
    for i in range(PART_CHARS, len(word) - PART_CHARS + 1):
        right = word[i:]
        seen_right = _seen(right, vocab)
        if seen_right < MIN_PART:
            continue
        lefts = [word[:i]] + [word[:i - len(k)] for k in LINKS
                              if word[:i].endswith(k) and i - len(k) >= PART_CHARS]
        for left in lefts:
            seen = min(_seen(left, vocab), seen_right)
            if seen >= MIN_PART and seen > best:
                best, found = seen, (left, right)
    return found


def _seen(part: str, vocab: Vocabulary) -> int:
    """Return how many documents hold ``part`` (as written or as its German stem)."""
    stem = stem_of(part, LANG)
    return max(vocab.frequency(part), vocab.frequency(stem) if stem else 0)


def rare(texts: tuple[str, ...], vocab: Vocabulary) -> bool:
    """Return True when the index holds the word of these terms in few documents."""
    return max((vocab.frequency(t) for t in texts), default=0) < RARE


def parts_of(word: str, texts: tuple[str, ...], vocab: Vocabulary,
             langs: tuple[str, ...]) -> tuple[str, str] | None:
    """Return the parts of a rare German compound (see the module's docstring), or None."""
    if LANG not in langs or not rare(texts, vocab):
        return None
    return split(fold(word.lower()), vocab)
