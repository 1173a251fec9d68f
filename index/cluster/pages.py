"""The page of a sharded search, built by the coordinator itself: no fetch round to the shards.

The shards' query round returns the rows (``shard_server.ShardPage``) with what only a shard
knows cheaply: each row's near-duplicate group id. The coordinator then reads the page's
stored fields and makes its snippets from the shard directories it has open already (the
``head.Head`` reads every shard's segments as one Whoosh reader and maps their posting
arrays), with ``page.fetch``, the code one index and the shards run: the same hits, one round
fewer. What else a hit needs is the same for every search of a snapshot and asked of the
shards once (``Head.page_facts``): the speakers' canonical names (the snapshot's names file
makes them the same on every shard) and each bio's article count over every shard.

When the coordinator answers some shards itself while replicas answer the others
(``ray_shards.RayShards(local=...)``), it makes the hits of its own shards' first rows
while it waits for them (``Ahead``): a row made ahead that reaches the page is taken as it
is, the page's other rows are fetched after the merge. The same hits either way (each row's
hit depends on that row only); a row made ahead that misses the page is the cost.

``ShardView`` is what ``page.fetch`` reads of one shard (``searcher``, ``columns``,
``groups``, ``postings``), as it reads a ``live.Snapshot``.
"""
from __future__ import annotations

from dataclasses import dataclass

from whoosh.reading import MultiReader

from index.errors import Deadline
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
    """Shard ``k``'s posting lists, for ``page.fields_holding`` (kept for one search's view:
    the rows made ahead and the rest ask for the same terms)."""

    def __init__(self, lists: PostingLists, searcher: _Searcher) -> None:
        self.lists, self.searcher = lists, searcher
        self.seen: dict[tuple[str, str], tuple] = {}

    def get(self, _reader, fieldname: str, text: str):
        found = self.seen.get((fieldname, text))
        if found is None:
            found = self.lists.arrays.get(fieldname, text) if self.lists.arrays is not None \
                else None
            if found is None:
                found = self.lists.get(self.searcher.reader(), fieldname, text)
            self.seen[fieldname, text] = found
        return found


class ShardView:
    """What ``page.fetch`` reads of shard ``k`` of a sharded snapshot, on the coordinator."""

    def __init__(self, head, k: int, facts: PageFacts, groups: dict[int, str]) -> None:
        self._searcher = _Searcher(head.searcher(), head.bases[k], head.leaves[k])
        self.columns = _Columns(facts)
        self.groups = _Groups(groups)
        self.postings = _Postings(head.shard_postings[k], self._searcher)

    def searcher(self) -> _Searcher:
        return self._searcher


def ahead_rows(per_page: int, shards: int) -> int:
    """Return how many first rows of a shard ``Ahead`` makes at most: its share of a first
    page but one (2 shards, 10 a page: 4, each on the page ~19 times in 20 when the rows
    fall on either shard alike). A row past the page's is work lost, and on a busy machine
    the rows made ahead take the CPU the replicas answer with: measured at 4x under load 3,
    7 rows of 2 shards cost 2.6 ms to save 1.1 (``docs/scaling.md``, sixth pass)."""
    return max(0, min(per_page, -(-per_page // shards) - 1))


class Ahead:
    """The hits of a search's page, some made ahead: the first rows of the shards the
    coordinator answers itself, made while the replicas answer the others (``shape``)."""

    def __init__(self, head, facts: PageFacts, terms: dict[str, frozenset[str]],
                 snippets: bool, deadline: Deadline, ranked: bool, rows: int) -> None:
        self.head, self.facts, self.terms, self.snippets = head, facts, terms, snippets
        self.deadline, self.ranked, self.rows = deadline, ranked, rows
        self.views: dict[int, ShardView] = {}
        self.made: dict[tuple[int, Row], Hit] = {}

    def shape(self, answers: list, answered) -> None:
        """Make the hits of the first ``rows`` rows of ``answers`` (shard k's page is
        ``answers[k]``), in their order, until ``answered()`` says the others are in."""
        for k, a in enumerate(answers):
            view = self.views[k] = ShardView(self.head, k, self.facts, a.groups)
            quotes = a.quotes or ((),) * len(a.docnum)
            for i in range(min(self.rows, len(a.docnum))):
                if answered():
                    return
                row = (int(a.docnum[i]), float(a.score[i]) if self.ranked else None,
                       int(a.copies[i]), tuple(quotes[i]))
                self.made[k, row] = fetch(view, [row], self.terms, self.snippets,
                                          self.deadline)[0]

    def page(self, per_shard: list[list[Row]], groups: list[dict]) -> list[list[Hit]]:
        """Return, per shard, the hits of its rows of the page (``per_shard[k]``), as the
        shard's own ``page.fetch`` would: the ones made ahead, the rest fetched now."""
        out = []
        for k, rows in enumerate(per_shard):
            missing = [row for row in rows if (k, row) not in self.made]
            view = self.views.get(k) or ShardView(self.head, k, self.facts, groups[k])
            fetched = iter(fetch(view, missing, self.terms, self.snippets, self.deadline)
                           if missing else [])
            out.append([self.made[k, row] if (k, row) in self.made else next(fetched)
                        for row in rows])
        return out


def new_postings(arrays) -> PostingLists:
    """Return a shard's posting lists for the coordinator's snippets."""
    return PostingLists(FALLBACK_POSTINGS, arrays)
