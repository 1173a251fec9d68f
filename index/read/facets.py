"""Facet columns, filters as boolean masks, and multi-select facet counting.

``FacetColumns`` holds, per document number, small integer codes for kind, lang, year,
month and a quote's speaker, the day (YYYYMMDD, 0 when unknown) and the author codes (several a document, kept as
parallel arrays of (document, author) pairs). It is put together from each segment's
(``segments``: each facet term's posting list in that segment), so a snapshot opened after
a push reads only its new segments.

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
from index.read.segments import SINGLE, Segments

AUTHOR_FACET_SIZE = 20


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
            "speaker", speakers, np.bincount(codes, minlength=len(speakers)), 1, names, before)
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
            "author", authors, np.bincount(code, minlength=len(authors)), 0, names, before)
        self.author_doc, self.author_code = _unique_pairs(doc, remap[code])
        self.author_index = {name: i for i, name in enumerate(self.author_names)}
        self.day = segs.concat(lambda p: p.day, np.int64)
        self._live_ids = np.flatnonzero(self.live).astype(np.int64)
        self._article_counts: np.ndarray | None = None
        for array in (self.day, self._live_ids, *self.codes.values()):
            array.flags.writeable = False

    def _group(self, name: str, values: list[str], counts: np.ndarray, first: int,
               names: dict | None, before: FacetColumns | None) -> tuple:
        """Return ``_grouped`` of these values and counts, the one before's when they are
        the same (grouping every name again costs seconds on FakeNewsNet)."""
        everywhere = (names or {}).get(name)
        key = (values, counts, everywhere)
        old = before._grouping.get(name) if before is not None else None
        if old is not None and old[0][0] is values and np.array_equal(old[0][1], counts) \
                and old[0][2] == everywhere:
            found = old[1]
        else:
            found = _grouped(values, counts, first, everywhere)
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


def _counts(cols: FacetColumns, matched: np.ndarray, f: Filters, date_by_month: bool
            ) -> dict[str, tuple[list[str], np.ndarray]]:
    """Return per facet its values and each value's count among ``matched`` under filters
    ``f`` (multi-select: each facet's counts apply every filter but its own); a value's code
    is its place in the list, and code 0 of a single-valued column ("": none) counts 0."""
    base = {name: f.keep(matched, skip=name) for name in FACETS}
    chosen = np.zeros(cols.size, dtype=bool)
    chosen[base["author"]] = True
    out = {"author": (cols.author_names,
                      np.bincount(cols.author_code[chosen[cols.author_doc]],
                                  minlength=len(cols.author_names)))}
    date_name = "month" if date_by_month else "year"
    date_docs = base["date"]
    if date_by_month and f.day_from and f.day_to and f.day_from // 10000 == f.day_to // 10000:
        # Months "within a year": the date filter is widened to its whole year, not dropped.
        date_docs = date_docs[cols.day[date_docs] // 10000 == f.day_from // 10000]
    for name, column, docs in (("date", date_name, date_docs), ("kind", "kind", base["kind"]),
                               ("lang", "lang", base["lang"]), ("site", "site", base["site"]),
                               ("speaker", "speaker", base["speaker"])):
        counts = np.bincount(cols.codes[column][docs], minlength=len(cols.values[column]))
        counts[0] = 0
        out[name] = (cols.values[column], counts)
    return out


def _as_dict(values: list[str], counts: np.ndarray) -> dict[str, int]:
    return {values[c]: int(counts[c]) for c in np.flatnonzero(counts)}


def raw_counts(cols: FacetColumns, matched: np.ndarray, f: Filters, date_by_month: bool,
               selected_authors=()) -> dict[str, dict[str, int]]:
    """Return every facet value's count among ``matched`` under filters ``f`` (multi-select:
    each facet's counts apply every filter but its own), untruncated, so that the counts of
    several shards add up; a selected author of this index is there even when at 0."""
    raw = {name: _as_dict(*pair) for name, pair in _counts(cols, matched, f, date_by_month).items()}
    for name in _canonical(cols.author_names_of, selected_authors):  # always shows, even at 0
        raw["author"].setdefault(name, 0)
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
    counts = _counts(cols, matched, f, date_by_month)
    raw = {name: _as_dict(*counts[name]) for name in ("date", "kind", "lang", "site")}
    for name in ("author", "speaker"):
        values, n = counts[name]
        raw[name] = _leading(values, n, AUTHOR_FACET_SIZE)
    for name in authors:  # as raw_counts: shown even at 0
        code = cols.author_index.get(name)
        if code is not None:
            raw["author"][name] = int(counts["author"][1][code])
    if speakers:  # a selected speaker past the first ones: look at them all
        raw["speaker"] = _as_dict(*counts["speaker"])
    return shape(raw, authors, speakers)


def _leading(values: list[str], counts: np.ndarray, size: int) -> dict[str, int]:
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
