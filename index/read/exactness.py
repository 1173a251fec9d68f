"""Exactness (Meilisearch's ranking rule of that name) and words together in the text: among
the first results, a document holding the query's words in the form typed ranks above one of
the same tier holding them only through a stem, a compound part or a typo ("Jamaika
Sondierung": a page saying "Jamaika" above one saying "Sondierungen"); and a document whose
text holds every word of the query side by side ranks with those holding the words
together (``matching.Tiers``: the query as a phrase in a title or a name, or neighbours
adjacent in a title), which positions read for every candidate would cost too much in the
bodies ("parkland survivors": "Parkland survivor Emma Gonzalez…" above an actress's
condolences naming Parkland in its title and survivors once, further on).

The text fields index stems, so the form typed and the words' order are read from the text of
the hits themselves, after they are fetched: the first ``WINDOW`` results are reordered among
themselves (a rescoring window, as Lucene's rescorer with a phrase query: no other document
can enter them, the pages after are untouched), by tier (raised for the words together), then
each hit's score multiplied by ``1 + WEIGHT`` per word held as typed. Once on a single index
and on a sharded one (the coordinator's merged page), from what the hits hold: no posting or
stored field is read again.
"""
from __future__ import annotations

import os
import re
from dataclasses import replace

from whoosh import query as Q

from index.analysis import fold
from index.read.events import WEIGHT as EVENT_WEIGHT
from index.read.events import names_event
from index.read.matching import TIER_WORDS
from index.read.pinning import PINNED
from index.read.query import FieldedTerm, Relaxed
from index.results import Hit

WINDOW = 10    # the first results reordered: the first page of the widget
# the boost per word held as typed: tuned on the reader set's halves (0.1-0.5 alike on A,
# 0.15-0.25 best on B; docs/benchmarks.md, part 10)
WEIGHT = 0.2


def typed_words(query: Q.Query | None, common: tuple[bool, ...] = ()
                ) -> list[tuple[tuple[str, ...], bool]]:
    """Return, per word of a tiered relaxed query that is not ``common`` (none for other
    queries), its forms as typed, lowercase (the word, and the word written as one with a
    neighbour: "half time", "halftime" or "half-time"), and whether it is being completed
    ("corona": "coronavirus", held as a prefix). Common words (``matching.COMMON_SHARE``) are
    left out, as from the tiers: "protests" held as typed put Hong Kong pages above the German
    "Studenten … Protesten" page about student protests."""
    if isinstance(query, Q.AndMaybe):  # the query with its nearness bonus
        query = query.a
    if not isinstance(query, Relaxed) or not (query.strict or len(query.words) <= TIER_WORDS):
        return []  # not relaxed, or ranked by BM25F alone
    terms = [(w, j < len(common) and common[j]) for j, w in enumerate(query.words)
             if isinstance(w, FieldedTerm) and w.word]  # ``common``: per word of the query
    typed = [w.word.lower() for w, _ in terms]
    found = []
    for i, (word, (term, is_common)) in enumerate(zip(typed, terms)):
        if is_common:
            continue
        forms = [word]
        for pair in ((typed[i - 1], word) if i else (), (word, typed[i + 1]) if i + 1 < len(typed)
                     else ()):
            if pair:
                forms += ["".join(pair), "-".join(pair)]
        found.append((tuple(forms), bool(term.completions)))
    return found


def _holds(text: str, form: str, prefix: bool) -> bool:
    """True if lowercase ``text`` holds ``form`` as a whole word (``prefix``: starting one)."""
    at = text.find(form)
    while at >= 0:
        end = at + len(form)
        if (at == 0 or not text[at - 1].isalnum()) and (
                prefix or end == len(text) or not text[end].isalnum()):
            return True
        at = text.find(form, at + 1)
    return False


def text_of(hit: Hit) -> str:
    """Return ``hit``'s title, dek, headings and text, lowercase."""
    doc = hit.document
    return "\n".join((doc.title, doc.dek, *doc.headings, doc.text)).lower()


def held(text: str, words: list[tuple[tuple[str, ...], bool]]) -> int:
    """Return how many of the ``words`` (``typed_words``) a document's lowercase ``text``
    holds as typed (anywhere: a long page about the subject names it late too)."""
    return sum(1 for forms, prefix in words if any(_holds(text, f, prefix) for f in forms))


