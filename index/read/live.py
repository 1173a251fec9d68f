"""The live snapshot: everything opened once per snapshot, and switching to a new one.

``Snapshot`` holds what every search of one snapshot shares: the Whoosh index, its facet
columns and field statistics, its posting lists, the corpus order, the languages queries
expand into, the spelling index and the vocabulary for typos (built on first use) and one
Whoosh searcher per thread (they are not thread-safe). ``LiveIndex`` reads the ``CURRENT``
pointer before each call (one small file read, which gives both its id and its directory),
so a reindex in another process is picked up without a restart; the snapshot before stays
open for work in flight, older ones are closed. A sharded snapshot is opened with the
function the front gives (the coordinator's ``Head``): the read side never imports it.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index

from index.analysis import is_stopword, query_langs
from index.errors import IndexUnavailable
from index.read.facets import FacetColumns
from index.read.folding import Groups
from index.read.postings import POSTINGS_CACHE, PostingLists
from index.read.spelling import Speller
from index.read.stories import Stories
from index.read.stats import CorpusStats, FieldStats
from index.read.vocabulary import Vocabulary
from index.schema import TEXT_FIELDS
from index.store.arrays import PostingArrays
from index.store.meta import read_meta
from index.store.names import read_names
from index.store.snapshots import NoSnapshot, SnapshotStore


class Opened:
    """What a snapshot and the head of a sharded one share: per-thread searchers, and the
    terms queries are expanded with (the spelling index, the typo vocabulary and whole
    words), built on first use from ``searcher().reader()``, or kept from the snapshot
    before when this one is a small incremental change of it (``inherited``)."""

    size = 0                # documents, deleted ones included
    langs: tuple[str, ...]  # what queries expand into
    meta: dict[str, Any]
    _arrays = None          # posting arrays, to read the vocabulary's frequencies fast

    def __init__(self) -> None:
        self._speller: Speller | None = None
        self._vocabulary: Vocabulary | None = None
        self._words: Vocabulary | None = None
        self.inherited: tuple[Vocabulary, Vocabulary] | None = None  # from the one before
        self._local = threading.local()
        self._searchers: list = []  # every thread's, closed with the snapshot
        self._lock = threading.Lock()

    def _new_searcher(self):
        raise NotImplementedError

    def searcher(self):
        """Return this thread's Whoosh searcher of the snapshot."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None or searcher.is_closed:
            searcher = self._local.searcher = self._new_searcher()
            with self._lock:
                self._searchers.append(searcher)
        return searcher

    def speller(self) -> Speller:
        """Return the spelling index of titles, deks, headings and names (built once)."""
        if self._speller is None:
            reader = self.searcher().reader()
            with self._lock:
                if self._speller is None:
                    self._speller = Speller({w: reader.doc_frequency("spell", w)
                                             for w in reader.field_terms("spell")
                                             if not is_stopword(w, self.langs)})
        return self._speller

    def vocabulary(self) -> Vocabulary:
        """Return the text fields' terms for typo and prefix matching (built once).

        A snapshot that differs little from the one before it (pushes, small updates: under
        ``INHERIT_CHANGE`` of its documents) keeps that one's vocabulary: its frequencies are
        close enough to choose typo candidates, and a push must not cost every worker a
        rebuild of it. A full rebuild builds its own."""
        if self._vocabulary is None and self.inherited:
            self._vocabulary, self._words = self.inherited
        if self._vocabulary is None:
            reader = self.searcher().reader()
            with self._lock:
                if self._vocabulary is None:
                    self._vocabulary = Vocabulary(reader, TEXT_FIELDS, self._arrays)
        return self._vocabulary

    def words(self) -> Vocabulary:
        """Return the unstemmed words of titles, deks, headings and names (built once):
        a typo is also looked for among whole words, then stemmed."""
        if self._words is None:
            reader = self.searcher().reader()
            with self._lock:
                if self._words is None:
                    self._words = Vocabulary(reader, ("spell",), folded=True)
        return self._words

    def close(self) -> None:
        """Close every thread's searcher."""
        with self._lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()


