"""Filters as boolean masks over ``FacetColumns``, and multi-select facet counting.

A request's filters become one boolean mask over all documents per facet; filtering a set of
matches is indexing those masks, and counting is ``np.bincount`` over the codes of
``facet_columns.FacetColumns``. Counting is multi-select: each facet's counts apply every
filter except its own, so a user who picked one author still sees the other authors' counts.

Speakers and authors are counted as people (grouped by ``facet_columns``): each group under
its canonical name, and a filter takes any alias, in any case, or a surname that only one of
them has ("author=Okafor").
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corpus.aliases import Names
from index.request import FACETS
from index.results import FacetValue
from index.read import compiled
from index.read.facet_columns import FacetColumns, narrow, pairs_of  # noqa: F401 - pairs_of: tests' reference

AUTHOR_FACET_SIZE = 20
RawCounts = dict[str, dict[str, int]]  # per facet, value → count, untruncated (``raw_counts``)


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
                ids = ids[np.flatnonzero(mask[ids])]  # places: faster than the mask
        return ids


def make_filters(cols: FacetColumns, kinds=(), langs=(), authors=(), day_from=None,
                 day_to=None, speakers=(), sites=(), scope=None) -> Filters:
    """Translate request values into masks; unknown values match nothing. ``scope`` (a
    ``request.Scope``) is one more mask that no facet count lifts."""
    masks: dict[str, np.ndarray] = {}
    if scope is not None:
        mask = np.ones(cols.size, dtype=bool)
        for name, wanted in (("site", scope.sites), ("kind", scope.kinds), ("lang", scope.langs)):
            if wanted:
                mask &= _coded(cols, name, wanted)
        masks["scope"] = mask
    if speakers:  # any alias, in any case, or a surname only one speaker has
        codes = [cols.speaker_index.get(n, -1) for s in speakers for n in cols.speaker_names.find(s)]
        masks["speaker"] = np.isin(cols.codes["speaker"], codes)
    for name, wanted in (("kind", kinds), ("lang", langs), ("site", sites)):
        if wanted:
            masks[name] = _coded(cols, name, wanted)
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


def _coded(cols: FacetColumns, name: str, wanted) -> np.ndarray:
    """Return the mask of the documents whose ``name`` is one of ``wanted``."""
    values = cols.values[name]
    return np.isin(cols.codes[name], [values.index(v) for v in wanted if v in values])


def prepare(cols: FacetColumns) -> None:
    """Derive now what counting reads (bylines, the small columns' joint code, 16-bit
    codes), by counting no document: a snapshot opened in the background (``reopen``) gets
    them before it serves, not its first search (at 8x FakeNewsNet ~25 ms)."""
    value_counts(cols, np.zeros(0, dtype=np.int64), Filters({}), False)


def value_counts(cols: FacetColumns, matched: np.ndarray, f: Filters, date_by_month: bool
            ) -> dict[str, tuple[list[str], np.ndarray]]:
    """Return per facet its values and each value's count among ``matched`` under filters
    ``f`` (multi-select: each facet's counts apply every filter but its own); a value's code
    is its place in the list, and code 0 of a single-valued column ("": none) counts 0."""
    base = {name: f.keep(matched, skip=name) for name in FACETS}
    out = {"author": (cols.author_names, _author_counts(cols, base["author"]))}
    date_name = "month" if date_by_month else "year"
    date_docs = base["date"]
    if date_by_month and f.day_from and f.day_to and f.day_from // 10000 == f.day_to // 10000:
        # Months "within a year": the date filter is widened to its whole year, not dropped.
        date_docs = date_docs[cols.day[date_docs] // 10000 == f.day_from // 10000]
    alike: dict[int, tuple[np.ndarray, list[tuple[str, str]]]] = {}  # facets counting one set
    for name, column, docs in (("date", date_name, date_docs), ("kind", "kind", base["kind"]),
                               ("lang", "lang", base["lang"]), ("site", "site", base["site"]),
                               ("speaker", "speaker", base["speaker"])):
        alike.setdefault(id(docs), (docs, []))[1].append((name, column))
    for docs, named in alike.values():
        for (name, column), counts in zip(named, column_counts(cols, docs, [c for _, c in named])):
            counts[0] = 0
            out[name] = (cols.values[column], counts)
    return out


JOINT_CELLS = 1 << 16  # small columns are counted together when their codes combine below this
SMALL = 256            # values a column may have to be counted with others


def column_counts(cols: FacetColumns, docs: np.ndarray, columns: list[str]) -> list[np.ndarray]:
    """Return each column's value counts among ``docs``: the small columns (kind, lang, year,
    site) from one count of their combined codes, one pass over the documents instead of one
    each; the same as ``np.bincount`` of each column (``reference_column_counts``)."""
    sizes = [len(cols.values[c]) for c in columns]
    small = [i for i, n in enumerate(sizes) if n <= SMALL]
    out: list[np.ndarray | None] = [None] * len(columns)
    shape = tuple(sizes[i] for i in small)
    if len(small) > 1 and int(np.prod(shape)) <= JOINT_CELLS:
        names = tuple(columns[i] for i in small)
        joint = cols.derived.get(names)
        if joint is None:  # per document, its small columns' codes as one number
            joint = np.zeros(cols.size, dtype=np.int32)
            for name in names:
                joint = joint * len(cols.values[name]) + cols.codes[name]
            joint = narrow(joint, int(np.prod(shape)))
            cols.derived[names] = joint
        table = compiled.counts(docs, joint, int(np.prod(shape))).reshape(shape)
        for axis, i in enumerate(small):
            out[i] = table.sum(axis=tuple(a for a in range(len(shape)) if a != axis))
    return [found if found is not None else
            compiled.counts(docs, cols.counting_codes(c), len(cols.values[c]))
            for found, c in zip(out, columns)]



def reference_column_counts(cols: FacetColumns, docs: np.ndarray, columns: list[str]
                            ) -> list[np.ndarray]:
    """``column_counts`` column by column: its definition, kept to test it against."""
    return [np.bincount(cols.codes[c][docs], minlength=len(cols.values[c])) for c in columns]


def _author_counts(cols: FacetColumns, docs: np.ndarray) -> np.ndarray:
    """Return each author's count among ``docs``: one count of each document's byline
    (``FacetColumns.bylines``: its author, or its set of several), then each set's count
    added to its authors; the cost follows the matches once, and the bylines (1,385 sets of
    several authors at 8x FakeNewsNet), not each match's pairs (at 8x, "year": 0.85 → 0.27
    ms; 14,510 of its matches have several authors)."""
    b = cols.bylines()
    size = len(cols.author_names)
    shifted = compiled.counts(docs, b.code, size + 1 + b.sets)  # 0: no author
    counts, sets = shifted[1:size + 1], shifted[size + 1:]
    if sets.any():  # each set's count to its authors (exact: counts are far below 2**53)
        counts = counts + np.bincount(b.members, weights=sets[b.member_set],
                                      minlength=size).astype(np.int64)
    return counts


def _as_dict(values: list[str], counts: np.ndarray) -> dict[str, int]:
    return {values[c]: int(counts[c]) for c in np.flatnonzero(counts)}


def raw_counts(cols: FacetColumns, matched: np.ndarray, f: Filters, date_by_month: bool,
               selected_authors=()) -> RawCounts:
    """Return every facet value's count among ``matched`` under filters ``f`` (multi-select:
    each facet's counts apply every filter but its own), untruncated, so that the counts of
    several shards add up; a selected author of this index is there even when at 0. The
    definition that ``count`` and the shards' coded counts (``cluster.facet_codes``) are
    tested against."""
    raw = {name: _as_dict(values, counts)
           for name, (values, counts) in value_counts(cols, matched, f, date_by_month).items()}
    for name in missing_authors(cols, raw["author"], selected_authors):
        raw["author"][name] = 0
    return raw


def missing_authors(cols: FacetColumns, counted, selected_authors) -> tuple[str, ...]:
    """Return the canonical names of ``selected_authors`` that are not among ``counted``
    (they are shown at 0: a selected author always shows)."""
    return tuple(dict.fromkeys(name for name in _canonical(cols.author_names_of, selected_authors)
                               if name not in counted))


def add_counts(parts: list[RawCounts]) -> RawCounts:
    """Return the raw counts of several shards added up (the definition of
    ``cluster.facet_codes.merged``)."""
    total: RawCounts = {}
    for raw in parts:
        for facet, values in raw.items():
            into = total.setdefault(facet, {})
            for value, n in values.items():
                into[value] = into.get(value, 0) + n
    return total


def shape(raw: RawCounts, selected_authors=(),
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
        "site": _by_count(raw["site"]),
        "speaker": _top(_by_count(raw["speaker"]), selected_speakers),
    }


def count(cols: FacetColumns, matched: np.ndarray, f: Filters, date_by_month: bool,
          selected_authors=(), selected_speakers=()) -> dict[str, list[FacetValue]]:
    """Return the facet counts of ``matched`` under filters ``f`` (multi-select), as
    ``shape`` would from ``raw_counts``; of the many authors and speakers only those that
    can be shown become Python objects."""
    authors = _canonical(cols.author_names_of, selected_authors)
    speakers = _canonical(cols.speaker_names, selected_speakers)
    counts = value_counts(cols, matched, f, date_by_month)
    raw = {name: _as_dict(*counts[name]) for name in ("date", "kind", "lang", "site")}
    for name in ("author", "speaker"):
        values, n = counts[name]
        raw[name] = leading(values, n, AUTHOR_FACET_SIZE)
    for name in authors:  # as raw_counts: shown even at 0
        code = cols.author_index.get(name)
        if code is not None:
            raw["author"][name] = int(counts["author"][1][code])
    if speakers:  # a selected speaker past the first ones: look at them all
        raw["speaker"] = _as_dict(*counts["speaker"])
    return shape(raw, authors, speakers)


def leading(values: list[str], counts: np.ndarray, size: int) -> dict[str, int]:
    """Return the values that ``_by_count`` would list first ``size`` (ties on the last
    count included), with their counts."""
    nonzero = np.flatnonzero(counts)
    if len(nonzero) > size:
        last = np.partition(counts[nonzero], len(nonzero) - size)[len(nonzero) - size]
        nonzero = nonzero[counts[nonzero] >= last]
    return {values[c]: int(counts[c]) for c in nonzero}


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
