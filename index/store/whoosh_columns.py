"""Opening a segment's stored fields without a Python loop over its documents.

Whoosh keeps a segment's stored fields in a variable-length bytes column whose document
offsets it writes only past 32,768 rows; below that a reader derives them from the lengths,
one Python iteration a document (``VarBytesColumn.Reader._read_offsets_and_lengths``), the
first time a thread's reader of that segment returns a stored document. For the 20,000
documents of a full build's segment that is ~20 ms, paid once per segment and per thread's
reader: at 4x FakeNewsNet (14 segments) a search whose page fell in segments not read yet
took up to 120 ms more, and a 300-query benchmark on a fresh worker met it on tens of
queries. ``install`` replaces that derivation with a cumulative sum in numpy, the same
offsets in the same ``array`` type (``reference_offsets`` is Whoosh's loop, for the tests).
"""
from __future__ import annotations

from array import array

import numpy as np
from whoosh import columns

_original = columns.VarBytesColumn.Reader._read_offsets_and_lengths


def offsets_of(lengths: array) -> array:
    """Return each value's offset (the sum of the lengths before it), as Whoosh's ``array("L")``."""
    ends = np.cumsum(np.frombuffer(lengths, dtype=np.dtype(lengths.typecode)), dtype=np.uint64)
    offsets = np.zeros(len(lengths), dtype=np.dtype("L"))
    offsets[1:] = ends[:-1]
    out = array("L")
    out.frombytes(offsets.tobytes())
    return out


def reference_offsets(lengths: array) -> array:
    """Whoosh's own derivation of the offsets (one Python iteration a value)."""
    out, base = array("L"), 0
    for length in lengths:
        out.append(base)
        base += length
    return out


def _read_offsets_and_lengths(self) -> None:
    dbfile, doccount = self._dbfile, self._doccount
    lastbyte = self._basepos + self._length - 1
    lens_code = chr(dbfile.get_byte(lastbyte))
    if lens_code == "X" or not doccount:  # offsets written: Whoosh's way
        _original(self)
        return
    lengths = dbfile.get_array(lastbyte - array(lens_code).itemsize * doccount, lens_code,
                               doccount)
    self._offsets, self._lengths = offsets_of(lengths), lengths


def install() -> None:
    """Make every stored-fields reader opened from now on derive its offsets in numpy."""
    columns.VarBytesColumn.Reader._read_offsets_and_lengths = _read_offsets_and_lengths

