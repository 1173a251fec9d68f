"""Facet columns: per document number, the codes of a snapshot's facet values.

``FacetColumns`` holds, per document number, small integer codes for kind, lang, year,
month, site and a quote's speaker, the day (YYYYMMDD, 0 when unknown) and the author codes
(several a document, kept as parallel arrays of (document, author) pairs). It is put
together from each segment's (``segments``: each facet term's posting list in that
segment), so a snapshot opened after a push reads only its new segments.

Speakers and authors are people: their values are grouped over the whole snapshot by
``corpus.aliases.Names`` ("Trump", "Donald J. Trump" → "Donald Trump"), so that the facet
counts each group under its canonical name and a filter takes any alias (``facets``).
"""
from __future__ import annotations

from collections import Counter
from typing import NamedTuple

import numpy as np

from corpus.aliases import Names
from index.read.segments import SINGLE, Segments


class FacetColumns:
    """Per-document facet values of one snapshot, put together from its segments'
    (``segments.Segments``). The tables of values as the segments have them (and each
    segment's map onto them) are kept from the snapshot before when no segment left and
    the new ones bring no new value; speakers and authors are then grouped by person."""

    def __init__(self, segs: Segments, names: dict[str, dict[str, int]] | None = None,
                 before: FacetColumns | None = None) -> None:
        """``names``: the speaker and author counts of the whole snapshot (``store.names``),
        so that every shard groups names alike; None: this snapshot's own counts."""
        self.size = segs.size
        self.segments = segs
        self.live = segs.live
        grouped_before = before  # the grouping of people does not depend on the segments
        if before is not None and segs.removed_since(before.segments):
            before = None
        self.values: dict[str, list[str]] = {}  # per facet column, code → value ("" is 0)
        self.codes: dict[str, np.ndarray] = {}
        self._raw: dict[str, list[str]] = {}  # values as the segments have them
        self._raw_index: dict[str, dict[str, int]] = {}
        self._remaps: dict[tuple[str, str], np.ndarray] = {}  # (segment, facet) → codes
        raw: dict[str, np.ndarray] = {}
        for name in (*SINGLE, "author"):
            kept = before is not None and all(
                v in before._raw_index[name] for sid in segs.new for v in _local(segs.by_id[sid], name))
            self._table(name, segs, before if kept else None)
            maps = [self._remap(p, name, before if kept else None) for p in segs.parts]
            if name != "author":
                codes = np.concatenate([m[p.single[name][1]] for m, p in zip(maps, segs.parts)]
                                       + [np.zeros(0, dtype=np.int32)])
                codes[~self.live] = 0
                raw[name] = codes
        for name in ("kind", "lang", "year", "month", "site"):
            self.values[name], self.codes[name] = self._raw[name], raw[name]
        # Speakers and authors as people: every alias counts under the canonical name.
        speakers, codes = self._raw["speaker"], raw["speaker"]
        self._grouping: dict[str, tuple] = {}  # per field: (values, counts, grouping)
        self.speaker_names, self.values["speaker"], remap = self._group(
            "speaker", speakers, np.bincount(codes, minlength=len(speakers)), 1, names,
            grouped_before)
        self.codes["speaker"] = remap[codes]
        self.speaker_index = {name: i for i, name in enumerate(self.values["speaker"]) if i}
        authors = self._raw["author"]
        doc = np.concatenate([p.authors[1] + base for p, base in zip(segs.parts, segs.bases)]
                             + [np.zeros(0, dtype=np.int64)])
        code = np.concatenate([self._remaps[(p.sid, "author")][p.authors[2]] for p in segs.parts]
                              + [np.zeros(0, dtype=np.int32)])
        keep = self.live[doc]
        doc, code = doc[keep], code[keep]
        self.author_names_of, self.author_names, remap = self._group(
            "author", authors, np.bincount(code, minlength=len(authors)), 0, names,
            grouped_before)
        self.author_doc, self.author_code = _unique_pairs(doc, remap[code])
        # where each document's (document, author) pairs start: pairs are sorted by document
        self.author_ptr = np.searchsorted(self.author_doc, np.arange(self.size + 1))
        self.author_index = {name: i for i, name in enumerate(self.author_names)}
        self.day = segs.concat(lambda p: p.day, np.int64)
        self._live_ids = np.flatnonzero(self.live).astype(np.int64)
        self._article_counts: np.ndarray | None = None
        self.derived: dict = {}  # arrays ``facets`` derives from these on first use
        for array in (self.day, self._live_ids, self.author_ptr, *self.codes.values()):
            array.flags.writeable = False

    def bylines(self) -> Bylines:
        """Return each document's byline as one code (``Bylines``; derived on first use)."""
        found = self.derived.get("bylines")
        if found is None:
            found = self.derived["bylines"] = bylines(self.author_ptr, self.author_code,
                                                      len(self.author_names))
        return found

    def counting_codes(self, column: str) -> np.ndarray:
        """Return the codes of ``column`` for counting (``narrow``; derived on first use)."""
        key = ("narrow", column)
        codes = self.derived.get(key)
        if codes is None:
            codes = self.derived[key] = narrow(self.codes[column], len(self.values[column]))
        return codes

    def _group(self, name: str, values: list[str], counts: np.ndarray, first: int,
               names: dict | None, before: FacetColumns | None) -> tuple:
        """Return ``_grouped`` of these values and counts, the one before's when they are
        the same (grouping every name again costs seconds on FakeNewsNet)."""
        everywhere = (names or {}).get(name)
        key = (values, counts, everywhere)
        old = before._grouping.get(name) if before is not None else None
        same = old is not None and (old[0][0] is values or old[0][0] == values)
        if same and np.array_equal(old[0][1], counts) and old[0][2] == everywhere:
            found = old[1]
        else:  # grouped again, with what the grouping before knows that counts do not change
            found = _grouped(values, counts, first, everywhere, old[1] if old else None, same)
        self._grouping[name] = (key, found)
        return found

    def _table(self, name: str, segs: Segments, before: FacetColumns | None) -> None:
        """Set the values of facet ``name`` as the segments have them (sorted as Whoosh's
        terms, "" first for the single-valued ones), kept from ``before`` when given."""
        if before is not None:
            self._raw[name], self._raw_index[name] = before._raw[name], before._raw_index[name]
            return
        values = sorted(set().union(*(_local(p, name) for p in segs.parts)))
        self._raw[name] = values if name == "author" else [""] + values
        self._raw_index[name] = {v: i for i, v in enumerate(self._raw[name]) if v}

    def _remap(self, part, name: str, before: FacetColumns | None) -> np.ndarray:
        """Return the array that turns ``part``'s local codes of ``name`` into this one's."""
        found = before._remaps.get((part.sid, name)) if before is not None else None
        if found is None:
            index = self._raw_index[name]
            start = [] if name == "author" else [0]
            found = np.asarray(start + [index[v] for v in _local(part, name)], dtype=np.int32)
        self._remaps[(part.sid, name)] = found
        return found

    def live_ids(self) -> np.ndarray:
        """Return every document number that is not deleted, ascending (read-only)."""
        return self._live_ids

    def articles_by(self, authors: tuple[str, ...]) -> int:
        """Return how many live articles name any of ``authors`` (a bio's author)."""
        if self._article_counts is None:  # per author code, read on first use
            kind = self.values["kind"]
            article = kind.index("article") if "article" in kind else -1
            docs = self.author_doc
            mine = (self.codes["kind"][docs] == article) & self.live[docs]
            self._article_counts = np.bincount(self.author_code[mine],
                                               minlength=len(self.author_names))
        codes = {self.author_index.get(n, -1) for a in authors
                 for n in self.author_names_of.find(a)} - {-1}  # as the author filter reads
        return int(sum(self._article_counts[c] for c in codes))

    def lang_counts(self) -> Counter:
        """Return the number of live documents per detected language ("" when unknown)."""
        counts = np.bincount(self.codes["lang"][self.live], minlength=len(self.values["lang"]))
        return Counter({self.values["lang"][code]: int(n) for code, n in enumerate(counts) if n})


