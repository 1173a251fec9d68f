"""What a reader needs per document of one Whoosh segment, and a file that keeps it.

Every search of a snapshot needs each document's facet values (kind, language, year, month,
speaker, site, authors), its day, near-duplicate group and place in the corpus (``seq``), its
length in each text field, each quote's article (the ids as 64-bit keys, joined by
``read.stories``), and the terms of the fields with posting arrays (``read.terms`` counts them
with the arrays instead of merging Whoosh's term tables). Whoosh keeps the facet values as posting lists: reading them
means one posting list per facet term (a speaker, an author) per segment, ~60,000 speakers'
and ~26,000 authors' lists at 4x FakeNewsNet, 3 s of CPU when a worker starts.

A segment never changes once written, so the writer saves these *facts* beside the segment
when it publishes a snapshot (``write_missing``: the segments that have no facts file yet, so
a push costs its own segment), as ``MAIN_<segment id>.facts.npz``: plain numpy arrays, the
value tables as JSON. The name follows Whoosh's segment files, so a snapshot copy hard-links
it with them and Whoosh deletes it with its segment after a merge. A reader loads the file
(``load``) and falls back to reading the segment (``read_segment``) when there is none, or it
is from another version or for other fields: the result is the same either way
(``tests/test_segment_facts.py``). Deletions are not facts: a snapshot applies its own.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield, byte_to_length

from index.schema import ARRAY_FIELDS
from index.store.arrays import term_key
from index.store.whoosh_postings import leaf_postings

SINGLE = ("kind", "lang", "year", "month", "speaker", "site")  # one value a document
FACTS_SUFFIX = ".facts.npz"
VERSION = 2  # of the layout (2: with the terms): another version is read from the segment instead


@dataclass(frozen=True)
class Segment:
    """The per-document values of one segment (local document numbers).

    ``single[name]`` is (values, codes): code 0 is no value, code i is ``values[i - 1]``;
    ``authors`` is (names, documents, codes) with one pair per (document, author)."""

    sid: str
    count: int
    single: dict[str, tuple[list[str], np.ndarray]]
    authors: tuple[list[str], np.ndarray, np.ndarray]
    day: np.ndarray
    group: np.ndarray
    seq: np.ndarray
    lengths: dict[str, np.ndarray]
    field_length: dict[str, int]
    ids: tuple[np.ndarray, np.ndarray]     # (documents, ``term_key`` of their id)
    quotes: tuple[np.ndarray, np.ndarray]  # (quotes, ``term_key`` of their article's id)
    # the terms of each of ``ARRAY_FIELDS``, in order: JSON ({field: [term, ...]}) parsed only
    # when counted (``read.terms``); as lists, every segment's copy of every word stayed in
    # each worker's memory (+60 MB at 4x FakeNewsNet)
    terms: bytes

    def term_lists(self) -> dict[str, list[str]]:
        """Return the terms of each of ``ARRAY_FIELDS`` (parsed anew: not kept)."""
        return json.loads(self.terms.decode("utf-8"))


def read_segment(leaf, fields) -> Segment:
    """Read one segment reader's per-document values (deleted documents included or not:
    the snapshot's ``live`` mask decides)."""
    count = leaf.doc_count_all()
    indexed = set(leaf.indexed_field_names())
    single = {}
    for name in SINGLE:
        values: list[str] = []
        codes = np.zeros(count, dtype=np.int32)
        for text in leaf.field_terms(name) if name in indexed else ():
            values.append(text)
            codes[leaf_postings(leaf, name, text, weights=False)[0]] = len(values)
        single[name] = (values, codes)
    names: list[str] = []
    docs, codes_ = [], []
    for text in leaf.field_terms("author") if "author" in indexed else ():
        ids = leaf_postings(leaf, "author", text, weights=False)[0]
        docs.append(ids)
        codes_.append(np.full(len(ids), len(names), dtype=np.int32))
        names.append(text)
    authors = (names, np.concatenate(docs) if docs else np.empty(0, dtype=np.int64),
               np.concatenate(codes_) if codes_ else np.empty(0, dtype=np.int32))
    return Segment(
        leaf.segment().segment_id(), count, single, authors,
        column_of(leaf, "day", count), column_of(leaf, "group", count),
        column_of(leaf, "seq", count),
        {name: np.asarray(leaf_lengths(leaf, name), dtype=np.float64) for name in fields},
        {name: leaf.field_length(name) for name in fields},
        _keyed(leaf, "id", indexed), _keyed(leaf, "article_id", indexed),
        json.dumps({name: [_text(t) for t in leaf.lexicon(name)] if name in indexed else []
                    for name in ARRAY_FIELDS}).encode("utf-8"))


