"""Near-duplicate folding at search time: one result per group, the others counted.

Each article carries the key of its near-duplicate group (written at index time, see
``neardup``) in a Whoosh column; ``Groups`` reads it once per snapshot into an array by
document number, with each group's size. Folding a result list keeps, of the documents of
a group that match, the one ranked first (by the list's own order: relevance or date) and
counts the others as its ``copies``. Only documents of groups with two or more members are
looked at, so a query whose matches have no copies costs one mask look-up.

Folding changes what the list shows and its ``total``, never the facet counts: those count
matching documents, copies included.
"""
from __future__ import annotations

import numpy as np

from index.documents import group_id, key_of
from index.read.order import in_order
from index.read.scoring import Hits


class Groups:
    """The near-duplicate group of every document of one snapshot (0: none)."""

    def __init__(self, segs) -> None:
        key = segs.concat(lambda p: p.group, np.int64)  # 0 in older indexes: no groups
        key[~segs.live] = 0
        size = len(key)
        grouped = key != 0
        uniq, inverse, counts = np.unique(key[grouped], return_inverse=True, return_counts=True)
        members = np.ones(size, dtype=np.int64)
        members[grouped] = counts[inverse]
        dense = np.zeros(size, dtype=np.int32)  # each group's place in ``uniq``, for folding
        dense[grouped] = inverse
        self.key = key
        self.dense = dense
        self.members = members  # the size of each document's group (1: alone)
        self.multi = members > 1
        self.count = len(uniq)                        # groups of articles
        self.with_copies = int((counts > 1).sum())    # of which hold two or more articles
        for array in (self.key, self.dense, self.members, self.multi):
            array.flags.writeable = False

    def group_of(self, docnum: int) -> str | None:
        """Return the public group id of a document that has copies, else None."""
        return group_id(int(self.key[docnum])) if self.multi[docnum] else None

    def mask(self, key: int) -> np.ndarray:
        """Return the documents of the group ``key``."""
        return self.key == key if key else np.zeros(len(self.key), dtype=bool)


class Copies:
    """Per kept document that stands for others, how many copies it folds; looked up for the
    page's documents only (a broad query folds thousands)."""

    def __init__(self, leaders: np.ndarray, counts: np.ndarray) -> None:
        order = np.argsort(leaders, kind="stable")
        self.leaders, self.counts = leaders[order], counts[order]

    def get(self, docnum: int, default: int = 0) -> int:
        at = int(np.searchsorted(self.leaders, docnum))
        if at < len(self.leaders) and self.leaders[at] == docnum:
            return int(self.counts[at])
        return default

    def __len__(self) -> int:
        return len(self.leaders)


NO_COPIES = Copies(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64))


def fold(groups: Groups, ids: np.ndarray, tier: np.ndarray, scores: np.ndarray,
         seq: np.ndarray, days: np.ndarray, sort: str, ranked: bool
         ) -> tuple[np.ndarray, Copies]:
    """Return which of ``ids`` (ascending; ``tier`` and ``scores`` per id, ``seq`` and ``days``
    per document number) to keep (a mask) and, per kept document that stands for others, how
    many copies it folds. Each group keeps its first document in result order
    (``order.in_order``: tier, score, date, ``seq``), found key by key without sorting: the
    documents with their group's best tier, of those the best score, and so on (a key all of
    them share is skipped); only the documents of groups with copies are looked at, and only
    their dates and places read. ``reference_fold`` is the sorting form."""
    keep = np.ones(len(ids), dtype=bool)
    c = np.flatnonzero(groups.multi[ids])
    if not len(c):
        return keep, NO_COPIES
    leaders, group = leading(groups, ids, c, tier, scores, seq, days, sort, ranked)
    counts = np.bincount(group)[group[leaders]]
    keep[c] = False
    keep[c[leaders]] = True
    several = counts > 1
    return keep, Copies(ids[c[leaders[several]]].astype(np.int64), counts[several] - 1)