def _local(part, name: str) -> list[str]:
    """Return a segment's own values of facet ``name``."""
    return part.authors[0] if name == "author" else part.single[name][0]


def _grouped(values: list[str], counts: np.ndarray, first: int, everywhere: dict[str, int] | None,
             before: tuple | None = None, same_values: bool = False
             ) -> tuple[Names, list[str], np.ndarray]:
    """Group ``values`` by person (``corpus.aliases``) over the snapshot's counts
    (``everywhere``, when known) and return the grouping, the canonical names of ``values``
    (code ``first`` onwards; code 0 stays "" when ``first`` is 1) and old code → new code.
    ``before``: what this returned for the snapshot before (``same_values``: of these values),
    which the grouping is updated from, and kept when every name is shown as before."""
    mine = dict(zip(values[first:], counts[first:].tolist()))
    names = Names({**mine, **everywhere} if isinstance(everywhere, dict) else mine,
                  before[0] if before else None)
    if before and same_values and names.canonical is before[0].canonical:
        return names, before[1], before[2]
    shown = values[:first] + sorted({names.canonical[v] for v in values[first:]})
    index = {name: i for i, name in enumerate(shown)}
    remap = np.array([*range(first), *(index[names.canonical[v]] for v in values[first:])],
                     dtype=np.int32)
    return names, shown, remap


