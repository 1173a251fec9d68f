"""The live snapshot: everything opened once per snapshot, and switching to a new one.

``Snapshot`` holds what every search of one snapshot shares: the Whoosh index, its facet
columns and field statistics, its posting lists, the languages queries expand into, the
spelling index and the vocabulary for typos (built on first use) and one Whoosh searcher per thread (they are not
thread-safe). ``LiveIndex`` reads the ``CURRENT`` pointer before each call (one small file
read), so a reindex in another process is picked up without a restart; the snapshot before
stays open for work in flight, older ones are closed.

With ``background`` (the service's choice), a snapshot that is an incremental change of the
one being served (pushed documents, ``reindex --incremental``) is opened and warmed by a
thread of its own while requests go on being answered from the one before, which stays
correct and complete for them; the switch happens once the new one is ready. Opening a
snapshot on FakeNewsNet takes seconds, which a push flood otherwise put on searches (issue
26: the applier publishes, each worker's next request paid the open). A full rebuild is
still opened by the first request after it, so that its results are never stale.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index

from .analysis import is_stopword, query_langs
from .arrays import PostingArrays
from .errors import IndexUnavailable
from .facets import FacetColumns
from .folding import Groups
from .indexer import read_meta
from .postings import PostingLists
from .schema import TEXT_FIELDS
from .snapshots import NoSnapshot, SnapshotStore
from .spelling import Speller
from .stats import CorpusStats, FieldStats
from .vocabulary import Vocabulary


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
        with self.ix.reader() as reader:
            self.columns = FacetColumns(reader)
            self.groups = Groups(reader, self.columns.live)
            self.stats = FieldStats(reader, TEXT_FIELDS)
            self.postings = PostingLists(max_postings, PostingArrays.open(path, self.ix, reader))
            self.order = _order(reader, shard)  # each document's place in the corpus
        cols = self.columns
        self.size = cols.size
        self.corpus = CorpusStats.of(self.stats, len(cols.live_ids()), cols.day[cols.live])
        self.meta = read_meta(path)
        self.langs = query_langs(cols.lang_counts())
        self._arrays = self.postings.arrays

    def _new_searcher(self):
        return self.ix.searcher()


def _open(snapshot_id: str, path: Path, max_postings: int):
    """Open a snapshot: one index (``Snapshot``), or the head of a sharded one."""
    meta = read_meta(path)
    if meta.get("shards"):
        from .sharded import Head  # noqa: PLC0415 - the sharded side imports this module
        return Head(snapshot_id, path, meta)
    return Snapshot(snapshot_id, path, max_postings)


def _order(reader, shard: bool) -> np.ndarray:
    """Return each document's place in the corpus (``order``): its number in one index,
    the ``seq`` column in a shard."""
    size = reader.doc_count_all()
    if shard:
        order = np.fromiter(reader.column_reader("seq"), dtype=np.int64, count=size)
    else:
        order = np.arange(size, dtype=np.int64)
    order.flags.writeable = False
    return order


_log = logging.getLogger(__name__)
INHERIT_CHANGE = 0.05  # a snapshot this close to the one before keeps its vocabulary


def _close(before: Opened, after: Opened) -> bool:
    """True if ``after`` holds about the documents of ``before`` (an incremental change)."""
    old, new = before.size, after.size
    return bool(after.meta.get("incremental")) and abs(new - old) <= INHERIT_CHANGE * max(old, 1)


class Recent:
    """Snapshots opened once by id; opening a new one keeps the one before (work in flight
    may still use it) and closes older ones."""

    def __init__(self) -> None:
        self._open: dict[str, Opened] = {}
        self._lock = threading.Lock()

    def get(self, snapshot_id: str, opener: Callable[[], Opened],
            prepare: Callable[[Opened], None] | None = None) -> Opened:
        """Return the snapshot ``snapshot_id``, opening it with ``opener`` the first time
        (and ``prepare``-ing it, before any other call may use it)."""
        snap = self._open.get(snapshot_id)
        if snap is not None:
            return snap
        with self._lock:
            snap = self._open.get(snapshot_id)
            if snap is None:
                snap = opener()
                before = next(reversed(self._open.values()), None)
                if before is not None and type(before) is type(snap) \
                        and before._vocabulary is not None \
                        and before._words is not None and _close(before, snap):
                    snap.inherited = (before._vocabulary, before._words)
                if prepare is not None:
                    prepare(snap)
                for old in list(self._open)[:-1]:
                    self._open.pop(old).close()
                self._open[snapshot_id] = snap
        return snap

    def peek(self, snapshot_id: str) -> Opened | None:
        """Return the snapshot ``snapshot_id`` if it is open, else None (never waits)."""
        return self._open.get(snapshot_id)

    def latest(self) -> Opened | None:
        """Return the snapshot opened last, or None (never waits)."""
        opened = list(self._open.values())
        return opened[-1] if opened else None

    def close(self) -> None:
        """Close every open snapshot."""
        with self._lock:
            for snap in self._open.values():
                snap.close()
            self._open.clear()


class LiveIndex:
    """The snapshot ``CURRENT`` points to, opened once and replaced when it changes."""

    def __init__(self, index_dir: str, max_postings: int = 2_000_000, background: bool = False,
                 prepare: Callable[[Opened], None] | None = None) -> None:
        self.store = SnapshotStore(index_dir)
        self.max_postings = max_postings
        self.opened = Recent()
        self.background = background
        self.prepare = prepare  # what a snapshot opened in the background gets before it serves
        self._opening: threading.Thread | None = None
        self._opening_lock = threading.Lock()
        self._incremental: tuple[str, bool] = ("", False)

    def current(self) -> Opened:
        """Return the live snapshot, opening it if it is new; raise IndexUnavailable.

        With ``background``: while an incremental change of the snapshot being served is
        opened by another thread, return the one being served."""
        try:
            snapshot_id = self.store.current()
            path = self.store.current_path()
        except NoSnapshot as exc:
            raise IndexUnavailable(str(exc)) from None
        snap = self.opened.peek(snapshot_id)
        if snap is not None:
            return snap

        def opener() -> Opened:
            try:
                return _open(snapshot_id, path, self.max_postings)
            except Exception as exc:  # corrupt or half-deleted index files
                raise IndexUnavailable(f"cannot open snapshot {snapshot_id}: {exc}") from None
        if self.background:
            serving = self.opened.latest()
            # still on disk (a snapshot two switches old is deleted), and only a small change
            if serving is not None and serving.path.is_dir() and self._is_incremental(snapshot_id, path):
                self._open_later(snapshot_id, opener)
                return serving
        return self.opened.get(snapshot_id, opener)

    def _is_incremental(self, snapshot_id: str, path: Path) -> bool:
        if self._incremental[0] != snapshot_id:
            self._incremental = (snapshot_id, bool(read_meta(path).get("incremental")))
        return self._incremental[1]

    def _open_later(self, snapshot_id: str, opener: Callable[[], Opened]) -> None:
        """Open (and prepare) ``snapshot_id`` in a thread of its own, unless one is at it."""
        with self._opening_lock:
            if self._opening is not None and self._opening.is_alive():
                return

            def run() -> None:
                try:
                    self.opened.get(snapshot_id, opener, self.prepare)
                except Exception:  # noqa: BLE001 - the next request tries again (or blocks)
                    _log.exception("opening snapshot %s in the background failed", snapshot_id)
            self._opening = threading.Thread(target=run, name=f"open-{snapshot_id}", daemon=True)
            self._opening.start()

    def close(self) -> None:
        """Close every open snapshot."""
        self.opened.close()
