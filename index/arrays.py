"""Posting lists of the searched text fields as plain numpy arrays beside Whoosh's segments.

Whoosh stores a posting list as blocks of 128 postings, each a zlib-compressed pickle of
Python numbers: a cold query spends most of its time unpickling them and looking terms up in
every field of every segment. A full rebuild therefore also writes, per text field, the
docnums and frequencies of every term as flat arrays, and a sorted array of 64-bit term
hashes pointing into them. A reader memory-maps them (the page cache shares them between
workers) and finds a term with one binary search; a posting list is then a slice, not a
decode.

The arrays describe one Whoosh generation exactly (the same documents, no deletions). An
incremental update removes them from its new snapshot, which is then read the Whoosh way
until the next full rebuild; ``meta.json`` of the arrays names the generation and document
count they were written for, and a reader that finds anything else ignores them.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np

from .postings import postings

ARRAYS_DIR = "postings"
_META = "meta.json"
_EMPTY = (np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32))


def term_key(text: str | bytes) -> int:
    """Return the 64-bit key of an index term (blake2b: stable across processes)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def write_arrays(index_path: Path, ix, fields) -> None:
    """Write the posting arrays of ``fields`` for the latest generation of ``ix``."""
    out = Path(index_path) / ARRAYS_DIR
    shutil.rmtree(out, ignore_errors=True)
    with ix.reader() as reader:
        if reader.has_deletions():  # only full rebuilds get arrays; they have none
            return
        out.mkdir()
        written = []
        for field in fields:
            if field not in reader.indexed_field_names():
                continue
            keys, counts, id_parts, tf_parts = [], [], [], []
            for text in reader.lexicon(field):
                ids, tf = postings(reader, field, text)
                keys.append(term_key(text))
                counts.append(len(ids))
                id_parts.append(ids.astype(np.int32))
                tf_parts.append(tf.astype(np.float32, copy=False))
            starts = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)[:-1])) \
                if counts else np.empty(0, dtype=np.int64)
            order = np.argsort(np.asarray(keys, dtype=np.uint64), kind="stable")
            np.save(out / f"{field}.keys.npy", np.asarray(keys, dtype=np.uint64)[order])
            np.save(out / f"{field}.starts.npy", starts[order])
            np.save(out / f"{field}.counts.npy", np.asarray(counts, dtype=np.int64)[order])
            np.save(out / f"{field}.ids.npy", np.concatenate(id_parts) if id_parts
                    else np.empty(0, dtype=np.int32))
            np.save(out / f"{field}.tf.npy", np.concatenate(tf_parts) if tf_parts
                    else np.empty(0, dtype=np.float32))
            written.append(field)
        meta = {"generation": ix.latest_generation(), "doc_count": reader.doc_count_all(),
                "fields": written, "covers": list(fields)}
    (out / _META).write_text(json.dumps(meta), encoding="utf-8")


class PostingArrays:
    """The memory-mapped posting arrays of one snapshot (see the module's docstring)."""

    def __init__(self, fields: dict[str, tuple[np.ndarray, ...]], covers=()) -> None:
        self._fields = fields
        self._empty = set(covers) - set(fields)  # fields with no terms at all

    @classmethod
    def open(cls, index_path: Path, ix, reader) -> PostingArrays | None:
        """Return the arrays of ``index_path`` if they match ``reader``'s documents, else None."""
        folder = Path(index_path) / ARRAYS_DIR
        try:
            meta = json.loads((folder / _META).read_text(encoding="utf-8"))
            if (meta["generation"] != ix.latest_generation()
                    or meta["doc_count"] != reader.doc_count_all() or reader.has_deletions()):
                return None
            return cls({field: tuple(np.load(folder / f"{field}.{part}.npy", mmap_mode="r")
                                     for part in ("keys", "starts", "counts", "ids", "tf"))
                        for field in meta["fields"]}, meta.get("covers", ()))
        except (OSError, ValueError, KeyError):  # none written, or damaged: Whoosh's way
            return None

    def frequencies(self, fieldname: str, texts: list[str]) -> np.ndarray | None:
        """Return the document frequency of each of ``texts`` (None: no arrays)."""
        arrays = self._fields.get(fieldname)
        if arrays is None:
            return None
        keys, _, counts = arrays[:3]
        wanted = np.fromiter((term_key(t) for t in texts), dtype=np.uint64, count=len(texts))
        at = np.minimum(np.searchsorted(keys, wanted), max(len(keys) - 1, 0))
        found = keys[at] == wanted if len(keys) else np.zeros(len(texts), dtype=bool)
        return np.where(found, counts[at] if len(keys) else 0, 0)

    def get(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (docnums, frequencies) of ``text``, or None when the field has no arrays."""
        arrays = self._fields.get(fieldname)
        if arrays is None:
            return _EMPTY if fieldname in self._empty else None
        keys, starts, counts, ids, tf = arrays
        key = np.uint64(term_key(text))
        i = int(np.searchsorted(keys, key))
        if i == len(keys) or keys[i] != key:
            return ids[:0], tf[:0]
        start, count = int(starts[i]), int(counts[i])
        return ids[start:start + count], tf[start:start + count]