def _unique_pairs(docs: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (document, code) pairs once each (two aliases of one author on one byline),
    sorted by document, then code: one integer key a pair, sorted once (``np.unique`` of
    the pairs as rows, or of the keys, took half a second at 4× FakeNewsNet)."""
    if not len(docs):
        return docs, codes
    width = int(codes.max()) + 1
    keys = np.sort(docs.astype(np.int64) * width + codes)
    keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    return keys // width, (keys % width).astype(np.int32)


def narrow(codes: np.ndarray, size: int) -> np.ndarray:
    """Return ``codes`` (each below ``size``) read-only, as 16-bit numbers when they fit: a
    count gathers a broad query's 100,000 matches from an array of every document, and at
    8x FakeNewsNet 16-bit codes were gathered and counted in ~0.3 ms, 32-bit ones in ~0.4."""
    if size <= 1 << 16 and codes.dtype != np.uint16:
        codes = codes.astype(np.uint16)
    codes.flags.writeable = False
    return codes


def pairs_of(ptr: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Return the places of the (document, author) pairs of ``docs`` (unique), given where
    each document's pairs start (``ptr``): the cost follows the documents, not the archive."""
    starts = ptr[docs]
    lengths = ptr[docs + 1] - starts
    total = int(lengths.sum())
    if not total:
        return np.zeros(0, dtype=np.int64)
    before = np.cumsum(lengths) - lengths  # pairs of the earlier documents
    return np.repeat(starts - before, lengths) + np.arange(total)


class Bylines(NamedTuple):
    """Per document, its byline as one code: 0 no author, 1 + an author's code for one,
    1 + authors + a set's number for several; and each set's authors (``members``, with
    the set of each, ``member_set``)."""

    code: np.ndarray
    members: np.ndarray
    member_set: np.ndarray
    sets: int


def bylines(ptr: np.ndarray, code: np.ndarray, authors: int) -> Bylines:
    """Return the ``Bylines`` of the documents whose (document, author) pairs start at
    ``ptr`` (sorted by document, then author): a newsroom's many documents share few sets
    of several authors (an article's quotes have its byline)."""
    lengths = np.diff(ptr)
    byline = np.zeros(len(lengths), dtype=np.int64)
    single = np.flatnonzero(lengths == 1)
    byline[single] = code[ptr[single]] + 1
    several = np.flatnonzero(lengths > 1)
    number, first = _set_numbers(ptr, code, several)
    byline[several] = authors + 1 + number
    found = several[first]  # each set's first document
    members = code[pairs_of(ptr, found)].astype(np.int64)
    member_set = np.repeat(np.arange(len(found)), lengths[found])
    return Bylines(narrow(byline, authors + 1 + len(found)), members, member_set, len(found))


def _set_numbers(ptr: np.ndarray, code: np.ndarray, docs: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Return, per document of ``docs``, the number of its set of authors (documents with
    the same authors share it), and the first document of each set (places in ``docs``).
    Sets are told apart by a 64-bit hash of their codes, then checked code by code; if two
    sets ever shared a hash, they are told apart by comparing their codes as rows."""
    lengths = ptr[docs + 1] - ptr[docs]
    pairs = pairs_of(ptr, docs)
    before = np.cumsum(lengths) - lengths
    place = (np.arange(len(pairs)) - np.repeat(before, lengths)).astype(np.uint64)
    keys = _hashes(code[pairs], place, lengths, before)
    _, first, number = np.unique(keys, return_index=True, return_inverse=True)
    number = number.reshape(-1)
    if np.array_equal(lengths[first][number], lengths) and \
            np.array_equal(code[pairs_of(ptr, docs[first][number])], code[pairs]):
        return number, first
    rows = np.full((len(docs), int(lengths.max(initial=0))), -1, dtype=np.int64)
    rows[np.repeat(np.arange(len(docs)), lengths), place.astype(np.int64)] = code[pairs]
    _, first, number = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    return number.reshape(-1), first


def _hashes(codes: np.ndarray, place: np.ndarray, lengths: np.ndarray, before: np.ndarray
            ) -> np.ndarray:
    """Return a 64-bit hash of each document's codes (``codes``, each at its ``place`` in its
    document; ``lengths`` of the documents, which start at ``before``)."""
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64
        x = (codes.astype(np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15) \
            + place * np.uint64(0xC2B2AE3D27D4EB4F)
        x ^= x >> np.uint64(31)
        x *= np.uint64(0xBF58476D1CE4E5B9)
        keys = np.add.reduceat(x, before) if len(x) else x
        return keys ^ lengths.astype(np.uint64) * np.uint64(0x94D049BB133111EB)
