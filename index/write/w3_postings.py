"""Postings of a new segment as W3 posting blocks, written the way Whoosh's
``W3PostingsWriter`` writes them, a term at a time instead of a call per posting.

``postings_of`` turns a text field's tokens over a batch (term numbers in document order)
into postings with numpy: one per term and document, its weight the term's frequency and
its value the ``Positions`` encoding (the count, then the pickled position deltas), kept
flat (``Postings``). ``write_field`` writes a field's postings in one write and its terms'
rows in another (``TermTable``); ``write_postings`` makes one term's postings: blocks of
``BLOCK``, each a header (count, last docnum, top weight, compression, shortest and longest
field length as bytes) and the pickled (docnum deltas, weights, values); a block whose pickle is shorter than
``COMPRESS_FROM`` bytes is left uncompressed (its header says so, and Whoosh's reader
honours it), because zlib costs ~90 µs a block here and gains nothing on a small one.

A block's data is pickled with protocol 5, which writes each ``bytes`` value as it is, where
Whoosh's protocol 2 calls ``_codecs.encode`` on a latin-1 string for each (Whoosh's reader
``loads`` either; the values themselves stay protocol 2, byte for byte): 8 % less CPU to write
a segment, 14 % smaller files on FakeNewsNet. Blocks (and, through ``fast_segments``, stored
fields) are compressed with ISA-L's deflate
(``isal``) at its level 1 instead of zlib's level 3: the same zlib stream format, which
Whoosh inflates with ``zlib`` as before (any level reads alike), 2.7× faster to write and
4 % larger on FakeNewsNet's blocks and stored fields.
"""
from __future__ import annotations

from array import array
from hashlib import md5
from itertools import starmap
from operator import sub
from pickle import dumps
from typing import NamedTuple

import numpy as np
from isal import isal_zlib
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.filedb.filetables import _lengths, _pointer, md5_hash
from whoosh.system import pack_int, pack_long, pack_uint
from whoosh.util.numeric import length_to_byte

from index.store.arrays import term_key
from index.store.whoosh_postings import MASK_BITS, position_mask

BLOCK = 128  # postings a block (W3Codec's blocklimit)
COMPRESS_FROM = 256  # bytes of a block's pickle from which it is compressed
COMPRESS_LEVEL = 1  # deflate level of a compressed block (the header says it; Whoosh's is 3)
BLOCK_PROTOCOL = 5  # pickle protocol of a block's data (Whoosh's 2 pickles each bytes value
                    # through a ``_codecs.encode`` call; Whoosh's reader loads either)
deflate = isal_zlib.compress  # (bytes, level) -> a zlib stream, as zlib.compress makes
_SINGLE: list[bytes] = []  # the value of a term seen once in a value, at position i
_FREQ: list[bytes] = []  # pack_uint(n)
_TERM_INFO = W3TermInfo._struct  # flags, weight, df, min/max length bytes, max weight, ids
_BYTES: dict = {}  # length -> length_to_byte(length)
_F32: dict = {}  # weight -> the float32 it is stored as


def length_byte(length: int | None) -> int:
    """Return ``length_to_byte(length)`` (remembered: lengths repeat)."""
    found = _BYTES.get(length)
    if found is None:
        found = _BYTES[length] = length_to_byte(length)
    return found


def _value_tables(max_pos: int, max_freq: int) -> None:
    while len(_SINGLE) <= max_pos:
        _SINGLE.append(pack_uint(1) + dumps([len(_SINGLE)], 2))
    while len(_FREQ) <= max_freq:
        _FREQ.append(pack_uint(len(_FREQ)))


class Postings(NamedTuple):
    """A field's postings in term order, flat: term i's are ``[starts[i]:ends[i]]`` of
    ``docs``, ``weights``, ``values`` and ``lens`` (the documents' quantized field lengths).
    Kept flat, not as a list per term: a segment's ~100,000 terms cost 4 slices each."""

    terms: list[bytes]
    starts: list[int]
    ends: list[int]
    docs: list[int]
    weights: list[float]
    values: list[bytes]
    lens: list[int]

    def docs_of(self) -> list[tuple[bytes, list[int]]]:
        """Return [(term, its documents)] in term order."""
        docs = self.docs
        return [(t, docs[a:b]) for t, a, b in zip(self.terms, self.starts, self.ends)]


def table_of(postings: dict, lengths: dict[int, int]) -> Postings:
    """Return the postings of {term: ([docs], [weights], [values])} in term order."""
    terms, starts, ends, docs, weights, values = [], [], [], [], [], []
    for term, (d, w, v) in sorted(postings.items()):
        terms.append(term)
        starts.append(len(docs))
        docs += d
        weights += w
        values += v
        ends.append(len(docs))
    lens = [lengths.get(d, 0) for d in docs] if lengths else [0] * len(docs)
    return Postings(terms, starts, ends, docs, weights, values, lens)


