"""The live snapshot: everything opened once per snapshot, and switching to a new one.

``Snapshot`` holds what every search of one snapshot shares: the Whoosh index, its facet
columns, field statistics and posting lists, the corpus order, the languages queries expand
into, the term counts, speller and typo vocabulary (built on first use) and one Whoosh
searcher per thread (not thread-safe). ``LiveIndex`` reads ``CURRENT`` before each call (one
small file: its id and directory), so a reindex in another process is picked up without a
restart; the snapshot before stays open for work in flight, older ones are closed. A sharded
snapshot is opened with the front's function (``Head``): the read side never imports it.

A snapshot opened after an incremental change of the one before reads only its new segments
(``segments``, ``terms``): per-document arrays put together from the segments', the readers
of unchanged segments reused, the vocabularies and speller updated term by term.
"""
from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from index.analysis import fold, is_stopword, query_langs
from index.errors import IndexUnavailable
from index.read.facet_columns import FacetColumns
from index.read.folding import Groups
from index.read.postings import POSTINGS_CACHE, PostingLists
from index.read.reopen import Reopen
from index.read.segments import Segments, reopen_reader
from index.read.spelling import Speller
from index.read.stories import Stories
from index.read.stats import CorpusStats, FieldStats
from index.read.terms import TermCounts, max_over, members_of, updated_max
from index.read.vocabulary import Vocabulary
from index.schema import TEXT_FIELDS
from index.store.arrays import PostingArrays
from index.store.meta import read_meta
from index.store.names import read_names
from index.store.snapshots import NoSnapshot, SnapshotStore

log = logging.getLogger(__name__)
SPELL = ("spell",)  # the unstemmed words of titles, deks, headings and names
TERM_FIELDS = (*TEXT_FIELDS, *SPELL)


class Opened:
    """What a snapshot and the head of a sharded one share: per-thread searchers, and the
    terms queries are expanded with (speller, typo vocabulary, whole words), built on first
    use from the reader's term counts or updated from the snapshot before's (``adopt``)."""

    size = 0                # documents, deleted ones included
    langs: tuple[str, ...]  # what queries expand into
    meta: dict[str, Any]
    _arrays = None          # posting arrays, to read the vocabulary's frequencies fast

    def __init__(self) -> None:
        self._terms: TermCounts | None = None
        self._speller: Speller | None = None
        self._vocabulary: Vocabulary | None = None
        self._words: Vocabulary | None = None
        self._members: dict[str, list[str]] | None = None  # folded word → its spellings
        self._local = threading.local()
        self._searchers: list = []  # every thread's, closed with the snapshot
        self._lock = threading.RLock()  # building a vocabulary may open this thread's searcher

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

    def _counts(self) -> TermCounts:
        """Return the term counts of the text and spelling fields (read once, ``_lock`` held;
        a snapshot's segments' facts list their terms)."""
        if self._terms is None:
            segs, reader = getattr(self, "segments", None), self.searcher().reader()
            self._terms = TermCounts.read(reader, TERM_FIELDS, self._arrays, segs)
        return self._terms

    def frequencies(self) -> dict[str, dict[str, int]]:
        """Return each text and spelling field's document frequency by term (Whoosh's)."""
        with self._lock:
            return self._counts().sums

    def speller(self) -> Speller:
        """Return the spelling index of titles, deks, headings and names (built once)."""
        if self._speller is None:
            with self._lock:
                if self._speller is None:
                    self._speller = Speller({w: f for w, f in self._counts().sums["spell"].items()
                                             if not is_stopword(w, self.langs)})
        return self._speller

    def vocabulary(self) -> Vocabulary:
        """Return the text fields' terms for typo and prefix matching (built once)."""
        if self._vocabulary is None:
            with self._lock:
                if self._vocabulary is None:
                    self._vocabulary = Vocabulary(max_over(self._counts().sums, TEXT_FIELDS))
        return self._vocabulary

    def words(self) -> Vocabulary:
        """Return the unstemmed words of titles, deks, headings and names (built once):
        a typo is also looked for among whole words, then stemmed."""
        if self._words is None:
            with self._lock:
                if self._words is None:
                    sums = self._counts().sums
                    self._members = members_of(sums, SPELL, fold)
                    self._words = Vocabulary(max_over(sums, SPELL, fold))
        return self._words

    def adopt(self, before: Opened) -> None:
        """Take what ``before`` (the snapshot opened before this one) has built, updated
        with the terms this one's new segments changed: a push costs its own terms."""
        if before._terms is None:
            return
        terms, changed = before._terms.advance(self.searcher().reader(), TERM_FIELDS,
                                               self._arrays)
        self._terms = terms
        if changed is None:  # read anew: the rest is built anew, when first asked for
            return
        if before._vocabulary is not None:
            freq, touched = updated_max(before._vocabulary._frequency, terms.sums,
                                        TEXT_FIELDS, changed)
            self._vocabulary = before._vocabulary.updated(freq, touched)
        if before._words is not None and before._members is not None:
            members = dict(before._members)
            freq, touched = updated_max(before._words._frequency, terms.sums, SPELL,
                                        changed, members, fold)
            self._words, self._members = before._words.updated(freq, touched), members
        if before._speller is not None and before.langs == self.langs:
            spell, freq = terms.sums["spell"], dict(before._speller.frequencies)
            for w in changed["spell"]:
                if spell.get(w) and not is_stopword(w, self.langs):
                    freq[w] = spell[w]
                else:
                    freq.pop(w, None)
            self._speller = before._speller.updated(freq, changed["spell"])

    def close(self) -> None:
        """Close every thread's searcher."""
        with self._lock:
            for searcher in self._searchers:
                searcher.close()
            self._searchers.clear()


