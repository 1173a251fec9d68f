"""Search-as-you-type: complete the last word of what a reader is typing, into words and
phrases the index holds.

Candidates are the words of titles, deks, headings and names (the ``spell`` field) that start
with the last word (typed "ss" also stands for "ß": ``strass`` → "straßenbahn"), the most
frequent first; a candidate one edit from one ``MISSPELT_RATIO`` times as common is its
misspelling ("kardshian", "taylo") and is dropped, as is a word one title holds beside one
``LONE_RATIO`` times as common ("taylorswiftisoverparty"). When words come before it, a
completion is offered only where a title, dek or name holds it right after the word before
("brad p" → "brad pitt", never "brad parker" from a title naming both), the most often
first: among ``PHRASE_DOCS`` documents holding every typed word and a candidate. No such
phrase: no completion.
"""
from __future__ import annotations

import re

from index.analysis import is_stopword, words
from index.read.spelling import distance

CANDIDATES = 30       # most frequent words with the prefix, then ranked by context
MAX_PREFIX_TERMS = 5000
MAX_TYPED = 200
MISSPELT_RATIO = 10   # a candidate one edit from one this much more common is a misspelling
LONE_RATIO = 100      # a word of one title is dropped beside a candidate of this many
PHRASE_DOCS = 100     # documents read for the phrases a completion makes (their stored text)
PHRASE_FIELDS = ("title", "dek", "person")
_POSSESSIVE = re.compile(r"['’]s?$")


def complete(reader, langs: tuple[str, ...], prefix: str, limit: int = 8) -> list[str]:
    """Return up to ``limit`` completions of ``prefix`` (the whole text, completed)."""
    if len(prefix) > MAX_TYPED or not prefix.strip() or prefix.endswith(" "):
        return []
    head, _, last = prefix.rstrip().rpartition(" ")
    last = last.lower()
    typed = words(head)
    candidates = _spelled(_candidates(reader, langs, last, typed))
    if typed:
        context = _docs_with_all(reader, typed)
        found = set().union(*(context & _docs_with_all(reader, [t]) for _, t in candidates)) \
            if context else set()
        counts = _following(reader, sorted(found)[:PHRASE_DOCS], typed[-1],
                            {t for _, t in candidates})
        frequency = {t: f for f, t in candidates}
        candidates = sorted(((frequency[t], t) for t in counts),
                            key=lambda x: (-counts[x[1]], -x[0], x[1]))
    base = f"{head} " if head else ""
    return [base + text for _, text in candidates[:limit]]


def _candidates(reader, langs: tuple[str, ...], last: str, typed: list[str]) -> list:
    """Return (documents, word) of the most frequent words starting with ``last``."""
    found: dict[str, int] = {}
    for spelling in dict.fromkeys((last, last.replace("ss", "ß"))):
        for n, term in enumerate(reader.expand_prefix("spell", spelling)):
            if n >= MAX_PREFIX_TERMS:
                break
            text = term.decode("utf-8") if isinstance(term, bytes) else term
            if (len(text) > len(last) and not is_stopword(text, langs)
                    and text not in typed and not _POSSESSIVE.search(text)):
                found[text] = reader.doc_frequency("spell", text)
    return sorted(((f, t) for t, f in found.items()), key=lambda x: (-x[0], x[1]))[:CANDIDATES]


def _spelled(candidates: list) -> list:
    """Drop the misspellings of a far more common candidate (not its longer forms:
    "kardashians" is no misspelling of "kardashian", "taylo" is one of "taylor"), and the
    words one title holds beside a candidate ``LONE_RATIO`` times as common: words run
    together ("taylorswiftisoverparty", "kardashianaccompanied") or a rare name."""
    most = max((f for f, _ in candidates), default=0)
    return [(f, t) for f, t in candidates if not (f == 1 and most >= LONE_RATIO) and not any(
        g >= MISSPELT_RATIO * f and distance(t, u) <= 1 and not t.startswith(u)
        for g, u in candidates if u != t)]


def _following(reader, docs: list[int], before: str, wanted: set[str]) -> dict[str, int]:
    """Return how many of ``docs`` hold each ``wanted`` word right after ``before`` in a
    title, dek or name."""
    counts: dict[str, int] = {}
    for docnum in docs:
        stored = reader.stored_fields(docnum)
        seen = set()
        for name in PHRASE_FIELDS:
            found = words(stored.get(name) or "")
            for a, b in zip(found, found[1:]):
                b = _POSSESSIVE.sub("", b)
                if a == before and b in wanted:
                    seen.add(b)
        for word in seen:
            counts[word] = counts.get(word, 0) + 1
    return counts


def _docs_with_all(reader, texts: list[str]) -> set[int]:
    """Return the documents whose titles, deks, headings or names hold all ``texts``."""
    docs: set[int] | None = None
    for text in texts:
        if ("spell", text) not in reader:
            return set()
        found = set(reader.postings("spell", text).all_ids())
        docs = found if docs is None else docs & found
    return docs or set()
