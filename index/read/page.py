"""One page of hits, built once: the rows a search, a shard or a related-documents look-up
picked, turned into ``Hit``s with their stored fields, snippet, near-duplicate group, folded
copies and folded quotes.

A row is ``(docnum, score, copies, quotes)``: the score as computed (None when the order is
not by relevance; rounding is the presenter's), how many matching copies of its group were
folded under it, and the document numbers of its own matching quotes folded under it, best
first (``stories``; the first ``SHOWN_QUOTES`` become hits). A bio's ``article_count`` is the
number of articles by its author in the index, not the figure its text gives. A single
index, each shard of a sharded one (the coordinator merges the shards' rows first) and
related documents all build their hits here.

A search's snippets (``fetch``) mark the query's terms in the first field holding one,
looking in each document only for the terms its posting lists say it holds.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from index.documents import from_stored
from index.errors import Deadline
from index.read.snippets import plain_snippet, snippet as marked_snippet
from index.read.stories import SHOWN_QUOTES
from index.results import Hit

SNIPPET_FIELDS = ("body", "dek", "title", "headings")  # the first that holds a match

Row = tuple[int, float | None, int, tuple[int, ...]]


def docnums(rows: list[Row]) -> list[int]:
    """Return the document numbers ``hits`` makes hits of: the rows' and their shown quotes'."""
    return [d for docnum, _, _, quotes in rows for d in (docnum, *quotes[:SHOWN_QUOTES])]


def hits(snap, rows: list[Row], snippet: Callable[[int, dict], str | None]) -> list[Hit]:
    """Return the hits of ``rows`` in their order; ``snippet`` makes each one's snippet from
    its document number and stored fields (called in order, so it may give up part way,
    e.g. past a deadline)."""
    searcher = snap.searcher()

    def hit(docnum: int, score: float | None, copies: int, quotes: tuple[int, ...]) -> Hit:
        stored = searcher.stored_fields(docnum)
        doc = as_person(snap, from_stored(stored))
        if doc.kind == "bio":
            doc = replace(doc, article_count=snap.columns.articles_by(doc.authors))
        return Hit(doc, score, snippet(docnum, stored), group=snap.groups.group_of(docnum),
                   copies=copies, quotes=tuple(hit(q, None, 0, ()) for q in quotes[:SHOWN_QUOTES]))
    return [hit(*row) for row in rows]


def as_person(snap, document):
    """Return ``document`` with its speaker under the canonical name the facet shows
    ("Trump" → "Donald Trump"; the mention as written stays in ``speaker_mention``)."""
    names = getattr(snap.columns, "speaker_names", None)
    shown = names.canonical.get(document.speaker) if names is not None and document.speaker else None
    return replace(document, speaker=shown) if shown and shown != document.speaker else document


def fetch(snap, page: list[Row], terms: dict[str, frozenset[str]], snippets: bool,
          deadline: Deadline) -> list[Hit]:
    """Return the hits of ``page`` (``page.Row``s) with their snippets; past the time budget,
    the rest of the page gets plain snippets."""
    held = fields_holding(snap, docnums(page), terms) if snippets else {}

    def snippet(docnum: int, stored: dict) -> str | None:
        if not snippets:
            return None
        return _snippet(stored, {} if deadline.expired() else terms, held[docnum])
    return hits(snap, page, snippet)


def fields_holding(snap, docnums: list[int], terms: dict[str, frozenset[str]]
                   ) -> dict[int, set[str]]:
    """Return, per document of ``docnums``, the snippet fields holding one of their
    ``terms`` (the posting lists say so): a snippet never reads through a long text holding
    none (a document that matched by its title, not its body)."""
    docs = np.unique(np.asarray(docnums, dtype=np.int64))
    found: dict[int, set[str]] = {int(d): set() for d in docs}
    reader = snap.searcher().reader()
    for name in SNIPPET_FIELDS:
        for term in terms.get(name, ()):
            ids = snap.postings.get(reader, name, term)[0]
            if len(ids):
                at = np.minimum(np.searchsorted(ids, docs), len(ids) - 1)
                for d in docs[ids[at] == docs].tolist():
                    found[d].add(name)
    return found


def _snippet(stored: dict, terms: dict[str, frozenset[str]], fields: set[str]) -> str:
    """Return the marked passages of the first of ``fields`` holding a match, else the
    text's start."""
    lang = stored.get("lang", "")
    for name in SNIPPET_FIELDS:
        text = stored.get(name)
        if text and terms.get(name) and name in fields:
            marked = marked_snippet(text, terms[name], lang)
            if marked:
                return marked
    return plain_snippet(stored.get("body") or stored.get("dek") or "")