def postings_of(tokens, by_rank: list[bytes], rank: np.ndarray, lengths: dict[int, int],
                doc_count: int, masked: bool = True) -> tuple[Postings, np.ndarray | None]:
    """Return the postings of a field's tokens in term order (``by_rank``: the vocabulary in
    byte order, ``rank``: each term number's place in it): one posting per term and document,
    its value the term's positions (``Positions``); and, if ``masked``, each posting's
    position mask (``whoosh_postings.position_mask``)."""
    found = np.asarray(tokens.terms, dtype=np.int32)
    counts = np.asarray(tokens.counts, dtype=np.int32)
    docs = np.repeat(np.asarray(tokens.docs, dtype=np.int64), counts)
    firsts = np.cumsum(counts) - counts
    positions = np.arange(len(found)) - np.repeat(firsts, counts)
    ranks = rank[found]
    if np.all(tokens.docs[1:] > tokens.docs[:-1]):  # values in document order (as added):
        order = np.argsort(ranks, kind="stable")    # a stable sort by term keeps doc, position
    else:
        order = np.argsort(ranks * (doc_count + 1) + docs, kind="stable")
    ranks, docs, positions = ranks[order], docs[order], positions[order]
    new = np.ones(len(found), dtype=bool)
    new[1:] = (ranks[1:] != ranks[:-1]) | (docs[1:] != docs[:-1])
    starts = np.flatnonzero(new)
    freqs = np.diff(np.append(starts, len(found)))
    deltas = positions - np.concatenate(([0], positions[:-1]))
    deltas[starts] = positions[starts]
    _value_tables(int(positions.max()), int(freqs.max()))
    values = list(map(_SINGLE.__getitem__, positions[starts].tolist()))
    delta_list = deltas.tolist()
    for i, start, freq in zip(*(a.tolist() for a in (np.flatnonzero(freqs > 1), starts[freqs > 1],
                                                     freqs[freqs > 1]))):
        values[i] = _FREQ[freq] + dumps(delta_list[start:start + freq], 2)
    post_docs = docs[starts]
    quantized = np.zeros(doc_count, dtype=np.int64)
    if lengths:
        quantized[list(lengths)] = list(lengths.values())
    post_ranks = ranks[starts]
    bounds = np.flatnonzero(np.concatenate(([True], post_ranks[1:] != post_ranks[:-1])))
    table = Postings(list(map(by_rank.__getitem__, post_ranks[bounds].tolist())),
                     bounds.tolist(), np.append(bounds[1:], len(starts)).tolist(),
                     post_docs.tolist(), freqs.astype(np.float64).tolist(), values,
                     quantized[post_docs].tolist())
    if not masked:
        return table, None
    bits = np.left_shift(np.uint64(1), np.minimum(positions, MASK_BITS).astype(np.uint64))
    return table, np.bitwise_or.reduceat(bits, starts)  # position masks, by posting


def write_field(postfile, terms: TermTable, fieldid: bytes, table: Postings,
                fixed: int | None) -> None:
    """Write a field's postings, a term at a time (``write_postings``), in one write, and
    add each term's info to the term table ``terms``."""
    pos = postfile.tell()
    docs, weights, values, lens = table.docs, table.weights, table.values, table.lens
    blobs = []
    add_term, keep = terms.add, blobs.append
    for term, a, b in zip(table.terms, table.starts, table.ends):
        if b - a == 1:
            info, blob = _write_one(docs[a], weights[a], values[a], lens[a], fixed)
        else:
            info, blob = write_postings(docs[a:b], weights[a:b], values[a:b], lens[a:b], fixed)
        keep(blob)
        add_term(fieldid + term, info + pack_long(pos) + pack_int(len(blob)))
        pos += len(blob)
    postfile.write(b"".join(blobs))
    terms.flush()


def write_postings(docs: list, weights: list, values: list, lens: list, fixed: int | None
                   ) -> tuple[bytes, bytes]:
    """Return one term's postings as ``W3PostingsWriter`` writes them (blocks of ``BLOCK``:
    the pickled docnum deltas, weights and values, with a header of the block's statistics),
    and its term info as ``W3TermInfo.to_bytes`` gives it, less the postings' place (their
    offset and length, which the caller adds)."""
    parts = [WHOOSH3_HEADER_MAGIC]
    n = len(docs)
    total = 0.0  # as W3TermInfo.add_block accumulates them
    minlength, maxlength, maxweight = None, 0, 0
    for at in range(0, n, BLOCK):
        ids = docs[at:at + BLOCK]
        ws = array("f", weights[at:at + BLOCK])
        found = [length for length in lens[at:at + BLOCK] if length]
        low, high = (min(found), max(found)) if found else (None, 0)
        top = max(weights[at:at + BLOCK])
        top = top if top > 0 else 0
        if ws.count(1.0) == len(ws):
            mini = None
        elif ws.count(ws[0]) == len(ws):
            mini = ws[0]
        else:
            mini = tuple(ws)
        vs = [v for v in values[at:at + BLOCK] if v]
        vs = tuple(vs) if fixed is None or fixed < 0 else (None if fixed == 0 else b"".join(vs))
        data = dumps(((ids[0], *map(sub, ids[1:], ids[:-1])), mini, vs), BLOCK_PROTOCOL)
        comp = 0
        if len(data) >= COMPRESS_FROM:
            comp, data = COMPRESS_LEVEL, deflate(data, COMPRESS_LEVEL)
        head = dumps((len(ids), ids[-1], top, comp, length_byte(low), length_byte(high)), 2)
        size = len(head) + len(data)
        parts += (pack_int(-size if at + BLOCK >= n else size), head, data)
        total += sum(ws)
        minlength = low if minlength is None else min(minlength, low)
        maxlength = max(maxlength, high)
        maxweight = max(maxweight, top)
    info = _TERM_INFO.pack(0, total, n, 0 if minlength is None else length_byte(minlength),
                           length_byte(maxlength), maxweight, docs[0], docs[-1])
    return info, b"".join(parts)


