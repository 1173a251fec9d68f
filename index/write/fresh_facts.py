"""A new segment's facts (``store.segment_facts``) from what its writer still holds.

``segment_facts.read_segment`` reads a segment's facts back from its files: a posting list per
facet value and author, every id's term, each text field's length column, the terms of every
field with posting arrays. A segment just written by ``fast_segments`` has all of these in
memory (its term tables in term order, each term's documents, the quantized field lengths), so
its facts are assembled from them instead: ~8 % of a full build's index writing saved. Only
the columns (day, group, seq) and the fields' total lengths are read from the segment, as
``read_segment`` reads them. ``tests/test_segment_facts.py`` checks that the file a build
writes equals ``read_segment`` of the same segment, array for array and type for type.
"""
from __future__ import annotations

import json

import numpy as np

from index.schema import ARRAY_FIELDS
from index.store import segment_facts
from index.store.arrays import term_key
from index.store.segment_facts import SINGLE, Segment
from index.write.w3_postings import Postings

KEYED = ("id", "article_id")  # one term a document: (documents, term keys)
DOCS_OF = (*SINGLE, "author", *KEYED)  # fields whose terms' documents the facts need


class FreshFacts:
    """What a segment writer tells as it writes its term tables (``field``), then the facts
    (``facts``) of the written segment."""

    def __init__(self, lengths: dict[str, dict[int, int]]) -> None:
        self.lengths = lengths  # field -> {docnum: quantized length}, as the column reads
        self.docs: dict[str, list[tuple[bytes, list[int]]]] = {}
        self.terms: dict[str, list[bytes]] = {}

    def field(self, name: str, table: Postings) -> None:
        """Note field ``name``'s postings (in term order)."""
        if name in DOCS_OF:
            self.docs[name] = table.docs_of()
        if name in ARRAY_FIELDS:
            self.terms[name] = table.terms

    def facts(self, leaf, fields) -> Segment:
        """Return the facts of the segment ``leaf`` reads, as ``read_segment(leaf, fields)``."""
        count = leaf.doc_count_all()
        single = {}
        for name in SINGLE:
            values: list[str] = []
            codes = np.zeros(count, dtype=np.int32)
            for term, docs in self.docs.get(name, ()):
                values.append(term.decode("utf-8"))
                codes[docs] = len(values)
            single[name] = (values, codes)
        authors = self.docs.get("author", ())
        names = [term.decode("utf-8") for term, _ in authors]
        docs = np.fromiter((d for _, found in authors for d in found), dtype=np.int64)
        codes_ = np.repeat(np.arange(len(authors), dtype=np.int32),
                           [len(found) for _, found in authors]).astype(np.int32)
        lengths = {}
        for name in fields:
            quantized = np.zeros(count, dtype=np.float64)
            known = self.lengths.get(name) or {}
            quantized[list(known)] = list(known.values())
            lengths[name] = quantized
        column = segment_facts.column_of
        return Segment(
            leaf.segment().segment_id(), count, single, (names, docs, codes_),
            column(leaf, "day", count), column(leaf, "group", count), column(leaf, "seq", count),
            lengths, {name: leaf.field_length(name) for name in fields},
            self._keyed("id"), self._keyed("article_id"),
            json.dumps({name: [t.decode("utf-8") for t in self.terms.get(name, ())]
                        for name in ARRAY_FIELDS}).encode("utf-8"))

    def _keyed(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        table = self.docs.get(name, ())
        docs = np.fromiter((d for _, found in table for d in found), dtype=np.int64)
        keys = np.repeat(np.array([term_key(term) for term, _ in table], dtype=np.uint64),
                         [len(found) for _, found in table])
        return docs, keys.astype(np.uint64)