MIN_STEM = 4  # letters a word's stem and the word typed share, for its place in a text to count
# a stop word a phrase skips (the index leaves them out of positions): "pledge of allegiance"
_BETWEEN = r"\W+(?:\w{1,3}\W+)?"


def neighbours(query: Q.Query | None) -> tuple[re.Pattern | None, int]:
    """Return a pattern finding every word of a tiered relaxed query side by side, in the
    order typed (each as the beginning it shares with its stem: "survivors" → "survivor…", a
    word being completed as typed: "har…"), and the tier base (``matching.Tiers.tier``);
    (None, 0) for other queries, one word, or a word read as another ("hilary" →
    "hillari")."""
    if isinstance(query, Q.AndMaybe):
        query = query.a
    if not isinstance(query, Relaxed) or not (query.strict or len(query.words) <= TIER_WORDS):
        return None, 0
    starts = [_start(w) if isinstance(w, FieldedTerm) and w.word else None
              for w in query.words]
    if len(starts) < 2 or not all(starts):
        return None, 0
    return re.compile(r"\b" + _BETWEEN.join(starts)), len(query.words) + 1


def _start(term: FieldedTerm) -> str | None:
    """Return a pattern for the beginning of ``term``'s word as typed that is its shortest
    stem in any language (accented as typed or not; a stem's last letter may differ:
    "survivors" → "survivor", not the French "survivors"; "hillary" → "hillar", of
    "hillari"). None for a word read as another ("Verteidigungsminster", "Markel": the words
    together are the words typed, as in ``query.phrase_bonus``)."""
    typed = term.word.lower()
    plain = fold(typed)
    if plain in {v for v, _ in term.variants}:
        return None
    least = min(MIN_STEM, len(plain))
    stems = [t for t in term.texts
             if len(os.path.commonprefix([plain, t])) >= max(len(t) - 1, least)]
    shared = os.path.commonprefix([plain, min(stems, key=len)]) if stems else ""
    if not shared or not shared.isalnum():
        return None
    forms = dict.fromkeys((typed[:len(shared)], shared))
    return "(?:" + "|".join(re.escape(f) for f in forms) + r")\w*"


def together(tier: int, text: str, pattern: re.Pattern | None, base: int) -> int:
    """Return ``tier`` raised to the words together when ``text`` holds the query's words
    side by side (``pattern``) and the tier does not say so already (pins keep theirs)."""
    if pattern is None or tier >= PINNED:
        return tier
    words = ((tier + base - 1) // base) // base  # the words held, times 2, plus together
    if words % 2 or not pattern.search(text):
        return tier
    return tier + base * base


def _names_event(hit: Hit) -> bool:
    doc = hit.document
    return names_event(doc.title, doc.dek, doc.lang)


def rerank(hits: list[Hit], tiers: list[int], start: int, query: Q.Query | None,
           common: tuple[bool, ...] = (), event: bool = False) -> tuple[list[Hit], list[int]]:
    """Return ``hits`` (the page starting at result ``start``, with each one's tier; ``query``
    and its words' ``common`` flags) with those among the first ``WINDOW`` results reordered
    by tier, then score with exactness (and, for a question asking what happened, ``event``,
    with an event named: ``events``); and the new order (places in ``hits``)."""
    inside = max(0, min(len(hits), WINDOW - start))
    words = typed_words(query, common) if inside > 1 else []
    if not words or any(h.score is None for h in hits[:inside]):
        return hits, list(range(len(hits)))
    texts = [text_of(h) for h in hits[:inside]]
    boosted = [replace(h, score=h.score * (1 + WEIGHT * held(t, words))
                       * (1 + EVENT_WEIGHT * (event and _names_event(h))))
               for h, t in zip(hits, texts)]
    pattern, base = neighbours(query)
    tiers = [together(tier, t, pattern, base) for tier, t in zip(tiers, texts)]
    order = sorted(range(inside), key=lambda i: (-tiers[i], -boosted[i].score))
    order += range(inside, len(hits))
    return [boosted[i] if i < inside else hits[i] for i in order], order