def _float32(weight: float) -> float:
    """Return ``weight`` as a float32 holds it (as ``array("f")`` gives it back)."""
    found = _F32.get(weight)
    if found is None:
        found = _F32[weight] = array("f", (weight,))[0]
    return found


def _write_one(doc: int, weight: float, value: bytes, length: int, fixed: int | None
               ) -> tuple[bytes, bytes]:
    """``write_postings`` of a term with one posting (most terms of a segment): the same
    bytes, without its loop over blocks."""
    w32 = _float32(weight)
    vs = (value,) if value else ()
    if fixed is not None and fixed >= 0:
        vs = None if fixed == 0 else b"".join(vs)
    data = dumps(((doc,), None if w32 == 1.0 else w32, vs), BLOCK_PROTOCOL)
    comp = 0
    if len(data) >= COMPRESS_FROM:
        comp, data = COMPRESS_LEVEL, deflate(data, COMPRESS_LEVEL)
    top = weight if weight > 0 else 0
    byte = length_byte(length or None)
    head = dumps((1, doc, top, comp, byte, byte if length else length_byte(0)), 2)
    info = _TERM_INFO.pack(0, 0.0 + w32, 1, byte if length else 0, byte if length else
                           length_byte(0), top, doc, doc)
    return info, b"".join((WHOOSH3_HEADER_MAGIC, pack_int(-(len(head) + len(data))), head, data))


class TermTable:
    """Add a field's terms to a segment's term table (``OrderedHashWriter``) as its ``add``
    does, the file position kept here and the rows written in one piece (``flush``), the
    MD5 hash of a key taken from its digest's last 4 bytes (``md5_hash``'s value)."""

    def __init__(self, table) -> None:
        self.table = table
        self.pos = table.dbfile.tell()
        self.rows: list[bytes] = []
        self.hashfn = _md5_low if table.hashfn is md5_hash else table.hashfn

    def add(self, key: bytes, value: bytes) -> None:
        table = self.table
        if key <= table.lastkey:
            raise ValueError(f"Keys must increase: {table.lastkey!r}..{key!r}")
        table.index.append(self.pos)
        row = _lengths.pack(len(key), len(value)) + key + value
        self.rows.append(row)
        h = self.hashfn(key)
        table.buckets[h & 255].append((h, self.pos))
        table.lastkey = key
        self.pos += len(row)

    def flush(self) -> None:
        """Write the rows added since the last flush."""
        self.table.dbfile.write(b"".join(self.rows))
        self.rows = []


def write_hashes(table) -> None:
    """Write the hash tables of a term table (``HashWriter._write_hashes``: the same slots,
    the same bytes), each bucket's table in one write instead of a write per slot."""
    dbfile = table.dbfile
    null = (0, 0)
    for entries in table.buckets:
        numslots = 2 * len(entries)
        table.directory.append((dbfile.tell(), numslots))
        hashtable = [null] * numslots
        for hashval, position in entries:
            slot = (hashval >> 8) % numslots
            while hashtable[slot] != null:
                slot = (slot + 1) % numslots
            hashtable[slot] = (hashval, position)
        dbfile.write(b"".join(starmap(_pointer.pack, hashtable)))


def _md5_low(key: bytes) -> int:
    """Return ``filetables.md5_hash(key)`` (the digest's low 32 bits), without the hex."""
    return int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")


def masks_of(table: Postings, fmt) -> np.ndarray:
    """Return the position mask of each posting of ``table`` (values decoded)."""
    return np.fromiter((position_mask(fmt.decode_positions(v)) for v in table.values),
                       dtype=np.uint64, count=len(table.values))


def arrays_of(table: Postings) -> tuple:
    """Return (keys, counts, ids, tf) of a field's postings, in ``table``'s term order."""
    keys = np.fromiter(map(term_key, table.terms), dtype=np.uint64, count=len(table.terms))
    counts = np.subtract(table.ends, table.starts, dtype=np.int64)
    return (keys, counts, np.array(table.docs, dtype=np.int32),
            np.array(table.weights, dtype=np.float32))
