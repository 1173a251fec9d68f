"""A sharded search's facet counts crossing as codes, not names.

Each shard counts every facet value among its matches (``facets``' multi-select counts), so
that the shards' counts add up exactly: at 4x FakeNewsNet, thousands of authors and speakers
a search. They crossed as names (one string a facet), which the coordinator split, added up
in dicts and sorted: ~0.6 ms of its CPU a search. Now a shard sends, per facet, the codes of
its non-zero values in its own columns and their counts (two int32 arrays); the coordinator
asks every shard once per snapshot for its columns' values (``values_of``) and keeps, per
shard and column, where each of the shard's codes falls in the union of every shard's values
(``Table``); a search's counts are then one ``np.bincount`` a shard and facet, and only the
values the page can list become names (``merged``: the first ``AUTHOR_FACET_SIZE`` authors
and speakers, ties included, the selected ones, every date, kind, language and site).

What a shard sends (``coded``) is ``facets.raw_counts`` as codes: the same values counted,
and the same selected authors it reports at 0 (by name: one it does not hold has no code).
``merged`` returns what ``facets.shape`` makes of the added-up names
(``tests/test_sharded.py`` checks it against that definition).
"""
from __future__ import annotations

import numpy as np

from index.read import facets
from index.read.facet_columns import FacetColumns
from index.request import FACETS

COLUMNS = ("author", "year", "month", "kind", "lang", "site", "speaker")
# per facet, (codes, counts) of the shard's non-zero values; and the selected authors it
# reports at 0 by name
Coded = tuple[dict[str, tuple[np.ndarray, np.ndarray]], tuple[str, ...]]


def column_of(facet: str, date_by_month: bool) -> str:
    """Return the column whose values ``facet``'s codes number."""
    return ("month" if date_by_month else "year") if facet == "date" else facet


def values_of(cols: FacetColumns) -> dict[str, list[str]]:
    """Return each column's values, in code order (what a shard's codes number)."""
    return {c: list(cols.author_names if c == "author" else cols.values[c]) for c in COLUMNS}


def coded(cols: FacetColumns, matched: np.ndarray, f: facets.Filters, date_by_month: bool,
          selected_authors=()) -> Coded:
    """Return ``facets.raw_counts``' counts as codes (see the module's docstring)."""
    out = {}
    for name, (_, counts) in facets.value_counts(cols, matched, f, date_by_month).items():
        codes = np.flatnonzero(counts)
        out[name] = (codes.astype(np.int32), counts[codes].astype(np.int32))
    missing: tuple[str, ...] = ()
    if selected_authors:  # as raw_counts: a selected author always shows, even at 0
        missing = facets.missing_authors(
            cols, {cols.author_names[c] for c in out["author"][0].tolist()}, selected_authors)
    return out, missing


class Table:
    """Every shard's column values as one list a column, and where each shard's codes fall
    in it."""

    def __init__(self, shards: list[dict[str, list[str]]]) -> None:
        self.values: dict[str, list[str]] = {}
        self.index: dict[str, dict[str, int]] = {}  # per column, value → place in values
        self.maps: list[dict[str, np.ndarray]] = [{} for _ in shards]
        for column in COLUMNS:
            index: dict[str, int] = {}
            for k, lists in enumerate(shards):
                found = lists[column]
                self.maps[k][column] = np.fromiter(
                    (index.setdefault(v, len(index)) for v in found), np.int64, len(found))
            self.values[column], self.index[column] = list(index), index


def merged(table: Table, answers: list[Coded], date_by_month: bool, authors=(),
           speakers=()) -> dict[str, list]:
    """Return the facets of the shards' ``coded`` counts as ``facets.shape`` lists them."""
    raw = {}
    for facet in FACETS:
        column = column_of(facet, date_by_month)
        values = table.values[column]
        total = np.zeros(len(values), dtype=np.int64)
        for k, (counts, _) in enumerate(answers):
            codes, n = counts[facet]
            if len(codes):
                total += np.bincount(table.maps[k][column][codes], weights=n,
                                     minlength=len(values)).astype(np.int64)
        raw[facet] = _listed(values, total, facet, table.index[column], authors, speakers,
                             [m for _, missing in answers for m in missing]
                             if facet == "author" else [])
    return facets.shape(raw, authors, speakers)


def _listed(values: list[str], total: np.ndarray, facet: str, table_index: dict[str, int],
            authors, speakers, missing: list[str]) -> dict[str, int]:
    """Return the values of one facet that ``facets.shape`` may list, with their counts: of
    authors and speakers, the first ``AUTHOR_FACET_SIZE`` by count (``facets.leading``) and
    the selected ones, when there are more; every value of the other facets."""
    nonzero = np.flatnonzero(total)
    extra = dict.fromkeys(missing, 0)  # selected authors a shard reported at 0
    size = facets.AUTHOR_FACET_SIZE
    many = facet in ("author", "speaker") and len(nonzero) + len(extra) > size and (
        not extra or len({values[c] for c in nonzero.tolist()} | extra.keys()) > size)
    if not many:
        return {**extra, **{values[c]: int(total[c]) for c in nonzero.tolist()}}
    shown = facets.leading(values, total, size)
    if facet == "author":
        for name in set(authors):
            code = table_index.get(name)
            n = int(total[code]) if code is not None else 0
            if n or name in extra:
                shown[name] = n
    elif speakers:
        wanted = {s.casefold() for s in speakers}
        shown.update((values[c], int(total[c])) for c in nonzero.tolist()
                     if values[c].casefold() in wanted)
    return shown
