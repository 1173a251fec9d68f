"""Incremental changes by id: a copy of the live snapshot (its segment files hard-linked)
with documents deleted, added or replaced and the pending pushes applied, as one new
segment; then the switch (``building``). Full rebuilds are ``indexer``'s.
"""
from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from whoosh import index as whoosh_index

from corpus import Bio, Record, merge_bio
from index.documents import record_from_stored, to_document
from index.schema import ARRAY_FIELDS
from index.store.arrays import write_arrays
from index.store.meta import read_meta
from index.store.names import counted
from index.store.snapshots import SnapshotStore
from index.write import sharded_build
from index.write.building import WRITER_LIMIT_MB, Build, BuildResult, snapshot_in_lock, writing
from index.write.building import grouped as _grouped
from index.write.neardup import Grouper
from index.write.pushes import PushQueue


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
        with snapshot_in_lock(store, copy_live=True) as state:
            changed = itertools.chain(records, pushed.records)
            deleted = [*delete_ids, *pushed.deletes]
            if state.shards:
                _apply_shards(state, changed, deleted, progress)
            else:
                _apply(state, changed, deleted, progress)
                write_arrays(state.path, state.ix, ARRAY_FIELDS, new_segments_only=True)
        queue.mark_applied(batches)
    return BuildResult(state.snapshot_id, state.counts, time.monotonic() - started,
                       pushes=len(batches), problems=pushed.problems, quarantined=pushed.bad)


def _apply(state: Build, records: Iterable[Record], delete_ids: list[str],
           progress: Callable[[int], None] | None) -> None:
    """Write the changes into the copied snapshot of ``state``."""
    state.ix = whoosh_index.open_dir(str(state.path))
    grouper = _groupers.take(state.path)
    # merge=False: the changes are a segment of their own; small segments are merged in the
    # background (``merging``), not on the way to publishing a push
    with writing(state.ix.writer(limitmb=WRITER_LIMIT_MB, compound=False), merge=False) as writer, \
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


def warm(store: SnapshotStore) -> None:
    """Read what the next change of the live snapshot reuses (its near-duplicate grouping,
    its segments' names), so that the push applier's first push costs its own documents
    too (at 4x FakeNewsNet the first one took seconds more than the next)."""
    snapshot_id, path = store.live()
    if read_meta(path).get("shards"):
        return
    _groupers.keep(snapshot_id, Grouper.load(path))
    ix = whoosh_index.open_dir(str(path))
    counted([ix])


def _apply_shards(state: Build, records: Iterable[Record], delete_ids: list[str],
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


def _next_seq(state: Build) -> int:
    """Return the place in the corpus of the next document written, and count it."""
    state.next_seq += 1
    return state.next_seq - 1


def _languages(state: Build, records: Iterable[Record]) -> Iterator[Record]:
    for record in records:
        state.langs.add(record.lang)
        yield record


