"""One page of hits, built once: the rows a search, a shard or a related-documents look-up
picked, turned into ``Hit``s with their stored fields, snippet, near-duplicate group and
folded copies.

A row is ``(docnum, score, copies)``: the score as computed (None when the order is not by
relevance; rounding is the presenter's), and how many matching copies of its group were
folded under it. Single indexes, each shard of a sharded one (the coordinator merges the
shards' rows first) and related documents all build their hits here.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from index.documents import from_stored
from index.results import Hit

Row = tuple[int, float | None, int]


def hits(snap, rows: list[Row], snippet: Callable[[dict], str | None]) -> list[Hit]:
    """Return the hits of ``rows`` in their order; ``snippet`` makes each one's snippet from
    its stored fields (called in order, so it may give up part way, e.g. past a deadline)."""
    searcher = snap.searcher()
    found = []
    for docnum, score, copies in rows:
        stored = searcher.stored_fields(docnum)
        found.append(Hit(_as_person(snap, from_stored(stored)), score, snippet(stored),
                         group=snap.groups.group_of(docnum), copies=copies))
    return found


def _as_person(snap, document):
    """Return ``document`` with its speaker under the canonical name the facet shows
    ("Trump" → "Donald Trump"; the mention as written stays in ``speaker_mention``)."""
    names = getattr(snap.columns, "speaker_names", None)
    shown = names.canonical.get(document.speaker) if names is not None and document.speaker else None
    return replace(document, speaker=shown) if shown and shown != document.speaker else document
