"""Write documents as Whoosh segments without Whoosh's per-posting machinery.

Whoosh's ``SegmentWriter.add_document`` analyses each field through a token generator,
pickles every posting into an external sort pool, and at commit reads each posting's field
length back from the segment's length column (a ``file_exists`` call per posting); its
postings writer compresses every block with zlib, even a block of one posting (a fresh
deflate state each time: ~90 µs a call here, for a block no smaller). Here a batch of
documents becomes one segment, written through Whoosh's own codec (``W3Codec``'s
per-document writer, its term table and postings file, ``TOC``), so the directory stays a
plain Whoosh index that Whoosh and ``index/read`` open alike:

- a text field analysed with ``PerLanguageAnalyzer`` is tokenised when the segment is
  finished, all its values at once (``text_tokens``: compiled for a large batch), each
  word looked up once per batch (the same steps as ``LanguageAnalyzer``); the batch's
  tokens are then sorted into postings with numpy
  (term, document, positions). Every other indexed field goes through its own
  ``FieldType.index``, as Whoosh does;
- postings are written term by term in byte order, 128 to a block, as ``W3PostingsWriter``
  writes them (``w3_postings``), except that a small block is stored uncompressed (the
  block header says so; Whoosh's reader honours it);
- the posting arrays (``store/arrays.py``) and the segment's facts (``store/segment_facts``,
  through ``fresh_facts``) come from the same postings, not from reading the segment files
  back.

``tests/test_fast_build.py`` checks that every term, posting, weight, position, length,
stored field and column equals what Whoosh's own writer makes, and that searches agree.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np
from whoosh.analysis import IDTokenizer, LowercaseFilter, RegexTokenizer
from whoosh.codec import default_codec
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.fields import FieldType
from whoosh.formats import Existence, Positions
from whoosh.reading import SegmentReader
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length

from index.analysis import WORD, PerLanguageAnalyzer
from index.store import segment_facts
from index.store.arrays import POSITION_FIELDS
from index.write import w3_postings
from index.write.fresh_facts import FreshFacts
from index.write.text_tokens import TextValues, Words

def _fast(field) -> bool:
    """Return True for a field this module analyses itself (positions, our analyzer)."""
    return (type(field).index is FieldType.index
            and isinstance(field.analyzer, PerLanguageAnalyzer) and type(field.format) is Positions
            and field.format.field_boost == 1.0 and not field.vector
            and not field.separate_spelling())


def _whole(field) -> bool:
    """Return True for a field indexed as one whole term (``ID``: Existence, no analysis)."""
    return (type(field).index is FieldType.index
            and type(field.analyzer) is IDTokenizer and type(field.format) is Existence
            and not field.scorable and not field.vector and not field.separate_spelling())


def _words_only(field) -> bool:
    """Return True for a field of distinct lowercased words (``spell``: Existence over
    ``analysis.plain_analyzer``)."""
    analyzer = field.analyzer
    items = getattr(analyzer, "items", ())
    return (type(field).index is FieldType.index
            and type(field.format) is Existence and len(items) == 2
            and type(items[0]) is RegexTokenizer and items[0].expression.pattern == WORD.pattern
            and items[0].expression.flags == WORD.flags and not items[0].gaps
            and type(items[1]) is LowercaseFilter
            and not field.scorable and not field.vector and not field.separate_spelling())


def _kind(field, name: str) -> tuple:
    """Return (field, its stored value's key, stored?, column type) of field ``name``."""
    return field, f"_stored_{name}", bool(field.stored), field.column_type or None


def _column(perdoc, name: str, column):
    """Return the per-document writer's column writer ``name``, made on first use (as
    ``add_column_value`` makes it)."""
    writer = perdoc._colwriters.get(name)
    if writer is None:
        perdoc._create_column(name, column)
        writer = perdoc._colwriters[name]
    return writer


class SegmentBuilder:
    """One new segment of the index in ``storage``: ``add`` documents (the keyword
    arguments ``writer.add_document`` takes), then ``finish``."""

    def __init__(self, storage, schema, indexname: str = "MAIN") -> None:
        self.schema = schema
        self.codec = default_codec()
        self.storage = storage
        self.segment = self.codec.new_segment(storage, indexname)
        self.perdoc = self.codec.per_document_writer(storage, self.segment)
        stored = self.perdoc._colwriters["_stored"]._child  # CompressedBytesColumn's writer
        stored._compress, stored._level = w3_postings.deflate, w3_postings.COMPRESS_LEVEL
        self.docnum = 0
        self.fast = {name for name in schema.names() if _fast(schema[name])}
        self.whole = {name for name in schema.names() if _whole(schema[name])}
        self.words_only = {name for name in schema.names() if _words_only(schema[name])}
        self.vocabulary: dict[bytes, int] = {}
        self.words: dict[str, Words] = {}
        self.texts: dict[str, TextValues] = defaultdict(TextValues)  # tokenised at finish
        # other fields: field → term bytes → ([docnums], [weights], [values])
        self.postings: dict[str, dict[bytes, tuple[list, list, list]]] = defaultdict(dict)
        self.lengths: dict[str, dict[int, int]] = defaultdict(dict)  # quantized, per docnum
        # (field, value) → what ``FieldType.index`` gives for it (a pure function of both)
        self.indexed: dict[tuple[str, object], list] = {}
        self.kinds: dict[str, tuple] = {}  # field name → its ``_kind``
        self.fresh = FreshFacts(self.lengths)  # told each field's terms at finish

    def add(self, fields: dict) -> None:
        """Add one document (no boosts, as ``to_document`` makes them). What Whoosh's
        ``add_field`` and ``add_column_value`` do per field, done here with each field's
        column writers kept at hand."""
        perdoc, docnum, kinds = self.perdoc, self.docnum, self.kinds
        perdoc.start_doc(docnum)
        stored_fields = perdoc._storedfields
        for name in sorted(n for n in fields if not n.startswith("_")):
            value = fields[name]
            if value is None:
                continue
            kind = kinds.get(name)
            if kind is None:
                kind = kinds[name] = _kind(self.schema[name], name)
            field, stored_key, stored_too, column = kind
            if field.indexed:
                if name in self.fast and isinstance(value, str):
                    self.texts[name].add(docnum, value)  # its length too, at finish
                else:
                    length = self._index(name, field, value, docnum)
                    if length:
                        self._length(name, docnum, length)
            stored = fields.get(stored_key, value)
            if stored_too and stored is not None:
                stored_fields[name] = stored
            if column is not None and stored is not None:
                _column(perdoc, name, column).add(docnum, field.to_column_value(stored))
        perdoc.finish_doc()
        self.docnum += 1

    def _length(self, name: str, docnum: int, length: int) -> None:
        """Record a field's length in a document (the length column, the field's total)."""
        lb = w3_postings.length_byte(length)
        self.lengths[name][docnum] = byte_to_length(lb)
        _column(self.perdoc, f"_{name}_len", LENGTHS_COLUMN).add(docnum, lb)
        self.perdoc._fieldlengths[name] += length

    def _words_for(self, lang: str) -> Words:
        words = self.words.get(lang)
        if words is None:
            words = self.words[lang] = Words(lang, self.vocabulary)
        return words

    def _tokenize(self) -> dict:
        """Tokenise the text fields' values (``text_tokens``); record their lengths; return
        {field: its kept tokens}."""
        found = {}
        for name in sorted(self.texts):
            tokens = self.texts.pop(name).tokens(self._words_for)
            for docnum, length in zip(tokens.docs.tolist(), tokens.counts.tolist()):
                self._length(name, docnum, length)
            if len(tokens.docs):  # a field only stop words fill has no postings (nor a length)
                found[name] = tokens
        return found

    def _index(self, name: str, field, value, docnum: int) -> int:
        """Index a value the field's own way (``FieldType.index``); return its length."""
        if name in self.whole and isinstance(value, str):  # what Existence.word_values gives
            found = [(value.encode("utf-8"), 1, field.format.field_boost, b"")]
        elif name in self.words_only and isinstance(value, str):
            boost = field.format.field_boost
            found = [(word.encode("utf-8"), 1, boost, b"")
                     for word in set(map(str.lower, WORD.findall(value)))]
        elif type(value) in (str, int):  # a day, an author, a role: values repeat
            key = (name, value)
            found = self.indexed.get(key)
            if found is None:
                found = self.indexed[key] = list(field.index(value))
        else:
            found = field.index(value)
        length = 0
        for term, freq, weight, encoded in found:
            if field.scorable:
                length += freq
            table = self.postings[name]  # made on a first term: Whoosh starts no empty field
            lists = table.get(term)
            if lists is None:
                table[term] = ([docnum], [weight], [encoded])
            else:
                lists[0].append(docnum)
                lists[1].append(weight)
                lists[2].append(encoded)
        return length

    def cancel(self) -> None:
        """Close the segment's open files (the snapshot directory is removed after)."""
        if not self.perdoc.is_closed:
            self.perdoc.close()

    def finish(self, array_fields=()) -> tuple[object, dict]:
        """Write the segment's files; return the segment and, for ``array_fields``, each
        field's posting arrays {field: (keys, counts, ids, tf, position masks or None)} in
        term order."""
        self.segment.set_doc_count(self.docnum)
        tokens = self._tokenize()
        self.perdoc.close()
        writer = self.codec.field_writer(self.storage, self.segment)
        terms = list(self.vocabulary)
        order = sorted(range(len(terms)), key=terms.__getitem__)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[order] = np.arange(len(terms))
        by_rank = list(map(terms.__getitem__, order))  # the terms in byte order
        arrays = {}
        for name in sorted({*self.postings, *tokens}):
            field = self.schema[name]
            lengths = self.lengths.get(name, {}) if field.scorable else {}
            masks = None
            if name in tokens:
                table, masks = w3_postings.postings_of(tokens.pop(name), by_rank, rank,
                                                       lengths, self.docnum,
                                                       name in POSITION_FIELDS)
            else:
                table = w3_postings.table_of(self.postings.pop(name), lengths)
            self.fresh.field(name, table)
            writer.start_field(name, field)
            w3_postings.write_field(writer._postfile, w3_postings.TermTable(writer._tindex),
                                    pack_ushort(writer._fieldid), table,
                                    field.format.fixed_value_size())
            writer.finish_field()
            if name in array_fields:
                if name not in POSITION_FIELDS:
                    masks = None
                elif masks is None:
                    masks = w3_postings.masks_of(table, field.format)
                arrays[name] = (*w3_postings.arrays_of(table), masks)
        writer._tindex._write_hashes = lambda: w3_postings.write_hashes(writer._tindex)
        writer.close()
        return self.segment, arrays

    def save_facts(self, fields) -> None:
        """Write the finished segment's facts file (``store.segment_facts``) from what this
        builder holds (``fresh_facts``), then let go of it."""
        folder = getattr(self.storage, "folder", None)
        if folder is not None:  # an index in memory keeps no facts (as ``write_missing``)
            leaf = SegmentReader(self.storage, self.schema, self.segment)
            try:
                segment_facts.save(folder, self.fresh.facts(leaf, fields))
            finally:
                leaf.close()
        self.fresh = self.lengths = None
