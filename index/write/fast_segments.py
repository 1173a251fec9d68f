"""Write documents as Whoosh segments without Whoosh's per-posting machinery.

Whoosh's ``SegmentWriter.add_document`` analyses each field through a token generator,
pickles every posting into an external sort pool, and at commit reads each posting's field
length back from the segment's length column (a ``file_exists`` call per posting); its
postings writer compresses every block with zlib, even a block of one posting (a fresh
deflate state each time: ~90 µs a call here, for a block no smaller). Here a batch of
documents becomes one segment, written through Whoosh's own codec (``W3Codec``'s
per-document writer, its term table and postings file, ``TOC``), so the directory stays a
plain Whoosh index that Whoosh and ``index/read`` open alike:

- a text field analysed with ``PerLanguageAnalyzer`` is tokenised once per value with C
  loops (``findall``, ``map``), each word looked up once per batch (the same steps as
  ``LanguageAnalyzer``); the batch's tokens are then sorted into postings with numpy
  (term, document, positions). Every other indexed field goes through its own
  ``FieldType.index``, as Whoosh does;
- postings are written term by term in byte order, 128 to a block, as ``W3PostingsWriter``
  writes them, except that a block whose pickle is under ``COMPRESS_FROM`` bytes is stored
  uncompressed (the block header says so; Whoosh's reader honours it);
- the posting arrays (``store/arrays.py``) come from the same postings, not from reading
  the segment files back.

``tests/test_fast_build.py`` checks that every term, posting, weight, position, length,
stored field and column equals what Whoosh's own writer makes, and that searches agree.
"""
from __future__ import annotations

import zlib
from array import array
from collections import defaultdict
from operator import sub
from pickle import dumps

import numpy as np
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3TermInfo
from whoosh.analysis import IDTokenizer
from whoosh.formats import Existence, Positions
from whoosh.index import TOC, clean_files
from whoosh.system import pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte

from index.analysis import MARK, WORD, PerLanguageAnalyzer, language_pipeline
from index.store.arrays import term_key

BATCH_DOCS = 20_000  # documents a segment: bounds the postings held in memory
BLOCK = 128  # postings a block (W3Codec's blocklimit)
COMPRESS_FROM = 256  # bytes of a block's pickle from which it is compressed
_STOP = -1
_KEEP = _STOP.__ne__
_SINGLE: list[bytes] = []  # the value of a term seen once in a value, at position i
_FREQ: list[bytes] = []  # pack_uint(n)


def _value_tables(max_pos: int, max_freq: int) -> None:
    while len(_SINGLE) <= max_pos:
        _SINGLE.append(pack_uint(1) + dumps([len(_SINGLE)], 2))
    while len(_FREQ) <= max_freq:
        _FREQ.append(pack_uint(len(_FREQ)))


def _fast(field) -> bool:
    """Return True for a field this module analyses itself (positions, our analyzer)."""
    return (isinstance(field.analyzer, PerLanguageAnalyzer) and type(field.format) is Positions
            and field.format.field_boost == 1.0 and not field.vector
            and not field.separate_spelling())


def _whole(field) -> bool:
    """Return True for a field indexed as one whole term (``ID``: Existence, no analysis)."""
    return (type(field.analyzer) is IDTokenizer and type(field.format) is Existence
            and not field.scorable and not field.vector and not field.separate_spelling())


class _Words(dict):
    """Lowercased word → term number in the batch's vocabulary (``_STOP``: a stop word) for
    one language, found the way ``LanguageAnalyzer`` finds the term, once per batch."""

    def __init__(self, lang: str, vocabulary: dict[bytes, int]) -> None:
        super().__init__()
        self.analyzer = language_pipeline(lang)
        self.vocabulary = vocabulary

    def __missing__(self, word: str) -> int:
        an = self.analyzer
        bare = an.bare(word)
        if bare in an._stops:
            number = _STOP
        else:
            term = an.term(bare).encode("utf-8")
            number = self.vocabulary.setdefault(term, len(self.vocabulary))
        self[word] = number
        return number


class _Tokens:
    """One text field's kept tokens over the batch: term numbers, and per value its
    document and token count."""

    def __init__(self) -> None:
        self.terms = array("i")
        self.docs = array("i")
        self.counts = array("i")


