"""Facet columns, filters as boolean masks, and multi-select facet counting.

``FacetColumns`` holds, per document number, small integer codes for kind, lang, year,
month and a quote's speaker, the day (YYYYMMDD, 0 when unknown) and the author codes (several a document, kept as
parallel arrays of (document, author) pairs). It is built once per opened snapshot from the
inverted index itself (each facet term's posting list), well under a second for FakeNewsNet.

A request's filters become one boolean mask over all documents per facet; filtering a set of
matches is indexing those masks, and counting is ``np.bincount``. Counting is multi-select:
each facet's counts apply every filter except its own, so a user who picked one author still
sees the other authors' counts.

Speakers and authors are people: their values are grouped over the whole snapshot by
``corpus.aliases.Names`` ("Trump", "Donald J. Trump" → "Donald Trump"), the facet counts
each group under its canonical name, and a filter takes any alias, in any case, or a surname
that only one of them has ("author=Okafor").
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from corpus.aliases import Names
from index.request import FACETS
from index.results import FacetValue
from index.store.whoosh_postings import postings

AUTHOR_FACET_SIZE = 20


class FacetColumns:
    """Per-document facet values of one index reader."""

    def __init__(self, reader, names: dict[str, dict[str, int]] | None = None) -> None:
        """``names``: the speaker and author counts of the whole snapshot (``store.names``),
        so that every shard groups names alike; None: this reader's own counts."""
        self.size = size = reader.doc_count_all()
        self.values: dict[str, list[str]] = {}  # per facet column, code → value ("" is 0)
        self.codes: dict[str, np.ndarray] = {}
        for name in ("kind", "lang", "year", "month"):
            self.values[name], self.codes[name] = _single(reader, name, size)
        # Speakers and authors as people: every alias counts under the canonical name.
        speakers, codes = _single(reader, "speaker", size)
        self.speaker_names, self.values["speaker"], remap = _grouped(speakers, np.bincount(
            codes, minlength=len(speakers)), 1, (names or {}).get("speaker"))
        self.codes["speaker"] = remap[codes]
        self.speaker_index = {name: i for i, name in enumerate(self.values["speaker"]) if i}
        authors, self.author_doc, codes = _multi(reader, "author")
        self.author_names_of, self.author_names, remap = _grouped(
            authors, np.bincount(codes, minlength=len(authors)), 0, (names or {}).get("author"))
        self.author_doc, self.author_code = _unique_pairs(self.author_doc, remap[codes])
        self.author_index = {name: i for i, name in enumerate(self.author_names)}
        self.day = (np.fromiter(reader.column_reader("day"), dtype=np.int64, count=size)
                    if reader.has_column("day") else np.zeros(size, dtype=np.int64))
        live = np.ones(size, dtype=bool)
        if reader.has_deletions():
            live[[d for d in range(size) if reader.is_deleted(d)]] = False
        self.live = live
        self._live_ids = np.flatnonzero(live).astype(np.int64)
        self._article_counts: np.ndarray | None = None
        for array in (self.day, self.live, self._live_ids, *self.codes.values()):
            array.flags.writeable = False

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
        names = (a.replace(",", " ") for a in authors)  # under the canonical name (aliases)
        codes = {self.author_index.get(self.author_names_of.canonical.get(n, n)) for n in names} - {None}
        return int(sum(self._article_counts[c] for c in codes))

    def lang_counts(self) -> Counter:
        """Return the number of live documents per detected language ("" when unknown)."""
        counts = np.bincount(self.codes["lang"][self.live], minlength=len(self.values["lang"]))
        return Counter({self.values["lang"][code]: int(n) for code, n in enumerate(counts) if n})


