"""Build and update the index: full rebuilds into a new snapshot, incremental changes by id.

Both go through ``SnapshotStore``: they hold the writer lock, write a new snapshot directory
(an empty one for a rebuild, a copy of the live one for an incremental change), and switch
``CURRENT`` only after Whoosh has committed. Any exception, including KeyboardInterrupt,
removes the half-built directory and leaves the live index serving.
"""
from __future__ import annotations

import contextlib
import itertools
import json
import shutil
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.query import Term

from corpus import Bio, Quote, Record, merge_bio

from .arrays import write_arrays
from .documents import record_from_stored, to_document
from .neardup import Grouper
from .pushes import PushQueue, changes
from .schema import KINDS, TEXT_FIELDS, build_schema
from .snapshots import NoSnapshot, SnapshotStore

WRITER_LIMIT_MB = 256
META = "meta.json"


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


def _write_meta(path: Path, counts: dict[str, int], langs: set[str], incremental: bool) -> None:
    meta = {"built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "counts": counts, "langs": sorted(langs), "incremental": incremental}
    (path / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")


def read_meta(path: Path) -> dict:
    """Return the metadata a build wrote beside a snapshot's index."""
    try:
        return json.loads((path / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"built_at": None, "counts": {}, "langs": []}


def _count(ix) -> dict[str, int]:
    with ix.searcher() as searcher:
        return {kind: sum(1 for _ in searcher.docs_for_query(Term("kind", kind))) for kind in KINDS}


@dataclass
class _Build:
    snapshot_id: str
    path: Path
    langs: set[str]
    ix: Any = None
    counts: dict[str, int] = field(default_factory=dict)


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
        state = _Build(snapshot_id, building, set(read_meta(live)["langs"]) if live else set())
        yield state
        counts = _count(state.ix)
        state.ix.close()
        _write_meta(building, counts, state.langs - {""}, incremental=copy_live)
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
          fail_after: int | None = None, procs: int = 1) -> BuildResult:
    """Rebuild the whole index from ``records`` into a new snapshot and switch to it.

    With ``procs`` > 1 each process writes its own segment and the segments are kept as
    they are (no final merge): on 2 cores this halves a FakeNewsNet build (112 s → 61 s).
    ``fail_after`` raises after that many documents (for tests of a crashed build).
    """
    started = time.monotonic()
    queue = PushQueue(store.root)
    with _new_snapshot(store, copy_live=False) as state:
        batches = queue.journal()  # in the lock: no batch is applied meanwhile
        pushed = changes(batches)
        records = itertools.chain(_not_pushed(records, pushed.ids), pushed.records)
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
                writer.add_document(**_grouped(to_document(record), record, grouper))
                state.langs.add(record.lang)
                if progress is not None:
                    progress(n)
            if n == 0:  # never replace a live index with an empty one
                raise EmptyBuild("no documents were extracted; the live index is unchanged")
        write_arrays(state.path, state.ix, TEXT_FIELDS)
        grouper.save(state.path)
    queue.mark_applied(b for b in batches if b.parent == queue.pending_dir)
    return BuildResult(state.snapshot_id, state.counts, time.monotonic() - started)


def _not_pushed(records: Iterable[Record], pushed: set[str]) -> Iterator[Record]:
    """Yield the corpus records that no pushed operation replaces or deletes."""
    for record in records:
        if record.id in pushed or (isinstance(record, Quote) and record.article_id in pushed):
            continue
        yield record


def update(store: SnapshotStore, records: Iterable[Record] = (), delete_ids: Iterable[str] = (),
           progress: Callable[[int], None] | None = None,
           only_pushes: bool = False) -> BuildResult | None:
    """Add or replace ``records`` and delete ``delete_ids`` in a copy of the live snapshot,
    with every pending push batch; with ``only_pushes``, return None if none is pending."""
    started = time.monotonic()
    queue = PushQueue(store.root)
    with store.writer_lock():
        batches = queue.pending()
        if only_pushes and not batches:
            return None
        pushed = changes(batches)
        with _snapshot_in_lock(store, copy_live=True) as state:
            _apply(state, itertools.chain(records, pushed.records),
                   [*delete_ids, *pushed.deletes], progress)
            write_arrays(state.path, state.ix, TEXT_FIELDS, new_segments_only=True)
        queue.mark_applied(batches)
    return BuildResult(state.snapshot_id, state.counts, time.monotonic() - started,
                       pushes=len(batches), problems=pushed.problems)


def _apply(state: _Build, records: Iterable[Record], delete_ids: list[str],
           progress: Callable[[int], None] | None) -> None:
    """Write the changes into the copied snapshot of ``state``."""
    state.ix = whoosh_index.open_dir(str(state.path))
    grouper = Grouper.load(state.path)
    with _writing(state.ix.writer(limitmb=WRITER_LIMIT_MB, compound=False)) as writer, \
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
            writer.update_document(**_grouped(to_document(record), record, grouper))
            state.langs.add(record.lang)
            if progress is not None:
                progress(n)
        for bio in bios.values():
            writer.update_document(**to_document(bio))
    grouper.save(state.path)


def _grouped(doc: dict[str, Any], record: Record, grouper: Grouper) -> dict[str, Any]:
    """Add an article's near-duplicate group to its Whoosh document."""
    if record.kind == "article":
        doc["group"] = grouper.add(record.id, record.body)
    return doc


def rollback(store: SnapshotStore) -> str:
    """Switch the live index back to the previous snapshot."""
    with store.writer_lock():
        return store.rollback()


__all__ = ["BuildResult", "EmptyBuild", "NoSnapshot", "build", "read_meta", "rollback", "update"]