class SegmentBuilder:
    """One new segment of the index in ``storage``: ``add`` documents (the keyword
    arguments ``writer.add_document`` takes), then ``finish``."""

    def __init__(self, storage, schema, indexname: str = "MAIN") -> None:
        self.schema = schema
        self.codec = default_codec()
        self.storage = storage
        self.segment = self.codec.new_segment(storage, indexname)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        self.docnum = 0
        self.fast = {name for name in schema.names() if _fast(schema[name])}
        self.whole = {name for name in schema.names() if _whole(schema[name])}
        self.vocabulary: dict[bytes, int] = {}
        self.words: dict[str, _Words] = {}
        self.tokens: dict[str, _Tokens] = defaultdict(_Tokens)
        # other fields: field → term bytes → ([docnums], [weights], [values])
        self.postings: dict[str, dict[bytes, tuple[list, list, list]]] = defaultdict(dict)
        self.lengths: dict[str, dict[int, int]] = defaultdict(dict)  # quantized, per docnum

    def add(self, fields: dict) -> None:
        """Add one document (no boosts, as ``to_document`` makes them)."""
        schema, perdoc, docnum = self.schema, self.perdoc, self.docnum
        perdoc.start_doc(docnum)
        for name in sorted(n for n in fields if not n.startswith("_")):
            value = fields[name]
            if value is None:
                continue
            field = schema[name]
            length = 0
            if field.indexed:
                if name in self.fast:
                    length = self._tokenize(name, value, docnum)
                else:
                    length = self._index(name, field, value, docnum)
                if length:
                    self.lengths[name][docnum] = byte_to_length(length_to_byte(length))
            stored = fields.get(f"_stored_{name}", value)
            perdoc.add_field(name, field, stored if field.stored else None, length)
            if field.column_type and stored is not None:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(stored))
        perdoc.finish_doc()
        self.docnum += 1

    def _tokenize(self, name: str, value: str, docnum: int) -> int:
        """Keep the terms of a marked text value (``analysis.with_language``); return its
        length (the tokens that are not stop words)."""
        lang = ""
        if value.startswith(MARK):
            end = value.find(MARK, 1)
            if 0 < end <= 8:
                lang, value = value[1:end], value[end + 1:]
        words = self.words.get(lang)
        if words is None:
            words = self.words[lang] = _Words(lang, self.vocabulary)
        tokens = self.tokens[name]
        before = len(tokens.terms)
        tokens.terms.extend(filter(_KEEP, map(words.__getitem__,
                                              map(str.lower, WORD.findall(value)))))
        count = len(tokens.terms) - before
        if count:
            tokens.docs.append(docnum)
            tokens.counts.append(count)
        return count

    def _index(self, name: str, field, value, docnum: int) -> int:
        """Index a value the field's own way (``FieldType.index``); return its length."""
        table = self.postings[name]
        if name in self.whole and isinstance(value, str):  # what Existence.word_values gives
            found = [(value.encode("utf-8"), 1, field.format.field_boost, b"")]
        else:
            found = field.index(value)
        length = 0
        for term, freq, weight, encoded in found:
            if field.scorable:
                length += freq
            lists = table.get(term)
            if lists is None:
                table[term] = ([docnum], [weight], [encoded])
            else:
                lists[0].append(docnum)
                lists[1].append(weight)
                lists[2].append(encoded)
        return length

    def finish(self, array_fields=()) -> tuple[object, dict]:
        """Write the segment's files; return the segment and, for ``array_fields``, each
        field's posting arrays {field: (keys, counts, ids, tf)} in term order."""
        self.segment.set_doc_count(self.docnum)
        self.perdoc.close()
        writer = self.codec.field_writer(self.storage, self.segment)
        terms = list(self.vocabulary)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[sorted(range(len(terms)), key=terms.__getitem__)] = np.arange(len(terms))
        arrays = {}
        for name in sorted({*self.postings, *self.tokens}):
            field = self.schema[name]
            lengths = self.lengths.pop(name, {}) if field.scorable else {}
            if name in self.tokens:
                table = _postings(self.tokens.pop(name), terms, rank, lengths, self.docnum)
            else:
                table = _table(self.postings.pop(name), lengths)
            writer.start_field(name, field)
            fixed = field.format.fixed_value_size()
            fieldid = pack_ushort(writer._fieldid)
            for term, docs, weights, values, lens in table:
                info = _write_postings(writer._postfile, docs, weights, values, lens, fixed)
                writer._tindex.add(fieldid + term, info.to_bytes())
            writer.finish_field()
            if name in array_fields:
                arrays[name] = _arrays(table)
        writer.close()
        return self.segment, arrays