class Snapshot(Opened):
    """One opened snapshot and what is derived from it."""

    def __init__(self, snapshot_id: str, path: Path, max_postings: int,
                 shard: bool = False) -> None:
        super().__init__()
        self.snapshot_id = snapshot_id
        self.path = path
        self.ix = whoosh_index.open_dir(str(path))
        self.meta = read_meta(path)
        # the corpus order: a shard's or a build's ``seq`` (one from before seq was written
        # everywhere has no ``next_seq``: its document numbers are the order)
        has_seq = shard or "next_seq" in self.meta
        with self.ix.reader() as reader:
            self.columns = FacetColumns(reader, read_names(path.parent if shard else path))
            self.groups = Groups(reader, self.columns.live)
            self.stats = FieldStats(reader, TEXT_FIELDS)
            self.postings = PostingLists(max_postings, PostingArrays.open(path, self.ix, reader))
            self.order = _order(reader, has_seq)  # each document's place in the corpus
        cols = self.columns
        self.size = cols.size
        self.corpus = CorpusStats.of(self.stats, len(cols.live_ids()), cols.day[cols.live])
        self.langs = query_langs(cols.lang_counts())
        self._arrays = self.postings.arrays
        self._stories: Stories | None = None

    def stories(self) -> Stories:
        """Return each quote's article (read on first use: only searches need it)."""
        if self._stories is None:
            with self.ix.reader() as reader:
                self._stories = Stories(reader, self.columns.live)
        return self._stories

    def _new_searcher(self):
        return self.ix.searcher()




def _order(reader, has_seq: bool) -> np.ndarray:
    """Return each document's place in the corpus (``order``): the ``seq`` column, else (an
    index written before every build stored it) the document numbers."""
    size = reader.doc_count_all()
    if has_seq:
        order = np.fromiter(reader.column_reader("seq"), dtype=np.int64, count=size)
    else:
        order = np.arange(size, dtype=np.int64)
    order.flags.writeable = False
    return order


INHERIT_CHANGE = 0.05  # a snapshot this close to the one before keeps its vocabulary


def _small_change(before: Opened, after: Opened) -> bool:
    """True if ``after`` holds about the documents of ``before`` (an incremental change)."""
    old, new = before.size, after.size
    return bool(after.meta.get("incremental")) and abs(new - old) <= INHERIT_CHANGE * max(old, 1)


class Recent:
    """Snapshots opened once by id; opening a new one keeps the one before (work in flight
    may still use it) and closes older ones."""

    def __init__(self) -> None:
        self._open: dict[str, Opened] = {}
        self._lock = threading.Lock()

    def get(self, snapshot_id: str, opener: Callable[[], Opened]) -> Opened:
        """Return the snapshot ``snapshot_id``, opening it with ``opener`` the first time."""
        snap = self._open.get(snapshot_id)
        if snap is not None:
            return snap
        with self._lock:
            snap = self._open.get(snapshot_id)
            if snap is None:
                snap = opener()
                for old in list(self._open)[:-1]:
                    self._open.pop(old).close()
                before = next(reversed(self._open.values()), None)
                if before is not None and type(before) is type(snap) \
                        and before._vocabulary is not None \
                        and before._words is not None and _small_change(before, snap):
                    snap.inherited = (before._vocabulary, before._words)
                self._open[snapshot_id] = snap
        return snap

    def close(self) -> None:
        """Close every open snapshot."""
        with self._lock:
            for snap in self._open.values():
                snap.close()
            self._open.clear()


class LiveIndex:
    """The snapshot ``CURRENT`` points to, opened once and replaced when it changes."""

    def __init__(self, index_dir: str, max_postings: int = POSTINGS_CACHE,
                 open_sharded: Callable[[str, Path, dict], Opened] | None = None) -> None:
        self.store = SnapshotStore(index_dir)
        self.max_postings = max_postings
        self.open_sharded = open_sharded  # the coordinator's Head, given by the front
        self.opened = Recent()

    def _open(self, snapshot_id: str, path: Path) -> Opened:
        """Open a snapshot: one index (``Snapshot``), or the head of a sharded one."""
        meta = read_meta(path)
        if meta.get("shards"):
            if self.open_sharded is None:
                raise IndexUnavailable(f"snapshot {snapshot_id} is sharded: serve it with shards")
            return self.open_sharded(snapshot_id, path, meta)
        return Snapshot(snapshot_id, path, self.max_postings)

    def current(self) -> Opened:
        """Return the live snapshot, opening it if it is new; raise IndexUnavailable."""
        try:
            snapshot_id, path = self.store.live()
        except NoSnapshot as exc:
            raise IndexUnavailable(str(exc)) from None

        def opener() -> Opened:
            try:
                return self._open(snapshot_id, path)
            except Exception as exc:  # corrupt or half-deleted index files
                raise IndexUnavailable(f"cannot open snapshot {snapshot_id}: {exc}") from None
        return self.opened.get(snapshot_id, opener)

    def close(self) -> None:
        """Close every open snapshot."""
        self.opened.close()