def leading(groups: Groups, ids: np.ndarray, c: np.ndarray, tier: np.ndarray,
            scores: np.ndarray, seq: np.ndarray, days: np.ndarray, sort: str, ranked: bool,
            group: np.ndarray | None = None, distinct: int | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Return, of the places ``c`` among ``ids`` (documents of groups with copies; ``tier``
    and ``scores`` per id), where each group's first document in result order is (places
    among ``c``), and each one's group (dense numbers), as ``fold`` finds them. Each key is
    read for the documents still tied only, and the best per group is kept for the groups
    looked at only: at 8x, "year" looks at 2,812 of 98,069 groups, and filling a best for
    every group, once per key, cost more than the rest. ``group`` (of each of ``c``) and
    ``distinct`` (how many groups they are in), when the caller knows them."""
    group = groups.dense[ids[c]] if group is None else group
    size = int(group.max()) + 1
    if distinct is None:
        distinct = int(np.count_nonzero(np.bincount(group, minlength=size)))
    leaders = np.arange(len(c))
    best = np.empty(size, dtype=np.float64)  # each key's best per group (tiers, days and
    # places are small integers: exact as floats)
    for read_key in _preference(tier, scores, days, seq, ids, sort, ranked):
        if len(leaders) == distinct:  # one left in every group: the rest cannot change it
            break
        key = read_key(c[leaders]).astype(np.float64, copy=False)
        if key.min() == key.max():  # all equal: no group's first changes
            continue
        at = group[leaders]
        best[at] = -np.inf  # the entries read below, not every group's
        np.maximum.at(best, at, key)
        leaders = leaders[key == best[at]]
    return leaders, group


def _preference(tier, score, day, seq, ids, sort: str, ranked: bool) -> list:
    """The keys of ``order.in_order``'s comparison, first key first, each larger-is-better
    (``seq`` last: it tells any two documents apart), as functions of places in ``ids``
    (``tier`` and ``score`` per place, ``day`` and ``seq`` per document number)."""
    if sort == "relevance" and ranked:
        return [lambda at: tier[at], lambda at: score[at], lambda at: day[ids[at]],
                lambda at: -seq[ids[at]]]
    sign = -1 if sort == "date" else 1
    return [lambda at: -(day[ids[at]] == 0).astype(np.int64),
            lambda at: sign * day[ids[at]], lambda at: -seq[ids[at]]]


def reference_fold(groups: Groups, ids: np.ndarray, tier: np.ndarray, scores: np.ndarray,
                   seq: np.ndarray, days: np.ndarray, sort: str, ranked: bool
                   ) -> tuple[np.ndarray, Copies]:
    """``fold`` by sorting the documents of groups with copies into result order and keeping
    each group's first: its definition, kept to test it against."""
    keep = np.ones(len(ids), dtype=bool)
    candidates = np.flatnonzero(groups.multi[ids])
    if not len(candidates):
        return keep, NO_COPIES
    c = candidates
    ranked_at = c[in_order(tier[c], scores[c], days[ids[c]], seq[ids[c]], sort, ranked)]
    keys = groups.key[ids[ranked_at]]
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    keep[candidates] = False
    leaders = ranked_at[first]
    keep[leaders] = True
    several = counts > 1
    return keep, Copies(ids[leaders[several]].astype(np.int64), counts[several] - 1)


def collapse(groups: Groups, final: Hits, tier: np.ndarray, seq: np.ndarray, days: np.ndarray,
             sort: str, ranked: bool) -> tuple[Hits, np.ndarray, Copies]:
    """Return ``final`` (and its ``tier``s) with one document per group, and the copies
    each kept document stands for (``seq`` and ``days``: per document number)."""
    keep, copies = fold(groups, final.ids, tier, final.scores, seq, days, sort, ranked)
    if keep.all():
        return final, tier, copies
    at = np.flatnonzero(keep)  # places, not the mask (see ``stories.fold_stories``)
    return Hits(final.ids[at], final.scores[at]), tier[at], copies


def only_group(groups: Groups, hits: Hits, group: str) -> Hits:
    """Return the ``hits`` in the group with public id ``group`` (none if it is malformed)."""
    try:
        key = key_of(group)
    except ValueError:
        key = 0
    inside = groups.mask(key)[hits.ids]
    return Hits(hits.ids[inside], hits.scores[inside])
