"""Facet columns and multi-select facet counting over a set of matching documents.

``Columns`` holds, per document number, small integer codes for kind, lang, year and month,
the day (YYYYMMDD) and the author codes. It is built once per opened snapshot from the
inverted index itself (each facet term's posting list), which takes well under a second for
the full FakeNewsNet index, and makes filtering and counting plain list look-ups.

Counting is multi-select: each facet's counts apply every filter except its own, so a user
who picked one author still sees the other authors' counts.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield, byte_to_length

from .postings import postings

FACETS = ("kind", "lang", "author", "date")
AUTHOR_FACET_SIZE = 20


class Columns:
    """Per-document facet values of one index reader."""

    def __init__(self, reader) -> None:
        size = reader.doc_count_all()
        self.size = size
        self.values: dict[str, list[str]] = {}
        self.codes: dict[str, list[int]] = {}
        for name in ("kind", "lang", "year", "month"):
            self.values[name], self.codes[name] = self._single(reader, name, size)
        self.author_names, self.authors = self._multi(reader, "author", size)
        self.author_index = {name: i for i, name in enumerate(self.author_names)}
        self.author_fold = {name.casefold(): i for i, name in enumerate(self.author_names)}
        if reader.has_column("day"):
            self.day = list(reader.column_reader("day"))
        else:
            self.day = [0] * size
        self.deleted = ({d for d in range(size) if reader.is_deleted(d)}
                        if reader.has_deletions() else set())
        self.day_array = np.asarray(self.day, dtype=np.int64)
        self._live = np.setdiff1d(np.arange(size, dtype=np.int64),
                                  np.fromiter(self.deleted, dtype=np.int64))
        self._live.flags.writeable = False
        self._lengths: dict[str, np.ndarray] = {}
        self._avg: dict[str, float] = {}

    def live_ids(self) -> np.ndarray:
        """Return every document number that is not deleted, ascending (read-only)."""
        return self._live

    def lang_counts(self) -> Counter:
        """Return the number of live documents per detected language ("" when unknown)."""
        names = self.values["lang"]
        counts = Counter(self.codes["lang"])
        for docnum in self.deleted:
            counts[self.codes["lang"][docnum]] -= 1
        return Counter({names[code]: n for code, n in counts.items() if n > 0})

    def lengths(self, reader, fieldname: str) -> np.ndarray:
        """Return every document's length in ``fieldname`` (read once per snapshot)."""
        lengths = self._lengths.get(fieldname)
        if lengths is None:
            values = [0] * self.size
            for leaf, base in reader.leaf_readers():
                values[base:base + leaf.doc_count_all()] = _leaf_lengths(leaf, fieldname)
            lengths = np.asarray(values, dtype=np.float64)
            lengths.flags.writeable = False
            self._lengths[fieldname] = lengths
        return lengths

    def avg_length(self, reader, fieldname: str) -> float:
        """Return the average length of ``fieldname`` (Whoosh's definition), at least 1."""
        avg = self._avg.get(fieldname)
        if avg is None:
            avg = self._avg[fieldname] = max(reader.field_length(fieldname) / max(self.size, 1), 1.0)
        return avg

    @staticmethod
    def _single(reader, name: str, size: int) -> tuple[list[str], list[int]]:
        values = [""]
        codes = [0] * size
        for text in reader.field_terms(name) if name in reader.indexed_field_names() else ():
            values.append(text)
            code = len(values) - 1
            for docnum in postings(reader, name, text, weights=False)[0].tolist():
                codes[docnum] = code
        return values, codes

    @staticmethod
    def _multi(reader, name: str, size: int) -> tuple[list[str], list[tuple[int, ...]]]:
        values: list[str] = []
        lists: list[list[int]] = [[] for _ in range(size)]
        for text in reader.field_terms(name) if name in reader.indexed_field_names() else ():
            values.append(text)
            code = len(values) - 1
            for docnum in postings(reader, name, text, weights=False)[0].tolist():
                lists[docnum].append(code)
        return values, [tuple(x) for x in lists]


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


