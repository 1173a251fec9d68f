"""Build and update the index: full rebuilds into a new snapshot, incremental changes by id.

Both go through ``SnapshotStore``: they hold the writer lock, write a new snapshot directory
(an empty one for a rebuild, a copy of the live one for an incremental change), and switch
``CURRENT`` only after Whoosh has committed. Any exception, including KeyboardInterrupt,
removes the half-built directory and leaves the live index serving.
"""
from __future__ import annotations

import contextlib
import itertools
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from corpus import Bio, Quote, Record, merge_bio
from index.documents import record_from_stored, to_document
from index.request import KINDS
from index.schema import TEXT_FIELDS, build_schema
from index.store.arrays import write_arrays
from index.store.meta import read_meta, write_meta
from index.store.names import write_names
from index.store.snapshots import NoSnapshot, SnapshotStore
from index.write import sharded_build
from index.write.neardup import Grouper
from index.write.pushes import PushQueue

WRITER_LIMIT_MB = 256


class EmptyBuild(ValueError):
    """A full rebuild found nothing to index."""


@dataclass
class BuildResult:
    """What a build or update did."""

    snapshot: str
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    pushes: int = 0  # pending push batches applied
    problems: list = field(default_factory=list)  # pushed documents that gave no record
    quarantined: list = field(default_factory=list)  # (batch path, reason): set aside


def _count(ix) -> dict[str, int]:
    """Return the live documents of each kind: per segment, the kind's document frequency
    less its deleted documents of that kind (a push costs its segment, not the archive)."""
    counts = dict.fromkeys(KINDS, 0)
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            for kind in KINDS:
                counts[kind] += leaf.doc_frequency("kind", kind)
            for doc in leaf.segment().deleted_docs() if leaf.has_deletions() else ():
                kind = leaf.stored_fields(doc).get("kind")
                if kind in counts:
                    counts[kind] -= 1
    return counts


@dataclass
class _Build:
    snapshot_id: str
    path: Path
    langs: set[str]
    ix: Any = None  # the Whoosh index, or the ShardWriters of a sharded snapshot
    counts: dict[str, int] = field(default_factory=dict)
    shards: int = 0    # 0: one index
    next_seq: int = 0  # the next document's place in the corpus (its ``seq``)


@contextlib.contextmanager
def _new_snapshot(store: SnapshotStore, copy_live: bool) -> Iterator[_Build]:
    """Hold the lock, give the body a fresh snapshot dir, then publish it (or remove it)."""
    with store.writer_lock(), _snapshot_in_lock(store, copy_live) as state:
        yield state


@contextlib.contextmanager
def _snapshot_in_lock(store: SnapshotStore, copy_live: bool) -> Iterator[_Build]:
    """Give the body a fresh snapshot dir, then publish it (or remove it); the caller holds
    the writer lock."""
    live = store.current_path() if copy_live else None
    snapshot_id, building = store.new_building_dir(copy_of=live)
    try:
        meta = read_meta(live) if live else {}
        state = _Build(snapshot_id, building, set(meta.get("langs", ())),
                       shards=meta.get("shards", 0), next_seq=meta.get("next_seq", 0))
        yield state
        counts = state.ix.counts() if state.shards else _count(state.ix)
        write_names(building, state.ix.indexes if state.shards else [state.ix])
        state.ix.close()
        write_meta(building, counts, state.langs - {""}, copy_live, state.shards,
                    state.next_seq)
        store.publish(snapshot_id, building)
        state.counts = counts
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


@contextlib.contextmanager
def _writing(writer, **commit_options) -> Iterator[Any]:
    """Commit ``writer`` after the body; cancel it if the body fails."""
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit(**commit_options)


def build(store: SnapshotStore, records: Iterable[Record],
          progress: Callable[[int], None] | None = None,
          fail_after: int | None = None, procs: int = 1, shards: int = 0,
          writers: Callable[[Path, int, bool], Any] | None = None,
          phase: Callable[[str], None] | None = None) -> BuildResult:
    """Rebuild the whole index from ``records`` into a new snapshot and switch to it.

    With ``procs`` > 1 each process writes its own segment and the segments are kept as
    they are (no final merge): on 2 cores this halves a FakeNewsNet build (112 s → 61 s).
    ``shards`` > 0 writes a sharded snapshot (see ``sharding``) with ``writers`` (a cluster's).
    ``fail_after`` raises after that many documents (for tests of a crashed build).
    ``phase`` is told each step after the documents are read (committing, posting arrays...),
    which on FakeNewsNet take a minute that was silent.
    """
    started = time.monotonic()
    queue = PushQueue(store.root)
    say = phase or (lambda _: None)
    with _new_snapshot(store, copy_live=False) as state:
        batches = queue.journal(compact=True)  # in the lock: no batch is applied meanwhile
        pushed = queue.read(batches)  # a batch that cannot be read is quarantined
        records = itertools.chain(_not_pushed(records, pushed.ids), pushed.records)
        if shards:
            _build_shards(state, records, shards, progress, fail_after, writers, say)
        else:
            _build_one(state, records, procs, progress, fail_after, say)
        say("counting documents and switching to the new snapshot")
    queue.mark_applied(b for b in batches if b.parent == queue.pending_dir)
    return BuildResult(state.snapshot_id, state.counts, time.monotonic() - started,
                       quarantined=pushed.bad)


