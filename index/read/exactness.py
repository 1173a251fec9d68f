"""Exactness (Meilisearch's ranking rule of that name): among the first results, a document
holding the query's words in the form typed ranks above one of the same tier holding them only
through a stem, a compound part or a typo ("Jamaika Sondierung": a page saying "Jamaika" above
one saying "Sondierungen").

The text fields index stems, so the form typed is read from the text of the hits themselves,
after they are fetched: the first ``WINDOW`` results are reordered among themselves (a
rescoring window, as Lucene's rescorer: no other document can enter them, the pages after are
untouched), each hit's score multiplied by ``1 + WEIGHT`` per word held as typed, within its
tier. Once on a single index and on a sharded one (the coordinator's merged page), from what
the hits hold: no posting or stored field is read again.
"""
from __future__ import annotations

from dataclasses import replace

from whoosh import query as Q

from index.read.matching import TIER_WORDS
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


def held(hit: Hit, words: list[tuple[tuple[str, ...], bool]]) -> int:
    """Return how many of the ``words`` (``typed_words``) ``hit``'s document holds as typed
    (anywhere: a long page about the subject names it late too)."""
    doc = hit.document
    text = "\n".join((doc.title, doc.dek, *doc.headings, doc.text)).lower()
    return sum(1 for forms, prefix in words if any(_holds(text, f, prefix) for f in forms))


def rerank(hits: list[Hit], tiers: list[int], start: int, query: Q.Query | None,
           common: tuple[bool, ...] = ()) -> tuple[list[Hit], list[int]]:
    """Return ``hits`` (the page starting at result ``start``, with each one's tier; ``query``
    and its words' ``common`` flags) with those among the first ``WINDOW`` results reordered
    by tier, then score with exactness; and the new order (places in ``hits``)."""
    inside = max(0, min(len(hits), WINDOW - start))
    words = typed_words(query, common) if inside > 1 else []
    if not words or any(h.score is None for h in hits[:inside]):
        return hits, list(range(len(hits)))
    boosted = [replace(h, score=h.score * (1 + WEIGHT * held(h, words)))
               for h in hits[:inside]]
    order = sorted(range(inside), key=lambda i: (-tiers[i], -boosted[i].score))
    order += range(inside, len(hits))
    return [boosted[i] if i < inside else hits[i] for i in order], order
