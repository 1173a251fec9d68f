"""German compounds: a word the index hardly holds also matches its parts written apart, and
a word of a German query also matches the compounds it is a part of.

German writes "Burkaverbot" where a text may have "Burka-Verbot" or "Verbot der Burka", and
a reader types the compound. A word of ``MIN_CHARS`` letters or more that fewer than
``RARE`` documents hold, and that reads as no typo, is split where both sides are terms the
index holds in ``MIN_PART`` documents or more (each side ``PART_CHARS`` letters at least; the
left one may end in a linking "s", "es", "n" or "en": "Verteidigungs|minister"), the split
whose rarer side is the most common winning; the parts are taken from the index's own
vocabulary, as Lucene's dictionary decompounder takes them from a word list. The word then
matches the parts as a phrase ("burka verbot", so "Burka-Verbot"), at ``PART_WEIGHT`` of
their score, as one word of the query (a ``SynonymGroup``).

The other way (``compounds_of``): in a query read as German, a word also matches the
``COMPOUNDS`` most frequent terms of the index that begin or end with it where the rest is a
term the index holds too (``Kerosin`` → "Kerosinregen", ``Wahl`` → "Bundestagswahl",
"Parlamentswahl"), as variants below the word as typed; so do the last word's completions
that are its compounds (``compounds_among``: "Sondierung" → "Sondierungsgespräche"). The beginnings are looked up in the
sorted vocabularies (whole words of titles and names, and index terms); the ends in the
index terms read backwards (``Suffixes``, built once per vocabulary on first use). Only for
German queries: English "water" is no part of "watergate".

>>> from index.read.vocabulary import Vocabulary
>>> split("burkaverbot", Vocabulary({"burka": 3, "verbot": 19, "burk": 1}))
('burka', 'verbot')
>>> split("verteidigungsminister", Vocabulary({"verteidigung": 4, "minist": 9}))
('verteidigung', 'minister')
>>> split("kardashain", Vocabulary({"kardashian": 40})) is None
True
"""
from __future__ import annotations

import bisect
import threading
import weakref

from index.analysis import WORD, fold, query_terms, stem_of
from index.read.vocabulary import Vocabulary

MIN_CHARS = 9      # letters a word needs to be split
PART_CHARS = 4     # letters each part needs
RARE = 3           # a word held by this many documents or more is not split
MIN_PART = 2       # documents each part must be held by
PART_WEIGHT = 0.5  # the parts' phrase scores at this weight (below the word as typed)
LINKS = ("es", "en", "s", "n")  # German linking elements (Fugenelemente), longest first
LANG = "de"
COMPOUNDS = 8      # compounds a part also matches, the most frequent
SCAN = 200         # terms beginning or ending with a part looked at, the most frequent
# the auxiliaries a German past participle goes with ("wann wurde der Bundestag gewählt")
AUXILIARIES = frozenset({"wurde", "wurden", "worden", "wird", "werden", "ist", "sind", "war",
                         "waren", "hat", "haben", "hatte", "hatten"})


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


def compounds_of(word: str, texts: tuple[str, ...], vocab: Vocabulary, whole: Vocabulary,
                 langs: tuple[str, ...]) -> list[str]:
    """Return the index terms of the compounds ``word`` (a German query's) is a part of, the
    most frequent first (see the module's docstring)."""
    part = fold(word.lower())
    if len(part) < PART_CHARS or not part.isalpha():
        return []
    found: dict[str, int] = {}
    for source in (whole, vocab):  # part + rest: "kerosin|regen", "verteidigung|s|minister"
        for compound in source.with_prefix(part, SCAN):
            if extends(part, compound, vocab):
                found[compound] = source.frequency(compound)
    # rest + part: "bundestag|wahl", "parlaments|wahl" (as typed: the stem of "wurde" ends
    # "glaubwürdig")
    for compound in suffixed(vocab, part, SCAN):
        rest = compound[:-len(part)]
        lefts = [rest] + [rest[:-len(k)] for k in LINKS if rest.endswith(k)]
        if compound.isalpha() and any(len(left) >= PART_CHARS and
                                      _seen(left, vocab) >= MIN_PART for left in lefts):
            found[compound] = vocab.frequency(compound)
    best = sorted(found, key=lambda c: (-found[c], c))[:COMPOUNDS]
    terms = {t for c in best for t in query_terms(c, langs) if vocab.frequency(t)}
    return sorted(terms - set(texts))


