"""Posting lists of the searched text fields as plain numpy arrays beside Whoosh's segments.

Whoosh stores a posting list as blocks of 128 postings, each a zlib-compressed pickle of
Python numbers: a cold query spends most of its time unpickling them and looking terms up in
every field of every segment. So every snapshot also has, per *set* of segments and per
text field, the docnums and frequencies of every term as flat arrays, and a sorted array of
64-bit term hashes pointing into them. A reader memory-maps them (the page cache shares them
between workers) and finds a term with one binary search; a posting list is then a slice,
not a decode.

A full rebuild writes one set for all its segments. An incremental update (a push, a
``reindex --incremental``) writes a set for each new segment only, a few milliseconds for a
small one, and hard-links the older sets from the live snapshot (segment files never change
once written); sets of segments merged away are removed. A reader maps each set's
docnums onto the snapshot's (the segment order can change when Whoosh merges) and drops
deleted documents with one boolean mask, so the fast path survives any number of small
updates. Each set's ``meta.json`` names its segments and their document counts; a snapshot
with a segment no set covers exactly is read the Whoosh way.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np

from index.store.whoosh_postings import (leaf_position_masks, leaf_postings, position_masks,
                                       postings)

ARRAYS_DIR = "postings"
_META = "meta.json"
_PARTS = ("keys", "starts", "counts", "ids", "tf")
# Short positional fields whose postings also carry the word's positions as a 64-bit mask
# (``whoosh_postings.position_mask``), so a phrase in a headline or a name is checked with a
# shift and an AND per candidate instead of Whoosh's positional matchers.
POSITION_FIELDS = ("title", "person")


def term_key(text: str | bytes) -> int:
    """Return the 64-bit key of an index term (blake2b: stable across processes)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def _segments(reader) -> list[tuple[str, int, int, object]]:
    """Return (segment id, docs incl. deleted, base docnum, leaf reader) of each segment
    that has documents (a 2-process build can leave an empty one, which merges drop)."""
    return [(leaf.segment().segment_id(), leaf.doc_count_all(), base, leaf)
            for leaf, base in reader.leaf_readers() if leaf.doc_count_all()]


