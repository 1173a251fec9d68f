"""``SearchIndex``: what the service holds to read the index; a thin front over the parts.

    read.live.LiveIndex         the snapshot CURRENT points to, opened once (a sharded one as
                                the coordinator's ``Head``), with per-thread searchers
    read.search.search          one search over a single index → results.SearchResult
    cluster.coordinator.search  the same over a sharded snapshot's shards
    read.related / coordinator.related   documents like one document
    cluster.local_shards        the shards opened in this process (unless a cluster's
                                backend is given, ``cluster.ray_shards``)
    read.completion             search-as-you-type completions
    documents                   stored fields → results.Document

It adds the time budget of each call and a small cache of recent responses and counts
(keyed by the snapshot, so a reindex never serves stale answers).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from index.cluster import coordinator
from index.cluster.head import Head
from index.cluster.fanout import Shards
from index.cluster.local_shards import LocalShards
from index.documents import from_stored
from index.errors import Deadline, IndexUnavailable, QueryError
from index.read import facets
from index.read import search as search_op
from index.read.completion import complete
from index.read.live import LiveIndex
from index.read.page import as_person
from index.read.postings import POSTINGS_CACHE
from index.read.reopen import Reopen
from index.read.related import related as related_op
from index.read.synonyms import Synonyms
from index.request import SORTS, RelatedRequest, SearchRequest
from index.results import Document, RelatedResult, SearchResult
from index.schema import DEFAULT_BOOSTS

TIME_BUDGET = 2.0           # seconds a search may run
CACHE_SIZE = 1024           # responses kept
WARM_BUDGET = 600.0         # seconds the shards may take to open (4x, loaded machine: ~60 s)


class SearchIndex:
    """Read access to the live index in ``index_dir``."""

    def __init__(self, index_dir: str, boosts: dict[str, float] | None = None,
                 time_budget: float = TIME_BUDGET, bm25_b: float = search_op.BM25_B,
                 bm25_k1: float = search_op.BM25_K1, cache_size: int = CACHE_SIZE,
                 postings_cache: int = POSTINGS_CACHE, synonyms: str = "",
                 shards_backend: Callable[[int], Shards] | None = None,
                 background_reopen: bool = False) -> None:
        # background_reopen: an incremental change is opened (and warmed) by a thread of its
        # own while searches go on in the snapshot before (see ``read.reopen``)
        self.live = LiveIndex(index_dir, postings_cache, open_sharded=Head,
                              reopen=Reopen(_warm) if background_reopen else None)
        # who answers for the shards of a sharded snapshot: given the shard count, a backend
        # (``fanout``); by default each shard is opened in this process
        self.shards_backend = shards_backend or (
            lambda n: LocalShards(index_dir, n, postings_cache))
        self._backends: dict[int, Shards] = {}
        self.ranking = search_op.Ranking({**DEFAULT_BOOSTS, **(boosts or {})}, bm25_b, bm25_k1)
        self.time_budget = time_budget
        self.synonyms = Synonyms.load(synonyms) if synonyms else None  # SynonymError if bad
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple, SearchResult | int] = OrderedDict()  # and counts
        self._lock = threading.Lock()

    def search(self, req: SearchRequest) -> SearchResult:
        """Run ``req``; raise QueryError, QueryTimeout or IndexUnavailable.

        One result always comes wholly from one snapshot, the one it names.
        """
        return self._run(req, None, search_op.search, coordinator.search)

    def count(self, req: SearchRequest, deadline: Deadline | None = None) -> int:
        """Return the ``total`` that ``search(req)`` gives, computing nothing else (no page,
        snippets, facets nor did-you-mean), within ``deadline`` (default: a search's budget);
        raise as ``search`` does."""
        return self._run(req, deadline, search_op.count, coordinator.count)

    def _run(self, req: SearchRequest, deadline: Deadline | None, one: Callable,
             sharded: Callable):
        """Run ``one`` (a single index) or ``sharded`` on the live snapshot, cached by it."""
        if req.sort not in SORTS:
            raise QueryError(f"sort must be one of {', '.join(SORTS)}")
        snap = self.live.current()
        if req.typos and req.q.strip():  # built once per snapshot: not the query's cost
            snap.vocabulary()
            snap.words()
        # nor is opening a new snapshot, or joining the cluster that serves its shards
        shards = self._shards(snap) if isinstance(snap, Head) else None
        deadline = deadline or Deadline(self.time_budget)
        key = (snap.snapshot_id, req, one.__name__)
        if self.cache_size:
            with self._lock:
                cached = self._cache.get(key)
                if cached is not None:
                    self._cache.move_to_end(key)
                    return cached
        if shards is not None:
            result = sharded(snap, shards, req, self.ranking, deadline, self.synonyms)
        else:
            result = one(snap, req, self.ranking, deadline, self.synonyms)
        if self.cache_size:
            with self._lock:
                self._cache[key] = result
                while len(self._cache) > self.cache_size:
                    self._cache.popitem(last=False)
        return result

    def document(self, doc_id: str) -> Document | None:
        """Return the stored document ``doc_id``, or None."""
        snap = self.live.current()
        if isinstance(snap, Head):
            found = self._shards(snap).map(snap.snapshot_id, "document",
                                           [(doc_id,)] * snap.shards, Deadline(self.time_budget))
            return next((doc for doc in found if doc is not None), None)
        stored = snap.searcher().document(id=doc_id)
        return None if stored is None else as_person(snap, from_stored(stored))

    def _shards(self, head: Head) -> Shards:
        """Return the backend serving ``head``'s shards (one per shard count)."""
        backend = self._backends.get(head.shards)
        if backend is None:
            with self._lock:
                backend = self._backends.get(head.shards)
                if backend is None:
                    backend = self._backends[head.shards] = self.shards_backend(head.shards)
        return backend

    def related(self, req: RelatedRequest) -> RelatedResult | None:
        """Return the documents like ``req.doc_id``, or None when it does not exist."""
        snap = self.live.current()
        snap.vocabulary()  # built once per snapshot: not the request's cost
        r = self.ranking
        if isinstance(snap, Head):
            return coordinator.related(snap, self._shards(snap), req, r, Deadline(self.time_budget))
        return related_op(snap, req, r.boosts, r.b, r.k1, Deadline(self.time_budget))

    def suggest(self, prefix: str, limit: int = 8) -> list[str]:
        """Return completions of the last word of ``prefix``."""
        snap = self.live.current()
        return complete(snap.searcher().reader(), snap.langs, prefix, limit)

    def warm(self) -> bool:
        """Open the live snapshot and build its spelling index, vocabulary and stories now
        rather than on a user's request; return False when there is no index to open yet."""
        try:
            snap = self.live.current()
            _warm(snap)
            if isinstance(snap, Head):  # a worker joins the cluster before its first request
                shards, deadline = self._shards(snap), Deadline(WARM_BUDGET)
                snap.corpus(shards, deadline)  # and asks the shards what every search needs
                snap.page_facts(shards, deadline)
                snap.facet_table(shards, deadline)
        except IndexUnavailable:
            return False
        return True

    def health(self) -> dict[str, Any]:
        """Return the live snapshot's id, counts and build time (raise IndexUnavailable)."""
        snap = self.live.current()
        return {"snapshot": snap.snapshot_id, "built_at": snap.meta.get("built_at"),
                "counts": snap.meta.get("counts", {}), "langs": snap.meta.get("langs", []),
                "size_bytes": _dir_size(snap.path)}

    def close(self) -> None:
        """Close every searcher of every open snapshot, and the shards' backends."""
        self.live.close()
        for backend in self._backends.values():
            backend.close()
        self._backends.clear()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to do
            pass


def _warm(snap) -> None:
    """Build what the first searches of a snapshot would otherwise wait for."""
    snap.speller()
    snap.vocabulary()
    snap.words()
    if hasattr(snap, "stories"):  # one index (a sharded one's shards fold their own)
        snap.stories()
        facets.prepare(snap.columns)


def _dir_size(path) -> int:
    """Return the bytes of a snapshot's files (a sharded one's: with its shards')."""
    try:
        return sum(p.stat().st_size if p.is_file() else
                   _dir_size(p) if p.name.startswith("shard-") else 0 for p in path.iterdir())
    except OSError:
        return 0
