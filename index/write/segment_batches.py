"""A full build's documents as Whoosh segments of ``BATCH_DOCS`` documents each, written by
``fast_segments.SegmentBuilder`` in this process or in worker processes, then committed as
the index's one generation (``TOC``).

With ``procs`` > 1, this process makes the documents (near-duplicate groups, ``seq``) while
the workers each write a batch; the batches are cut by count, so the segments, and the
document numbers, are the same whatever the number of processes. A worker also writes its
segment's facts (``store.segment_facts``), which the publishing process would otherwise
read from each segment alone at the end of the build.
"""
from __future__ import annotations

import random
import shutil
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, clean_files

from index.schema import TEXT_FIELDS
from index.store import arrays
from index.write import tokens_jit
from index.write.fast_segments import SegmentBuilder

BATCH_DOCS = 20_000  # documents a segment: bounds the postings held in memory


class Segments:
    """Documents in, in corpus order; segments of ``BATCH_DOCS`` out, in the same order,
    whatever writes them: this process, or with ``procs`` > 1 that many worker processes
    (a batch each at a time) while this one makes the documents. The segments are the
    same either way, so are the document numbers."""

    def __init__(self, ix, procs: int, array_fields) -> None:
        self.ix, self.array_fields = ix, tuple(array_fields)
        self.done: list = []  # (segment, arrays), or the Future of a worker's
        self.pool = ProcessPoolExecutor(procs, mp_context=get_context("fork")) \
            if procs > 1 else None
        self.procs = procs
        self.batch: list[dict] = []
        self.builder: SegmentBuilder | None = None

    def add(self, doc: dict) -> None:
        if self.pool is None:
            if self.builder is None:
                self.builder = SegmentBuilder(self.ix.storage, self.ix.schema)
            self.builder.add(doc)
            if self.builder.docnum >= BATCH_DOCS:
                self._finish_here()
            return
        self.batch.append(doc)
        if len(self.batch) >= BATCH_DOCS:
            self._submit()

    def _finish_here(self) -> None:
        self.done.append(self.builder.finish(self.array_fields))
        self.builder.save_facts(TEXT_FIELDS)
        self.builder = None

    def _submit(self) -> None:
        busy = [f for f in self.done if isinstance(f, Future) and not f.done()]
        # a batch each worker, and one more waiting for the first worker free (bounded
        # memory): a worker that finishes takes it at once instead of waiting while this
        # process makes it (on 1x FakeNewsNet a worker sat idle ~3 s that way)
        if len(busy) > self.procs:
            busy[0].result()
        if not self.done and len(self.batch) >= BATCH_DOCS:  # a large build: workers to come
            tokens_jit.warm()  # loaded once here, before the fork, not once per worker
        self.done.append(self.pool.submit(_write_batch, str(self.ix.storage.folder),
                                          self.ix.schema, self.batch, self.array_fields))
        self.batch = []

    def finish(self) -> list[tuple]:
        """Write what is left; return each segment's (segment, arrays), in order."""
        if self.builder is not None:
            self._finish_here()
        if self.batch:
            self._submit()
        try:
            return [d.result() if isinstance(d, Future) else d for d in self.done]
        finally:
            self.close()

    def close(self) -> None:
        """Stop writing: close an open segment, wait for the workers to stop."""
        if self.builder is not None:
            self.builder.cancel()
            self.builder = None
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _write_batch(folder: str, schema, docs: list[dict], array_fields) -> tuple:
    """Write ``docs`` as one segment of the index in ``folder`` (in a worker process)."""
    random.seed()  # a forked worker starts with its parent's state: segment and temp names
    storage = FileStorage(folder)
    builder = SegmentBuilder(storage, schema)
    try:
        for doc in docs:
            builder.add(doc)
    except BaseException:
        builder.cancel()
        raise
    segment, found = builder.finish(array_fields)
    builder.save_facts(TEXT_FIELDS)  # what building's write_missing would write, written here
    return segment, found


def commit(ix, segments: list) -> None:
    """Make ``segments`` the content of the (new, empty) index ``ix``: a new generation."""
    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
    ix.storage.temp_storage(f"{ix.indexname}.tmp").destroy()


def write_arrays(index_path: Path, fields, parts: list[tuple[str, int, dict]]) -> None:
    """Write one set for a whole new index from postings already in memory: ``parts`` is
    each segment's (id, doc count, {field: (keys, counts, ids, tf, masks or None)}) in
    segment order, ids local to the segment; the same set ``arrays.write_arrays`` reads back
    from the segment files."""
    folder = Path(index_path) / arrays.ARRAYS_DIR / arrays.set_name([sid for sid, _, _ in parts])
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(folder.parent, ignore_errors=True)
    tmp.mkdir(parents=True)
    bases = np.cumsum([0] + [n for _, n, _ in parts])
    for field in fields:
        got = [(base, found[field]) for base, (_, _, found) in zip(bases, parts) if field in found]
        masked = field in arrays.POSITION_FIELDS and bool(got)
        if len(got) == 1 and got[0][0] == 0:
            keys, counts, ids, tf, masks = got[0][1]
        elif got:  # each term's postings, segment after segment, under one key
            order, keys, counts = _merged_order([k for _, (k, *_) in got],
                                                [c for _, (_, c, *_) in got])
            ids = np.concatenate([i + np.int32(b) for b, (_, _, i, _, _) in got])[order]
            tf = np.concatenate([t for _, (_, _, _, t, _) in got])[order]
            masks = np.concatenate([m for _, (*_, m) in got])[order] if masked else None
        else:
            keys, counts = np.empty(0, dtype=np.uint64), np.empty(0, dtype=np.int64)
            ids, tf, masks = np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32), None
        arrays.save_field(tmp, field, keys, counts.astype(np.int64), ids, tf, masks if masked else None)
    arrays.finish_set(tmp, folder, fields, [[sid, n] for sid, n, _ in parts])


def _merged_order(keys: list[np.ndarray], counts: list[np.ndarray]) -> tuple:
    """Return (the order of the segments' postings put one after the other, the keys, each
    key's postings) when they are sorted by term key, each key's postings segment after
    segment: what a stable sort of every posting's key gives (``_merged_order_reference``),
    sorting the terms instead of the postings (~100 times fewer)."""
    term_keys, term_counts = np.concatenate(keys), np.concatenate(counts).astype(np.int64)
    by_key = np.argsort(term_keys, kind="stable")
    sizes = term_counts[by_key]
    starts = (np.cumsum(term_counts) - term_counts)[by_key]  # where each term's postings are
    order = np.repeat(starts - (np.cumsum(sizes) - sizes), sizes) + np.arange(int(sizes.sum()))
    sorted_keys = term_keys[by_key][sizes > 0]
    unique, first = np.unique(sorted_keys, return_index=True)
    return order, unique, np.add.reduceat(sizes[sizes > 0], first) if len(first) else sizes[:0]


def _merged_order_reference(keys: list[np.ndarray], counts: list[np.ndarray]) -> tuple:
    """``_merged_order`` by a stable sort of every posting's key."""
    posting_keys = np.concatenate([np.repeat(k, c) for k, c in zip(keys, counts)])
    order = np.argsort(posting_keys, kind="stable")
    unique, found = np.unique(posting_keys[order], return_counts=True)
    return order, unique, found
