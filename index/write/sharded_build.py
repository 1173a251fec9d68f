"""Sharded snapshots on disk: which shard a document goes to, and writing the shards.

A sharded snapshot holds N complete Whoosh indexes, ``shard-0`` … ``shard-<N-1>``, under one
snapshot directory, with one ``meta.json`` (``"shards": N``) and one near-duplicate grouping
for the whole corpus; the ``CURRENT`` switch publishes all shards at once, and rollback and
incremental updates work on the directory as a whole, as for one index.

Routing (``Router``) is a stable hash (CRC-32) of a key, so a document stays in its shard
from one build to the next:

    article     its near-duplicate group's key: a group's articles share a shard, so folding
                copies (``folding``) stays within one shard and totals add up
    quote       its article's shard: deleting or replacing an article stays local
    bio         its id

Every document carries ``seq``, its place in the corpus (what its document number would be
in one index built from the same records), which breaks ties in the result order
(``order``) so a sharded search lists what one index would.
"""
from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.query import Term

from corpus import Bio, Record, merge_bio
from index.documents import record_from_stored, to_document
from index.request import KINDS
from index.schema import ARRAY_FIELDS, build_schema
from index.store.arrays import write_arrays
from index.store.snapshots import shard_dir
from index.write import segment_batches
from index.write.neardup import Grouper

MAX_SHARDS = 64
WRITER_LIMIT_MB = 256  # in all: each shard's writer gets its share


def shard_of(key: str, shards: int) -> int:
    """Return the shard of a routing key (stable across processes and builds)."""
    return zlib.crc32(key.encode("utf-8")) % shards


class Router:
    """Picks each record's shard and gives articles their near-duplicate group."""

    def __init__(self, grouper: Grouper, shards: int) -> None:
        self.grouper = grouper
        self.shards = shards

    def route(self, record: Record, doc: dict[str, Any]) -> int:
        """Return the shard of ``record`` (``doc``: its Whoosh document, given its group)."""
        if record.kind == "article":
            doc["group"] = self.grouper.add(record.id, record.body)
            return shard_of(f"group:{doc['group']}", self.shards)
        if record.kind == "quote":
            key = self.grouper.key(record.article_id)
            return shard_of(f"group:{key}" if key is not None else record.article_id,
                            self.shards)
        return shard_of(record.id, self.shards)


class ShardWriters:
    """One writer per shard of a snapshot, all open at once: ``fast_segments``' segments of
    ``segment_batches.BATCH_DOCS`` documents for a new snapshot (as one index is built),
    Whoosh's own writers for changes to a copied one (``apply``)."""

    def __init__(self, snapshot: Path, shards: int, create: bool) -> None:
        self.paths = [shard_dir(snapshot, k) for k in range(shards)]
        self.indexes = []
        for path in self.paths:
            if create:
                path.mkdir()
                self.indexes.append(whoosh_index.create_in(str(path), build_schema()))
            else:
                self.indexes.append(whoosh_index.open_dir(str(path)))
        limit = max(WRITER_LIMIT_MB // shards, 32)
        self.segments = ([segment_batches.Segments(ix, 1, ARRAY_FIELDS) for ix in self.indexes]
                         if create else None)
        self.writers = ([] if create else
                        [ix.writer(limitmb=limit, compound=False) for ix in self.indexes])

    def add(self, shard: int, doc: dict[str, Any]) -> None:
        if self.segments is not None:
            self.segments[shard].add(doc)
        else:
            self.writers[shard].add_document(**doc)

    def commit(self, new_segments_only: bool) -> None:
        """Commit every shard and write its posting arrays."""
        if self.segments is not None:
            for path, ix, segments in zip(self.paths, self.indexes, self.segments):
                written = segments.finish()
                segment_batches.commit(ix, [segment for segment, _ in written])
                segment_batches.write_arrays(path, ARRAY_FIELDS, [
                    (segment.segment_id(), segment.doc_count_all(), found)
                    for segment, found in written])
            return
        for path, ix, writer in zip(self.paths, self.indexes, self.writers):
            writer.commit(optimize=not new_segments_only)
            write_arrays(path, ix, ARRAY_FIELDS, new_segments_only=new_segments_only)

    def cancel(self) -> None:
        for segments in self.segments or ():
            segments.close()
        for writer in self.writers:
            writer.cancel()

    def counts(self) -> dict[str, int]:
        """Return the documents of each kind over all shards."""
        counts = dict.fromkeys(KINDS, 0)
        for ix in self.indexes:
            with ix.searcher() as searcher:
                for kind in KINDS:
                    counts[kind] += sum(1 for _ in searcher.docs_for_query(Term("kind", kind)))
        return counts

    def close(self) -> None:
        for ix in self.indexes:
            ix.close()


def apply(out: ShardWriters, router: Router, records: Iterable[Record], delete_ids: list[str],
          next_seq: int, progress=None) -> int:
    """Write changes into the copied shards: each id is deleted from every shard (a changed
    article may change group, and so shard), then added where it now belongs. Return the
    next free ``seq``."""
    for doc_id in delete_ids:
        _delete_everywhere(out, doc_id)
        router.grouper.remove(doc_id)
    bios: dict[str, Bio] = {}
    for n, record in enumerate(records, start=1):
        if isinstance(record, Bio):  # merged with the stored bio of the same author
            stored = _stored(out, router, record.id)
            if stored:
                merge_bio(bios, record_from_stored(stored))
            merge_bio(bios, record)
            continue
        _delete_everywhere(out, record.id, quotes=record.kind == "article")
        doc = to_document(record)
        doc["seq"] = next_seq
        next_seq += 1
        out.add(router.route(record, doc), doc)
        if progress is not None:
            progress(n)
    for bio in bios.values():
        _delete_everywhere(out, bio.id)
        doc = to_document(bio)
        doc["seq"] = next_seq
        next_seq += 1
        out.add(router.route(bio, doc), doc)
    return next_seq


def _delete_everywhere(out: ShardWriters, doc_id: str, quotes: bool = True) -> None:
    for writer in out.writers:
        writer.delete_by_term("id", doc_id)
        if quotes:
            writer.delete_by_term("article_id", doc_id)  # its quotes go with it


def _stored(out: ShardWriters, router: Router, doc_id: str) -> dict | None:
    ix = out.indexes[shard_of(doc_id, router.shards)]
    with ix.searcher() as searcher:
        return searcher.document(id=doc_id)
