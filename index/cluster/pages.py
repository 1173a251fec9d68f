"""The page of a sharded search, built by the coordinator itself: no fetch round to the shards
(``page_hits``: unless this process answers some shards and replicas the rest; then each
shard makes its rows' hits, side by side).

The shards' query round returns the rows (``shard_server.ShardPage``) with what only a shard
knows cheaply: each row's near-duplicate group id. The coordinator then reads the page's
stored fields and makes its snippets from the shard directories it has open already (the
``head.Head`` reads every shard's segments as one Whoosh reader and maps their posting
arrays), with ``page.fetch``, the code one index and the shards run: the same hits, one round
fewer. What else a hit needs is the same for every search of a snapshot and asked of the
shards once (``Head.page_facts``): the speakers' canonical names (the snapshot's names file
makes them the same on every shard) and each bio's article count over every shard.

``ShardView`` is what ``page.fetch`` reads of one shard (``searcher``, ``columns``,
``groups``, ``postings``), as it reads a ``live.Snapshot``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from whoosh.reading import MultiReader

from index.errors import Deadline, IndexUnavailable, QueryTimeout
from index.read.page import Row, fetch
from index.read.postings import PostingLists
from index.results import Hit

FALLBACK_POSTINGS = 200_000  # decoded postings kept per shard when it has no arrays


@dataclass(frozen=True)
class PageFacts:
    """What a sharded snapshot's hits need besides their rows: the speakers' canonical
    names and each bio's articles over every shard (by the bio's authors)."""

    canonical: dict[str, str]
    articles: dict[tuple[str, ...], int]


class _Names:
    def __init__(self, canonical: dict[str, str]) -> None:
        self.canonical = canonical


class _Columns:
    """The two things ``page.hits`` reads of a snapshot's facet columns."""

    def __init__(self, facts: PageFacts) -> None:
        self.speaker_names = _Names(facts.canonical)
        self.articles = facts.articles

    def articles_by(self, authors: tuple[str, ...]) -> int:
        return self.articles[tuple(authors)]


class _Groups:
    def __init__(self, groups: dict[int, str]) -> None:
        self.groups = groups

    def group_of(self, docnum: int) -> str | None:
        return self.groups.get(docnum)


class _Searcher:
    """Shard ``k``'s stored fields and reader, through the head's reader of every shard."""

    def __init__(self, searcher, base: int, leaves: slice) -> None:
        self.searcher, self.base, self.leaves = searcher, base, leaves

    def stored_fields(self, docnum: int) -> dict:
        return self.searcher.stored_fields(self.base + docnum)

    def reader(self):
        readers = self.searcher.reader().readers[self.leaves]
        return readers[0] if len(readers) == 1 else MultiReader(readers)


class _Postings:
    """Shard ``k``'s posting lists, for ``page.fields_holding``."""

    def __init__(self, lists: PostingLists, searcher: _Searcher) -> None:
        self.lists, self.searcher = lists, searcher

    def get(self, _reader, fieldname: str, text: str):
        found = self.lists.arrays.get(fieldname, text) if self.lists.arrays is not None \
            else None
        if found is not None:
            return found
        return self.lists.get(self.searcher.reader(), fieldname, text)


class ShardView:
    """What ``page.fetch`` reads of shard ``k`` of a sharded snapshot, on the coordinator."""

    def __init__(self, head, k: int, facts: PageFacts, groups: dict[int, str]) -> None:
        self._searcher = _Searcher(head.searcher(), head.bases[k], head.leaves[k])
        self.columns = _Columns(facts)
        self.groups = _Groups(groups)
        self.postings = _Postings(head.shard_postings[k], self._searcher)

    def searcher(self) -> _Searcher:
        return self._searcher


def page_hits(head, shards, facts: PageFacts, per_shard: list[list[Row]], groups: list[dict],
              terms: dict[str, frozenset[str]], snippets: bool,
              deadline: Deadline) -> list[list[Hit]]:
    """Return, per shard, the hits of its rows of the page: made here (``fetch_page``); or,
    when this process answers some shards and replicas the rest (``shards.shard_pages``),
    by each shard in a fetch round, the replicas' side by side with this process's, each
    bio's ``article_count`` then put over every shard as here. Measured at 4x (shard 0 in
    the worker, interleaved): the worker's CPU 13.0-13.7 -> 10.7-11.3 ms a search, p50
    -0.8 ms; the replica spends ~3 ms more (a hit carries its whole text)."""
    # without snippets the page is stored fields only: nothing to share out
    if shards.shard_pages and snippets and not deadline.expired():
        try:
            found = shards.map(head.snapshot_id, "fetch", [(rows, terms, snippets,
                                                            deadline.left())
                                                           for rows in per_shard], deadline)
            return [[_counted(hit, facts) for hit in hits] for hits in found]
        except (QueryTimeout, IndexUnavailable):
            pass  # out of time, or no replica answered: made here, as without the round
    # past the budget the snippets are plain, as they always were: a search whose rows are
    # in never fails for want of its page
    return fetch_page(head, facts, per_shard, groups, terms, snippets, deadline)


def _counted(hit: Hit, facts: PageFacts) -> Hit:
    """``hit`` with a bio's article count over every shard (a shard counts its own)."""
    doc = hit.document
    if doc.kind != "bio":
        return hit
    return replace(hit, document=replace(doc, article_count=facts.articles[tuple(doc.authors)]))


def fetch_page(head, facts: PageFacts, per_shard: list[list[Row]], groups: list[dict],
               terms: dict[str, frozenset[str]], snippets: bool,
               deadline: Deadline) -> list[list[Hit]]:
    """Return, per shard, the hits of its rows of the page (``per_shard[k]``), as the
    shard's own ``page.fetch`` would."""
    return [fetch(ShardView(head, k, facts, groups[k]), rows, terms, snippets, deadline)
            if rows else [] for k, rows in enumerate(per_shard)]


def new_postings(arrays) -> PostingLists:
    """Return a shard's posting lists for the coordinator's snippets."""
    return PostingLists(FALLBACK_POSTINGS, arrays)