def _build_one(state: _Build, records: Iterable[Record], procs: int,
               progress: Callable[[int], None] | None, fail_after: int | None,
               say: Callable[[str], None] = lambda _: None) -> None:
    """Write ``records`` into the one Whoosh index of the snapshot being built."""
    state.ix = whoosh_index.create_in(str(state.path), build_schema())
    options = {"procs": procs, "multisegment": True} if procs > 1 else {}
    options["compound"] = False  # a compound segment is read into memory by each reader
    with _writing(state.ix.writer(limitmb=WRITER_LIMIT_MB, **options),
                  optimize=procs == 1) as writer:
        n = 0
        grouper = Grouper()
        for n, record in enumerate(records, start=1):
            if fail_after is not None and n > fail_after:
                raise RuntimeError(f"injected failure after {fail_after} documents")
            doc = _grouped(to_document(record), record, grouper)
            doc["seq"] = n - 1  # the corpus order, whichever process writes it
            writer.add_document(**doc)
            state.langs.add(record.lang)
            if progress is not None:
                progress(n)
        if n == 0:  # never replace a live index with an empty one
            raise EmptyBuild("no documents were extracted; the live index is unchanged")
        say(f"committing {n:,} documents" + (f" ({procs} writers finishing their segments)"
                                              if procs > 1 else " (merging segments)"))
    state.next_seq = n
    say("writing posting arrays")
    write_arrays(state.path, state.ix, TEXT_FIELDS)
    say("saving near-duplicate groups")
    grouper.save(state.path)


def _build_shards(state: _Build, records: Iterable[Record], shards: int,
                  progress: Callable[[int], None] | None, fail_after: int | None, writers,
                  say: Callable[[str], None] = lambda _: None) -> None:
    """Write ``records`` into ``shards`` new shards of the snapshot being built."""
    if not 1 <= shards <= sharded_build.MAX_SHARDS:
        raise ValueError(f"shards must be between 1 and {sharded_build.MAX_SHARDS}")
    state.shards = shards
    state.ix = out = (writers or sharded_build.ShardWriters)(state.path, shards, create=True)
    grouper = Grouper()
    router = sharded_build.Router(grouper, shards)
    try:
        n = 0
        for n, record in enumerate(records, start=1):
            if fail_after is not None and n > fail_after:
                raise RuntimeError(f"injected failure after {fail_after} documents")
            doc = to_document(record)
            doc["seq"] = n - 1
            out.add(router.route(record, doc), doc)
            state.langs.add(record.lang)
            if progress is not None:
                progress(n)
        if n == 0:  # never replace a live index with an empty one
            raise EmptyBuild("no documents were extracted; the live index is unchanged")
        say(f"committing {n:,} documents into {shards} shards")
        out.commit(new_segments_only=False)
    except BaseException:
        out.cancel()
        raise
    state.next_seq = n
    grouper.save(state.path)


def _not_pushed(records: Iterable[Record], pushed: set[str]) -> Iterator[Record]:
    """Yield the corpus records that no pushed operation replaces or deletes."""
    for record in records:
        if record.id in pushed or (isinstance(record, Quote) and record.article_id in pushed):
            continue
        yield record


def update(store: SnapshotStore, records: Iterable[Record] = (), delete_ids: Iterable[str] = (),
           progress: Callable[[int], None] | None = None,
           only_pushes: bool = False,
           choose: Callable[[list[Path]], list[Path]] | None = None) -> BuildResult | None:
    """Add or replace ``records`` and delete ``delete_ids`` in a copy of the live snapshot,
    with every pending push batch (``choose``: which of them, oldest first; by default all);
    with ``only_pushes``, return None if none is pending (or none could be read)."""
    started = time.monotonic()
    queue = PushQueue(store.root)
    with store.writer_lock():
        batches = queue.pending()
        if choose is not None:
            batches = choose(batches)
        if only_pushes and not batches:
            return None
        pushed = queue.read(batches)  # a batch that cannot be read is quarantined
        if pushed.bad:
            skipped = {path for path, _ in pushed.bad}
            batches = [b for b in batches if b not in skipped]
            if only_pushes and not batches:
                return BuildResult(store.current() or "", quarantined=pushed.bad)
        with _snapshot_in_lock(store, copy_live=True) as state:
            changed = itertools.chain(records, pushed.records)
            deleted = [*delete_ids, *pushed.deletes]
            if state.shards:
                _apply_shards(state, changed, deleted, progress)
            else:
                _apply(state, changed, deleted, progress)
                write_arrays(state.path, state.ix, TEXT_FIELDS, new_segments_only=True)
        queue.mark_applied(batches)
    return BuildResult(state.snapshot_id, state.counts, time.monotonic() - started,
                       pushes=len(batches), problems=pushed.problems, quarantined=pushed.bad)


