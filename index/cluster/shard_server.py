"""The shard side of a sharded search: one shard of a sharded index directory, answering the
coordinator (``sharded``) for the snapshot it names.

A ``ShardServer`` runs wherever the shard is served: in the service's own process
(``local_shards.LocalShards``) or in a replica actor on a Ray cluster (``ray_replica``). Every call
names its snapshot, so all the shards of one search answer from the same one even while a
reindex switches ``CURRENT``; the server keeps that snapshot and the one before open.
Arguments and answers are plain picklable values. The methods, in the order a search
calls them:

    days      the live documents' days, counted (for recency; once per snapshot)
    prepare   count the query's document frequencies and relaxed-matching evidence on
              this shard (``counting``: no scores)
    query     run it again with the corpus-wide statistics; return the shard's best rows
              for the page (with their group ids), its total, and raw facet counts (as
              codes, ``facet_codes``); the coordinator reads the page's stored fields and
              snippets itself (``pages``)
    fetch     the hits of this shard's rows of the page (``page.fetch``), when the shards
              make them (``pages.page_hits``: a worker answering some shards itself)
    page_facts, articles_by   the speakers' canonical names and bios' article counts
              (once per snapshot)
    facet_values   the values its facet counts' codes number (once per snapshot)
    document  one stored document by id (None when this shard does not hold it)
    stored, related, fetch_plain   the same steps for related documents (``related``)
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.cluster.counting import Counter
from index.cluster.facet_codes import Coded, coded, values_of
from index.documents import from_stored
from index.errors import Deadline, IndexUnavailable
from index.read import facets
from index.read import related as related_op
from index.read.live import Recent, Snapshot
from index.read.page import Row, as_person, fetch as fetch_hits
from index.read.postings import POSTINGS_CACHE
from index.read.search import Matches, Ranking, match
from index.read.stories import SHOWN_QUOTES
from index.read.stats import CorpusStats, day_counts
from index.request import RelatedRequest, SearchRequest
from index.results import Document, Hit
from index.store.snapshots import NoSnapshot, SnapshotStore, shard_dir


@dataclass(frozen=True)
class ShardPage:
    """A shard's answer to ``query``: its best rows for the page, in its result order."""

    total: int
    folded: int
    docnum: np.ndarray
    seq: np.ndarray
    tier: np.ndarray
    score: np.ndarray
    day: np.ndarray
    copies: np.ndarray
    held: np.ndarray | None    # words each row holds (bit j: word j), when some were dropped
    words: tuple[str, ...]     # the relaxed query's words, in bit order
    facets: Coded | None       # raw counts as codes (``facet_codes.coded``)
    quotes: tuple = ()         # per row, the docnums of its quotes folded under it (stories)
    groups: dict = field(default_factory=dict)  # docnum → group id, of the rows and shown
    # quotes that have copies (the coordinator builds the page: ``pages``)
    common: tuple[bool, ...] = ()  # the relaxed query's common words (the corpus's decision)