def _text(term) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _keyed(leaf, name: str, indexed: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return (documents, ``term_key`` of their term) of every posting of field ``name``,
    a field of one term a document (an id, a quote's article id)."""
    docs: list[int] = []
    keys: list[int] = []
    for text, info in leaf.iter_field(name) if name in indexed else ():
        found = [info.min_id()] if info.doc_frequency() == 1 and not leaf.has_deletions() \
            else leaf_postings(leaf, name, text, weights=False)[0].tolist()
        docs.extend(found)
        keys.extend([term_key(text)] * len(found))
    return np.asarray(docs, dtype=np.int64), np.asarray(keys, dtype=np.uint64)


def column_of(leaf, name: str, count: int) -> np.ndarray:
    """Return column ``name`` of one segment reader as int64 (zeros when it has none)."""
    if name in leaf.schema and leaf.has_column(name):
        return np.fromiter(leaf.column_reader(name), dtype=np.int64, count=count)
    return np.zeros(count, dtype=np.int64)


def leaf_lengths(leaf, fieldname: str) -> list[int]:
    """Return one segment's field lengths, read as a whole column when the codec allows."""
    count = leaf.doc_count_all()
    perdoc = getattr(leaf, "_perdoc", None)
    try:  # Whoosh's W3 codec: one byte per document, decoded through a 256-entry table
        column = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
        if column is None:
            return [0] * count
        table = [byte_to_length(b) if b else 0 for b in range(256)]
        if getattr(column, "_fixedlen", None) == 1:  # the raw bytes are the values
            raw = column._dbfile.get(column._basepos, column._count)
            return [table[b] for b in raw] + [0] * (count - column._count)
        return [table[b] for b in column]
    except (AttributeError, TypeError):  # another codec: the public, per-document way
        return [leaf.doc_field_length(d, fieldname, 0) for d in range(count)]


def facts_path(folder: str | Path, sid: str) -> Path:
    """Return where the facts of segment ``sid`` (Whoosh's "MAIN_<id>") are kept."""
    return Path(folder) / f"{sid}{FACTS_SUFFIX}"


def save(folder: str | Path, seg: Segment) -> Path:
    """Write ``seg``'s facts file into ``folder`` (whole or not at all)."""
    head = {"version": VERSION, "sid": seg.sid, "count": seg.count,
            "fields": list(seg.lengths), "field_length": seg.field_length,
            "values": {name: values for name, (values, _) in seg.single.items()},
            "authors": seg.authors[0], "term_fields": list(ARRAY_FIELDS)}
    arrays = {"head": np.frombuffer(json.dumps(head).encode("utf-8"), dtype=np.uint8),
              "authors.docs": seg.authors[1].astype(np.int64, copy=False),
              "authors.codes": seg.authors[2], "day": seg.day, "group": seg.group,
              "seq": seg.seq, "ids.docs": seg.ids[0], "ids.keys": seg.ids[1],
              "quotes.docs": seg.quotes[0], "quotes.keys": seg.quotes[1],
              "terms": np.frombuffer(seg.terms, dtype=np.uint8)}
    arrays.update({f"single.{name}": codes for name, (_, codes) in seg.single.items()})
    # field lengths are whole numbers (Whoosh's byte_to_length), kept in 4 bytes, not 8
    arrays.update({f"lengths.{name}": lengths.astype(np.uint32)
                   for name, lengths in seg.lengths.items()})
    target = facts_path(folder, seg.sid)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    tmp.write_bytes(buffer.getbuffer())
    os.replace(tmp, target)
    return target


def load(folder: str | Path, sid: str, count: int, fields) -> Segment | None:
    """Return the facts of segment ``sid`` from its file in ``folder``; None when there is
    none, or it holds another segment, version, document count or set of fields."""
    try:
        with open(facts_path(folder, sid), "rb") as fh, np.load(fh, allow_pickle=False) as data:
            head = _head(data, sid, count, fields)
            if head is None:
                return None
            single = {name: (head["values"][name], data[f"single.{name}"]) for name in SINGLE}
            return Segment(
                sid, count, single, (head["authors"], data["authors.docs"], data["authors.codes"]),
                data["day"], data["group"], data["seq"],
                {name: data[f"lengths.{name}"].astype(np.float64) for name in fields},
                {name: int(head["field_length"][name]) for name in fields},
                (data["ids.docs"], data["ids.keys"]), (data["quotes.docs"], data["quotes.keys"]),
                data["terms"].tobytes())
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return None


def _head(data, sid: str, count: int, fields) -> dict | None:
    """Return the file's head if it is the facts of ``sid`` as this version reads them."""
    head = json.loads(data["head"].tobytes().decode("utf-8"))
    if head.get("version") != VERSION or head.get("sid") != sid \
            or head.get("count") != count or head.get("fields") != list(fields) \
            or head.get("term_fields") != list(ARRAY_FIELDS):
        return None
    return head


def has_facts(folder: str | Path, sid: str, count: int, fields) -> bool:
    """Return True if ``folder`` holds a good facts file of segment ``sid`` (its head only
    is read)."""
    try:
        with open(facts_path(folder, sid), "rb") as fh, np.load(fh, allow_pickle=False) as data:
            return _head(data, sid, count, fields) is not None
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile):
        return False


def segment_facts(leaf, fields, folder: str | Path | None) -> Segment:
    """Return one segment's facts: from its file in ``folder`` if there is a good one,
    else read from the segment."""
    if folder is not None:
        found = load(folder, leaf.segment().segment_id(), leaf.doc_count_all(), fields)
        if found is not None:
            return found
    return read_segment(leaf, fields)


def write_missing(ix, fields) -> int:
    """Write the facts of each segment of the Whoosh index ``ix`` that has no facts file
    (a snapshot being published); return how many were written."""
    folder = getattr(ix.storage, "folder", None)
    if folder is None:  # an index in memory: nothing to keep
        return 0
    written = 0
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            if not has_facts(folder, leaf.segment().segment_id(), leaf.doc_count_all(), fields):
                save(folder, read_segment(leaf, fields))
                written += 1
    return written