class Snapshot(Opened):
    """One opened snapshot and what is derived from it; opened after an incremental change of
    ``before`` (a push, ``reindex --incremental``), it reads only its new ``segments``."""

    def __init__(self, snapshot_id: str, path: Path, max_postings: int,
                 shard: bool = False, before: Opened | None = None) -> None:
        super().__init__()
        before = before if isinstance(before, Snapshot) else None
        self._before = weakref.ref(before) if before is not None else None
        self.snapshot_id = snapshot_id
        self.path = path
        self.ix = whoosh_index.open_dir(str(path))
        self.meta = read_meta(path)
        # the corpus order: a shard's or a build's ``seq`` (one from before seq was written
        # everywhere has no ``next_seq``: its document numbers are the order)
        has_seq = shard or "next_seq" in self.meta
        with self.ix.reader() as reader:
            segs = Segments(reader, TEXT_FIELDS, before.segments if before else None, path)
            self.segments = segs
            self.columns = FacetColumns(segs, read_names(path.parent if shard else path),
                                        before.columns if before else None)
            self.groups = Groups(segs)
            self.stats = FieldStats(segs, TEXT_FIELDS)
            arrays = PostingArrays.open(path, self.ix, reader,
                                        before.postings.arrays if before else None)
            self.postings = PostingLists(max_postings, arrays)
        # each document's place in the corpus: the ``seq`` column, else (an index written
        # before every build stored it) the document numbers
        self.order = segs.concat(lambda p: p.seq, np.int64) if has_seq \
            else np.arange(segs.size, dtype=np.int64)
        self.order.flags.writeable = False
        cols = self.columns
        self.size = cols.size
        self.corpus = CorpusStats.of(self.stats, len(cols.live_ids()), cols.day[cols.live])
        self.langs = query_langs(cols.lang_counts())
        self._arrays = self.postings.arrays
        self._stories: Stories | None = None
        if before is not None and before._stories is not None \
                and not self.segments.removed_since(before.segments):
            with self.ix.reader() as reader:  # the new segments' quotes only
                self._stories = Stories(reader, self.columns.live, before._stories, before.size)

    def stories(self) -> Stories:
        """Return each quote's article (read on first use: only searches need it)."""
        if self._stories is None:  # joined from the segments' facts: no reader needed
            self._stories = Stories(None, self.columns.live, segments=self.segments)
        return self._stories

    def _new_searcher(self):
        """Open this thread's searcher, with the unchanged segments' readers of its searcher
        of the snapshot before (left for good)."""
        before = self._before() if self._before is not None else None
        old = getattr(before._local, "searcher", None) if before is not None else None
        if old is None or old.is_closed:
            return self.ix.searcher()
        with before._lock:
            if old in before._searchers:
                before._searchers.remove(old)
        before._local.searcher = None
        return Searcher(reopen_reader(self.ix, old.reader()), fromindex=self.ix)


class Recent:
    """Snapshots opened once by id; a new one keeps the one before open, closes older ones."""

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
                before = self.latest()
                if before is not None and type(before) is type(snap):
                    try:
                        snap.adopt(before)
                    except Exception:  # noqa: BLE001 - built anew on first use instead
                        log.exception("could not update the vocabularies of %s", snapshot_id)
                        snap._terms = snap._vocabulary = snap._words = snap._speller = None
                self._open[snapshot_id] = snap
        return snap

    def latest(self) -> Opened | None:
        """Return the snapshot opened last (what the next one may reuse), or None."""
        return next(reversed(self._open.values()), None)

    def close(self) -> None:
        """Close every open snapshot."""
        with self._lock:
            for snap in self._open.values():
                snap.close()
            self._open.clear()


class LiveIndex:
    """The snapshot ``CURRENT`` points to, opened once and replaced when it changes."""

    def __init__(self, index_dir: str, max_postings: int = POSTINGS_CACHE,
                 open_sharded: Callable[[str, Path, dict], Opened] | None = None,
                 reopen: Reopen | None = None) -> None:
        self.store = SnapshotStore(index_dir)
        self.max_postings = max_postings
        self.open_sharded, self.reopen = open_sharded, reopen  # the front's Head; Reopen
        self.opened = Recent()

    def _open(self, snapshot_id: str, path: Path) -> Opened:
        """Open a snapshot: one index (``Snapshot``), or the head of a sharded one."""
        meta = read_meta(path)
        if meta.get("shards"):
            if self.open_sharded is None:
                raise IndexUnavailable(f"snapshot {snapshot_id} is sharded: serve it with shards")
            return self.open_sharded(snapshot_id, path, meta)
        return Snapshot(snapshot_id, path, self.max_postings, before=self.opened.latest())

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
        if self.reopen is not None:
            return self.reopen.current(snapshot_id, path, opener, self.opened)
        return self.opened.get(snapshot_id, opener)

    def close(self) -> None:
        """Close every open snapshot."""
        self.opened.close()