def extends(part: str, term: str, vocab: Vocabulary) -> bool:
    """Return True when ``term`` is ``part`` (folded, lowercased) then, after a linking
    element or none, a word the index holds: a compound of it ("sondierung|s|gesprach").

    >>> extends("kerosin", "kerosinregen", Vocabulary({"regen": 5}))
    True
    >>> extends("bundesta", "bundestag", Vocabulary({"g": 5}))
    False
    """
    rest = term[len(part):]
    rights = [rest] + [rest[len(k):] for k in LINKS if rest.startswith(k)]
    return term.startswith(part) and term.isalpha() and any(
        len(right) >= PART_CHARS and _seen(right, vocab) >= MIN_PART for right in rights)


def compounds_among(part: str, terms: list[str], vocab: Vocabulary) -> list[str]:
    """Return those of the index ``terms`` that are compounds of ``part`` (a German query's
    word, folded): completions of "Sondierung" such as "Sondierungsgespräche" rank below it
    as its other compounds do, not as the word itself."""
    return [t for t in terms if extends(part, t, vocab)]


class Suffixes:
    """A vocabulary's terms read backwards, sorted: the terms ending in a string are a slice."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.backwards = sorted(t[::-1] for t in vocab.terms)

    def ending(self, end: str, vocab: Vocabulary, limit: int) -> list[str]:
        """Return up to ``limit`` terms longer than ``end`` ending in it, most frequent first."""
        key = end[::-1]
        lo = bisect.bisect_right(self.backwards, key)
        hi = bisect.bisect_left(self.backwards, key + "\U0010ffff")
        terms = [t[::-1] for t in self.backwards[lo:hi]]
        return sorted(terms, key=lambda t: -vocab.frequency(t))[:limit]


_suffixes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def suffixed(vocab: Vocabulary, end: str, limit: int) -> list[str]:
    """Return up to ``limit`` terms of ``vocab`` ending in ``end``, the most frequent first."""
    with _lock:
        table = _suffixes.get(vocab)
        if table is None:
            table = _suffixes[vocab] = Suffixes(vocab)
    return table.ending(end, vocab, limit)


def verb_forms(text: str, stops: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Return {the last word: index terms of its verb's other forms} when a German query ends
    in a weak verb's past participle: typed in lowercase (a German noun is capitalised:
    "Gericht" is no "richten"), ge…t, after an auxiliary, last as German puts it. Snowball
    stems "gewählt" apart from "wählt", "wählten" (wahlt) and "wählen", "Wahl" (wahl); the
    forms are the word itself (``expand``), else {}.

    >>> sorted(verb_forms("wann wurde der Bundestag gewählt", ("de",))["gewählt"])
    ['wahl', 'wahlt']
    >>> verb_forms("wann wurde das Gericht", ("de",)), verb_forms("Bundestag gewählt", ("de",))
    ({}, {})
    """
    typed = [m.group() for m in WORD.finditer(text)]
    last = typed[-1] if LANG in stops and len(typed) > 2 else ""
    plain = fold(last.lower())
    if last != last.lower() or len(plain) < 6 or plain[:2] != "ge" or plain[-1] != "t" \
            or not AUXILIARIES & {fold(w.lower()) for w in typed[:-1]}:
        return {}
    forms = (stem_of(plain[2:], LANG), stem_of(plain[2:-1] + "en", LANG))
    return {last.lower(): frozenset(f for f in forms if f)}
