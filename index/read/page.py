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
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from index.documents import from_stored
from index.read.stories import SHOWN_QUOTES
from index.results import Hit

Row = tuple[int, float | None, int, tuple[int, ...]]


def hits(snap, rows: list[Row], snippet: Callable[[dict], str | None]) -> list[Hit]:
    """Return the hits of ``rows`` in their order; ``snippet`` makes each one's snippet from
    its stored fields (called in order, so it may give up part way, e.g. past a deadline)."""
    searcher = snap.searcher()

    def hit(docnum: int, score: float | None, copies: int, quotes: tuple[int, ...]) -> Hit:
        stored = searcher.stored_fields(docnum)
        doc = as_person(snap, from_stored(stored))
        if doc.kind == "bio":
            doc = replace(doc, article_count=snap.columns.articles_by(doc.authors))
        return Hit(doc, score, snippet(stored), group=snap.groups.group_of(docnum),
                   copies=copies, quotes=tuple(hit(q, None, 0, ()) for q in quotes[:SHOWN_QUOTES]))
    return [hit(*row) for row in rows]


def as_person(snap, document):
    """Return ``document`` with its speaker under the canonical name the facet shows
    ("Trump" → "Donald Trump"; the mention as written stays in ``speaker_mention``)."""
    names = getattr(snap.columns, "speaker_names", None)
    shown = names.canonical.get(document.speaker) if names is not None and document.speaker else None
    return replace(document, speaker=shown) if shown and shown != document.speaker else document
