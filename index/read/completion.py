"""Search-as-you-type: complete the last word of what a reader is typing.

Candidates are the vocabulary words of titles, deks, headings and names (the ``spell``
field) that start with the last word, the most frequent first; when words come before it,
those found in the same titles as all of them rank first.
"""
from __future__ import annotations

import re

from index.analysis import is_stopword, words

CANDIDATES = 30       # most frequent words with the prefix, then ranked by context
MAX_PREFIX_TERMS = 5000
MAX_TYPED = 200
_POSSESSIVE = re.compile(r"['’]s?$")


def complete(reader, langs: tuple[str, ...], prefix: str, limit: int = 8) -> list[str]:
    """Return up to ``limit`` completions of ``prefix`` (the whole text, completed)."""
    if len(prefix) > MAX_TYPED or not prefix.strip() or prefix.endswith(" "):
        return []
    head, _, last = prefix.rstrip().rpartition(" ")
    last = last.lower()
    typed = words(head)
    candidates = []
    for n, term in enumerate(reader.expand_prefix("spell", last)):
        if n >= MAX_PREFIX_TERMS:
            break
        text = term.decode("utf-8") if isinstance(term, bytes) else term
        if (len(text) > len(last) and not is_stopword(text, langs)
                and text not in typed and not _POSSESSIVE.search(text)):
            candidates.append((reader.doc_frequency("spell", text), text))
    candidates.sort(key=lambda x: (-x[0], x[1]))
    candidates = candidates[:CANDIDATES]
    context = _docs_with_all(reader, typed)
    if context:
        together = [(len(context & _docs_with_all(reader, [text])), freq, text)
                    for freq, text in candidates]
        if any(n for n, _, _ in together):
            together.sort(key=lambda x: (-x[0], -x[1], x[2]))
            candidates = [(f, t) for n, f, t in together if n]
    base = f"{head} " if head else ""
    return [base + text for _, text in candidates[:limit]]


def _docs_with_all(reader, texts: list[str]) -> set[int]:
    """Return the documents whose titles, deks, headings or names hold all ``texts``."""
    docs: set[int] | None = None
    for text in texts:
        if ("spell", text) not in reader:
            return set()
        found = set(reader.postings("spell", text).all_ids())
        docs = found if docs is None else docs & found
    return docs or set()
