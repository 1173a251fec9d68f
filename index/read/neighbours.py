"""What a query word's neighbours in the query say about it: the one word two neighbouring
words make, and the name a word with one letter off belongs to.

- **Joins.** Two neighbouring words also match the one word they make (``Di Caprio`` →
  "DiCaprio", ``face book`` → "facebook"), held by each but scored once, as a typo of the
  first (scored as a typo of both, SciFact's "hotspot" abstracts outranked the one holding
  "hot spots" as typed: 0.6896 → 0.6904 nDCG@10) (``variants.joined``).
- **Context.** A typo judged on the word alone misses names: "hilary" is a whole word of 67
  FakeNewsNet titles (Hilary Duff, Hilary Swank), "jon" of 175, so neither is read as a typo.
  Next to "clinton" or "mayer" they are: titles, deks and names (the ``spell`` field) hold
  "hillary" with "clinton" 57 times and "hilary" with it once, "john mayer" 31 times and "jon
  mayer" never. A word is read as its one-edit neighbour among the whole words when the
  neighbour meets the query's neighbouring words ``CONTEXT_RATIO`` times as often (and
  ``CONTEXT_MIN`` times at least, in ``CONTEXT_SHARE`` of the rarer one's documents: the pair
  is a name, as "hillary clinton" in 71 % of the titles naming Hillary) as the word typed,
  which meets them in fewer than ``CONTEXT_MIN`` documents (a pair written so is no typo;
  "Trump shoes" stays shoes whatever "Trump shows" does): a noisy channel whose language
  model is the query's own next words. The word as typed stays a typo variant (ranked below),
  as when ``variants.read_word`` corrects a word; "Kate Middleton" keeps its words.
"""
from __future__ import annotations

import numpy as np

from index.analysis import fold, query_terms
from index.read.query import FieldedTerm
from index.read.variants import TYPO_VARIANTS, TYPO_WEIGHT, joined
from index.store.whoosh_postings import postings

CONTEXT_FIELD = "spell"  # the unstemmed words of titles, deks, headings and names
CONTEXT_RATIO = 10       # how much more often the neighbour meets the query's other words
CONTEXT_MIN = 3          # documents holding the neighbour with a query word, at least
CONTEXT_SHARE = 0.2      # ... and this share of the rarer one's (the pair is a name)
CONTEXT_MIN_CHARS = 3    # letters a word needs to be read in context ("pit" → "pitt")
CONTEXT_MAX_WORDS = 6    # longer queries are not read in context (the cost of look-ups)
STOP_JOIN_RATIO = 10     # how much more often a stop word and the next word are one word
JOIN_SECOND_WEIGHT = 0.0  # two words written as one score once: the second word's join


def joins(words: list, vocab, whole, langs: tuple[str, ...], log,
          after_stop: dict[str, str] | None = None) -> list:
    """Return ``words`` with each pair of neighbours also matching the word they make, and
    a word after a stop word (not searched) the word the two make when the titles, deks and
    names hold it ``STOP_JOIN_RATIO`` times as often as the word alone (``you tube`` →
    "youtube"; ``a head`` is no "ahead", nor ``on line`` "online": "line" is common too)."""
    out = list(words)
    for i, w in enumerate(words):
        stop = (after_stop or {}).get(getattr(w, "word", None), "")
        terms = joined(stop, w.word, whole, vocab, langs) if stop else ()
        if terms and whole.frequency(fold((stop + w.word).lower())) >= STOP_JOIN_RATIO * max(
                1, whole.frequency(fold(w.word.lower()))) and log.afford(len(terms) * len(w.weights)):
            out[i] = _with_typos(w, w.texts, terms, w.variants, joined=terms)
            log.note_all(w.weights, terms)
            log.typos[f"{stop} {w.word}"] = list(terms)
            log.joined.append((terms, tuple(w.weights)))
    words = list(out)
    for i, (a, b) in enumerate(zip(words, words[1:])):
        if not (isinstance(a, FieldedTerm) and isinstance(b, FieldedTerm)):
            continue
        terms = joined(a.word, b.word, whole, vocab, langs)
        if not terms or not log.afford(2 * len(terms) * len(a.weights)):
            continue
        for j in (i, i + 1):  # held by both words, scored once (as the first's typo)
            w = out[j]
            out[j] = _with_typos(w, w.texts, terms, w.variants, joined=terms,
                                 weight=TYPO_WEIGHT if j == i else JOIN_SECOND_WEIGHT)
            log.note_all(w.weights, terms)
        log.typos[f"{a.word} {b.word}"] = list(terms)
        log.joined.append((terms, tuple(a.weights)))
    return out