def _write_set(folder: Path, source, fields, segments: list[tuple[str, int]], local: bool) -> None:
    """Write one set: the posting lists of ``source`` (a leaf reader when ``local``, else the
    whole reader) for ``fields``, covering ``segments`` [(id, doc count)] in that order."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    indexed = set(source.indexed_field_names())
    for field in fields:
        keys, counts, id_parts, tf_parts, mask_parts = [], [], [], [], []
        masked = field in POSITION_FIELDS  # an empty mask array when no document has it
        for text in source.lexicon(field) if field in indexed else ():
            ids, tf = leaf_postings(source, field, text) if local else postings(source, field, text)
            keys.append(term_key(text))
            counts.append(len(ids))
            id_parts.append(ids.astype(np.int32))
            tf_parts.append(tf.astype(np.float32, copy=False))
            if masked:
                mask_parts.append((leaf_position_masks if local else position_masks)(
                    source, field, text)[1])
        save_field(tmp, field, np.asarray(keys, dtype=np.uint64), np.asarray(counts, dtype=np.int64),
              np.concatenate(id_parts) if id_parts else np.empty(0, dtype=np.int32),
              np.concatenate(tf_parts) if tf_parts else np.empty(0, dtype=np.float32),
              (np.concatenate(mask_parts) if mask_parts else np.empty(0, dtype=np.uint64))
              if masked else None)
    finish_set(tmp, folder, fields, segments)


def save_field(tmp: Path, field: str, keys, counts, ids, tf, masks=None) -> None:
    """Save one field's arrays: ``keys`` and ``counts`` per term, the terms' postings one
    after another in ``ids`` and ``tf`` (and ``masks``, the position masks of a
    ``POSITION_FIELDS`` field); the keys sorted, each pointing at its postings."""
    starts = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)[:-1])) \
        if len(counts) else np.empty(0, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    np.save(tmp / f"{field}.keys.npy", keys[order])
    np.save(tmp / f"{field}.starts.npy", starts[order])
    np.save(tmp / f"{field}.counts.npy", counts[order])
    np.save(tmp / f"{field}.ids.npy", ids.astype(np.int32, copy=False))
    np.save(tmp / f"{field}.tf.npy", tf.astype(np.float32, copy=False))
    if masks is not None:
        np.save(tmp / f"{field}.pos.npy", masks.astype(np.uint64, copy=False))


def finish_set(tmp: Path, folder: Path, fields, segments: list) -> None:
    (tmp / _META).write_text(json.dumps({"segments": segments, "fields": list(fields)}),
                             encoding="utf-8")
    tmp.rename(folder)


def set_name(segment_ids: list[str]) -> str:
    return hashlib.blake2b("+".join(segment_ids).encode(), digest_size=8).hexdigest()


def write_arrays(index_path: Path, ix, fields, new_segments_only: bool = False) -> None:
    """Write the posting arrays of the latest generation of ``ix``: one set for all its
    segments, or with ``new_segments_only`` a set per segment no existing set covers
    (existing sets of vanished segments are removed)."""
    out = Path(index_path) / ARRAYS_DIR
    with ix.reader() as reader:
        segments = _segments(reader)
        if not new_segments_only:
            shutil.rmtree(out, ignore_errors=True)
            if reader.has_deletions():  # a full rebuild has none; keep the format simple
                return
            ids = [s[0] for s in segments]
            _write_set(out / set_name(ids), reader, fields, [[s[0], s[1]] for s in segments], False)
            return
        present = {s[0]: s[1] for s in segments}
        covered: set[str] = set()
        for meta in _metas(out):
            segs = meta["segments"]
            if all(present.get(sid) == n for sid, n in segs):  # fields it lacks: Whoosh's way
                covered.update(sid for sid, _ in segs)
            else:  # describes segments merged away: gone from this snapshot
                shutil.rmtree(meta["folder"], ignore_errors=True)
        for sid, count, _, leaf in segments:
            if sid not in covered:
                _write_set(out / set_name([sid]), leaf, fields, [[sid, count]], True)


def _metas(out: Path) -> list[dict]:
    metas = []
    for meta_file in sorted(out.glob(f"*/{_META}")) if out.is_dir() else []:
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        metas.append({**meta, "folder": meta_file.parent})
    return metas


class _Set:
    """One set's memory-mapped arrays and how its docnums map onto the snapshot's."""

    def __init__(self, folder: Path, fields, local_starts, deltas, first_base: int,
                 last_end: int, mapped: tuple[dict, dict] | None = None) -> None:
        self.name = folder.name  # the same in every snapshot that holds the set
        if mapped is not None:  # the same set in the snapshot before: its maps
            self.fields, self.masks = mapped
        else:
            self.fields = {field: tuple(_mapped(folder / f"{field}.{part}.npy")
                                        for part in _PARTS) for field in fields}
            self.masks = {field: _masks(folder, field, self.fields[field][0])
                          for field in POSITION_FIELDS if field in fields}
            self.masks = {field: masks for field, masks in self.masks.items() if masks is not None}
        self.local_starts = np.asarray(local_starts, dtype=np.int64)
        self.deltas = np.asarray(deltas, dtype=np.int64)
        self.shift = int(self.deltas[0]) if len(set(deltas)) == 1 else None  # one offset for all
        self.monotonic = bool(np.all(np.diff(self.deltas) >= 0)) if len(deltas) > 1 else True
        self.first_base, self.last_end = first_base, last_end

    def frequencies(self, fieldname: str, wanted: np.ndarray) -> np.ndarray:
        keys, _, counts = self.fields[fieldname][:3]
        if not len(keys):
            return np.zeros(len(wanted), dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        return np.where(keys[at] == wanted, counts[at], 0)

    def get(self, fieldname: str, key: np.uint64, masks: bool = False
            ) -> tuple[np.ndarray, np.ndarray]:
        """Return (docnums, frequencies) of the term ``key``; with ``masks``, (docnums,
        position masks)."""
        keys, starts, counts, ids, tf = self.fields[fieldname]
        if masks:
            tf = self.masks[fieldname]
        i = int(np.searchsorted(keys, key))
        if i == len(keys) or keys[i] != key:
            return ids[:0], tf[:0]
        start, count = int(starts[i]), int(counts[i])
        ids, tf = ids[start:start + count], tf[start:start + count]
        if self.shift is not None:
            return (ids + self.shift if self.shift else ids), tf
        ids = ids + self.deltas[np.searchsorted(self.local_starts, ids, side="right") - 1]
        if not self.monotonic:  # Whoosh reordered this set's segments
            order = np.argsort(ids, kind="stable")
            ids, tf = ids[order], tf[order]
        return ids.astype(np.int32), tf


class PostingArrays:
    """The memory-mapped posting arrays of one snapshot (see the module's docstring)."""

    def __init__(self, sets: list[_Set], fields: set[str], live: np.ndarray | None,
                 ordered: bool = True) -> None:
        self._sets = sets
        self._fields = fields
        self._live = live  # True for documents not deleted; None when none is
        self._ordered = ordered  # each set's docnums all below the next set's

    @classmethod
    def open(cls, index_path: Path, ix, reader, before: PostingArrays | None = None
             ) -> PostingArrays | None:
        """Return the arrays of ``index_path`` if sets cover exactly ``reader``'s segments
        (the maps of sets ``before`` (the snapshot before) has are kept: set files are
        hard links of the same files, written once)."""
        mapped = {s.name: (s.fields, s.masks) for s in before._sets} if before is not None else {}
        try:
            segments = {sid: (count, base) for sid, count, base, _ in _segments(reader)}
            covered: set[str] = set()
            sets, fields = [], None
            for meta in _metas(Path(index_path) / ARRAYS_DIR):
                segs = meta["segments"]
                if any(segments.get(sid, (None,))[0] != n for sid, n in segs):
                    continue  # written for segments this snapshot does not have
                if covered & {sid for sid, _ in segs}:
                    return None
                # a field some set lacks (written before it had arrays) is read Whoosh's way
                fields = set(meta["fields"]) if fields is None else fields & set(meta["fields"])
                covered.update(sid for sid, _ in segs)
                local = np.concatenate(([0], np.cumsum([n for _, n in segs])[:-1]))
                deltas = [segments[sid][1] - int(start) for (sid, _), start in zip(segs, local)]
                ranges = [(segments[sid][1], segments[sid][1] + n) for sid, n in segs]
                sets.append(_Set(meta["folder"], meta["fields"], local, deltas,
                                 min(r[0] for r in ranges), max(r[1] for r in ranges),
                                 mapped.get(meta["folder"].name)))
            if not sets or covered != set(segments):
                return None  # none written, or a segment without arrays: Whoosh's way
            sets.sort(key=lambda s: s.first_base)
            ends = [s.last_end for s in sets]
            ordered = all(end <= nxt.first_base for end, nxt in zip(ends, sets[1:]))
            live = None
            if reader.has_deletions():
                live = np.ones(reader.doc_count_all(), dtype=bool)
                for leaf, base in reader.leaf_readers():
                    dead = np.fromiter(leaf.segment().deleted_docs(), dtype=np.int64)
                    live[dead + base] = False
            return cls(sets, fields or set(), live, ordered)
        except (OSError, ValueError, KeyError):  # damaged: Whoosh's way
            return None

    def frequencies(self, fieldname: str, texts: list[str]) -> np.ndarray | None:
        """Return the document frequency of each of ``texts`` (None: no arrays), counting
        documents deleted since their segment was written, as Whoosh's own statistics do."""
        if fieldname not in self._fields:
            return None
        wanted = np.fromiter((term_key(t) for t in texts), dtype=np.uint64, count=len(texts))
        return sum(s.frequencies(fieldname, wanted) for s in self._sets)

    def get(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (docnums, frequencies) of ``text``, or None when the field has no arrays."""
        if fieldname not in self._fields:
            return None
        return self._get(fieldname, np.uint64(term_key(text)), False)

    def position_masks(self, fieldname: str, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Return (docnums, position masks) of ``text`` (the docnums of ``get``), or None when
        the field's positions are not in the arrays (``POSITION_FIELDS``; sets written before
        they were)."""
        if fieldname not in self._fields or not all(fieldname in s.masks for s in self._sets):
            return None
        return self._get(fieldname, np.uint64(term_key(text)), True)

    def _get(self, fieldname: str, key: np.uint64, masks: bool) -> tuple[np.ndarray, np.ndarray]:
        parts = [found for s in self._sets if len((found := s.get(fieldname, key, masks))[0])]
        if not parts:
            return self._sets[0].get(fieldname, key, masks)  # empty, with the right dtypes
        if len(parts) == 1:
            ids, tf = parts[0]
        else:
            ids, tf = np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
            if not self._ordered:
                order = np.argsort(ids, kind="stable")
                ids, tf = ids[order], tf[order]
        if self._live is not None:
            keep = self._live[ids]
            if not keep.all():
                ids, tf = ids[keep], tf[keep]
        return ids, tf


def _masks(folder: Path, field: str, keys: np.ndarray) -> np.ndarray | None:
    """Return the position masks of ``field`` in one set; an empty array when the set holds
    no term of it (before, a push of articles without names sent every name phrase through
    Whoosh's positional matchers); None when the set was written without masks."""
    path = folder / f"{field}.pos.npy"
    if path.exists():
        return _mapped(path)
    return np.empty(0, dtype=np.uint64) if not len(keys) else None


def _mapped(path: Path) -> np.ndarray:
    """Return the array in ``path`` memory-mapped as a plain view (a memmap's slice costs a
    third of a query), each page mapped now, once a process (as Elasticsearch's ``preload``): a
    broad word's first touch cost ~1 ms of page faults at 8x; its 85,000 pages 0.05-0.09 s."""
    array = np.load(path, mmap_mode="r").view(np.ndarray)
    int(array.reshape(-1).view(np.uint8)[::4096].sum())  # a byte a page: no copy kept
    return array