@dataclass
class Filters:
    """The facet filters of a request, as codes (None: not filtered)."""

    kinds: frozenset[int] | None = None
    langs: frozenset[int] | None = None
    authors: frozenset[int] | None = None
    day_from: int | None = None
    day_to: int | None = None

    def active(self) -> bool:
        return any(x is not None for x in (self.kinds, self.langs, self.authors,
                                           self.day_from, self.day_to))


def make_filters(cols: Columns, kinds=(), langs=(), authors=(), day_from=None, day_to=None) -> Filters:
    """Translate request values to codes; unknown values match nothing."""
    def codes(name: str, wanted) -> frozenset[int] | None:
        if not wanted:
            return None
        values = cols.values[name]
        return frozenset(values.index(v) for v in wanted if v in values) or frozenset({-1})

    author_codes = None
    if authors:
        author_codes = frozenset(cols.author_index.get(a, cols.author_fold.get(a.casefold(), -1))
                                 for a in authors)
    return Filters(codes("kind", kinds), codes("lang", langs), author_codes, day_from, day_to)


def apply(cols: Columns, docs: Iterable[int], f: Filters, skip: str = "") -> list[int]:
    """Return the docs that pass every filter except the facet named ``skip``."""
    out = []
    kind, lang, day, authors = cols.codes["kind"], cols.codes["lang"], cols.day, cols.authors
    kinds = None if skip == "kind" else f.kinds
    langs = None if skip == "lang" else f.langs
    wanted = None if skip == "author" else f.authors
    lo = None if skip == "date" else f.day_from
    hi = None if skip == "date" else f.day_to
    for d in docs:
        if kinds is not None and kind[d] not in kinds:
            continue
        if langs is not None and lang[d] not in langs:
            continue
        if lo is not None and day[d] < lo:
            continue
        if hi is not None and not 0 < day[d] <= hi:
            continue
        if wanted is not None and wanted.isdisjoint(authors[d]):
            continue
        out.append(d)
    return out


def _counted(values: list[str], codes: list[int], docs: list[int]) -> list[dict]:
    counts = Counter(map(codes.__getitem__, docs))
    counts.pop(0, None)
    return [{"value": values[c], "count": n}
            for c, n in sorted(counts.items(), key=lambda x: (-x[1], values[x[0]]))]


def count(cols: Columns, matched: list[int], f: Filters, date_by_month: bool,
          selected_authors=()) -> dict[str, list[dict]]:
    """Return the facet counts of ``matched`` under filters ``f`` (multi-select)."""
    base = {name: (apply(cols, matched, f, skip=name) if f.active() else matched)
            for name in FACETS}
    authors = Counter(a for d in base["author"] for a in cols.authors[d])
    top = sorted(authors.items(), key=lambda x: (-x[1], cols.author_names[x[0]]))
    shown = top[:AUTHOR_FACET_SIZE]
    for name in selected_authors:  # a selected author always shows, even with few matches
        code = cols.author_index.get(name)
        if code is not None and all(code != c for c, _ in shown):
            shown.append((code, authors.get(code, 0)))
    date_name = "month" if date_by_month else "year"
    date_docs = base["date"]
    if date_by_month and f.day_from and f.day_to and f.day_from // 10000 == f.day_to // 10000:
        # Months "within a year": the date filter is widened to its whole year, not dropped.
        year = f.day_from // 10000
        date_docs = [d for d in date_docs if cols.day[d] // 10000 == year]
    dates = _counted(cols.values[date_name], cols.codes[date_name], date_docs)
    return {
        "author": [{"value": cols.author_names[c], "count": n} for c, n in shown],
        "date": sorted(dates, key=lambda x: x["value"], reverse=True),
        "kind": _counted(cols.values["kind"], cols.codes["kind"], base["kind"]),
        "lang": _counted(cols.values["lang"], cols.codes["lang"], base["lang"]),
    }
