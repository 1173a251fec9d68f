"""Typo variants and completions of a query word, found in the snapshot's vocabularies.

A word of 5+ letters (no digits) also matches index terms one edit away, 9+ letters two, when
those are at least ``TYPO_RATIO`` times as common as the word itself; the letters counted are
those of the index term compared (a stem), and a change of the first letter counts as two
edits (``vocabulary.Vocabulary.near``). The whole word is also looked for among the whole
words of titles, deks, headings and names ("electons" → "elections"), then stemmed in each
language ("elect"): inflected forms a stem-to-stem edit misses. The last word of a short query
also matches its completions (3+ letters), so results follow typing.
"""
from __future__ import annotations

from index.analysis import fold, query_terms
from index.read.vocabulary import Vocabulary

TYPO_MIN_CHARS = (5, 9)   # letters a term needs for one typo, for two
TYPO_VARIANTS = 4         # typo variants kept per term, nearest and most frequent first
TYPO_RATIO = 4            # a variant must be this much more frequent than the word itself
TYPO_WEIGHT = 0.5         # a typo variant's frequency counts at this weight
PREFIX_MIN_CHARS = 3      # letters the last word needs to match as a prefix
PREFIX_VARIANTS = 20
PREFIX_WEIGHT = 0.7


def _edits(text: str) -> int:
    return 2 if len(text) >= TYPO_MIN_CHARS[1] else 1


def typo_variants(word: str, texts: tuple[str, ...], vocab: Vocabulary, whole: Vocabulary,
                  langs: tuple[str, ...]) -> dict[str, float]:
    """Return the index terms ``word`` (standing for ``texts``) may be a typo of, with the
    weight their frequencies count at."""
    found: dict[str, float] = {}
    if len(word) < TYPO_MIN_CHARS[0]:
        return found
    seen = max(vocab.frequency(t) for t in texts)
    for text in texts:  # the word's stems: the edits allowed follow their length
        if len(text) < TYPO_MIN_CHARS[0]:
            continue
        for variant, _ in vocab.near(text, _edits(text), TYPO_VARIANTS):
            if variant not in texts and vocab.frequency(variant) >= TYPO_RATIO * seen:
                found.setdefault(variant, TYPO_WEIGHT)
    plain = fold(word.lower())
    seen_whole = whole.frequency(plain)
    for variant, _ in whole.near(plain, _edits(plain), TYPO_VARIANTS):
        if whole.frequency(variant) >= TYPO_RATIO * max(seen_whole, 1):
            for stem in query_terms(variant, langs):
                if stem not in texts and vocab.frequency(stem):
                    found.setdefault(stem, TYPO_WEIGHT)
    return found


def completions(word: str, texts: tuple[str, ...], vocab: Vocabulary,
                taken: set[str]) -> dict[str, float]:
    """Return the most frequent terms that complete ``word`` (being typed), with weights."""
    if len(word) < PREFIX_MIN_CHARS:
        return {}
    return {v: PREFIX_WEIGHT for v in vocab.with_prefix(fold(word), PREFIX_VARIANTS)
            if v not in texts and v not in taken}
