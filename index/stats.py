"""Field statistics for BM25: every document's length in each text field, and the averages.

Read once when a snapshot opens (each field's length column is one byte a document), so
scoring a term is array arithmetic with no per-document look-ups.
"""
from __future__ import annotations

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield, byte_to_length


class FieldStats:
    """Per-field document lengths and average lengths of one index reader."""

    def __init__(self, reader, fields) -> None:
        self.doc_count = reader.doc_count_all()
        self._lengths: dict[str, np.ndarray] = {}
        self._avg: dict[str, float] = {}
        for name in fields:
            values = [0] * self.doc_count
            for leaf, base in reader.leaf_readers():
                values[base:base + leaf.doc_count_all()] = _leaf_lengths(leaf, name)
            lengths = np.asarray(values, dtype=np.float64)
            lengths.flags.writeable = False
            self._lengths[name] = lengths
            # Whoosh's definition, at least 1 (an empty field must not divide by zero)
            self._avg[name] = max(reader.field_length(name) / max(self.doc_count, 1), 1.0)

    def has(self, fieldname: str) -> bool:
        """Return True if ``fieldname`` is a scored text field."""
        return fieldname in self._lengths

    def lengths(self, fieldname: str) -> np.ndarray:
        """Return every document's length in ``fieldname`` (read-only)."""
        return self._lengths[fieldname]

    def avg_length(self, fieldname: str) -> float:
        """Return the average length of ``fieldname``."""
        return self._avg[fieldname]


def _leaf_lengths(leaf, fieldname: str) -> list[int]:
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
