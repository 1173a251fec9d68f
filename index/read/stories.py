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
from index.store.whoosh_postings import leaf_postings, postings

SHOWN_QUOTES = 3  # matching quotes shown under their article (all are counted as folded)


class Stories:
    """The article (document number) of every quote of one snapshot; -1 for other kinds.

    Opened after an incremental change of the snapshot ``before`` (no segment merged away),
    it keeps ``before``'s map for the segments it had and looks up only the articles of the
    new segments' quotes, and of the quotes whose article was deleted."""

    def __init__(self, reader, live: np.ndarray, before: Stories | None = None,
                 new_from: int | None = None, segments=None) -> None:
        if segments is not None and before is None:
            parent = joined(segments, live)
        elif before is not None and new_from is not None and new_from >= len(before.parent):
            parent = np.full(reader.doc_count_all(), -1, dtype=np.int64)
            parent[:len(before.parent)] = before.parent
            lost = np.flatnonzero(parent >= 0)
            lost = lost[~live[parent[lost]]]  # their article was deleted: a new one may stand
            self._link(reader, live, parent, _article_ids(reader, new_from, lost))
        else:
            parent = _linked(reader, live)
        parent[~live] = -1
        parent = parent.astype(np.int32)  # half the bytes a broad query's quotes read
        parent.flags.writeable = False
        self.parent = parent
        self.quoted = parent >= 0  # which documents are quotes with a live article: a byte
        self.quoted.flags.writeable = False  # each, read for every match of a broad query

    @staticmethod
    def _link(reader, live: np.ndarray, parent: np.ndarray, texts, only=None) -> None:
        """Point the quotes of each article id in ``texts`` at its live article."""
        for text in texts:
            article = postings(reader, "id", text, weights=False)[0]
            article = article[live[article]]
            quotes = postings(reader, "article_id", text, weights=False)[0]
            parent[quotes] = article[-1] if len(article) else -1


def _linked(reader, live: np.ndarray) -> np.ndarray:
    """Return every quote's article (document number; -1: none live) read segment by segment:
    each segment's own ``article_id`` terms and, of its ``id`` terms, those naming an article
    with quotes (asking the whole reader for each article id looked it up in every segment:
    ~10 s at 4x FakeNewsNet). An article id held by several documents (replaced ones still
    in their segment) means its last live one, as ``Stories._link`` takes it."""
    parent = np.full(reader.doc_count_all(), -1, dtype=np.int64)
    leaves = reader.leaf_readers()
    quotes: dict[str, list[np.ndarray]] = {}
    for leaf, base in leaves:
        if "article_id" in leaf.indexed_field_names():
            for text, _ in leaf.iter_field("article_id"):
                ids = leaf_postings(leaf, "article_id", text, weights=False)[0]
                quotes.setdefault(_str(text), []).append(ids + base)
    articles: dict[str, list[np.ndarray]] = {}
    for leaf, base in leaves:
        if "id" in leaf.indexed_field_names():
            for text, info in leaf.iter_field("id"):
                if (text := _str(text)) in quotes:
                    ids = np.asarray([info.min_id()]) if info.doc_frequency() == 1 else \
                        leaf_postings(leaf, "id", text, weights=False)[0]
                    articles.setdefault(text, []).append(ids + base)
    for text, parts in quotes.items():
        found = np.concatenate(articles[text]) if text in articles else np.empty(0, np.int64)
        found = found[live[found]]
        parent[np.concatenate(parts)] = found[-1] if len(found) else -1
    return parent


def joined(segs, live: np.ndarray) -> np.ndarray:
    """Return every quote's article (document number; -1: none live) from the segments'
    facts (``read.segments.Segments``: each document's id and each quote's article id as
    64-bit keys): the last live document holding the id, as ``_linked`` reads it from the
    postings, by one sort of the keys instead of a posting list per article id."""
    parent = np.full(segs.size, -1, dtype=np.int64)
    ids = segs.concat(lambda p: p.ids[0], np.int64, offset=True)
    keys = segs.concat(lambda p: p.ids[1], np.uint64)
    quotes = segs.concat(lambda p: p.quotes[0], np.int64, offset=True)
    wanted = segs.concat(lambda p: p.quotes[1], np.uint64)
    alive = live[ids]
    ids, keys = ids[alive], keys[alive]
    if not len(ids) or not len(quotes):
        return parent
    order = np.lexsort((ids, keys))  # by key, then document: each key's last one is its own
    ids, keys = ids[order], keys[order]
    last = np.append(keys[1:] != keys[:-1], True)
    ids, keys = ids[last], keys[last]
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    found = keys[at] == wanted
    parent[quotes[found]] = ids[at[found]]
    return parent


def _str(text) -> str:
    return text.decode("utf-8") if isinstance(text, bytes) else text


def _article_ids(reader, new_from: int, docs: np.ndarray) -> set[str]:
    """Return the article ids of the quotes in documents ``new_from`` on and in ``docs``."""
    texts = set()
    for doc in [*range(new_from, reader.doc_count_all()), *docs.tolist()]:
        value = reader.stored_fields(doc).get("article_id")
        if value:
            texts.add(value)
    return texts


class FoldedQuotes:
    """The quotes folded under their articles, each article's found when asked (a page asks
    for ten): walking every folded quote of a broad query cost more than the search."""

    def __init__(self, ids: np.ndarray, articles: np.ndarray, scores: np.ndarray) -> None:
        self.ids, self.articles, self.scores = ids, articles, scores  # ascending ids

    def get(self, article: int, default=()) -> list[int] | tuple:
        """Return the quotes folded under ``article``, best score first (then by docnum)."""
        at = np.flatnonzero(self.articles == article)
        if not len(at):
            return default
        return self.ids[at[np.argsort(-self.scores[at], kind="stable")]].tolist()

    def __len__(self) -> int:
        return len(self.ids)


NO_QUOTES = FoldedQuotes(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0))


def fold_stories(stories: Stories, final: Hits, tier: np.ndarray, keep: np.ndarray | None = None
                 ) -> tuple[Hits, np.ndarray, FoldedQuotes]:
    """Return ``final`` (ascending ids; and its ``tier``s) without the quotes whose article is
    in it, and those quotes under their articles; ``keep``: which of ``final`` near-duplicate
    folding kept (``folding.fold``), applied in the same pass (one copy of the results, not
    two). Only the kept quotes are looked at: their articles are looked up in a mark of the
    kept documents by document number (at 4x FakeNewsNet, "times": a binary search of 21,691
    articles in 55,700 results took 0.5 ms, the mark 0.06 ms)."""
    keep = np.ones(len(final.ids), dtype=bool) if keep is None else keep.copy()
    parent = stories.parent[final.ids]
    quotes = np.flatnonzero((parent >= 0) & keep)
    folded = NO_QUOTES
    if len(quotes):
        articles = parent[quotes]
        shown = np.zeros(len(stories.parent), dtype=bool)
        shown[final.ids] = keep
        listed = shown[articles]
        if listed.any():
            under = quotes[listed]
            folded = FoldedQuotes(final.ids[under], articles[listed], final.scores[under])
            keep[under] = False
    if keep.all():
        return final, tier, folded
    at = np.flatnonzero(keep)  # places, not the mask: a random mask copies 6x slower
    return Hits(final.ids[at], final.scores[at]), tier[at], folded