class ShardServer:
    """One shard of the sharded snapshots of ``index_dir``."""

    def __init__(self, index_dir: str, shard: int, postings_cache: int = POSTINGS_CACHE) -> None:
        self.store = SnapshotStore(index_dir)
        self.shard = shard
        self.postings_cache = postings_cache
        self.opened = Recent()

    def call(self, snapshot_id: str, method: str, args: tuple) -> Any:
        """Run ``method(*args)`` on this shard of ``snapshot_id``."""
        if method not in ("days", "page_facts", "articles_by", "facet_values", "prepare",
                          "query", "fetch", "document", "stored", "related", "fetch_plain"):
            raise ValueError(f"no shard method {method!r}")
        return getattr(self, method)(self._snapshot(snapshot_id), *args)

    def _snapshot(self, snapshot_id: str) -> Snapshot:
        def opener() -> Snapshot:
            try:
                path = shard_dir(self.store.path(snapshot_id), self.shard)
                if not path.is_dir():
                    raise NoSnapshot(f"snapshot {snapshot_id} has no {path.name}")
                snap = Snapshot(snapshot_id, path, self.postings_cache, shard=True)
                snap.stories()  # every search folds quotes: not the first one's cost
                return snap
            except Exception as exc:  # gone (pruned), corrupt, or never sharded
                raise IndexUnavailable(f"cannot open shard {self.shard} of snapshot "
                                       f"{snapshot_id}: {exc}") from None
        return self.opened.get(snapshot_id, opener)

    # -- the calls -------------------------------------------------------------------------
    @staticmethod
    def days(snap: Snapshot) -> tuple[np.ndarray, np.ndarray]:
        cols = snap.columns
        return day_counts(cols.day[cols.live])

    @staticmethod
    def page_facts(snap: Snapshot) -> tuple[dict[str, str], list[tuple[str, ...]]]:
        """Return the speakers' canonical names (where not the name itself) and the authors
        of this shard's live bios."""
        names = snap.columns.speaker_names
        canonical = {name: shown for name, shown in names.canonical.items() if shown != name}
        bios = snap.columns.codes["kind"] == snap.columns.values["kind"].index("bio") \
            if "bio" in snap.columns.values["kind"] else None
        authors = [] if bios is None else [
            tuple(snap.searcher().stored_fields(int(d)).get("author") or ())
            for d in np.flatnonzero(bios & snap.columns.live)]
        return canonical, sorted(set(authors))

    @staticmethod
    def articles_by(snap: Snapshot, authors: list[tuple[str, ...]]) -> list[int]:
        """Return the live articles of this shard by each of ``authors`` (a bio's)."""
        return [snap.columns.articles_by(a) for a in authors]

    @staticmethod
    def facet_values(snap: Snapshot) -> dict[str, list[str]]:
        """Return the values its facet counts' codes number (``facet_codes``)."""
        return values_of(snap.columns)

    @staticmethod
    def prepare(snap: Snapshot, req: SearchRequest, query, ranking: Ranking,
                corpus: CorpusStats, budget: float) -> tuple[dict, list]:
        seen = corpus.collect()
        Counter(snap, _filters(snap, req).mask(), Deadline(budget), seen).count(query)
        return seen.seen_dfs, seen.seen_evidence

    @staticmethod
    def query(snap: Snapshot, req: SearchRequest, query, ranked: bool, ranking: Ranking,
              corpus: CorpusStats, budget: float) -> ShardPage:
        m = match(snap, req, query, ranked, ranking, Deadline(budget), corpus)
        return _page(snap, m, req, ranked)

    @staticmethod
    def fetch(snap: Snapshot, rows: list[Row], terms: dict[str, frozenset[str]], snippets: bool,
              budget: float) -> list[Hit]:
        """The hits of ``rows`` (this shard's of the page), each bio's ``article_count`` this
        shard's own (the coordinator puts every shard's: ``pages.page_hits``)."""
        return fetch_hits(snap, rows, terms, snippets, Deadline(budget)) if rows else []

    @staticmethod
    def document(snap: Snapshot, doc_id: str) -> Document | None:
        stored = snap.searcher().document(id=doc_id)
        return None if stored is None else as_person(snap, from_stored(stored))

    @staticmethod
    def stored(snap: Snapshot, doc_id: str) -> dict | None:
        return snap.searcher().document(id=doc_id)

    @staticmethod
    def related(snap: Snapshot, req: RelatedRequest, words: list, lang: str, ranking: Ranking,
                corpus: CorpusStats, budget: float) -> related_op.Rows:
        return related_op.rows(snap, req, words, lang, ranking.b, ranking.k1, Deadline(budget),
                               corpus)

    @staticmethod
    def fetch_plain(snap: Snapshot, rows: list[Row]) -> list[Hit]:
        return related_op.fetch_plain(snap, rows)

    def close(self) -> None:
        self.opened.close()


def _page(snap: Snapshot, m: Matches, req: SearchRequest, ranked: bool) -> ShardPage:
    """Return the shard's first ``page × per_page`` rows: no row past them can make the page."""
    ids, scores = m.final
    at, copies, quotes = m.listing.first(req.page * req.per_page)
    rows = ids[at]
    day, seq = snap.columns.day[rows], snap.order[rows]
    tiers = m.tiers
    dropped = tiers is not None and tiers.required < tiers.counted
    raw = (coded(snap.columns, m.matched, m.filters, req.date_by_month, req.authors)
           if req.facets else None)
    return ShardPage(m.listing.total, m.listing.folded, rows, seq, m.tier[at], scores[at], day,
                     np.array(copies, dtype=np.int64),
                     tiers.held(rows) if dropped else None,
                     tuple(w for w, _ in tiers.words) if dropped else (), raw, tuple(quotes),
                     _groups(snap, rows, quotes), tiers.common if tiers is not None else ())


def _groups(snap: Snapshot, rows: np.ndarray, quotes: list[tuple[int, ...]]) -> dict[int, str]:
    """Return the group ids of ``rows`` and their shown quotes that have copies."""
    found = {}
    for d, under in zip(rows.tolist(), quotes):
        for doc in (d, *under[:SHOWN_QUOTES]):
            group = snap.groups.group_of(int(doc))
            if group is not None:
                found[int(doc)] = group
    return found


def _filters(snap: Snapshot, req: SearchRequest) -> facets.Filters:
    return facets.make_filters(snap.columns, req.kinds, req.langs, req.authors, req.day_from,
                               req.day_to, req.speakers, req.sites, req.scope)