def _apply(state: _Build, records: Iterable[Record], delete_ids: list[str],
           progress: Callable[[int], None] | None) -> None:
    """Write the changes into the copied snapshot of ``state``."""
    state.ix = whoosh_index.open_dir(str(state.path))
    grouper = _groupers.take(state.path)
    # merge=False: the changes are a segment of their own; small segments are merged in the
    # background (``merging``), not on the way to publishing a push
    with _writing(state.ix.writer(limitmb=WRITER_LIMIT_MB, compound=False), merge=False) as writer, \
            state.ix.searcher() as searcher:
        for doc_id in delete_ids:
            writer.delete_by_term("id", doc_id)
            writer.delete_by_term("article_id", doc_id)  # its quotes go with it
            grouper.remove(doc_id)
        bios: dict[str, Bio] = {}
        for n, record in enumerate(records, start=1):
            if isinstance(record, Bio):  # merged with the stored bio of the same author
                stored = searcher.document(id=record.id)
                if stored:
                    merge_bio(bios, record_from_stored(stored))
                merge_bio(bios, record)
                continue
            if record.kind == "article":
                writer.delete_by_term("article_id", record.id)  # quotes are rebuilt
            writer.update_document(**_grouped(to_document(record), record, grouper),
                                   seq=_next_seq(state))
            state.langs.add(record.lang)
            if progress is not None:
                progress(n)
        for bio in bios.values():
            writer.update_document(**to_document(bio), seq=_next_seq(state))
    grouper.save(state.path)
    _groupers.keep(state.snapshot_id, grouper)


class _Groupers:
    """The near-duplicate grouping of the snapshot this process last wrote, kept in memory:
    a process that applies one change after another (the push applier) reads it from disk
    once, not at every change (a second and more on FakeNewsNet). Taken, it is gone, so a
    change that fails never leaves a half-updated one behind; it is used only when that
    snapshot is still the live one (copied into ``building``: ``<id>.building``)."""

    def __init__(self) -> None:
        self._kept: tuple[str, Grouper] | None = None
        self._lock = threading.Lock()

    def take(self, building: Path) -> Grouper:
        with self._lock:
            kept, self._kept = self._kept, None
        live = SnapshotStore(building.parent.parent).current()
        if kept is not None and kept[0] == live:
            return kept[1]
        return Grouper.load(building)

    def keep(self, snapshot_id: str, grouper: Grouper) -> None:
        with self._lock:
            self._kept = (snapshot_id, grouper)


_groupers = _Groupers()


def _apply_shards(state: _Build, records: Iterable[Record], delete_ids: list[str],
                  progress: Callable[[int], None] | None) -> None:
    """Write the changes into the copied shards of ``state``."""
    state.ix = out = sharded_build.ShardWriters(state.path, state.shards, create=False)
    router = sharded_build.Router(Grouper.load(state.path), state.shards)
    try:
        state.next_seq = sharded_build.apply(out, router, _languages(state, records), delete_ids,
                                        state.next_seq, progress)
        out.commit(new_segments_only=True)
    except BaseException:
        out.cancel()
        raise
    router.grouper.save(state.path)


def _next_seq(state: _Build) -> int:
    """Return the place in the corpus of the next document written, and count it."""
    state.next_seq += 1
    return state.next_seq - 1


def _languages(state: _Build, records: Iterable[Record]) -> Iterator[Record]:
    for record in records:
        state.langs.add(record.lang)
        yield record


def _grouped(doc: dict[str, Any], record: Record, grouper: Grouper) -> dict[str, Any]:
    """Add an article's near-duplicate group to its Whoosh document."""
    if record.kind == "article":
        doc["group"] = grouper.add(record.id, record.body)
    return doc


def rollback(store: SnapshotStore) -> str:
    """Switch the live index back to the previous snapshot."""
    with store.writer_lock():
        return store.rollback()


__all__ = ["BuildResult", "EmptyBuild", "NoSnapshot", "build", "rollback", "update"]