def _grouped(values: list[str], counts: np.ndarray, first: int,
             everywhere: dict[str, int] | None) -> tuple[Names, list[str], np.ndarray]:
    """Group ``values`` by person (``corpus.aliases``) over the snapshot's counts
    (``everywhere``, when known) and return the grouping, the canonical names of ``values``
    (code ``first`` onwards; code 0 stays "" when ``first`` is 1) and old code → new code."""
    mine = {v: int(counts[i]) for i, v in enumerate(values) if i >= first}
    names = Names({**mine, **everywhere} if isinstance(everywhere, dict) else mine)
    shown = values[:first] + sorted({names.canonical[v] for v in values[first:]})
    index = {name: i for i, name in enumerate(shown)}
    remap = np.array([*range(first), *(index[names.canonical[v]] for v in values[first:])],
                     dtype=np.int32)
    return names, shown, remap


def _unique_pairs(docs: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (document, code) pairs once each (two aliases of one author on one byline)."""
    if not len(docs):
        return docs, codes
    pairs = np.unique(np.stack([docs, codes.astype(np.int64)]), axis=1)
    return pairs[0], pairs[1].astype(np.int32)


def _single(reader, name: str, size: int) -> tuple[list[str], np.ndarray]:
    values = [""]
    codes = np.zeros(size, dtype=np.int32)
    for text in reader.field_terms(name) if name in reader.indexed_field_names() else ():
        values.append(text)
        codes[postings(reader, name, text, weights=False)[0]] = len(values) - 1
    return values, codes


def _multi(reader, name: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    values: list[str] = []
    docs, codes = [], []
    for text in reader.field_terms(name) if name in reader.indexed_field_names() else ():
        ids = postings(reader, name, text, weights=False)[0]
        docs.append(ids)
        codes.append(np.full(len(ids), len(values), dtype=np.int32))
        values.append(text)
    if not docs:
        return values, np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int32)
    return values, np.concatenate(docs), np.concatenate(codes)


@dataclass(frozen=True)
class Filters:
    """A request's filters as one mask over all documents per facet (None: not filtered)."""

    masks: dict[str, np.ndarray]
    day_from: int | None = None
    day_to: int | None = None

    def active(self) -> bool:
        return bool(self.masks)

    def mask(self) -> np.ndarray | None:
        """Return the documents every filter keeps, as one mask (None: no filter)."""
        if not self.masks:
            return None
        masks = iter(self.masks.values())
        combined = next(masks).copy()
        for m in masks:
            combined &= m
        return combined

    def keep(self, ids: np.ndarray, skip: str = "") -> np.ndarray:
        """Return the ``ids`` that pass every filter except the facet named ``skip``."""
        for name, mask in self.masks.items():
            if name != skip:
                ids = ids[mask[ids]]
        return ids


def make_filters(cols: FacetColumns, kinds=(), langs=(), authors=(), day_from=None,
                 day_to=None, speakers=()) -> Filters:
    """Translate request values into masks; unknown values match nothing."""
    masks: dict[str, np.ndarray] = {}
    if speakers:  # any alias, in any case, or a surname only one speaker has
        codes = [cols.speaker_index.get(n, -1) for s in speakers for n in cols.speaker_names.find(s)]
        masks["speaker"] = np.isin(cols.codes["speaker"], codes)
    for name, wanted in (("kind", kinds), ("lang", langs)):
        if wanted:
            values = cols.values[name]
            codes = [values.index(v) for v in wanted if v in values]
            masks[name] = np.isin(cols.codes[name], codes)
    if authors:
        codes = [cols.author_index.get(n, -1) for a in authors for n in cols.author_names_of.find(a)]
        mask = np.zeros(cols.size, dtype=bool)
        mask[cols.author_doc[np.isin(cols.author_code, codes)]] = True
        masks["author"] = mask
    if day_from is not None or day_to is not None:
        mask = np.ones(cols.size, dtype=bool)
        if day_from is not None:
            mask &= cols.day >= day_from
        if day_to is not None:  # an undated document is never inside a date range
            mask &= (cols.day > 0) & (cols.day <= day_to)
        masks["date"] = mask
    return Filters(masks, day_from, day_to)


def _counted(values: list[str], codes: np.ndarray, ids: np.ndarray) -> dict[str, int]:
    counts = np.bincount(codes[ids], minlength=len(values))
    return {values[c]: int(n) for c, n in enumerate(counts) if n and c}


def raw_counts(cols: FacetColumns, matched: np.ndarray, f: Filters, date_by_month: bool,
               selected_authors=()) -> dict[str, dict[str, int]]:
    """Return every facet value's count among ``matched`` under filters ``f`` (multi-select:
    each facet's counts apply every filter but its own), untruncated, so that the counts of
    several shards add up; a selected author of this index is there even when at 0."""
    base = {name: f.keep(matched, skip=name) for name in FACETS}
    chosen = np.zeros(cols.size, dtype=np.float64)
    chosen[base["author"]] = 1.0
    authors = np.bincount(cols.author_code, weights=chosen[cols.author_doc],
                          minlength=len(cols.author_names)).astype(np.int64)
    by_author = {cols.author_names[c]: int(n) for c in np.flatnonzero(authors)
                 for n in (authors[c],)}
    for name in _canonical(cols.author_names_of, selected_authors):  # always shows, even at 0
        by_author.setdefault(name, 0)
    date_name = "month" if date_by_month else "year"
    date_docs = base["date"]
    if date_by_month and f.day_from and f.day_to and f.day_from // 10000 == f.day_to // 10000:
        # Months "within a year": the date filter is widened to its whole year, not dropped.
        date_docs = date_docs[cols.day[date_docs] // 10000 == f.day_from // 10000]
    raw = {"author": by_author,
           "date": _counted(cols.values[date_name], cols.codes[date_name], date_docs)}
    for name in ("kind", "lang", "speaker"):
        raw[name] = _counted(cols.values[name], cols.codes[name], base[name])
    return raw


def add_counts(parts: list[dict[str, dict[str, int]]]) -> dict[str, dict[str, int]]:
    """Return the raw counts of several shards added up."""
    total: dict[str, dict[str, int]] = {}
    for raw in parts:
        for facet, values in raw.items():
            into = total.setdefault(facet, {})
            for value, n in values.items():
                into[value] = into.get(value, 0) + n
    return total


def shape(raw: dict[str, dict[str, int]], selected_authors=(),
          selected_speakers=()) -> dict[str, list[FacetValue]]:
    """Return the facets as the API lists them: the ``AUTHOR_FACET_SIZE`` most frequent
    authors and speakers (and any selected one), dates newest first, the rest by count."""
    authors = _by_count(raw["author"])
    shown = authors[:AUTHOR_FACET_SIZE]
    names = {v.value for v in shown}
    shown += [FacetValue(name, raw["author"][name]) for name in dict.fromkeys(selected_authors)
              if name in raw["author"] and name not in names]
    return {
        "author": shown,
        "date": sorted(_by_count(raw["date"]), key=lambda x: x.value, reverse=True),
        "kind": _by_count(raw["kind"]),
        "lang": _by_count(raw["lang"]),
        "speaker": _top(_by_count(raw["speaker"]), selected_speakers),
    }


def count(cols: FacetColumns, matched: np.ndarray, f: Filters, date_by_month: bool,
          selected_authors=(), selected_speakers=()) -> dict[str, list[FacetValue]]:
    """Return the facet counts of ``matched`` under filters ``f`` (multi-select)."""
    return shape(raw_counts(cols, matched, f, date_by_month, selected_authors),
                 _canonical(cols.author_names_of, selected_authors),
                 _canonical(cols.speaker_names, selected_speakers))


def _canonical(names: Names, typed) -> list[str]:
    """Return the canonical names the typed values mean (an alias, a surname alone)."""
    return [name for value in typed for name in sorted(names.find(value))]


def _by_count(values: dict[str, int]) -> list[FacetValue]:
    return [FacetValue(v, n) for v, n in sorted(values.items(), key=lambda x: (-x[1], x[0]))]


def _top(values: list[FacetValue], selected=()) -> list[FacetValue]:
    """Return the first ``AUTHOR_FACET_SIZE`` values, and any selected one past them."""
    shown = values[:AUTHOR_FACET_SIZE]
    names = {v.value.casefold() for v in shown}
    wanted = {s.casefold() for s in selected} - names
    return shown + [v for v in values[AUTHOR_FACET_SIZE:] if v.value.casefold() in wanted]
