"""Full rebuilds: every document of the corpus (and the pushes' journal) into a new
snapshot, then the switch (``building``); incremental changes are ``updating``'s.

One index is written by ``fast_segments``, a segment of ``BATCH_DOCS`` documents at a time
(``fast=False``: through Whoosh's own writer, the reference the fast one is tested
against); a sharded snapshot by ``sharded_build``'s writers.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from corpus import Quote, Record
from index.documents import to_document
from index.schema import ARRAY_FIELDS, build_schema
from index.store.arrays import write_arrays
from index.store.snapshots import NoSnapshot, SnapshotStore
from index.write import segment_batches, sharded_build
from index.write.building import (WRITER_LIMIT_MB, Build, BuildResult, EmptyBuild,
                                  count_kinds, fewer_collections, new_snapshot, writing)
from index.write.building import grouped as _grouped
from index.write.neardup import Grouper
from index.write.pushes import PushQueue
from index.write.updating import update

_count = count_kinds  # the live documents of each kind (tests read it from here)


def build(store: SnapshotStore, records: Iterable[Record],
          progress: Callable[[int], None] | None = None,
          fail_after: int | None = None, procs: int = 1, shards: int = 0,
          writers: Callable[[Path, int, bool], Any] | None = None,
          fast: bool = True, phase: Callable[[str], None] | None = None) -> BuildResult:
    """Rebuild the whole index from ``records`` into a new snapshot and switch to it.

    With ``procs`` > 1 each process writes its own segment and the segments are kept as
    they are (no final merge): on 2 cores this halves a FakeNewsNet build (112 s → 61 s).
    ``shards`` > 0 writes a sharded snapshot (see ``sharding``) with ``writers`` (a cluster's).
    ``fail_after`` raises after that many documents (for tests of a crashed build).
    ``fast=False`` writes through Whoosh's own writer (the reference of ``fast_segments``).
    ``phase`` is told each step after the documents are read (committing, posting arrays...),
    which on FakeNewsNet took a minute that was silent.
    """
    started = time.monotonic()
    queue = PushQueue(store.root)
    say = phase or (lambda _: None)
    with new_snapshot(store, copy_live=False) as state, fewer_collections():
        batches = queue.journal(compact=True)  # in the lock: no batch is applied meanwhile
        pushed = queue.read(batches)  # a batch that cannot be read is quarantined
        records = itertools.chain(_not_pushed(records, pushed.ids), pushed.records)
        if shards:
            _build_shards(state, records, shards, progress, fail_after, writers, say)
        else:
            (_build_one if fast else _build_whoosh)(state, records, procs, progress, fail_after,
                                                    say)
        say("counting documents and switching to the new snapshot")
    queue.mark_applied(b for b in batches if b.parent == queue.pending_dir)
    return BuildResult(state.snapshot_id, state.counts, time.monotonic() - started,
                       quarantined=pushed.bad)


def _build_one(state: Build, records: Iterable[Record], procs: int,
               progress: Callable[[int], None] | None, fail_after: int | None,
               say: Callable[[str], None] = lambda _: None) -> None:
    """Write ``records`` into the one Whoosh index of the snapshot being built, a segment
    of ``segment_batches.BATCH_DOCS`` documents at a time (``fast_segments``)."""
    state.ix = whoosh_index.create_in(str(state.path), build_schema())
    grouper = Grouper()
    out = segment_batches.Segments(state.ix, procs, ARRAY_FIELDS)
    n = 0
    try:
        for n, doc in enumerate(_documents(state, records, grouper, progress, fail_after),
                                start=1):
            out.add(doc)
        if n == 0:  # never replace a live index with an empty one
            raise EmptyBuild("no documents were extracted; the live index is unchanged")
        say(f"committing {n:,} documents" + (f" ({procs} writers finishing their segments)"
                                              if procs > 1 else ""))
        written = out.finish()
    except BaseException:
        out.close()
        raise
    segment_batches.commit(state.ix, [segment for segment, _ in written])
    state.next_seq = n
    say("writing posting arrays")
    segment_batches.write_arrays(state.path, ARRAY_FIELDS, [
        (segment.segment_id(), segment.doc_count_all(), arrays) for segment, arrays in written])
    say("saving near-duplicate groups")
    grouper.save(state.path)


def _documents(state: Build, records: Iterable[Record], grouper: Grouper,
               progress: Callable[[int], None] | None, fail_after: int | None
               ) -> Iterator[dict[str, Any]]:
    """Yield the Whoosh document of each record, with its ``seq`` and group."""
    for n, record in enumerate(records, start=1):
        if fail_after is not None and n > fail_after:
            raise RuntimeError(f"injected failure after {fail_after} documents")
        doc = _grouped(to_document(record), record, grouper)
        doc["seq"] = n - 1  # the corpus order, whichever process writes it
        state.langs.add(record.lang)
        if progress is not None:
            progress(n)
        yield doc


def _build_whoosh(state: Build, records: Iterable[Record], procs: int,
                  progress: Callable[[int], None] | None, fail_after: int | None,
                  say: Callable[[str], None] = lambda _: None) -> None:
    """Write ``records`` through Whoosh's own writer (the reference ``_build_one`` is
    checked against, ``tests/test_fast_build.py``)."""
    state.ix = whoosh_index.create_in(str(state.path), build_schema())
    options = {"procs": procs, "multisegment": True} if procs > 1 else {}
    options["compound"] = False  # a compound segment is read into memory by each reader
    grouper = Grouper()
    with writing(state.ix.writer(limitmb=WRITER_LIMIT_MB, **options),
                  optimize=procs == 1) as writer:
        n = 0
        for n, doc in enumerate(_documents(state, records, grouper, progress, fail_after),
                                start=1):
            writer.add_document(**doc)
        if n == 0:  # never replace a live index with an empty one
            raise EmptyBuild("no documents were extracted; the live index is unchanged")
        say(f"committing {n:,} documents (merging segments)")
    state.next_seq = n
    say("writing posting arrays")
    write_arrays(state.path, state.ix, ARRAY_FIELDS)
    say("saving near-duplicate groups")
    grouper.save(state.path)


def _build_shards(state: Build, records: Iterable[Record], shards: int,
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



def rollback(store: SnapshotStore) -> str:
    """Switch the live index back to the previous snapshot."""
    with store.writer_lock():
        return store.rollback()


__all__ = ["BuildResult", "EmptyBuild", "NoSnapshot", "build", "rollback", "update"]
