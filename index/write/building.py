"""The snapshot being written, for a full build (``indexer``) and an incremental update
(``updating``) alike.

Both go through ``SnapshotStore``: they hold the writer lock, write a new snapshot directory
(an empty one for a rebuild, a copy of the live one for an incremental change), and switch
``CURRENT`` only after Whoosh has committed. Any exception, including KeyboardInterrupt,
removes the half-built directory and leaves the live index serving.
"""
from __future__ import annotations

import contextlib
import gc
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus import Record
from index.request import KINDS
from index.schema import TEXT_FIELDS
from index.store.meta import read_meta, write_meta
from index.store.names import write_names
from index.store.segment_facts import write_missing
from index.store.snapshots import SnapshotStore
from index.write.neardup import Grouper

WRITER_LIMIT_MB = 256
YOUNG_OBJECTS = 50_000  # allocations between two young collections while a build writes


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


def count_kinds(ix) -> dict[str, int]:
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
class Build:
    snapshot_id: str
    path: Path
    langs: set[str]
    ix: Any = None  # the Whoosh index, or the ShardWriters of a sharded snapshot
    counts: dict[str, int] = field(default_factory=dict)
    shards: int = 0    # 0: one index
    next_seq: int = 0  # the next document's place in the corpus (its ``seq``)


@contextlib.contextmanager
def new_snapshot(store: SnapshotStore, copy_live: bool) -> Iterator[Build]:
    """Hold the lock, give the body a fresh snapshot dir, then publish it (or remove it)."""
    with store.writer_lock(), snapshot_in_lock(store, copy_live) as state:
        yield state


@contextlib.contextmanager
def snapshot_in_lock(store: SnapshotStore, copy_live: bool) -> Iterator[Build]:
    """Give the body a fresh snapshot dir, then publish it (or remove it); the caller holds
    the writer lock."""
    live = store.current_path() if copy_live else None
    snapshot_id, building = store.new_building_dir(copy_of=live)
    try:
        meta = read_meta(live) if live else {}
        state = Build(snapshot_id, building, set(meta.get("langs", ())),
                       shards=meta.get("shards", 0), next_seq=meta.get("next_seq", 0))
        yield state
        counts = state.ix.counts() if state.shards else count_kinds(state.ix)
        indexes = state.ix.indexes if state.shards else [state.ix]
        write_names(building, indexes)
        for ix in indexes:  # what readers load per segment instead of reading it (new ones)
            write_missing(ix, TEXT_FIELDS)
        state.ix.close()
        write_meta(building, counts, state.langs - {""}, copy_live, state.shards,
                    state.next_seq)
        store.publish(snapshot_id, building)
        state.counts = counts
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect garbage less often while a build writes: the objects already there (the
    records, the schema) are frozen out of the collector's scans, and a young collection
    waits for ``YOUNG_OBJECTS`` allocations instead of 700. A build makes millions of small
    lists and tuples that die young: with the defaults, the collector's full scans cost a
    tenth of a full build's index writing."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@contextlib.contextmanager
def writing(writer, **commit_options) -> Iterator[Any]:
    """Commit ``writer`` after the body; cancel it if the body fails."""
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit(**commit_options)



def grouped(doc: dict[str, Any], record: Record, grouper: Grouper) -> dict[str, Any]:
    """Add an article's near-duplicate group to its Whoosh document."""
    if record.kind == "article":
        doc["group"] = grouper.add(record.id, record.body)
    return doc


