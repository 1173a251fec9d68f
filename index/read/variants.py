"""Typo corrections and completions of a query word, judged on whole words.

Typos are judged on whole words, as a noisy channel would: a typed word of 5+ letters (no
digits) may stand for a whole word of the titles, deks, headings and names one edit away (9+
letters: two) that is ``TYPO_RATIO`` times as common as the typed word itself
("hilary" → "hillary", "beiber" → "bieber"); a change of the first letter counts as two edits
(``vocabulary.Vocabulary.near``). When that neighbour is ``SURE_RATIO`` times as common per
edit, the typed word is read as the neighbour: the neighbour's index terms count as the word,
and the typed word's own terms only as a typo (a stem shared with another word, "hilary" and
"hilarious" → "hilari", no longer decides). A word common in the index (``COMMON_SHARE`` of
the documents, as a term or as a whole word) is never expanded: "rally", "farmer", "truck" are
words, not typos of "really", "former", "track". A word the whole words do not know at all is
compared stem to stem over every text field (a word only bodies hold). The last word of a short
query also matches its completions (3+ letters): as the word itself while it is unfinished (no
title, dek, heading or name holds it whole: "corona", "kardash"), else ranked as a typo, below
the word as typed (``finished``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from index.analysis import fold, query_terms
from index.read.compounds import extends
from index.read.spelling import ONE_EDIT_FROM, edits_allowed
from index.read.vocabulary import Vocabulary

TYPO_VARIANTS = 4         # typo variants kept per word, nearest and most frequent first
TYPO_RATIO = 4            # how much more common a correction is than the word typed
SURE_RATIO = 20           # per edit: from this ratio the typed word is read as its correction
COMMON_SHARE = 0.002      # a word in this share of the documents is never a typo
COMMON_MIN = 5            # ... or in this many, whichever is more
TYPO_WEIGHT = 0.5         # a typo variant's frequency counts at this weight
PREFIX_MIN_CHARS = 3      # letters the last word needs to match as a prefix
PREFIX_VARIANTS = 20
JOIN_MIN = 2              # whole-word holders a join of two query words needs
POSSESSIVES = ("'s", "\u2019s")  # a join ending in "s" may be held as a possessive
PREFIX_WEIGHT = 0.7
UNFINISHED_RATIO = 10     # a whole word whose completion is this much more common is unfinished


@dataclass
class Reading:
    """What one typed word is searched as: the index terms that count as the word, and the
    typo variants (with the weight their frequencies count at)."""

    texts: tuple[str, ...]
    typos: dict[str, float] = field(default_factory=dict)
    corrected: str = ""  # the whole word the typed one was read as, if any


def finished(word: str, whole: Vocabulary, vocab: Vocabulary | None = None,
             texts: tuple[str, ...] = (), completed: tuple[str, ...] = ()) -> bool:
    """Return True when the titles, deks, headings or names hold ``word`` as a whole word:
    its completions then rank below it ("bachelor" is not being typed; "kardash" is);
    unless one of its ``completed`` terms is ``UNFINISHED_RATIO`` times as common (in
    ``vocab``) as the word's own terms ``texts``: "thr" is a whole word of 7 FakeNewsNet
    titles ("THR"), its stem in 93 documents, "three" in 3,960: "game of thr" is being typed."""
    if not whole.frequency(fold(word.lower())):
        return False
    if vocab is None or not completed:
        return True
    typed = max((vocab.frequency(t) for t in texts), default=0)
    return max(vocab.frequency(t) for t in completed) < UNFINISHED_RATIO * max(typed, 1)


def common_count(documents: int) -> int:
    """Return how many documents make a word common (never expanded as a typo)."""
    return max(COMMON_MIN, int(COMMON_SHARE * documents))


def read_word(word: str, texts: tuple[str, ...], vocab: Vocabulary, whole: Vocabulary,
              langs: tuple[str, ...], documents: int) -> Reading:
    """Return how ``word`` (standing for the index terms ``texts``) is searched."""
    reading = Reading(texts)
    plain = fold(word.lower())
    if len(plain) < ONE_EDIT_FROM:
        return reading
    common = common_count(documents)
    # how often the word as typed is seen: whole in titles and names; and with its stems
    # anywhere, for reading it as another word (one the abstracts use is no typo to replace)
    typed = max(whole.frequency(plain), vocab.frequency(plain))
    used = max(typed, max(vocab.frequency(t) for t in texts))
    if used >= common:  # a word, not a typo; unless no title holds the form typed
        return _unseen_form(plain, reading, vocab, whole, langs, common) if not typed \
            else reading
    # each neighbour counted as the typed word is: whole, and with its stems anywhere ("library"
    # is a whole word of 2 FakeNewsNet titles, its stem in 95 documents; "libary" in 1 body;
    # SciFact's "spots", stem in 8 abstracts, is no typo of "sports", 1 title, stem in 11)
    near = [(v, e, whole.frequency(v), _stems_seen(v, vocab, langs))
            for v, e in whole.near(plain, edits_allowed(plain), TYPO_VARIANTS)]
    near = [(v, e, max(seen, stems)) for v, e, seen, stems in near
            if seen >= TYPO_RATIO * typed and max(seen, stems) >= TYPO_RATIO * used]
    sure = next(((v, e) for v, e, seen in near if seen >= SURE_RATIO ** e * used), None)
    if sure is not None:  # read as the neighbour: the typed word's own terms are the typo
        stems = tuple(sorted(s for s in query_terms(sure[0], langs) if vocab.frequency(s)))
        if stems:
            typos = {t: TYPO_WEIGHT for t in texts if t not in stems}
            return Reading(stems, typos, sure[0])
    for variant, _, _ in near:
        _stems_as_typos(variant, reading, vocab, langs, 1)
    return reading if near or typed else _by_stems(plain, reading, vocab, common)


def _unseen_form(plain: str, reading: Reading, vocab: Vocabulary, whole: Vocabulary,
                 langs: tuple[str, ...], common: int) -> Reading:
    """Return ``reading`` with, as typos, the whole words near ``plain`` (a form no title,
    dek, heading or name holds, whose stem is common) that have stems of their own, common
    too: "survivers" shares the stem "surviv" with survive and survived, and no title says
    it; "survivors" (stem "survivor", 252 FakeNewsNet documents) is a typo of it. The stem
    typed keeps its exact matches first."""
    for variant, _ in whole.near(plain, edits_allowed(plain), TYPO_VARIANTS):
        if whole.frequency(variant) >= JOIN_MIN:
            _stems_as_typos(variant, reading, vocab, langs, common)
    return reading


def _stems_as_typos(variant: str, reading: Reading, vocab: Vocabulary, langs: tuple[str, ...],
                    least: int) -> None:
    """Add the stems of the whole word ``variant`` that ``least`` documents hold, and the
    typed word does not stand for already, to ``reading``'s typos."""
    for stem in query_terms(variant, langs):
        if stem not in reading.texts and vocab.frequency(stem) >= least:
            reading.typos.setdefault(stem, TYPO_WEIGHT)


