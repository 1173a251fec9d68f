"""Index layer: the Whoosh index behind a small interface the service calls.

    SearchIndex(index_dir, boosts=...)      read side: search, document, suggest, health
    SearchRequest → SearchResult, Document  what goes in and comes out (typed)
    rebuild(index_dir, paths, ...)          full rebuild into a new snapshot, atomic switch
    update(index_dir, paths, delete_ids)    incremental add/update/delete by id
    rollback(index_dir)                     back to the previous snapshot
    reindex_running(index_dir)              whether a writer holds the index now
    PushQueue(index_dir), apply_pushes(...) documents pushed over HTTP: queued, then applied
    merge_segments(index_dir)               merge small segments when the policy says so

All ``whoosh`` imports stay inside this package, so another engine could stand behind the
same functions without touching the API. ``docs/architecture.md`` maps the modules.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

from corpus import Summary, extract
from index.errors import (Deadline, IndexUnavailable, QueryError, QueryTimeout, QueryTooLong,
                          SearchError)
from index.read import compiled
from index.read.search import BM25_B, BM25_K1
from index.read.synonyms import SynonymError, Synonyms
from index.request import (DATE_FACETS, FACETS, KINDS, MAX_ID_LENGTH, MAX_PER_PAGE, MAX_RELATED,
                           OPERATORS, PER_PAGE, RELATED_PER_PAGE, SORTS, RelatedRequest,
                           Scope, SearchRequest)
from index.results import Document, FacetValue, Hit, RelatedResult, SearchResult
from index.schema import DEFAULT_BOOSTS, TEXT_FIELDS
from index.searcher import CACHE_SIZE, POSTINGS_CACHE, TIME_BUDGET, SearchIndex
from index.store.meta import read_meta
from index.store.snapshots import IndexBusy, NoSnapshot, SnapshotStore, lock_held
from index.store.whoosh_columns import install as _fast_stored_offsets
from index.write import indexer, merging, updating
from index.write.indexer import BuildResult, EmptyBuild
from index.write.pushes import PushQueue
from index.write.sharded_build import MAX_SHARDS

_fast_stored_offsets()  # a segment's stored fields open without a loop over its documents

__all__ = [
    "BM25_B", "BM25_K1", "CACHE_SIZE", "MAX_SHARDS", "POSTINGS_CACHE", "TIME_BUDGET",
    "DATE_FACETS", "DEFAULT_BOOSTS", "FACETS", "KINDS", "MAX_ID_LENGTH", "MAX_PER_PAGE", "MAX_RELATED",
    "OPERATORS", "PER_PAGE", "RELATED_PER_PAGE", "RelatedRequest", "RelatedResult",
    "SORTS", "TEXT_FIELDS", "BuildResult", "Deadline", "Document", "EmptyBuild", "FacetValue",
    "Hit", "IndexBusy", "IndexUnavailable", "NoSnapshot", "QueryError", "QueryTimeout",
    "QueryTooLong", "SearchError", "SearchIndex", "SearchRequest", "SearchResult", "Scope",
    "SnapshotStore", "SynonymError", "Synonyms", "has_index", "rebuild", "reindex_running",
    "rollback", "update", "PushQueue", "apply_pushes", "live_shards", "lock_held", "quarantine",
    "merge_segments", "warm_pushes",
]


def rebuild(index_dir: str, paths: Iterable[str], summary: Summary | None = None, *,
            workers: int = 1, progress: Callable[[Summary], None] | None = None,
            fail_after: int | None = None, post_types: tuple[str, ...] = ("post",),
            shards: int = 0, cluster: str = "") -> BuildResult:
    """Extract ``paths`` and rebuild the index from them into a new, then live, snapshot
    (``post_types``: what WordPress exports give, posts and maybe pages; ``shards``: that
    many shards, see ``sharding``, else one index; ``cluster``: a Ray address or ``local``,
    to read and write a sharded build there, see ``cluster_build``; ``progress`` is told of
    the documents read and, through its ``phase`` method if it has one, of each step of
    writing the index)."""
    summary = summary if summary is not None else Summary()
    if cluster and shards:
        from index.cluster import ray_build  # noqa: PLC0415 - imports ray, which make run lacks
        return ray_build.rebuild(index_dir, list(paths), shards, cluster, summary,
                                     workers=workers, progress=progress, post_types=post_types)
    records = extract(list(paths), summary, workers=workers, progress=progress,
                      post_types=post_types)
    return indexer.build(SnapshotStore(index_dir), records, fail_after=fail_after, procs=workers,
                         shards=shards, phase=getattr(progress, "phase", None))


def update(index_dir: str, paths: Iterable[str] = (), delete_ids: Iterable[str] = (),
           summary: Summary | None = None, *, workers: int = 1,
           progress: Callable[[Summary], None] | None = None,
           post_types: tuple[str, ...] = ("post",)) -> BuildResult:
    """Add or replace the documents under ``paths`` and delete ``delete_ids`` (and apply
    the pending pushes)."""
    summary = summary if summary is not None else Summary()
    records = extract(list(paths), summary, workers=workers, progress=progress,
                      post_types=post_types) if paths else ()
    return indexer.update(SnapshotStore(index_dir), records, list(delete_ids))


def apply_pushes(index_dir: str, choose: Callable[[list], list] | None = None
                 ) -> BuildResult | None:
    """Apply the pending push batches (``choose``: which, from the list of them oldest
    first; default all) as one incremental snapshot; None if none is pending. A batch that
    cannot be read is quarantined (``BuildResult.quarantined``) and the others apply.

    Raises IndexBusy while another writer (a rebuild) holds the lock: the batches stay
    pending, and the rebuild replays them too."""
    return indexer.update(SnapshotStore(index_dir), only_pushes=True, choose=choose)


def warm_pushes(index_dir: str) -> None:
    """Read what applying the next push reuses (the push applier, when it starts); raise
    NoSnapshot when there is no index yet."""
    updating.warm(SnapshotStore(index_dir))


def quarantine(index_dir: str, batch, reason: str) -> None:
    """Set the pending push batch at ``batch`` (a path) aside with ``reason``, under the
    writer lock (IndexBusy while a rebuild holds it)."""
    with SnapshotStore(index_dir).writer_lock():
        PushQueue(index_dir).quarantine(batch, reason)


def merge_segments(index_dir: str) -> str | None:
    """Merge small segments of the live index if the merge policy says one is due, as a
    new snapshot (``write.merging``); return its id, or None. Raises IndexBusy while
    another writer holds the lock."""
    return merging.merge(SnapshotStore(index_dir))


def rollback(index_dir: str) -> str:
    """Switch back to the previous snapshot; return its id."""
    return indexer.rollback(SnapshotStore(index_dir))


def has_index(index_dir: str) -> bool:
    """Return True if ``index_dir`` has a live snapshot."""
    try:
        SnapshotStore(index_dir).current_path()
    except NoSnapshot:
        return False
    return True


def preload_compiled(index_dir: str) -> bool:
    """Load the compiled search loops (``read.compiled``) now if the live index has enough
    documents to use them: a server's master before it forks its workers, which then share
    them (~50 MB less a worker than each loading its own). Return whether it did."""
    try:
        counts = read_meta(SnapshotStore(index_dir).current_path()).get("counts", {})
    except (NoSnapshot, OSError, ValueError):
        return False
    if sum(counts.values()) < compiled.JIT_FROM:
        return False  # a small index (the demo's) never loads numba
    compiled.load()
    return True


def live_shards(index_dir: str) -> int:
    """Return the shard count of the live snapshot (1: a plain, unsharded index)."""
    return int(read_meta(SnapshotStore(index_dir).current_path()).get("shards", 1))


def reindex_running(index_dir: str) -> bool:
    """Return True while a reindex (any process) holds the writer lock of ``index_dir``."""
    return SnapshotStore(index_dir).writer_busy()