def in_context(words: list, reader, vocab, whole, langs: tuple[str, ...], log,
               lists=None) -> list:
    """Return ``words`` with each word read as the whole word its neighbours in the query
    point to, when they point clearly (see the module's docstring). ``lists``: the snapshot's
    ``postings.PostingLists`` (which keeps the lists it decodes), if any."""
    plain = [w for w in words if isinstance(w, FieldedTerm)]
    if not 2 <= len(plain) <= CONTEXT_MAX_WORDS:
        return words
    seen: dict[str, np.ndarray] = {}

    def holders(word: str) -> np.ndarray:
        if word not in seen:
            found = lists.get(reader, CONTEXT_FIELD, word) if lists is not None \
                else postings(reader, CONTEXT_FIELD, word)
            seen[word] = found[0]
        return seen[word]

    def together(word: str, others: list[str]) -> int:
        return max(len(np.intersect1d(holders(word), holders(o), assume_unique=True))
                   for o in others)

    def bound(word: str, others: list[str]) -> float:  # how much the pair is one name
        return max(len(np.intersect1d(holders(word), holders(o), assume_unique=True))
                   / max(1, min(len(holders(word)), len(holders(o)))) for o in others)

    out = list(words)
    for i, w in enumerate(words):
        word = fold(w.word.lower()) if isinstance(w, FieldedTerm) else ""
        if len(word) < CONTEXT_MIN_CHARS or not word.isalpha() or _corrected(w, langs):
            continue
        others = [fold(n.word.lower()) for n in words[max(i - 1, 0):i] + words[i + 1:i + 2]
                  if isinstance(n, FieldedTerm) and n.word]
        if not others:
            continue
        typed = together(word, others)
        if typed >= CONTEXT_MIN and bound(word, others) >= CONTEXT_SHARE:
            continue  # the pair as typed is a name written so: no typo to look for
        near = [v for v, edits in whole.near(word, 1, TYPO_VARIANTS) if edits == 1]
        if not near:
            continue
        floor = max(CONTEXT_MIN, CONTEXT_RATIO * typed)
        best = max(near, key=lambda v: together(v, others))
        if together(best, others) < floor or bound(best, others) < CONTEXT_SHARE:
            continue
        texts = tuple(sorted(t for t in query_terms(best, langs) if vocab.frequency(t)))
        if not texts or not log.afford(len(texts) * len(w.weights)):
            continue
        out[i] = _with_typos(w, texts, w.texts, w.variants)
        log.note_all(w.weights, texts)
        log.typos[w.word] = list(texts)
        log.read_as[w.word] = best
    return out


def _corrected(w: FieldedTerm, langs: tuple[str, ...]) -> bool:
    """True when the word is already read as another (none of its own terms is searched)."""
    return not set(query_terms(w.word, langs)) & set(w.texts)


def _with_typos(w: FieldedTerm, texts: tuple[str, ...], typos, variants,
                joined: tuple[str, ...] = (), weight: float = TYPO_WEIGHT) -> FieldedTerm:
    """Return ``w`` searched as ``texts``, with ``typos`` (terms) added as typo variants
    (``joined``: the word written as one with its neighbour, held as the word itself)."""
    extra = tuple((t, weight) for t in typos if t not in texts)
    kept = tuple((t, f) for t, f in variants if t not in texts and t not in typos)
    together = tuple(dict.fromkeys(w.joined + tuple(t for t in joined if t not in texts)))
    return FieldedTerm(texts, w.weights, w.boost, kept + extra, w.completions, w.word, together)
