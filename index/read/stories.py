"""One result per story: an article's own quotes fold under it when both match.

A quote is indexed as its own document (``kind=quote``) with its article's id in
``article_id``. When a search matches an article and some of its quotes, listing each would
repeat the article's headline; instead the quotes leave the result list and are shown under
their article (``Hit.quotes``, best first). A quote whose article does not match (or is
filtered out, as with ``kind=quote``) stays a result of its own.

``Stories`` maps every quote to its article's document number, once per snapshot, from the
``article_id`` and ``id`` postings (deleted documents map to nothing).
"""
from __future__ import annotations

import numpy as np

from index.read.scoring import Hits
from index.store.whoosh_postings import postings

SHOWN_QUOTES = 3  # matching quotes shown under their article (all are counted as folded)


class Stories:
    """The article (document number) of every quote of one snapshot; -1 for other kinds."""

    def __init__(self, reader, live: np.ndarray) -> None:
        parent = np.full(reader.doc_count_all(), -1, dtype=np.int64)
        if "article_id" in reader.indexed_field_names():
            for text in reader.field_terms("article_id"):
                article = postings(reader, "id", text, weights=False)[0]
                article = article[live[article]]
                if len(article):
                    parent[postings(reader, "article_id", text, weights=False)[0]] = article[-1]
        parent[~live] = -1
        parent.flags.writeable = False
        self.parent = parent


def fold_stories(stories: Stories, final: Hits, tier: np.ndarray
                 ) -> tuple[Hits, np.ndarray, dict[int, list[int]]]:
    """Return ``final`` (and its ``tier``s) without the quotes whose article is in it, and
    per such article its quotes, best score first."""
    parent = stories.parent[final.ids]
    under = (parent >= 0) & np.isin(parent, final.ids)
    if not under.any():
        return final, tier, {}
    quotes: dict[int, list[int]] = {}
    at = np.flatnonzero(under)
    for i in at[np.argsort(-final.scores[at], kind="stable")]:
        quotes.setdefault(int(parent[i]), []).append(int(final.ids[i]))
    keep = ~under
    return Hits(final.ids[keep], final.scores[keep]), tier[keep], quotes