def _stems_seen(word: str, vocab: Vocabulary, langs: tuple[str, ...]) -> int:
    """Return how many documents hold ``word``'s most frequent stem, in any text field."""
    return max((vocab.frequency(t) for t in query_terms(word, langs)), default=0)


def joined(first: str, second: str, whole: Vocabulary, vocab: Vocabulary,
           langs: tuple[str, ...]) -> tuple[str, ...]:
    """Return the index terms of two neighbouring query words written as one, when the
    titles, deks, headings or names hold that whole word (``Di Caprio`` → "dicaprio", ``face
    book`` → "facebook"), or its possessive (``mc donalds`` → "McDonald's"), else ()."""
    word = fold((first + second).lower())
    if not word.isalpha():
        return ()
    held = whole.frequency(word)
    if word.endswith("s"):
        held += sum(whole.frequency(word[:-1] + mark) for mark in POSSESSIVES)
    if held < JOIN_MIN:
        return ()
    return tuple(sorted(t for t in query_terms(word, langs) if vocab.frequency(t)))


def _by_stems(plain: str, reading: Reading, vocab: Vocabulary, common: int) -> Reading:
    """Compare a word the whole words do not know stem to stem (a word only bodies hold); a
    stem the word ``plain`` (folded) starts with, then a word the index holds, is its first
    part, not a typo ("mittelmeer" → "mittelm" is no typo of "mittel")."""
    seen = max(vocab.frequency(t) for t in reading.texts)
    for text in reading.texts:
        if len(text) < ONE_EDIT_FROM:
            continue
        for variant, edits in vocab.near(text, edits_allowed(text), TYPO_VARIANTS):
            if variant not in reading.texts and not extends(variant, plain, vocab) and \
                    vocab.frequency(variant) >= TYPO_RATIO * max(seen, 1):
                reading.typos.setdefault(variant, TYPO_WEIGHT)
    return reading


def completions(word: str, texts: tuple[str, ...], vocab: Vocabulary,
                taken: set[str], documents: int) -> dict[str, float]:
    """Return the most frequent terms that complete ``word`` (being typed), with weights; a
    word common in the index as typed, and at least half as common as its most frequent
    completion, is taken as finished ("bachelor" is not "bachelorette", "corona" is being typed)."""
    if len(word) < PREFIX_MIN_CHARS:
        return {}
    found = [v for v in vocab.with_prefix(fold(word), PREFIX_VARIANTS)
             if v not in texts and v not in taken]
    typed = max(vocab.frequency(t) for t in texts)
    if not found or (typed >= common_count(documents) and 2 * typed >= vocab.frequency(found[0])):
        return {}
    return {v: PREFIX_WEIGHT for v in found}