def _table(postings: dict, lengths: dict[int, int]) -> list[tuple]:
    """Return [(term, docs, weights, values, lengths)] in term order."""
    return [(term, docs, weights, values, [lengths.get(d, 0) for d in docs])
            for term, (docs, weights, values) in sorted(postings.items())]


def _postings(tokens: _Tokens, terms: list[bytes], rank: np.ndarray, lengths: dict[int, int],
              doc_count: int) -> list[tuple]:
    """Return [(term, docs, weights, values, lengths)] in term order from a field's tokens:
    one posting per term and document, its value the term's positions (``Positions``)."""
    found = np.frombuffer(tokens.terms, dtype=np.int32)
    counts = np.frombuffer(tokens.counts, dtype=np.int32)
    docs = np.repeat(np.frombuffer(tokens.docs, dtype=np.int32).astype(np.int64), counts)
    firsts = np.cumsum(counts) - counts
    positions = np.arange(len(found)) - np.repeat(firsts, counts)
    ranks = rank[found]
    order = np.argsort(ranks * (doc_count + 1) + docs, kind="stable")  # positions stay in order
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
    ends = np.append(bounds[1:], len(starts)).tolist()
    doc_list, weights = post_docs.tolist(), freqs.astype(np.float64).tolist()
    lens = quantized[post_docs].tolist()
    by_rank = sorted(terms)
    return [(by_rank[r], doc_list[a:b], weights[a:b], values[a:b], lens[a:b])
            for r, a, b in zip(post_ranks[bounds].tolist(), bounds.tolist(), ends)]


def _write_postings(postfile, docs: list, weights: list, values: list, lens: list,
                    fixed: int | None) -> W3TermInfo:
    """Write one term's postings as ``W3PostingsWriter`` does (blocks of ``BLOCK``: the
    pickled docnum deltas, weights and values, with a header of the block's statistics);
    return its term info."""
    info = W3TermInfo()
    start = postfile.tell()
    postfile.write(WHOOSH3_HEADER_MAGIC)
    n = len(docs)
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
        data = dumps(((ids[0], *map(sub, ids[1:], ids[:-1])), mini, vs), 2)
        comp = 0
        if len(data) >= COMPRESS_FROM:
            comp, data = 3, zlib.compress(data, 3)
        head = dumps((len(ids), ids[-1], top, comp, length_to_byte(low), length_to_byte(high)), 2)
        postfile.write_int(-(len(head) + len(data)) if at + BLOCK >= n else len(head) + len(data))
        postfile.write(head)
        postfile.write(data)
        # as W3TermInfo.add_block
        info._weight += sum(ws)
        info._df += len(ids)
        info._minlength = low if info._minlength is None else min(info._minlength, low)
        info._maxlength = max(info._maxlength, high)
        info._maxweight = max(info._maxweight, top)
        if info._minid is None:
            info._minid = ids[0]
        info._maxid = ids[-1]
    info.set_extent(start, postfile.tell() - start)
    return info


def _arrays(table: list[tuple]) -> tuple:
    """Return (keys, counts, ids, tf) of a field's postings, in ``table``'s term order."""
    keys = np.fromiter((term_key(t[0]) for t in table), dtype=np.uint64, count=len(table))
    counts = np.fromiter((len(t[1]) for t in table), dtype=np.int64, count=len(table))
    total = int(counts.sum())
    ids = np.fromiter((d for t in table for d in t[1]), dtype=np.int32, count=total)
    tf = np.fromiter((w for t in table for w in t[2]), dtype=np.float32, count=total)
    return keys, counts, ids, tf


def commit(ix, segments: list) -> None:
    """Make ``segments`` the content of the (new, empty) index ``ix``: a new generation."""
    generation = ix.latest_generation() + 1
    TOC(ix.schema, segments, generation).write(ix.storage, ix.indexname)
    clean_files(ix.storage, ix.indexname, generation, segments)
    ix.storage.temp_storage(f"{ix.indexname}.tmp").destroy()
